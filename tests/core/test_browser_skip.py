"""Browser tests on a machine without Chromium: skipped with one line in the summary on a
newcomer's machine, failed in CI (`CI=true`, or QUANZI_CHROMIUM set as .ci/run does), so CI
never skips them silently."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tests import conftest as root


class Item:
    def __init__(self, *keywords: str) -> None:
        self.keywords = dict.fromkeys(keywords, True)
        self.markers: list[Any] = []

    def add_marker(self, marker: Any) -> None:
        self.markers.append(marker)


def skipped(item: Item) -> list[str]:
    return [m.kwargs["reason"] for m in item.markers if m.name == "skip"]


@pytest.fixture
def no_chromium(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Chromium is not where the tests look for it, and nothing says it is required."""
    monkeypatch.setattr(root, "chromium_path", lambda: "/nowhere/chromium")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("QUANZI_CHROMIUM", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://unused")
    monkeypatch.setenv("DATABASE_URL", "postgres://unused")
    return monkeypatch


def test_without_chromium_browser_tests_are_skipped_and_summed_up_in_one_line(
    no_chromium: pytest.MonkeyPatch,
):
    # given a browser test and another test, on a machine without Chromium
    browser_test, other_test = Item("browser"), Item("redis")
    # when they are collected
    root.pytest_collection_modifyitems(SimpleNamespace(), [browser_test, other_test])
    # then only the browser test is skipped, saying what to install
    assert skipped(browser_test) == [root.chromium_missing()]
    assert "install Debian's chromium" in root.chromium_missing()
    assert skipped(other_test) == []
    # and the summary says it once, however many were skipped
    lines: list[str] = []
    report = SimpleNamespace(longrepr=("t.py", 1, f"Skipped: {root.chromium_missing()}"))
    reporter = SimpleNamespace(
        stats={"skipped": [report] * 18}, write_line=lambda line, **kw: lines.append(line)
    )
    root.pytest_terminal_summary(reporter)
    assert lines == [f"browser tests skipped: {root.chromium_missing()}"]


@pytest.mark.parametrize("ci", [("CI", "true"), ("QUANZI_CHROMIUM", "/nowhere/chromium")])
def test_in_ci_a_missing_chromium_is_not_skipped(
    no_chromium: pytest.MonkeyPatch, ci: tuple[str, str]
):
    # given CI (CI=true, or QUANZI_CHROMIUM set by .ci/run) on a machine without Chromium
    no_chromium.setenv(*ci)
    browser_test = Item("browser")
    # when it is collected
    root.pytest_collection_modifyitems(SimpleNamespace(), [browser_test])
    # then it is not skipped: the `browser` fixture fails it, loudly
    assert skipped(browser_test) == []
    assert root.chromium_required()


def test_a_summary_without_such_skips_says_nothing(no_chromium: pytest.MonkeyPatch):
    # given a run whose only skip is for another reason
    lines: list[str] = []
    report = SimpleNamespace(longrepr=("t.py", 1, "Skipped: needs Redis: set REDIS_URL"))
    reporter = SimpleNamespace(
        stats={"skipped": [report]}, write_line=lambda line, **kw: lines.append(line)
    )
    # when the summary is written
    root.pytest_terminal_summary(reporter)
    # then it says nothing about browsers
    assert lines == []
