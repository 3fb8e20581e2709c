"""Races on PostgreSQL: double follows make one row; a follow racing a block never survives."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from quanzi.accounts.models import User
from quanzi.core.errors import PermissionDenied
from quanzi.social.models import Block, Follow
from quanzi.social.services import graph
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run(job: tuple[Any, User, str]) -> str:
    action, user, public_id = job
    try:
        action(user, public_id)
        return "ok"
    except PermissionDenied:
        return "refused"
    finally:
        connection.close()


def test_a_raced_double_follow_makes_one_follow() -> None:
    # given
    fan, star = UserFactory(), UserFactory()
    # when: eight presses at once
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(_run, [(graph.follow_person, fan, star.public_id)] * 8))
    # then
    assert results == ["ok"] * 8
    assert Follow.objects.filter(follower=fan, followee=star).count() == 1


def test_a_follow_racing_a_block_never_survives_it() -> None:
    for _ in range(5):
        # given
        fan, star = UserFactory(), UserFactory()
        jobs = [(graph.follow_person, fan, star.public_id), (graph.block, star, fan.public_id)]
        # when
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(_run, jobs))
        # then: the block holds and no follow is left either way
        assert Block.objects.filter(blocker=star, blocked=fan).exists()
        assert not Follow.objects.filter(follower=fan, followee=star).exists()
