"""Which account codes exist: each domain registers the codes of the accounts it owns.

The ledger knows no domain. An account is created the first time a posting names it, with the
kind (asset or liability) and the store that its registered type gives; a code no domain
registered is a programming error, so a typo never opens an account. Domains register in their
AppConfig.ready, e.g. payments `"platform:provider:{provider}"` (asset) and wallets
`"wallet:{user}"` (liability). A pattern is literal text with `{name}` placeholders, each
standing for one non-empty part without ":"; `store_of` names the placeholder that holds the
store id of accounts kept for a store (they appear on the store's ledger pages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quanzi.ledger.models import AccountKind

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class AccountType:
    pattern: str
    kind: str
    store_of: str | None
    regex: re.Pattern[str]


_types: dict[str, AccountType] = {}


def _compile(pattern: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(pattern)
    # split() alternates literal text and placeholder names: text, name, text, name, …, text
    regex = "".join(
        f"(?P<{part}>[^:]+)" if i % 2 else re.escape(part) for i, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$")


def register_account_type(pattern: str, kind: str, *, store_of: str | None = None) -> None:
    """Declare the accounts whose codes match `pattern`, of `kind` (AccountKind). Registering
    the same type again is harmless; the same pattern with another kind or store is an error."""
    if kind not in AccountKind.values:
        raise ValueError(f"unknown account kind {kind!r}")
    regex = _compile(pattern)
    if store_of is not None and store_of not in regex.groupindex:
        raise ValueError(f"{pattern!r} has no placeholder {{{store_of}}}")
    wanted = AccountType(pattern, kind, store_of, regex)
    known = _types.setdefault(pattern, wanted)
    if known != wanted:
        raise ValueError(f"account type {pattern!r} is already registered differently")


def account_defaults(code: str) -> dict[str, object]:
    """Kind and store of a new account, from the registered type its code matches; an unknown
    code is a programming error (ValueError)."""
    for account_type in _types.values():
        match = account_type.regex.match(code)
        if match is not None:
            store_id = match[account_type.store_of] if account_type.store_of else None
            return {"kind": account_type.kind, "store_id": store_id}
    raise ValueError(f"unknown ledger account code {code!r}")
