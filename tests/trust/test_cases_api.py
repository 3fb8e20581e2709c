"""The trust API of cases and appeals: the queue and a case, actions, thresholds, appeals on
both sides and their decision; bad input is a clear 4xx."""

from __future__ import annotations

import pytest

from quanzi.reviews.models import Moderation
from quanzi.trust.models import ActionKind, CaseStatus, TrustSettings
from quanzi.trust.services.cases import apply_action
from tests.trust.case_helpers import fresh, make_world, open_case

pytestmark = pytest.mark.django_db


def test_the_queue_and_a_case_for_an_operator(api):
    w = make_world()
    open_case(w.store, w.ring[:1], [], [w.product], score=62)
    client = api(w.operator)
    body = client.get("trust/cases").json()
    assert body["count"] == 2
    first = body["items"][0]
    assert (first["id"], first["score"], first["members"], first["products"], first["held"]) == (
        w.case.pk,
        88,
        3,
        1,
        3,
    )
    assert first["store_name"] == "山野小铺"
    assert client.get("trust/cases", {"status": "dismissed"}).json()["count"] == 0
    assert client.get("trust/cases", {"status": "all"}).json()["count"] == 2
    refused = client.get("trust/cases", {"status": "gone"})
    assert (refused.status_code, refused.json()["code"]) == (400, "unknown_status")
    assert client.get("trust/cases", {"page": "x"}).status_code == 422
    one = client.get(f"trust/cases/{w.case.pk}").json()
    assert [m["name"] for m in one["members"]] == ["刷手0", "刷手1", "刷手2"]
    assert one["products"][0]["held"] == 3
    assert {t["kind"] for t in one["timeline"]} == {"order", "review"}
    assert one["history"][0]["kind"] == ActionKind.HOLD and one["history"][0]["actor_name"] is None
    assert "reopen" not in one["actions"] and "hold" in one["actions"]
    assert client.get("trust/cases/AAAAAAAAAAAAAAAA").status_code == 404


def test_an_action_through_the_api(api):
    w = make_world()
    client = api(w.operator)
    done = client.post(
        f"trust/cases/{w.case.pk}/actions", {"action": "restore", "reason": "real buyers"}
    )
    assert done.status_code == 201
    body = done.json()
    assert (body["status"], body["action"]["kind"], body["action"]["reason"]) == (
        CaseStatus.ACTIONED,
        ActionKind.RESTORE,
        "real buyers",
    )
    assert body["action"]["actor_name"] == "运营小王"
    assert all(fresh(r).moderation == Moderation.VISIBLE for r in w.ring_reviews)
    for payload, status, code in [
        ({"action": "hold", "reason": ""}, 400, "empty_reason"),
        ({"action": "explode", "reason": "x"}, 400, "unknown_action"),
        ({"action": 1, "reason": "x"}, 422, "validation"),
        ({"action": "hold"}, 422, "validation"),
    ]:
        answer = client.post(f"trust/cases/{w.case.pk}/actions", payload)
        assert (answer.status_code, answer.json()["code"]) == (status, code), payload
    client.post(f"trust/cases/{w.case.pk}/actions", {"action": "dismiss", "reason": "done"})
    closed = client.post(f"trust/cases/{w.case.pk}/actions", {"action": "hold", "reason": "x"})
    assert (closed.status_code, closed.json()["code"]) == (409, "case_closed")
    reopened = client.post(f"trust/cases/{w.case.pk}/actions", {"action": "reopen", "reason": "x"})
    assert reopened.json()["status"] == CaseStatus.OPEN


def test_the_thresholds_read_and_change(api):
    w = make_world()
    client = api(w.operator)
    assert client.get("trust/settings").json()["hold"] == 80
    changed = client.patch("trust/settings", {"hold": 85, "alert_ratio": 4.0})
    assert changed.status_code == 200
    assert (changed.json()["hold"], changed.json()["alert_ratio"]) == (85, 4.0)
    assert TrustSettings.objects.get(pk=1).updated_by == w.operator
    for payload, status in [
        ({"hold": 101}, 400),
        ({"review_flag": -1}, 400),
        ({"alert_window_minutes": 0}, 400),
        ({"hold": "90"}, 422),
        ({"hold": True}, 422),
        ({"hold": 1.5}, 422),
    ]:
        assert client.patch("trust/settings", payload).status_code == status, payload
    assert client.get("trust/settings").json()["hold"] == 85


def test_a_reviewer_s_appeal_through_the_api(api):
    w = make_world()
    reviewer = api(w.ring[0])
    made = reviewer.post(
        "trust/appeals", {"review_id": w.ring_reviews[0].pk, "text": "我是真实买家"}
    )
    assert made.status_code == 201
    body = made.json()
    assert (body["by"], body["status"], body["review_under_review"]) == ("reviewer", "open", True)
    again = reviewer.post("trust/appeals", {"review_id": w.ring_reviews[0].pk, "text": "再来"})
    assert (again.status_code, again.json()["code"]) == (409, "already_appealed")
    decided = api(w.operator).post(
        f"trust/appeals/{body['id']}/decision", {"uphold": True, "reason": "属实"}
    )
    assert decided.status_code == 200 and decided.json()["restored"] == 1
    mine = reviewer.get("trust/appeals/mine").json()
    assert [(a["id"], a["status"], a["decision"], a["review_under_review"]) for a in mine] == [
        (body["id"], "upheld", "属实", False)
    ]
    assert api(w.ring[1]).get("trust/appeals/mine").json() == []


def test_a_store_s_appeal_through_the_api(api):
    w = make_world()
    apply_action(w.operator, w.case.pk, "notify_store", "tell")
    owner = api(w.owner)
    made = owner.post(
        "trust/appeals", {"case_id": w.case.pk, "store_id": w.store.pk, "text": "老客户"}
    )
    assert made.status_code == 201 and made.json()["by"] == "store"
    api(w.operator).post(
        f"trust/appeals/{made.json()['id']}/decision", {"uphold": False, "reason": "批量下单"}
    )
    seen = api(w.staff).get(f"trust/stores/{w.store.pk}/appeals").json()
    [case] = seen["cases"]
    assert (case["case_id"], case["held"], case["products"]) == (w.case.pk, 3, ["云南小粒咖啡豆"])
    assert [(a["status"], a["decision"]) for a in case["appeals"]] == [("rejected", "批量下单")]


@pytest.mark.parametrize(
    "payload",
    [
        {"text": "x"},
        {"review_id": "x", "case_id": "y", "text": "x"},
        {"case_id": "AAAAAAAAAAAAAAAA", "text": "x"},
    ],
)
def test_an_appeal_names_a_review_or_a_case_and_a_store(api, payload):
    w = make_world()
    answer = api(w.owner).post("trust/appeals", payload)
    assert answer.status_code == 400


def test_malformed_appeals_and_decisions_are_clear_4xx(api):
    w = make_world()
    reviewer = api(w.ring[0])
    for payload in ({"review_id": 5, "text": "x"}, {"review_id": "x"}, []):
        assert reviewer.post("trust/appeals", payload).status_code == 422, payload
    assert reviewer.post("trust/appeals", "not json").status_code == 400
    assert reviewer.post("trust/appeals", {"review_id": "nope", "text": "x"}).status_code == 404
    made = reviewer.post("trust/appeals", {"review_id": w.ring_reviews[0].pk, "text": "x"}).json()
    operator = api(w.operator)
    for payload in ({"uphold": 1, "reason": "x"}, {"uphold": "true", "reason": "x"}, {}):
        answer = operator.post(f"trust/appeals/{made['id']}/decision", payload)
        assert answer.status_code == 422, payload
    empty = operator.post(f"trust/appeals/{made['id']}/decision", {"uphold": True, "reason": ""})
    assert (empty.status_code, empty.json()["code"]) == (400, "empty_reason")
