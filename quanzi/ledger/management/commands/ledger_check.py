"""`manage.py ledger_check`: every transaction balances and every cached balance is right."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from quanzi.ledger.models import Account, Entry, Transaction
from quanzi.ledger.services import check_ledger


class Command(BaseCommand):
    help = (
        "Verify that every ledger transaction sums to zero and that every account's cached "
        "balance equals the sum of its entries. Exits non-zero, naming the offenders, otherwise."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = check_ledger()
        summary = (
            f"{Transaction.objects.count()} transactions, {Entry.objects.count()} entries, "
            f"{Account.objects.count()} accounts"
        )
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"ledger check failed: {len(problems)} problem(s) in {summary}")
        self.stdout.write(self.style.SUCCESS(f"ledger check passed: {summary}, all balanced"))
