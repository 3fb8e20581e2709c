"""zh-Hans is the default language and must be complete; the compiled catalog must match it."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "quanzi" / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_string_has_a_chinese_translation():
    po = polib.pofile(str(LOCALE / "django.po"))
    missing = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]
    assert missing == []


def test_the_compiled_catalog_matches_the_source():
    # given the .po translations and the committed .mo
    po = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0)
        for e in polib.pofile(str(LOCALE / "django.po")).translated_entries()
    }
    mo = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0)
        for e in polib.mofile(str(LOCALE / "django.mo"))
    }
    # then they hold the same strings (run `make messages` after editing the .po)
    assert {k: v for k, v in mo.items() if k[1]} == po


@pytest.mark.django_db
def test_pages_speak_chinese_by_default_and_english_on_request():
    zh = Client().get("/accounts/login/")
    en = Client().get("/accounts/login/", headers={"Accept-Language": "en"})
    assert "登录" in zh.content.decode()
    assert "Log in" in en.content.decode()
    with translation.override("zh-hans"):
        assert translation.gettext("Log in") != "Log in"
