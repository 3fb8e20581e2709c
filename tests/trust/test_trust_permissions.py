"""Who sees and does what, against every page and endpoint of cases and appeals: only operators
see the queue, a case and the thresholds (everyone else 404, so nobody learns a case exists);
a reviewer appeals their own review; a store's owner and staff see and appeal its own cases
only; anonymous callers are sent to sign in (pages) or get 401 (API)."""

from __future__ import annotations

import pytest

from quanzi.reviews.models import Moderation
from quanzi.trust.models import Appeal, AppealStatus, CaseAction, CaseStatus, TrustSettings
from quanzi.trust.services.appeals import appeal_case, appeal_review
from quanzi.trust.services.cases import apply_action
from tests.trust.case_helpers import World, client_of, fresh, make_world

pytestmark = pytest.mark.django_db

ROLES = ["operator", "owner", "staff", "other_owner", "reviewer", "member", "anonymous"]
STORE_PEOPLE = {"owner", "staff"}


def seeded(world: World) -> tuple[Appeal, Appeal]:
    """The store was notified; the reviewer and the store each appealed."""
    apply_action(world.operator, world.case.pk, "notify_store", "tell the store")
    mine = appeal_review(world.ring[0], world.ring_reviews[0].pk, "我是真实买家")
    theirs = appeal_case(world.owner, world.case.pk, world.store.pk, "老客户")
    return mine, theirs


def check_page(response, outcome: str, ok_status: int = 200) -> None:
    if outcome == "ok":
        assert response.status_code == ok_status, response.content[:300]
    elif outcome == "sign_in":
        assert response.status_code == 302 and "/login" in response["Location"]
    else:
        assert response.status_code == 404


def check_api(response, outcome: str, ok_status: int = 200) -> None:
    if outcome == "ok":
        assert response.status_code == ok_status, response.content[:300]
    elif outcome == "sign_in":
        assert response.status_code == 401
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_pages(role):
    w = make_world()
    _mine, theirs = seeded(w)
    client = client_of(w.people[role])
    # the operators' pages: 404 to everyone else, anonymous included
    operator_only = "ok" if role == "operator" else "not_found"
    check_page(client.get("/trust/cases/"), operator_only)
    check_page(client.get(f"/trust/cases/{w.case.pk}/"), operator_only)
    check_page(client.get("/trust/settings/"), operator_only)
    check_page(client.post("/trust/settings/", {"hold": "99"}), operator_only, 302)
    check_page(
        client.post(f"/trust/cases/{w.case.pk}/action/", {"action": "restore", "reason": "x"}),
        operator_only,
        302,
    )
    check_page(
        client.post(f"/trust/appeals/{theirs.pk}/decision/", {"uphold": "0", "reason": "no"}),
        operator_only,
        302,
    )
    if role != "operator":
        assert TrustSettings.objects.filter(hold=99).count() == 0
        assert all(fresh(r).moderation == Moderation.HELD for r in w.ring_reviews)
        theirs.refresh_from_db()
        assert theirs.status == AppealStatus.OPEN
    # a reviewer's page: any signed-in person sees their own
    own = client.get("/trust/my-reviews/")
    check_page(own, "sign_in" if role == "anonymous" else "ok")
    if role == "reviewer":
        assert 'data-testid="under-review"' in own.content.decode()
    elif role != "anonymous":
        assert "非常好！强烈推荐！" not in own.content.decode()
    # the store's page: its owner and staff; anyone else (operators too) 404
    store_page = client.get(f"/trust/console/{w.store.pk}/appeals/")
    store_outcome = (
        "ok" if role in STORE_PEOPLE else "sign_in" if role == "anonymous" else "not_found"
    )
    check_page(store_page, store_outcome)
    if store_outcome == "ok":
        html = store_page.content.decode()
        assert "老客户" in html and "我是真实买家" not in html
    appealed = client.post(
        f"/trust/console/{w.store.pk}/appeals/", {"case_id": w.case.pk, "text": "again"}
    )
    if store_outcome == "ok":
        assert appealed.status_code == 409  # the store's appeal is open already
    else:
        check_page(appealed, store_outcome)


@pytest.mark.parametrize("role", ROLES)
def test_endpoints(api, role):
    w = make_world()
    mine, theirs = seeded(w)
    client = api(w.people[role])
    anonymous = role == "anonymous"
    operator_only = "ok" if role == "operator" else "sign_in" if anonymous else "not_found"
    check_api(client.get("trust/cases"), operator_only)
    check_api(client.get(f"trust/cases/{w.case.pk}"), operator_only)
    check_api(client.get("trust/settings"), operator_only)
    check_api(client.patch("trust/settings", {"hold": 99}), operator_only)
    check_api(
        client.post(
            f"trust/cases/{w.case.pk}/actions", {"action": "mark_suspected", "reason": "x"}
        ),
        operator_only,
        201,
    )
    check_api(
        client.post(f"trust/appeals/{mine.pk}/decision", {"uphold": False, "reason": "no"}),
        operator_only,
    )
    if role != "operator":
        assert not TrustSettings.objects.filter(hold=99).exists()
        assert not CaseAction.objects.filter(case=w.case, kind="mark").exists()
        mine.refresh_from_db()
        assert mine.status == AppealStatus.OPEN
    # a reviewer appeals their own review alone (another of the ring's, not theirs: 404)
    other_review = w.ring_reviews[1].pk
    check_api(
        client.post("trust/appeals", {"review_id": other_review, "text": "mine"}),
        "sign_in" if anonymous else "not_found",
    )
    # a store's people appeal its cases: here the store already has an open appeal (409)
    answer = client.post(
        "trust/appeals", {"case_id": w.case.pk, "store_id": w.store.pk, "text": "again"}
    )
    if role in STORE_PEOPLE:
        assert answer.status_code == 409
    else:
        check_api(answer, "sign_in" if anonymous else "not_found")
    # their own appeals: everyone signed in, each their own
    listed = client.get("trust/appeals/mine")
    check_api(listed, "sign_in" if anonymous else "ok")
    if not anonymous:
        ids = {a["id"] for a in listed.json()}
        assert ids == {"reviewer": {mine.pk}, "owner": {theirs.pk}}.get(role, set())
    # the store's cases and appeal outcomes: its owner and staff only
    store_outcome = "ok" if role in STORE_PEOPLE else "sign_in" if anonymous else "not_found"
    seen = client.get(f"trust/stores/{w.store.pk}/appeals")
    check_api(seen, store_outcome)
    if store_outcome == "ok":
        [case] = seen.json()["cases"]
        assert [a["id"] for a in case["appeals"]] == [theirs.pk]
    # another store's owner sees their own store, which has no case
    if role == "other_owner":
        assert client.get(f"trust/stores/{w.other_store.pk}/appeals").json()["cases"] == []


def test_the_reviewer_may_appeal_and_the_operator_may_decide_through_the_api(api):
    w = make_world()
    made = api(w.ring[0]).post("trust/appeals", {"review_id": w.ring_reviews[0].pk, "text": "真"})
    assert made.status_code == 201
    staff_appeal = api(w.staff).post(
        "trust/appeals", {"case_id": w.case.pk, "store_id": w.store.pk, "text": "老客户"}
    )
    assert staff_appeal.status_code == 201
    other = api(w.other_owner).post(
        "trust/appeals", {"case_id": w.case.pk, "store_id": w.other_store.pk, "text": "x"}
    )
    assert other.status_code == 404
    assert (
        api(w.operator)
        .post(f"trust/appeals/{made.json()['id']}/decision", {"uphold": True, "reason": "ok"})
        .status_code
        == 200
    )
    w.case.refresh_from_db()
    assert w.case.status == CaseStatus.OPEN  # deciding an appeal is not deciding the case
