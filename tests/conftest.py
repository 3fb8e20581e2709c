"""Shared fixtures. Tests are written as given / when / then."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from quanzi.accounts.models import ApiToken, User
from quanzi.ledger.services import check_ledger
from tests.factories import UserFactory


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL tests run only against PostgreSQL (make test sets DATABASE_URL for them);
    browser tests are skipped where Chromium is missing, unless it is required (CI)."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set QUANZI_TEST_POSTGRES_URL")
    skip_redis = pytest.mark.skip(reason="needs Redis: set REDIS_URL")
    skip_browser = pytest.mark.skip(reason=chromium_missing())
    without_chromium = not chromium_found() and not chromium_required()
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(skip_redis)
        if "browser" in item.keywords and without_chromium:
            item.add_marker(skip_browser)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line when browser tests were skipped for want of Chromium (not one per test)."""
    skipped = terminalreporter.stats.get("skipped", [])
    reason = chromium_missing()
    if any(reason in str(report.longrepr) for report in skipped):
        terminalreporter.write_line(f"browser tests skipped: {reason}", yellow=True)


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield


class ApiClient:
    """A JSON client for /api/v1/ that sends a bearer token when it has a user."""

    def __init__(self, user: User | None = None) -> None:
        self.client = Client()
        self.user = user
        self.headers: dict[str, str] = {}
        if user is not None:
            _, raw = ApiToken.issue(user)
            self.headers["Authorization"] = f"Bearer {raw}"

    def _call(
        self,
        method: str,
        path: str,
        data: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        url = path if path.startswith("/") else f"/api/v1/{path}"
        fn = getattr(self.client, method)
        h = {**self.headers, **(headers or {})}
        if (
            method in ("post", "put", "patch")
            and "content_type" not in kwargs
            and not kwargs.get("multipart")
        ):
            return fn(url, data=data, content_type="application/json", headers=h, **kwargs)
        kwargs.pop("multipart", None)
        return fn(url, data=data, headers=h, **kwargs)

    def get(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("get", path, data, **kw)

    def post(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("post", path, data, **kw)

    def put(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("put", path, data, **kw)

    def patch(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("patch", path, data, **kw)

    def delete(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("delete", path, data, **kw)


@pytest.fixture
def api() -> type[ApiClient]:
    """`api(user)` builds a client for that user; `api()` is anonymous."""
    return ApiClient


@pytest.fixture
def user(db: None) -> User:
    return UserFactory()


# --- Playwright in Debian's Chromium against pytest-django's live server -------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str:
    return os.environ.get("QUANZI_CHROMIUM", "/usr/bin/chromium")


def chromium_found() -> bool:
    return os.access(chromium_path(), os.X_OK)


def chromium_required() -> bool:
    """In CI (`CI=true`) or when QUANZI_CHROMIUM names it (.ci/run does) a missing Chromium
    fails the browser tests; elsewhere they are skipped."""
    ci = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
    return ci or bool(os.environ.get("QUANZI_CHROMIUM"))


def chromium_missing() -> str:
    return (
        f"Chromium not found at {chromium_path()}; install Debian's chromium "
        "(`apt-get install chromium`) or set QUANZI_CHROMIUM to its path"
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not chromium_found():
        if chromium_required():
            pytest.fail(f"{chromium_missing()} (required: CI or QUANZI_CHROMIUM is set)")
        pytest.skip(chromium_missing())
    # Playwright's sync API runs an event loop in this thread; the test body still uses the ORM.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


# Every page a browser test opens reports its Content-Security-Policy violations here (the
# `securitypolicyviolation` event, through a binding that survives navigations, and Chromium's
# "Refused to ..." console errors); new_page fails the test at teardown if there is any.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  (window.__quanziCsp = window.__quanziCsp || []).push(e.effectiveDirective);
  window.quanziCspViolation({directive: e.effectiveDirective, blocked: e.blockedURI,
    source: e.sourceFile, line: e.lineNumber, sample: e.sample, page: e.documentURI});
});
"""


@pytest.fixture
def new_page(browser, live_server):  # type: ignore[no-untyped-def]
    """`new_page(lang="zh-hans")` opens a fresh browser context (its own cookies) on the server.
    `new_page.csp_violations` lists what the pages' Content-Security-Policy blocked so far."""
    contexts = []
    violations: list[str] = []

    def on_console(message) -> None:  # type: ignore[no-untyped-def]
        if message.type == "error" and "Content Security Policy" in message.text:
            violations.append(f"console: {message.text}")

    def make(lang: str = "zh-hans"):  # type: ignore[no-untyped-def]
        ctx = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN" if lang.startswith("zh") else "en-US",
            extra_http_headers={"Accept-Language": "zh-CN" if lang.startswith("zh") else "en"},
            viewport={"width": 390, "height": 844},  # a phone (iPhone 12–15)
        )
        ctx.set_default_timeout(15_000)
        ctx.expose_binding("quanziCspViolation", lambda source, v: violations.append(repr(v)))
        ctx.add_init_script(CSP_LISTENER)
        ctx.on("console", on_console)
        contexts.append(ctx)
        return ctx.new_page()

    make.csp_violations = violations  # type: ignore[attr-defined]
    yield make
    for ctx in contexts:
        for page in ctx.pages:
            # a round trip lets the events the page sent before reach us (a crashed or closed
            # page sends nothing more)
            with contextlib.suppress(Exception):
                page.evaluate("0")
        ctx.close()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations))
    # and whatever money the flow moved, the ledger is sound after it (`manage.py ledger_check`)
    problems = check_ledger()
    if problems:
        pytest.fail("ledger_check failed after the flow:\n" + "\n".join(problems))
