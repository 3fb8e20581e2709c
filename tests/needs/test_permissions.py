"""Who sees the needs pages and API: the owner and the staff with the insights right see the
aggregates; who asked only with the customers right too. Another store's owner, staff without
the right and customers are refused (403: the store is open, so it is no secret), anonymous
callers 401 (API) or sent to sign in (pages); unknown or foreign ids are 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from quanzi.needs.models import Wish
from quanzi.needs.services.digest import build_digest, last_closed_week
from tests.needs.conftest import Say, World

REFUSED = {"other_owner": 403, "plain_staff": 403, "customer": 403}
ALLOWED = ("owner", "insights_staff", "customers_staff")


def person(world: World, role: str) -> Any:
    return None if role == "anonymous" else getattr(world, role)


def page_client(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def wish(world: World, say: Say, analyse: Any) -> Wish:
    say(world.customer, world.circle, "希望有无糖款")
    analyse()
    return Wish.objects.get(store=world.store)


def page_paths(world: World, wish: Wish) -> list[str]:
    digest = build_digest(world.store, last_closed_week(), notify=False)
    base = f"/needs/console/{world.store.pk}/"
    return [base, f"{base}wishes/{wish.pk}/", f"{base}digests/", f"{base}digests/{digest.pk}/"]


def api_paths(world: World, wish: Wish) -> list[str]:
    base = f"needs/{world.store.pk}/"
    return [
        f"{base}overview",
        f"{base}wishes",
        f"{base}wishes/{wish.pk}",
        f"{base}topics",
        f"{base}sentiment",
        f"{base}digests",
    ]


@pytest.mark.parametrize("role", [*ALLOWED, *REFUSED, "anonymous"])
def test_the_pages_matrix(world: World, wish: Wish, role: str) -> None:
    client = page_client(person(world, role))
    for path in page_paths(world, wish):
        answer = client.get(path)
        if role in ALLOWED:
            assert answer.status_code == 200, path
        elif role == "anonymous":
            assert answer.status_code == 302 and "login" in answer["Location"], path
        else:
            assert answer.status_code == REFUSED[role], path


@pytest.mark.parametrize("role", [*ALLOWED, *REFUSED, "anonymous"])
def test_the_api_matrix(world: World, wish: Wish, api: Any, role: str) -> None:
    client = api(person(world, role))
    for path in api_paths(world, wish):
        answer = client.get(path)
        expected = 200 if role in ALLOWED else 401 if role == "anonymous" else REFUSED[role]
        assert answer.status_code == expected, path
        if expected != 200:
            assert "code" in answer.json()


def test_the_insights_right_sees_counts_but_not_who_asked(
    world: World, wish: Wish, api: Any
) -> None:
    path = f"needs/{world.store.pk}/wishes/{wish.pk}"
    counts_only = api(world.insights_staff).get(path).json()
    assert counts_only["mention_count"] == 1
    assert counts_only["askers"] is None
    assert all(q["author"] is None for q in counts_only["quotes"])
    named = api(world.customers_staff).get(path).json()
    assert [a["id"] for a in named["askers"]] == [world.customer.public_id]
    assert named["quotes"][0]["author"] == world.customer.nickname
    page = page_client(world.insights_staff).get(
        f"/needs/console/{world.store.pk}/wishes/{wish.pk}/"
    )
    assert 'data-testid="askers-hidden"' in page.content.decode()
    assert world.customer.nickname not in page.content.decode()
    owner_page = page_client(world.owner).get(f"/needs/console/{world.store.pk}/wishes/{wish.pk}/")
    assert 'data-testid="wish-asker"' in owner_page.content.decode()


def test_bad_ids_are_not_found(world: World, wish: Wish, api: Any) -> None:
    owner = api(world.owner)
    s = world.store.pk
    other_wish = Wish.objects.create(store=world.other_store, label="乌龙")
    for path in [
        "needs/not-an-id/overview",
        "needs/AAAAAAAAAAAAAAAA/overview",
        f"needs/{s}/wishes/not-an-id",
        f"needs/{s}/wishes/{other_wish.pk}",
        f"needs/{s}/digests/nope",
        f"needs/{s}/overview?circle={world.other_circle.pk}",
        f"needs/{s}/overview?product={world.other_product.pk}",
        f"needs/{s}/overview?circle=x",
    ]:
        assert owner.get(path).status_code == 404, path
    client = page_client(world.owner)
    assert client.get(f"/needs/console/{s}/wishes/{other_wish.pk}/").status_code == 404
    assert client.get(f"/needs/console/{s}/digests/AAAAAAAAAAAAAAAA/").status_code == 404
    assert client.get(f"/needs/console/{s}/?circle={world.interest.pk}").status_code == 404


def test_bad_periods_are_a_clear_400(world: World, api: Any) -> None:
    owner = api(world.owner)
    s = world.store.pk
    assert owner.get(f"needs/{s}/overview?period=forever").status_code == 422
    answer = owner.get(f"needs/{s}/overview?period=custom&start=2026-02-01&end=2026-01-01")
    assert answer.status_code == 400
    assert page_client(world.owner).get(f"/needs/console/{s}/?period=forever").status_code == 400
