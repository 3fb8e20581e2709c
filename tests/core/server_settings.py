"""The settings `make run` uses (quanzi.settings, DEBUG left at its default) with the urlconf of
tests/core/failing_urls.py, for the tests that run a real server in a subprocess."""

from quanzi.settings import *  # noqa: F403

ROOT_URLCONF = "tests.core.failing_urls"
