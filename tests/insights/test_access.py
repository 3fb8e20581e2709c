"""Who sees the insights: the owner, and staff the owner let see them. Another store's owner,
a plain staff member, a customer and an anonymous visitor get nothing from any page or
endpoint; a bad period is a clear 400, an export in an unknown format too."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from quanzi.stores.models import StoreStaff
from quanzi.stores.services import set_insights_access
from tests.factories import UserFactory, store_with_owner
from tests.orders.conftest import Shop

pytestmark = pytest.mark.django_db

PAGES = ["overview", "sources", "people", "dividend", "cascades", "circles", "campaigns"]
ENDPOINTS = [
    "overview",
    "funnel",
    "sources",
    "people",
    "dividend",
    "cascades",
    "circles",
    "campaigns",
]


def pages(store_id: str) -> list[str]:
    found = []
    for name in PAGES:
        try:
            found.append(reverse(f"insights:{name}", args=[store_id]))
        except NoReverseMatch:  # a tab not built yet
            continue
    return found


def endpoints(client: Client, store_id: str) -> list[str]:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    found = [f"/api/v1/insights/{store_id}/{name}" for name in ENDPOINTS]
    return [p for p in found if p.replace(store_id, "{store_id}") in paths]


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(shop: Shop) -> dict[str, Client | None]:
    stranger = store_with_owner(UserFactory(username="rival")).staff.get().user
    return {
        "another store's owner": signed_in(stranger),
        "staff without the right": signed_in(shop.staff),
        "customer": signed_in(shop.buyer),
        "anonymous": Client(),
    }


def test_nobody_but_the_stores_insight_people_gets_a_page_or_an_endpoint(shop: Shop, people):
    # given the pages and endpoints of the insights
    urls = pages(shop.store.pk)
    apis = endpoints(Client(), shop.store.pk)
    assert len(urls) == len(PAGES) and len(apis) == len(ENDPOINTS)
    for who, client in people.items():
        assert client is not None
        # when each of them asks for every page, an export and every endpoint
        for url in urls:
            response = client.get(url)
            exported = client.get(url + "?export=sales&format=xlsx")
            # then a page is refused (or sends the visitor to log in) and shows no figure
            assert response.status_code in (302, 403, 404), (who, url, response.status_code)
            assert exported.status_code in (302, 403, 404), (who, url)
            if response.status_code == 302:
                assert "/accounts/login/" in response["Location"]
        for api in apis:
            response = client.get(api)
            assert response.status_code in (401, 403, 404), (who, api, response.status_code)
            assert set(response.json()) <= {"detail", "code", "field", "errors"}


def test_the_owner_and_staff_let_see_them_get_every_page_and_endpoint(shop: Shop):
    # given the owner, and the staff member once the owner lets them
    owner = signed_in(shop.owner)
    set_insights_access(shop.owner, shop.store.pk, shop.staff.public_id, True)
    assert StoreStaff.objects.get(user=shop.staff).sees_insights
    staff = signed_in(shop.staff)
    for client in (owner, staff):
        # when they open every page and endpoint
        for url in pages(shop.store.pk):
            # then each answers
            assert client.get(url).status_code == 200, url
        for api in endpoints(client, shop.store.pk):
            assert client.get(api).status_code == 200, api


def test_a_bad_period_and_a_bad_export_are_clear_400s(shop: Shop):
    owner = signed_in(shop.owner)
    url = reverse("insights:overview", args=[shop.store.pk])
    api = f"/api/v1/insights/{shop.store.pk}/overview"
    for query in (
        "?period=year",
        "?period=custom&start=2026-12-01",
        "?period=custom&start=2026-12-01&end=2026-11-01",
        "?period=custom&start=2020-01-01&end=2026-01-01",
        "?period=custom&start=yesterday&end=today",
    ):
        # when a period that is no period is asked
        # then the page and the API answer 400, in words
        assert owner.get(url + query).status_code == 400, query
        response = owner.get(api + query)
        assert response.status_code in (400, 422), query
        assert response.json()["detail"]
    assert owner.get(url + "?export=sales&format=pdf").status_code == 400
    assert owner.get(url + "?export=nothing&format=csv").status_code == 404


def test_only_the_owner_decides_who_sees_the_insights(shop: Shop):
    # when the staff member tries to let themselves see the insights
    staff = signed_in(shop.staff)
    response = staff.post(
        reverse("stores:console_staff_insights", args=[shop.store.pk, shop.staff.public_id]),
        {"allowed": "1"},
    )
    # then they are refused and still do not see them
    assert response.status_code == 403
    assert not StoreStaff.objects.get(user=shop.staff).sees_insights
    # and the owner's toggle works
    owner = signed_in(shop.owner)
    owner.post(
        reverse("stores:console_staff_insights", args=[shop.store.pk, shop.staff.public_id]),
        {"allowed": "1"},
    )
    assert StoreStaff.objects.get(user=shop.staff).sees_insights
