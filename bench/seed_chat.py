"""Seed a circle with N members and print their session keys as JSON (run with the bench's
environment: `python -m bench.seed_chat N`)."""

from __future__ import annotations

import json
import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanzi.settings")
    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from quanzi.accounts.models import User
    from quanzi.circles.models import Circle, Membership, Role
    from quanzi.core.ids import new_id

    members = int(sys.argv[1])
    users = User.objects.bulk_create(
        User(username=f"fan{i}", nickname=f"粉丝{i}", public_id=new_id(), password="!")
        for i in range(members)
    )
    circle = Circle.objects.create(
        name="压测社群",
        owner=users[0],
        invite_code=new_id(),
        member_count=members,
        flood_per_minute=1000,
        commercial_daily_cap=0,
    )
    Membership.objects.bulk_create(
        Membership(circle=circle, user=u, role=Role.OWNER if i == 0 else Role.MEMBER)
        for i, u in enumerate(users)
    )
    sessions = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "quanzi.accounts.backends.PhoneOrUsernameBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    print(json.dumps({"circle": circle.pk, "sessions": sessions}))


if __name__ == "__main__":
    main()
