"""The shared cleaners of typed-in values (quanzi.core.validation)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import InvalidInput
from quanzi.core.validation import (
    SHANGHAI,
    clean_bool,
    clean_choice,
    clean_given_text,
    clean_text,
    form_whole_number,
    local_datetime,
    local_input,
    refuse_unknown,
)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def test_clean_text_strips_and_keeps_what_fits():
    # given text with spaces around it, when cleaned, then it is stripped
    assert clean_text("  tea  ", field="name", max_length=3) == "tea"
    # and a field that is not given (None) or not text is empty unless required
    assert clean_text(None, field="name", max_length=3) == ""
    assert clean_text(12, field="name", max_length=3) == ""


def test_clean_text_refuses_with_the_callers_words_and_codes():
    # given a required field left empty, then the default message with the caller's code
    with pytest.raises(InvalidInput) as missing:
        clean_text(" ", field="title", max_length=5, required=True, missing_code="required")
    assert (str(missing.value.message), missing.value.code) == (
        "This field is required.",
        "required",
    )
    assert missing.value.extra == {"field": "title"}
    # given text over the limit, then the caller's message, formatted with the limit
    with pytest.raises(InvalidInput) as long:
        clean_text(
            "abcdef",
            field="title",
            max_length=5,
            too_long=_("This field is too long (at most %(n)d characters)."),
        )
    assert str(long.value.message) == "This field is too long (at most 5 characters)."
    assert long.value.code == "invalid"


def test_clean_text_counts_a_textarea_line_end_once_and_refuses_nul():
    # given a textarea's CRLF line ends, when cleaned as multiline, then each counts once
    assert clean_text("a\r\nb", field="body", max_length=3, multiline=True) == "a\nb"
    # given a NUL character, then the house rule for text refuses it
    with pytest.raises(InvalidInput) as nul:
        clean_text("a\x00b", field="body", max_length=9)
    assert nul.value.code == "nul_character"


def test_given_text_cleans_only_the_fields_given():
    given = {"name": " Shop ", "bio": None}
    assert clean_given_text(given, {"name": 10, "bio": 10, "motto": 10}) == {"name": "Shop"}
    with pytest.raises(InvalidInput) as long:
        clean_given_text({"name": "x" * 11}, {"name": 10})
    assert long.value.extra == {"field": "name"}


def test_choices_yes_no_and_unknown_fields():
    assert clean_choice("open", ["open", "closed"], field="policy") == "open"
    with pytest.raises(InvalidInput, match="Choose one of the options"):
        clean_choice(1, ["open"], field="policy")
    assert clean_bool(False, field="on") is False
    with pytest.raises(InvalidInput, match="Choose yes or no"):
        clean_bool("on", field="on")
    refuse_unknown(["a"], ["a", "b"])
    with pytest.raises(InvalidInput) as unknown:
        refuse_unknown(["z", "c", "a"], ["a"])
    assert unknown.value.extra == {"field": "c"}  # the first by name: a stable answer


def test_form_numbers_and_times():
    # given a form's number field, then digits within the length pass and others are refused
    assert form_whole_number(" 42 ", field="stock", max_digits=3) == 42
    for raw in ("", "4.2", "-1", "1234"):
        with pytest.raises(InvalidInput, match="Enter a whole number"):
            form_whole_number(raw, field="stock", max_digits=3)
    # given a datetime-local value, then it is Beijing time, and shows again as typed
    moment = local_datetime(" 2025-03-01T09:30 ", field="starts_at")
    assert moment == datetime(2025, 3, 1, 1, 30, tzinfo=UTC)
    assert moment.tzinfo == SHANGHAI
    assert local_input(moment) == "2025-03-01T09:30"
    assert local_input(None) == ""
    with pytest.raises(InvalidInput, match="Enter the launch time"):
        local_datetime("soon", field="launch_at", message=_("Enter the launch time."))


def test_typed_input_refuses_unknown_and_missing_fields_with_a_400():
    # given a service's typed input with a required and an optional field
    from dataclasses import dataclass

    from quanzi.core.validation import typed_input

    @dataclass(frozen=True, kw_only=True)
    class Thing:
        name: str
        size: int | None = None

    # then a mapping of its fields makes one, and an unknown or a missing field is a 400
    assert typed_input(Thing, {"name": "茶", "size": 2}) == Thing(name="茶", size=2)
    with pytest.raises(InvalidInput) as unknown:
        typed_input(Thing, {"name": "茶", "colour": "red"})
    assert unknown.value.extra["field"] == "colour"
    with pytest.raises(InvalidInput) as missing:
        typed_input(Thing, {"size": 2})
    assert missing.value.extra["field"] == "name"
