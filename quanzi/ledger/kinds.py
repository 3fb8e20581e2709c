"""What each kind of transaction is called, for the people who read a history of their money.

The ledger knows no domain. The domain that posts a kind registers it in its AppConfig.ready,
like its accounts (`quanzi.ledger.accounts`): the label a person reads ("Top-up", "Commission
frozen") and, when there is one, how to name what each entry was about (`detail`: the order's
number, the circle's name). Neither is ever an internal id, a provider's name or the posting's
memo, which is written for operators and stays in the admin.

A history (a wallet, a store's balance) reads its entries through `movements`, which asks each
kind's `detail` once for all the entries of that kind, so a page costs a query or two per kind
shown, not per line. A kind nobody registered reads "Other movement", never its code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from quanzi.ledger.models import Entry

# Names what each entry (its transaction loaded) was about: {entry pk: text}; "" or left out
# when there is nothing to say.
Detail = Callable[[Sequence[Entry]], Mapping[int, str]]

OTHER = _("Other movement")


@dataclass(frozen=True)
class TransactionType:
    kind: str
    label: str | Promise
    detail: Detail | None


_types: dict[str, TransactionType] = {}


def register_transaction_kind(
    kind: str, label: str | Promise, *, detail: Detail | None = None
) -> None:
    """Declare the transactions of `kind`: what a person reads for them (a lazy translation)
    and, optionally, the detail of each entry. Registering the same kind again is harmless; the
    same kind with another label or detail is an error."""
    wanted = TransactionType(kind, label, detail)
    known = _types.setdefault(kind, wanted)
    if known.label != label or known.detail is not detail:
        raise ValueError(f"transaction kind {kind!r} is already registered differently")


def registered_kinds() -> frozenset[str]:
    return frozenset(_types)


def label_of(kind: str) -> str:
    """The label of `kind` in the active language ("Other movement" when nobody registered
    it)."""
    known = _types.get(kind)
    return str(known.label if known is not None else OTHER)


@dataclass(frozen=True)
class Movement:
    """One entry of a history as a person reads it: its kind's label and what it was about."""

    entry: Entry
    kind: str
    label: str
    detail: str

    @property
    def text(self) -> str:
        """Label and detail in one line ("Refund · Order 2026120204718356")."""
        if not self.detail:
            return self.label
        return gettext("%(label)s · %(detail)s") % {"label": self.label, "detail": self.detail}


def movements(entries: Iterable[Entry]) -> list[Movement]:
    """The entries (their transactions loaded: `select_related("transaction")`) as a person
    reads them, in the order given."""
    listed = list(entries)
    by_kind: dict[str, list[Entry]] = defaultdict(list)
    for entry in listed:
        by_kind[entry.transaction.kind].append(entry)
    details: dict[int, str] = {}
    for kind, group in by_kind.items():
        known = _types.get(kind)
        if known is not None and known.detail is not None:
            details.update(known.detail(group))
    return [
        Movement(
            entry=entry,
            kind=entry.transaction.kind,
            label=label_of(entry.transaction.kind),
            detail=details.get(entry.pk, ""),
        )
        for entry in listed
    ]
