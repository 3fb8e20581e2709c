"""Who may use outreach: the owner and staff with the customers right. Another store's owner,
staff without the right, a customer and an anonymous visitor get nothing from any page or
endpoint (`access_store` answers 403 to anyone signed in who does not work for an open store,
whose existence is no secret, and 404 for a closed or unknown one; anonymous 401 / the login
page), and nothing is created or sent by their attempts. The API creates and sends once per key."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from quanzi.outreach.models import Outreach, OutreachMember
from quanzi.stores.models import StoreStaff
from tests.factories import UserFactory, store_with_owner
from tests.outreach.conftest import Reach

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(reach: Reach) -> dict[str, tuple[Client, int, int]]:
    """who → (client, page status, API status)."""
    rival = store_with_owner(UserFactory(username="rival")).staff.get().user
    return {
        "another store's owner": (signed_in(rival), 403, 403),
        "staff without the right": (signed_in(reach.shop.staff), 403, 403),
        "customer": (signed_in(reach.members[0]), 403, 403),
        "anonymous": (Client(), 302, 401),
    }


def body(reach: Reach) -> dict[str, Any]:
    return {
        "name": "回访",
        "segment_id": reach.segment.pk,
        "channel": "coupon",
        "coupon_id": reach.coupon.pk,
    }


def test_nobody_without_the_customers_right_gets_a_page_or_an_endpoint(reach: Reach, draft, people):
    # given a draft and a sent outreach of the store
    waiting = draft()
    client = signed_in(reach.owner)
    sent_id = client.post(
        f"/api/v1/outreach/{reach.store_id}/outreaches",
        body(reach),
        content_type="application/json",
    ).json()["id"]
    store = reach.store_id
    pages = [
        f"/outreach/console/{store}/",
        f"/outreach/console/{store}/new/",
        f"/outreach/console/{store}/{sent_id}/",
        f"/outreach/console/{store}/{waiting.pk}/",
    ]
    apis = [
        f"/api/v1/outreach/{store}/outreaches",
        f"/api/v1/outreach/{store}/outreaches/{sent_id}/report",
        f"/api/v1/outreach/{store}/preview?segment_id={reach.segment.pk}",
    ]
    before = OutreachMember.objects.count(), Outreach.objects.count()
    for who, (caller, page_status, api_status) in people.items():
        for url in pages:
            answer = caller.get(url)
            assert answer.status_code == page_status, (who, url, answer.status_code)
            if page_status == 302:
                assert "/login" in answer["Location"], who
            assert "回访" not in answer.content.decode(), (who, url)
        # when they try to send the draft, create one from the page or through the API
        sent = caller.post(f"/outreach/console/{store}/{waiting.pk}/send/")
        assert sent.status_code == page_status, (who, sent.status_code)
        made = caller.post(
            f"/outreach/console/{store}/new/", {**body(reach), "holdout_percent": 10}
        )
        assert made.status_code == page_status, (who, made.status_code)
        for url in apis:
            answer = caller.get(url)
            assert answer.status_code == api_status, (who, url, answer.status_code)
            assert "code" in answer.json(), (who, url)
        posted = caller.post(
            f"/api/v1/outreach/{store}/outreaches", body(reach), content_type="application/json"
        )
        assert posted.status_code == api_status, (who, posted.status_code)
    # then nothing was created or sent
    assert (OutreachMember.objects.count(), Outreach.objects.count()) == before
    waiting.refresh_from_db()
    assert waiting.state == "draft"


def test_the_owner_and_staff_with_the_right_use_every_page_and_endpoint(reach: Reach, draft):
    StoreStaff.objects.filter(store=reach.shop.store, user=reach.shop.staff).update(
        sees_customers=True
    )
    store = reach.store_id
    for person in (reach.owner, reach.shop.staff):
        client = signed_in(person)
        assert client.get(f"/outreach/console/{store}/").status_code == 200
        form = client.get(f"/outreach/console/{store}/new/")
        assert form.status_code == 200 and reach.segment.name in form.content.decode()
        made = client.post(
            f"/outreach/console/{store}/new/",
            {**body(reach), "channel": "notification", "text": "新豆到了", "holdout_percent": "10"},
        )
        assert made.status_code == 302, made.content.decode()[:500]
        preview = client.get(f"/api/v1/outreach/{store}/preview?segment_id={reach.segment.pk}")
        assert preview.json() == {"size": 20, "reached": 18, "holdout": 2, "too_small": False}
        assert client.get(f"/api/v1/outreach/{store}/outreaches").status_code == 200


def test_the_api_sends_once_per_idempotency_key(reach: Reach):
    client = signed_in(reach.owner)
    url = f"/api/v1/outreach/{reach.store_id}/outreaches"
    headers = {"HTTP_IDEMPOTENCY_KEY": "send-once-0001"}
    first = client.post(url, body(reach), content_type="application/json", **headers)
    again = client.post(url, body(reach), content_type="application/json", **headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Outreach.objects.count() == 1 and OutreachMember.objects.count() == 20
    assert first.json()["reached"] == 18 and first.json()["holdout"] == 2


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"holdout_percent": 4}, 400, "outreach_bad_holdout"),
        ({"holdout_percent": "10"}, 422, None),
        ({"channel": "sms"}, 400, "outreach_bad_channel"),
        ({"segment_id": "nope"}, 404, "outreach_segment_not_found"),
        ({"window_days": 31}, 400, "outreach_bad_window"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_creates_nothing(reach: Reach, change, status, code):
    client = signed_in(reach.owner)
    answer = client.post(
        f"/api/v1/outreach/{reach.store_id}/outreaches",
        {**body(reach), **change},
        content_type="application/json",
    )
    assert answer.status_code == status, answer.content
    if code:
        assert answer.json()["code"] == code
    assert not Outreach.objects.exists()


def test_a_forged_outreach_id_is_not_found(reach: Reach):
    client = signed_in(reach.owner)
    assert client.get(f"/outreach/console/{reach.store_id}/x'--/").status_code == 404
    answer = client.get(f"/api/v1/outreach/{reach.store_id}/outreaches/{'A' * 16}/report")
    assert answer.status_code == 404
