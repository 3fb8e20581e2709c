"""Bargaining API: each endpoint for owner, staff, starter, another customer (stranger) and
anonymous; idempotent POSTs; constant query counts on lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quanzi.campaigns.bargains import services
from quanzi.campaigns.bargains.models import Bargain, BargainCampaign
from quanzi.stores.models import StaffRole, StoreStaff
from tests.campaigns.bargains.helpers import a_campaign
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


@pytest.fixture
def setting():
    """A campaign with its owner and a staff member, and a started bargain."""
    owner, staff, starter = UserFactory(), UserFactory(), UserFactory()
    campaign = a_campaign(owner)
    StoreStaff.objects.create(store=campaign.store, user=staff, role=StaffRole.STAFF)
    AddressFactory(user=starter)
    bargain = services.start_bargain(starter, campaign.pk)
    return {"owner": owner, "staff": staff, "starter": starter, "c": campaign, "b": bargain}


def caller(setting, who: str):
    """The user in role `who` (None: anonymous; stranger: a customer with no role)."""
    return {"stranger": UserFactory, "anonymous": lambda: None}.get(who, lambda: setting[who])()


def campaign_body(sku_id: str, **fields: object) -> dict[str, object]:
    now = timezone.now()
    return {
        "sku_id": sku_id,
        "title": "砍到1元",
        "start_price": 1000,
        "floor_price": 100,
        "helpers_needed": 2,
        "hours": 12,
        "max_helps_per_user": 1,
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(days=3)).isoformat(),
    } | fields


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 201), ("staff", 201), ("stranger", 403), ("anonymous", 401)]
)
def test_who_creates_a_campaign(api, setting, who, status):
    # given a store's SKU and a caller in some role
    user = caller(setting, who)
    sku_id = setting["c"].sku_id
    # when they create a campaign
    response = api(user).post(
        f"bargains/stores/{setting['c'].store_id}/campaigns", campaign_body(sku_id)
    )
    # then only the store's people can
    assert response.status_code == status, response.json()


def test_a_bad_campaign_is_a_clear_400_and_writes_nothing(api, setting):
    # given the owner / when the floor is not below the start
    response = api(setting["owner"]).post(
        f"bargains/stores/{setting['c'].store_id}/campaigns",
        campaign_body(setting["c"].sku_id, floor_price=1000),
        headers=EN,
    )
    # then it is a 400 naming the field
    assert response.status_code == 400
    assert response.json()["field"] == "floor_price"
    assert BargainCampaign.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("staff", 200), ("stranger", 403), ("anonymous", 401)]
)
def test_who_lists_and_ends_campaigns(api, setting, who, status):
    user = caller(setting, who)
    client = api(user)
    # when they list the store's campaigns and end one
    listed = client.get(f"bargains/stores/{setting['c'].store_id}/campaigns")
    ended = client.post(f"bargains/campaigns/{setting['c'].pk}/end")
    # then only the store's people can
    assert listed.status_code == status and ended.status_code == status


def test_an_ended_campaign_is_hidden_from_customers_not_from_staff(api, setting):
    # given an ended campaign
    services.end_campaign(setting["owner"], setting["c"].pk)
    path = f"bargains/campaigns/{setting['c'].pk}"
    # when customers and staff look / then only staff see it
    assert api().get(path).status_code == 404
    assert api(UserFactory()).get(path).status_code == 404
    assert api(setting["staff"]).get(path).json()["is_active"] is False


@pytest.mark.parametrize("who", ["owner", "staff", "starter", "stranger", "anonymous"])
def test_everyone_sees_a_bargain_with_its_true_amounts(api, setting, who):
    # given a bargain helped once
    services.help_bargain(UserFactory(), setting["b"].pk)
    user = caller(setting, who)
    # when anyone opens it
    body = api(user).get(f"bargains/{setting['b'].pk}").json()
    # then the true price and the exact fen left are shown, with the helper
    bargain = Bargain.objects.get(pk=setting["b"].pk)
    assert body["current_price"] == bargain.current_price
    assert body["left_to_floor"] == bargain.current_price - 990
    assert body["helps_count"] == 1 and len(body["helps"]) == 1
    assert body["helps"][0]["amount"] == 5900 - bargain.current_price


def test_helping_through_the_api(api, setting):
    # given a friend / when they help without and then with a key, replayed
    friend, other = UserFactory(), UserFactory()
    path = f"bargains/{setting['b'].pk}/help"
    assert api().post(path).status_code == 401
    first = api(friend).post(path, headers={"Idempotency-Key": "k1"})
    replay = api(friend).post(path, headers={"Idempotency-Key": "k1"})
    again = api(friend).post(path, headers=EN)
    self_help = api(setting["starter"]).post(path, headers=EN)
    # then one help counts, the replay returns it, repeats and self-help are 409s
    assert first.status_code == replay.status_code == 201
    assert first.json() == replay.json()
    assert again.status_code == 409 and again.json()["code"] == "bargain_helped"
    assert self_help.status_code == 409 and self_help.json()["code"] == "bargain_self_help"
    assert api(other).post(path).status_code == 201
    assert Bargain.objects.get(pk=setting["b"].pk).helps_count == 2


def test_starting_is_idempotent(api, setting):
    # given a customer / when they start twice with one key and once without
    user = UserFactory()
    path = f"bargains/campaigns/{setting['c'].pk}/start"
    first = api(user).post(path, headers={"Idempotency-Key": "s"})
    replay = api(user).post(path, headers={"Idempotency-Key": "s"})
    plain = api(user).post(path)
    # then it is one bargain
    assert first.status_code == 201 and first.json() == replay.json()
    assert plain.json()["id"] == first.json()["id"]
    assert api().post(path).status_code == 401


@pytest.mark.parametrize(
    ("who", "status"),
    [("starter", 201), ("owner", 403), ("staff", 403), ("stranger", 403), ("anonymous", 401)],
)
def test_only_the_starter_buys_once(api, setting, who, status):
    # given a bargain at its floor
    for _ in range(3):
        services.help_bargain(UserFactory(), setting["b"].pk)
    user = caller(setting, who)
    path = f"bargains/{setting['b'].pk}/buy"
    # when they buy (twice, with one key)
    first = api(user).post(path, {}, headers={"Idempotency-Key": "b"})
    replay = api(user).post(path, {}, headers={"Idempotency-Key": "b"})
    # then only the starter gets one order at the floor price; the replay is the same order
    assert first.status_code == status
    if status == 201:
        assert first.json() == replay.json() and first.json()["unit_price"] == 990
        second = api(user).post(path, {}, headers=EN)
        assert second.status_code == 409 and second.json()["code"] == "bargain_bought"


def test_buying_before_the_floor_is_refused(api, setting):
    response = api(setting["starter"]).post(f"bargains/{setting['b'].pk}/buy", {}, headers=EN)
    assert response.status_code == 409
    assert response.json()["code"] == "bargain_floor_not_reached"


def test_unknown_and_malformed_ids_are_404(api, setting):
    assert api().get("bargains/nope0000nope0000").status_code == 404
    assert api().get("bargains/campaigns/x-y.z").status_code == 404


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_lists_take_a_constant_number_of_queries(api, setting):
    # given the lists with one row each
    owner_client, starter_client = api(setting["owner"]), api(setting["starter"])
    store_path = f"bargains/stores/{setting['c'].store_id}/campaigns"
    bargain_path = f"bargains/{setting['b'].pk}"
    queries(owner_client, store_path)  # the tokens' first use is recorded once
    queries(starter_client, "bargains/mine")
    before = [
        queries(owner_client, store_path),
        queries(starter_client, "bargains/mine"),
        queries(starter_client, bargain_path),
    ]
    # when there are many more campaigns, bargains and helpers
    for _ in range(3):
        extra = a_campaign(setting["owner"])
        extra.store = setting["c"].store
        BargainCampaign.objects.filter(pk=extra.pk).update(store=setting["c"].store)
        services.start_bargain(setting["starter"], extra.pk)
        services.help_bargain(UserFactory(), setting["b"].pk)
    after = [
        queries(owner_client, store_path),
        queries(starter_client, "bargains/mine"),
        queries(starter_client, bargain_path),
    ]
    # then the counts do not grow
    assert after == before


def test_my_bargains_are_mine_only(api, setting):
    # given the starter's bargain / when each lists their bargains
    mine = api(setting["starter"]).get("bargains/mine").json()
    others = api(UserFactory()).get("bargains/mine").json()
    # then only the starter sees it, with the exact fen left; anonymous must log in
    assert [b["id"] for b in mine] == [setting["b"].pk] and mine[0]["left_to_floor"] == 4910
    assert others == []
    assert api().get("bargains/mine").status_code == 401
