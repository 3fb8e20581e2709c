"""Concurrent double clicks on PostgreSQL: one like, one collect, counts right."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from quanzi.accounts.models import User
from quanzi.social.models import Note, NoteCollect, NoteLike
from quanzi.social.services import notes as services
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _press(job: tuple[str, User, str, bool]) -> None:
    kind, user, note_id, on = job
    try:
        (services.set_like if kind == "like" else services.set_collect)(user, note_id, on)
    finally:
        connection.close()


def test_a_raced_double_like_counts_once() -> None:
    # given a note and one person pressing like and collect 8 times at once
    note = services.create_note(UserFactory(), title="并发")
    fan = UserFactory()
    jobs = [(kind, fan, note.id, True) for kind in ("like", "collect") for _ in range(8)]
    # when the presses race
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(_press, jobs))
    # then each counts once
    note.refresh_from_db()
    assert [note.like_count, note.collect_count] == [1, 1]
    assert NoteLike.objects.count() == NoteCollect.objects.count() == 1


def test_raced_likes_and_unlikes_keep_the_count_right() -> None:
    # given a note liked by 6 people, and 6 more people
    note = services.create_note(UserFactory(), title="并发2")
    old = [UserFactory() for _ in range(6)]
    new = [UserFactory() for _ in range(6)]
    for person in old:
        services.set_like(person, note.id, True)
    # when the old ones unlike (twice each) while the new ones like (twice each)
    jobs = [("like", p, note.id, False) for p in old * 2] + [
        ("like", p, note.id, True) for p in new * 2
    ]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(_press, jobs))
    # then the count equals the likes
    note.refresh_from_db()
    assert note.like_count == NoteLike.objects.filter(note=note).count() == 6
    assert Note.objects.filter(like_count__lt=0).count() == 0
