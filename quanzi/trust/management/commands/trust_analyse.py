"""Run the trust analysis now, by hand, and print what it did:

manage.py trust_analyse
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from quanzi.trust.tasks import analyse_now


class Command(BaseCommand):
    help = "Score the reviews and accounts of the last 180 days and update the trust cases."

    def handle(self, *args: Any, **options: Any) -> None:
        run = analyse_now()
        for line in run.lines():
            self.stdout.write(line)
