"""Text that no database can store, refused wherever text comes in (rule 8).

Two kinds of character pass Python's decoding and fail deep inside a query with a 500:
- NUL ("\\x00", JSON "\\u0000"): PostgreSQL can neither store nor compare it;
- a lone UTF-16 surrogate (JSON "\\ud800" without its pair): the text has no UTF-8 encoding,
  so the database driver cannot send it.
The HTTP guard (quanzi.core.middleware.RequestGuardMiddleware) and the chat socket
(quanzi.circles.consumers) both refuse them with `check_text`, so the rule and its messages
live here once.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import CoreCode, InvalidInput

# Any surrogate code point: a decoded pair is one astral character, so what is left is alone.
_SURROGATE = re.compile("[\ud800-\udfff]")


def nul_character_error() -> InvalidInput:
    return InvalidInput(_("Text must not contain NUL characters."), code=CoreCode.NUL_CHARACTER)


def invalid_unicode_error() -> InvalidInput:
    return InvalidInput(
        _("Text must not contain invalid Unicode characters."), code=CoreCode.INVALID_UNICODE
    )


def check_text(value: object) -> None:
    """Raise InvalidInput (code `nul_character` or `invalid_unicode`) if any text in `value`
    holds a NUL or a lone surrogate. `value` is a string or decoded data (JSON, form fields):
    dicts (their keys too), lists and tuples are walked without recursion, so no nesting depth
    can exhaust the stack; other values (numbers, files) are not text and pass."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise nul_character_error()
            if _SURROGATE.search(item):
                raise invalid_unicode_error()
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
