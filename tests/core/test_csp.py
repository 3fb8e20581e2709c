"""The Content-Security-Policy (issue 9, point 9): the header on every response, templates that
need nothing it forbids, and a browser that reports what it blocks (the browser tests run under
the policy, and new_page fails a test on any violation)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(ROOT.glob("quanzi/**/templates/**/*.html"))

EXPECTED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' blob:",
    "font-src": "'self'",
    "connect-src": "'self' ws://testserver wss://testserver",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(header: str) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in directives}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/", "/accounts/login/", "/products/search/?q=tea", "/no/such/page/", "/api/v1/health"],
)
def test_every_response_carries_the_policy(path: str):
    # when a page, an error page or an API answer is served
    r = Client().get(path)
    # then it carries the whole policy: scripts and styles only from our files, no framing
    assert policy(r.headers["Content-Security-Policy"]) == EXPECTED


@pytest.mark.django_db
def test_a_signed_in_page_carries_the_policy_too():
    # given a signed-in user
    client = Client()
    client.force_login(UserFactory())
    # when they open their orders
    r = client.get("/orders/")
    # then the page has the same policy
    assert r.status_code == 200
    assert policy(r.headers["Content-Security-Policy"]) == EXPECTED


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)
# An attribute in a tag (`<a onclick=`, `{% if %} onchange="`), not text that mentions one.
EVENT_HANDLER = re.compile(r"""[\s"'%}]on[a-z]+\s*=\s*["'{]""", re.I)
INLINE_STYLE = re.compile(r"""[\s"'%}]style\s*=\s*["'{]""", re.I)


def inline_code(text: str) -> list[str]:
    """What in a template the policy would block: an inline script (a <script> without src=
    that is not a JSON data block), an on...= handler, a javascript: URL, a style attribute or
    block, an hx-on attribute (HTMX evaluates it)."""
    found = []
    for attrs, body in SCRIPT_TAG.findall(text):
        is_data = re.search(r"""type\s*=\s*["']application/json["']""", attrs, re.I)
        if is_data:
            continue
        if "src=" not in attrs.replace(" ", "") or body.strip():
            found.append(f"inline <script{attrs}>")
    found += [f"handler {m.group(0).strip()}" for m in EVENT_HANDLER.finditer(text)]
    found += [f"style attribute {m.group(0).strip()}" for m in INLINE_STYLE.finditer(text)]
    found += ["javascript: URL" for _ in re.finditer(r"javascript:", text, re.I)]
    found += ["<style> block" for _ in re.finditer(r"<style\b", text, re.I)]
    found += ["hx-on attribute" for _ in re.finditer(r"\bhx-on", text, re.I)]
    return found


def test_the_scan_finds_each_kind_of_inline_code():
    # given a template fragment with each thing the policy blocks, and the things it allows
    bad = """<script>alert(1)</script><script src="/a.js">x()</script>
    <form onsubmit="return confirm('x')"><input {% if a %}onchange="go()"{% endif %}>
    <a href="javascript:history.back()" style="color:red">back</a><style>p{}</style>
    <button hx-on:click="x()">"""
    good = """<script src="{% static 'a.js' %}" defer></script>
    <script type="application/json" id="cfg">{"a": 1}</script>
    <p>Click on="the button" to see the style = of the day</p><a data-confirm="sure?">"""
    # then every bad one is found, and none of the good ones
    assert len(inline_code(bad)) == 8, inline_code(bad)
    assert inline_code(good) == []


def test_no_template_has_code_the_policy_would_block():
    # given every template of the site
    assert len(TEMPLATES) > 100
    # then none holds an inline script, handler, javascript: URL, inline style or hx-on
    found = {
        str(path.relative_to(ROOT)): inline_code(path.read_text())
        for path in TEMPLATES
        if inline_code(path.read_text())
    }
    assert found == {}


def test_htmx_is_told_not_to_inject_styles_nor_to_eval():
    # given the base template that loads HTMX
    base = (ROOT / "quanzi/templates/base.html").read_text()
    # then its configuration keeps HTMX within the policy
    assert """"includeIndicatorStyles": false""" in base
    assert """"allowEval": false""" in base


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_browser_tests_fail_on_a_blocked_inline_script(new_page):
    # given a page of the site, under its policy
    page = new_page(lang="en")
    page.goto("/")
    # when something puts an inline script and an inline style into it
    page.evaluate(
        """() => {
        const s = document.createElement("script");
        s.textContent = "window.inlineRan = true";
        document.body.appendChild(s);
        const p = document.createElement("p");
        p.setAttribute("style", "color: red");
        document.body.appendChild(p);
    }"""
    )
    page.wait_for_function("(window.__quanziCsp || []).length >= 2")
    # then the browser blocked the script and reported both to the test's detector
    assert page.evaluate("window.inlineRan") is None
    assert any("'script-src-elem'" in v for v in new_page.csp_violations)
    assert any("'style-src-attr'" in v for v in new_page.csp_violations)
    # which would fail the test at teardown: the detector is emptied for this one only
    new_page.csp_violations.clear()
