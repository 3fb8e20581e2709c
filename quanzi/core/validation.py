"""Checks of typed-in values shared by several domains: the services' cleaners (text, numbers,
choices, yes/no, the fields a call may give) and the pages' reading of a date-time field.

One cleaner per shape, each raising InvalidInput with the message and code its callers have
always shown: where domains word a refusal differently, they pass their words in (once, with
functools.partial, when every field of the domain uses them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import InvalidInput
from quanzi.core.text import check_text

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the shops' clock: a form's date and time is Beijing time
LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # the value of an <input type="datetime-local">

Message = str | Promise
T = TypeVar("T", bound="DataclassInstance")

REQUIRED = _("This field is required.")
AT_MOST = _("At most %(n)d characters.")
FIELD_TOO_LONG = _("This field is too long (at most %(n)d characters).")
ENTER_DATE_TIME = _("Enter a date and time.")


def clean_text(
    value: object,
    *,
    field: str,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
    missing: Message = REQUIRED,
    missing_code: str = InvalidInput.code,
    too_long: Message = AT_MOST,
    too_long_code: str = InvalidInput.code,
) -> str:
    """`value` stripped, at most `max_length` characters (`too_long` % {"n": max_length}) and,
    if `required`, not empty (`missing`). Anything but text counts as empty: forms and the
    strict schemas send text, None means "not given". `multiline` text (a textarea's) has its
    CRLF line ends counted as one character. Text no database can store is refused as
    everywhere (quanzi.core.text)."""
    text = value if isinstance(value, str) else ""
    if multiline:
        text = text.replace("\r\n", "\n")
    text = text.strip()
    check_text(text)
    if required and not text:
        raise InvalidInput(missing, code=missing_code, field=field)
    if len(text) > max_length:
        raise InvalidInput(too_long % {"n": max_length}, code=too_long_code, field=field)
    return text


def clean_given_text(given: Mapping[str, Any], limits: Mapping[str, int]) -> dict[str, str]:
    """The text fields of `limits` that are given (None: left as they are), each stripped and
    within its limit (FIELD_TOO_LONG)."""
    return {
        name: clean_text(str(given[name]), field=name, max_length=limit, too_long=FIELD_TOO_LONG)
        for name, limit in limits.items()
        if given.get(name) is not None
    }


def clean_choice(value: Any, choices: Iterable[str], *, field: str) -> str:
    """`value` if it is one of `choices` (a TextChoices' `.values`)."""
    if not isinstance(value, str) or value not in choices:
        raise InvalidInput(_("Choose one of the options."), field=field)
    return value


def clean_bool(value: Any, *, field: str) -> bool:
    """`value` if it is true or false itself (not 1, "yes" or "on": a form says that itself)."""
    if not isinstance(value, bool):
        raise InvalidInput(_("Choose yes or no."), field=field)
    return value


def typed_input(cls: type[T], given: Mapping[str, Any]) -> T:
    """A service's typed input (a dataclass) from an untyped mapping — a script, a test, a
    spreadsheet row: a key that is none of its fields is refused with a 400 naming it, and a
    missing required field with a 400 too (never a TypeError)."""
    refuse_unknown(given, [f.name for f in dataclasses.fields(cls)])
    missing = [
        f.name
        for f in dataclasses.fields(cls)
        if f.name not in given
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise InvalidInput(REQUIRED, field=missing[0])
    return cls(**given)


def refuse_unknown(given: Iterable[str], known: Iterable[str]) -> None:
    """Refuse a field no one can set (the first one by name, so the answer is stable)."""
    unknown = set(given) - set(known)
    if unknown:
        raise InvalidInput(_("Unknown field."), field=sorted(unknown)[0])


def form_whole_number(raw: str, *, field: str, max_digits: int) -> int:
    """A form's number field: digits only, at most `max_digits` of them (the service checks
    the range; this only keeps "12abc" and a thousand digits from reaching it)."""
    text = raw.strip()
    if not text.isdecimal() or len(text) > max_digits:
        raise InvalidInput(_("Enter a whole number."), field=field)
    return int(text)


def local_datetime(raw: str, *, field: str, message: Message = ENTER_DATE_TIME) -> datetime:
    """A form's date-time field (`<input type="datetime-local">`) as Beijing time."""
    try:
        return datetime.strptime(raw.strip(), LOCAL_INPUT).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise InvalidInput(message, field=field) from None


def local_input(moment: datetime | None) -> str:
    """A moment as the value of a form's date-time field (Beijing time); None is empty."""
    return moment.astimezone(SHANGHAI).strftime(LOCAL_INPUT) if moment else ""


def whole_number(value: Any, low: int, high: int, *, field: str) -> int:
    """`value` (an int or the text of one, as forms and JSON send it) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(_("Enter a whole number."), field=field)
    try:
        number = int(value)
    except ValueError as exc:
        raise InvalidInput(_("Enter a whole number."), field=field) from exc
    if not low <= number <= high:
        raise InvalidInput(
            _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high},
            field=field,
        )
    return number


def exact_whole_number(value: Any, low: int, high: int, *, field: str) -> int:
    """`value` as JSON sends a number: an int (not a bool, not text) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            _("%(field)s must be a whole number from %(low)s to %(high)s.")
            % {"field": field, "low": low, "high": high},
            field=field,
        )
    return value
