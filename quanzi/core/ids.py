"""Non-sequential public identifiers (rule 6: nobody can enumerate others' objects)."""

from __future__ import annotations

import secrets
import string
from typing import TypeGuard

_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 16  # 62**16 ≈ 4.8e28: unguessable, short enough for a URL


def new_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(ID_LENGTH))


def is_public_id(value: object) -> TypeGuard[str]:
    """Whether `value` can be one of our ids (ASCII letters and digits): anything else is
    'not found' without a query (PostgreSQL refuses some characters, such as NUL, outright)."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= ID_LENGTH
        and value.isascii()
        and value.isalnum()
    )
