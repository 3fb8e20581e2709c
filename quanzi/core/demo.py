"""The demo data set loaded by `make run` (`manage.py load_demo`); idempotent."""

from __future__ import annotations

from typing import Any

DEMO_PASSWORD = "quanzi-demo-2026"
DEMO_LOGINS = [
    ("merchant", "13800000001", "Demo merchant (owner of 山野小铺)"),
    ("xiaomei", "13800000002", "Demo customer"),
    ("ahua", "13800000003", "Demo customer"),
    ("operator", "13800000009", "Platform operator (Django admin at /admin/)"),
]


def print_logins(out: Any) -> None:
    out.write(f"Demo logins (username or phone, password {DEMO_PASSWORD}):\n")
    for username, phone, role in DEMO_LOGINS:
        out.write(f"  {username:<10} {phone}  {role}\n")


def load_demo() -> bool:
    """Create the demo users and store unless they exist; True when something was created."""
    from django.db import transaction

    from quanzi.accounts.models import User
    from quanzi.accounts.services import sign_up
    from quanzi.stores.services import open_store

    if User.objects.filter(username="merchant").exists():
        return False
    with transaction.atomic():
        users = {}
        for username, phone, _role in DEMO_LOGINS:
            users[username] = sign_up(username=username, phone=phone, password=DEMO_PASSWORD)
        operator = users["operator"]
        operator.is_staff = operator.is_superuser = True
        operator.save(update_fields=["is_staff", "is_superuser"])
        open_store(
            users["merchant"], name="山野小铺", description="云南山货与手作好物，社群团购的老朋友。"
        )
    return True
