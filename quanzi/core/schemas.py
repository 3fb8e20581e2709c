"""The API's base schema: strict JSON types at the edge (a JSON `true` is not the integer 1).

ninja parses a JSON body with `json.loads` and validates the resulting Python dict, and pydantic
is lax in Python mode: `true` is the integer 1, `"2"` is 2, `1.0` is 1, `false` is 0. Pydantic's
strict mode refuses those, but in Python mode it also refuses what JSON can only send as text (an
ISO datetime or date, an enum's value, a UUID, a Decimal, a tuple sent as an array). And the same
schema classes validate more than JSON bodies: query strings and forms, where "2" must stay 2, and
what the views return, where a lazy translation is text. So a class-wide `strict=True` does not
fit; strictness follows the data instead:

- `JsonParser`, the API's parser, builds every object of a JSON body as a `JsonObject` (a dict).
- `Schema` validates a `JsonObject` with its strict twin: a subclass of the schema with
  `strict=True`, in which each type JSON has no value for (datetime, date, time, UUID, Decimal,
  enums, tuples…) is `Strict(False)` again where it stands (`list[date]`: the dates; a tuple
  takes an array, its items stay strict) and parses its text as before. Dates, times and UUIDs
  take only text (not a number read as a Unix time). The twin's result is returned as an
  instance of the schema itself, so views see the class they declared.
- Everything else (query strings, forms, the views' return values, `SomeIn(...)` in code) is
  validated as ninja always did: `Query[...]` schemas keep turning "2" into 2 and refusing "1.5".

In a JSON body, per field type: an integer is a JSON integer (not `true`, `"1"`, `1.0` or `1.5`);
a number is a JSON number (not a boolean or text); text is a JSON string; a boolean is `true` or
`false` (not `1` or `"true"`). Nested objects and list items follow the same rules (each nested
schema validates with its own twin), and a refusal is a 422 whose `errors[].loc` names the field.

Why a twin class: pydantic's JSON mode has exactly these rules, but ninja hands pydantic a
dict, not the body's text; `model_validate(..., strict=True)` at call time overrides every
field's `Strict(False)`, dates included; and per-field `StrictInt` annotations would have to be
written on every field of every schema (and forgotten on the next one). A config on a subclass
is pydantic's own way, and it is built once per class, on the first JSON body it meets.

Services keep their own checks of typed-in values (`quanzi.core.validation`): pages and forms
call them with text.
"""

from __future__ import annotations

import json
import types
from collections.abc import Sequence
from copy import copy
from datetime import date, datetime, time, timedelta
from threading import Lock
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from uuid import UUID

import ninja
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.parser import Parser
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ModelWrapValidatorHandler,
    Strict,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticKnownError

__all__ = ["JsonObject", "JsonParser", "Schema", "explain", "field_name"]


class JsonObject(dict[str, Any]):
    """An object of a JSON request body: what tells `Schema` to validate strictly."""


class JsonParser(Parser):
    """ninja's JSON parser, with the body's objects built as `JsonObject`s."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return json.loads(request.body, object_pairs_hook=JsonObject)  # type: ignore[no-any-return]


# Types JSON has a value for: a field made only of these is strict in a JSON body.
_NATIVE: tuple[Any, ...] = (int, float, bool, str, type(None), list, dict, Any)
# Types a JSON body sends as text only, and the error pydantic gives for a value of another type.
_TEXT_ONLY = {
    datetime: "datetime_type",
    date: "date_type",
    time: "time_type",
    timedelta: "time_delta_type",
    UUID: "uuid_type",
}


def _members(annotation: Any) -> tuple[Any, ...]:
    """The types a field's annotation is made of (through unions, Annotated and containers)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _members(get_args(annotation)[0])
    if origin in (Union, types.UnionType, list, dict):
        return tuple(m for arg in get_args(annotation) for m in _members(arg))
    return (annotation,)


def _json_native(annotation: Any) -> bool:
    return all(
        member in _NATIVE
        or get_origin(member) is Literal
        or (isinstance(member, type) and issubclass(member, BaseModel))
        for member in _members(annotation)
    )


def _text_only(error_type: str) -> BeforeValidator:
    def check(value: Any) -> Any:
        if value is not None and not isinstance(value, str):
            raise PydanticKnownError(error_type)  # type: ignore[arg-type]
        return value

    return BeforeValidator(check)


def _relaxed(annotation: Any) -> Any:
    """`annotation` for a strict twin: each type JSON has no value for is `Strict(False)` where
    it stands (a date inside a list too, while the list's other parts stay strict); a date, time
    or UUID takes only text."""
    if _json_native(annotation):
        return annotation
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return Annotated[(_relaxed(args[0]), *args[1:])]
    if origin in (Union, types.UnionType):
        return Union[tuple(_relaxed(arg) for arg in args)]  # noqa: UP007 (built at run time)
    if origin is not None:
        inner = tuple(arg if arg is Ellipsis else _relaxed(arg) for arg in args)
        rebuilt = origin[inner] if inner else annotation
        return rebuilt if origin in (list, dict) else Annotated[rebuilt, Strict(False)]
    error_type = _TEXT_ONLY.get(annotation)
    if error_type is None:
        return Annotated[annotation, Strict(False)]
    return Annotated[annotation, Strict(False), _text_only(error_type)]


_twins: dict[type[Schema], type[Schema]] = {}
_twins_lock = Lock()


def _strict_twin(cls: type[Schema]) -> type[Schema]:
    """`cls` with `strict=True`, its non-native fields relaxed (built once per class)."""
    twin = _twins.get(cls)
    if twin is not None:
        return twin
    relaxed = {n: f for n, f in cls.model_fields.items() if not _json_native(f.annotation)}
    namespace: dict[str, Any] = {
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
        "model_config": ConfigDict(strict=True),
        "__annotations__": {n: _relaxed(f.annotation) for n, f in relaxed.items()},
        **{n: copy(f) for n, f in relaxed.items()},
    }
    metaclass: Any = type(cls)
    with _twins_lock:
        if cls not in _twins:
            made = metaclass(cls.__name__, (cls,), namespace)
            _twins[cls] = made
            _twins[made] = made  # a twin validates itself
        return _twins[cls]


class Schema(ninja.Schema):
    """The base of the API's schemas (in place of `ninja.Schema`): strict in a JSON body."""

    @model_validator(mode="wrap")
    @classmethod
    def _strict_in_json(
        cls, values: Any, handler: ModelWrapValidatorHandler[Schema], info: ValidationInfo
    ) -> Any:
        if not isinstance(values, JsonObject):
            return handler(values)
        twin = _strict_twin(cls)
        if twin is cls:
            return handler(values)
        checked = twin.model_validate(values, context=info.context)
        return cls.model_construct(checked.model_fields_set, **checked.__dict__)


# --- What a 422 says ---------------------------------------------------------------------------

_ENTER_DATETIME = _("Enter a date and time such as 2026-05-01T10:00:00+08:00.")
_ENTER_DATE = _("Enter a date such as 2026-05-01.")
_MESSAGES: dict[str, Any] = {
    "missing": _("This field is required."),
    "int_type": _("Enter a whole number."),
    "int_parsing": _("Enter a whole number."),
    "int_from_float": _("Enter a whole number."),
    "float_type": _("Enter a number."),
    "float_parsing": _("Enter a number."),
    "string_type": _("Enter text."),
    "bool_type": _("Enter true or false."),
    "bool_parsing": _("Enter true or false."),
    "literal_error": _("Choose one of the options."),
    "enum": _("Choose one of the options."),
    "datetime_type": _ENTER_DATETIME,
    "datetime_parsing": _ENTER_DATETIME,
    "datetime_from_date_parsing": _ENTER_DATETIME,
    "date_type": _ENTER_DATE,
    "date_parsing": _ENTER_DATE,
    "date_from_datetime_parsing": _ENTER_DATE,
    "model_type": _("Send a JSON object."),
    "model_attributes_type": _("Send a JSON object."),
    "dict_type": _("Send a JSON object."),
    "list_type": _("Send a list."),
    "extra_forbidden": _("This field is not accepted."),
    "string_pattern_mismatch": _("Enter a value in the expected format."),
    "string_too_short": _("Enter at least %(min_length)s characters."),
    "string_too_long": _("Enter at most %(max_length)s characters."),
    "too_short": _("Give at least %(min_length)s items."),
    "too_long": _("Give at most %(max_length)s items."),
    "greater_than_equal": _("Enter a number of at least %(ge)s."),
    "greater_than": _("Enter a number greater than %(gt)s."),
    "less_than_equal": _("Enter a number of at most %(le)s."),
    "less_than": _("Enter a number less than %(lt)s."),
}


def field_name(loc: Sequence[str | int]) -> str:
    """The field an error's `loc` points at, dotted (`skus.0.price`): without the source
    ("body", "query", "form") and, for a body, without the view's parameter name."""
    skip = 2 if loc and loc[0] == "body" else 1
    return ".".join(str(part) for part in loc[skip:])


def explain(error: dict[str, Any]) -> dict[str, Any]:
    """A ninja validation error with `msg` in the user's language, when its type is known."""
    message = _MESSAGES.get(str(error.get("type")))
    if message is None:
        return error
    try:
        text = str(message) % error.get("ctx", {}) if "%(" in str(message) else str(message)
    except (KeyError, TypeError, ValueError):
        return error
    return {**error, "msg": text}
