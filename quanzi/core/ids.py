"""Non-sequential public identifiers (rule 6: nobody can enumerate others' objects)."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 16  # 62**16 ≈ 4.8e28: unguessable, short enough for a URL


def new_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(ID_LENGTH))
