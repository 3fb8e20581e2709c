# Quanzi — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck bench screenshots messages clean

# The JavaScript libraries (charts) come from the npm registry, checked against pinned
# hashes, into the environment (quanzi/core/assets.py).
$(STAMP): pyproject.toml quanzi/core/assets.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m quanzi.core.assets
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	PORT=$(PORT) $(BIN)/python manage.py serve

# The whole suite on SQLite (the embedded mode), then again on PostgreSQL when
# QUANZI_TEST_POSTGRES_URL is set: the race tests marked `postgres` run only there.
# Browser tests run on their own: Playwright's sync API keeps an event loop running in its
# worker, which would break the WebSocket tests' asyncio.run in the same worker.
test: $(STAMP)
	$(BIN)/ruff check quanzi tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy quanzi
	$(BIN)/python manage.py makemigrations --check --dry-run > /dev/null
	$(BIN)/python -m pytest -n 2 -m "not postgres and not browser" -q
	$(BIN)/python -m pytest -n 2 -m "browser" -q
	@if [ -n "$$QUANZI_TEST_POSTGRES_URL" ]; then \
		DATABASE_URL="$$QUANZI_TEST_POSTGRES_URL" $(BIN)/python -m pytest -n 2 -m "not browser" -q; \
	else echo "QUANZI_TEST_POSTGRES_URL unset: PostgreSQL tests skipped"; fi

lint: $(STAMP)
	$(BIN)/ruff check quanzi tests bench
	$(BIN)/ruff format --check quanzi tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy quanzi

bench: $(STAMP)
	$(BIN)/python -m bench

# The key pages at phone size, in Chinese and English, as PNGs in var/screenshots (or
# $QUANZI_SCREENSHOTS_DIR), from the demo data; the same walk fails on any internal text shown.
screenshots: $(STAMP)
	QUANZI_SCREENSHOTS_DIR=$${QUANZI_SCREENSHOTS_DIR:-$(CURDIR)/var/screenshots} \
		$(BIN)/python -m pytest tests/browser/test_key_pages.py -m browser -q

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=tests --ignore=bench --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var/*.sqlite3*
