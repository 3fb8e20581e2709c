"""The double-entry ledger: accounts, transactions and their entries.

Sign convention: an entry's `amount` is signed fen, debit positive and credit negative, so the
entries of a transaction sum to zero and an account's `balance` is the plain sum of its entries.
Asset accounts (money held at a provider) are debit-normal: their balance is positive. Liability
accounts (what the platform owes a store) are credit-normal: their balance is negative, and
`Account.normal_balance` gives the figure a person expects to read (positive when owed).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from quanzi.core.models import PublicModel


class AccountKind(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")


class Account(models.Model):
    """A ledger account, named by a stable code such as "store:<store_id>:escrow".

    `balance` is a cache of the sum of the account's entries, updated in the same database
    transaction as the entries are written (`manage.py ledger_check` verifies it).
    """

    code = models.CharField(_("code"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=AccountKind.choices)
    store = models.ForeignKey(
        "stores.Store",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_accounts",
        verbose_name=_("store"),
    )
    balance = models.BigIntegerField(_("balance (fen, debit positive)"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def normal_balance(self) -> int:
        """The balance on the account's normal side: positive for money held or owed."""
        return self.balance if self.kind == AccountKind.ASSET else -self.balance


class Transaction(PublicModel):
    """One money movement: a set of entries summing to zero, written once.

    (kind, reference) is unique, so the same movement (a payment's capture, a refund, an order's
    settlement) can never be posted twice. A correction is a new transaction, never an edit.
    The kinds are the domains' ("capture", "wallet.topup", "commission.frozen", …): each
    registers its own with the label people read (`quanzi.ledger.kinds`).
    """

    kind = models.CharField(_("kind"), max_length=20)
    reference = models.CharField(_("reference"), max_length=64)
    memo = models.CharField(_("memo"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "reference"], name="ledger_posting_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.reference}"


class Entry(models.Model):
    """One line of a transaction: a signed amount (debit positive) on one account."""

    transaction = models.ForeignKey(
        Transaction, on_delete=models.PROTECT, related_name="entries", verbose_name=_("transaction")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", verbose_name=_("account")
    )
    amount = models.BigIntegerField(_("amount (fen, debit positive)"))
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("order"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        indexes = [models.Index(fields=["account", "-id"])]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="entry_nonzero")]

    def __str__(self) -> str:
        return f"{self.account.code} {self.amount:+d}"
