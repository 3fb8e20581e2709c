"""The trust pages: the operators' queue and case page (members, products, timeline, signals in
words, the action form, the history, the appeals to decide), the thresholds, a reviewer's
reviews under review and a store's appeals page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from quanzi.accounts.models import User
from quanzi.reviews.models import Moderation
from quanzi.trust import reasons
from quanzi.trust.models import (
    AccountScore,
    ActionKind,
    Appeal,
    AppealStatus,
    Case,
    CaseAction,
    CaseStatus,
    TrustSettings,
)
from quanzi.trust.services.appeals import appeal_case, appeal_review, decide
from quanzi.trust.services.cases import apply_action
from tests.trust.case_helpers import client_of, fresh, make_world, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def sentences(monkeypatch):
    """Two signals in words, as the detectors register them."""
    monkeypatch.setitem(
        reasons.SENTENCES, "test_burst", "%(n)d five-star reviews within %(minutes)d minutes"
    )
    monkeypatch.setitem(reasons.SENTENCES, "test_new", "account created %(days)d days before")


def test_the_queue_lists_cases_of_a_status_highest_score_first():
    w = make_world()
    low = open_case(w.store, w.ring[:1], [], [w.product], score=61)
    high = open_case(None, w.ring, [], [w.product], score=97)
    closed = open_case(w.store, w.ring, [], [], score=99)
    Case.objects.filter(pk=closed.pk).update(status=CaseStatus.DISMISSED)
    page = client_of(w.operator).get("/trust/cases/")
    assert page.status_code == 200
    html = page.content.decode()
    order = [html.index(f'data-case-id="{c.pk}"') for c in (high, w.case, low)]
    assert order == sorted(order)
    assert closed.pk not in html
    # the row of the ring: three accounts, one product, three reviews held
    row = html[html.index(f'data-case-id="{w.case.pk}"') :]
    assert 'data-testid="case-members">3<' in row and 'data-testid="case-held">3<' in row
    dismissed = client_of(w.operator).get("/trust/cases/?status=dismissed").content.decode()
    assert closed.pk in dismissed and w.case.pk not in dismissed
    everything = client_of(w.operator).get("/trust/cases/?status=all").content.decode()
    assert all(c.pk in everything for c in (low, high, closed, w.case))
    # an unknown filter reads as the default tab
    assert client_of(w.operator).get("/trust/cases/?status=<b>").status_code == 200


def test_the_case_page_shows_members_products_timeline_and_signals_in_words(sentences):
    w = make_world()
    Case.objects.filter(pk=w.case.pk).update(
        reasons=[
            {"code": "test_burst", "points": 40, "params": {"n": 3, "minutes": 20}},
            {"code": "retired_code", "points": 5, "params": {}},
        ]
    )
    young = w.ring[0]
    User.objects.filter(pk=young.pk).update(date_joined=timezone.now() - timedelta(days=2))
    AccountScore.objects.create(
        user=young, score=91, reasons=[{"code": "test_new", "points": 30, "params": {"days": 2}}]
    )
    apply_action(w.operator, w.case.pk, "mark_suspected", "same device")
    html = client_of(w.operator).get(f"/trust/cases/{w.case.pk}/").content.decode()
    # signals in words, never codes
    assert "3 five-star reviews within 20 minutes" in html
    assert "test_burst" not in html and "retired_code" not in html
    # members: age, score and reasons in words, mark
    assert html.count('data-testid="member"') == 3
    assert "account created 2 days before" in html and ">91<" in html
    assert "刷手0" in html
    assert html.count('data-testid="member-mark"><span class="badge">') == 3
    # products with rating and held count
    assert "云南小粒咖啡豆" in html and 'data-testid="product-held">3<' in html
    # the timeline: each ring review and its order
    assert html.count('data-kind="review"') == 3 and html.count('data-kind="order"') == 3
    # the history: who, why
    assert "运营小王" in html and "same device" in html and "the detector" in html
    # and the form offers the actions
    assert 'value="suspend_commissions"' in html and 'value="reopen"' not in html


def test_posting_an_action_applies_it_and_a_refusal_shows_the_message():
    w = make_world()
    client = client_of(w.operator)
    done = client.post(
        f"/trust/cases/{w.case.pk}/action/", {"action": "restore", "reason": "real buyers"}
    )
    assert done.status_code == 302 and done["Location"].endswith("#history")
    assert all(fresh(r).moderation == Moderation.VISIBLE for r in w.ring_reviews)
    refused = client.post(f"/trust/cases/{w.case.pk}/action/", {"action": "hold", "reason": ""})
    assert refused.status_code == 400
    assert 'data-testid="action-error"' in refused.content.decode()
    unknown = client.post(f"/trust/cases/{w.case.pk}/action/", {"action": "nuke", "reason": "x"})
    assert unknown.status_code == 400
    client.post(f"/trust/cases/{w.case.pk}/action/", {"action": "dismiss", "reason": "no ring"})
    closed = client.post(f"/trust/cases/{w.case.pk}/action/", {"action": "hold", "reason": "x"})
    assert closed.status_code == 409
    # a dismissed case's form offers reopening alone
    html = client.get(f"/trust/cases/{w.case.pk}/").content.decode()
    assert 'value="reopen"' in html and 'value="hold"' not in html


def test_the_case_page_lists_appeals_and_decides_them():
    w = make_world()
    made = appeal_review(w.ring[0], w.ring_reviews[0].pk, "我是真实买家")
    store = appeal_case(w.owner, w.case.pk, w.store.pk, "都是老客户")
    client = client_of(w.operator)
    html = client.get(f"/trust/cases/{w.case.pk}/").content.decode()
    assert "我是真实买家" in html and "都是老客户" in html
    assert html.count('data-testid="decide-form"') == 2
    upheld = client.post(
        f"/trust/appeals/{made.pk}/decision/", {"uphold": "1", "reason": "真实购买"}
    )
    assert upheld.status_code == 302
    assert fresh(w.ring_reviews[0]).moderation == Moderation.VISIBLE
    missing = client.post(f"/trust/appeals/{store.pk}/decision/", {"uphold": "1", "reason": ""})
    assert missing.status_code == 400
    bad = client.post(f"/trust/appeals/{store.pk}/decision/", {"uphold": "maybe", "reason": "x"})
    assert bad.status_code == 400
    client.post(f"/trust/appeals/{store.pk}/decision/", {"uphold": "0", "reason": "批量下单"})
    store.refresh_from_db()
    assert store.status == AppealStatus.REJECTED
    twice = client.post(f"/trust/appeals/{store.pk}/decision/", {"uphold": "1", "reason": "x"})
    assert twice.status_code == 409
    assert (
        client.post("/trust/appeals/nope/decision/", {"uphold": "1", "reason": "x"}).status_code
        == 404
    )


def test_the_settings_page_shows_and_changes_the_thresholds():
    w = make_world()
    client = client_of(w.operator)
    html = client.get("/trust/settings/").content.decode()
    assert 'name="hold" min="0" max="100" value="80"' in html
    saved = client.post("/trust/settings/", {"hold": "90", "alert_ratio": "2.5"})
    assert saved.status_code == 302
    row = TrustSettings.objects.get(pk=1)
    assert (row.hold, row.alert_ratio, row.review_flag, row.updated_by) == (90, 2.5, 60, w.operator)
    refused = client.post("/trust/settings/", {"hold": "101"})
    assert refused.status_code == 400 and 'data-testid="settings-error"' in refused.content.decode()
    assert TrustSettings.objects.get(pk=1).hold == 90
    assert client.post("/trust/settings/", {"review_flag": "abc"}).status_code == 400


def test_the_reviewer_s_page_shows_the_held_review_lets_them_appeal_and_shows_the_outcome():
    w = make_world()
    client = client_of(w.ring[0])
    html = client.get("/trust/my-reviews/").content.decode()
    assert 'data-testid="under-review"' in html and "非常好！强烈推荐！" in html
    assert 'data-testid="appeal-form"' in html
    empty = client.post("/trust/my-reviews/", {"review_id": w.ring_reviews[0].pk, "text": ""})
    assert empty.status_code == 400 and 'data-testid="appeal-error"' in empty.content.decode()
    sent = client.post(
        "/trust/my-reviews/", {"review_id": w.ring_reviews[0].pk, "text": "我是真实买家"}
    )
    assert sent.status_code == 302
    html = client.get("/trust/my-reviews/").content.decode()
    assert 'data-testid="appeal-form"' not in html and 'data-status="open"' in html
    decide(w.operator, Appeal.objects.get(review=w.ring_reviews[0]).pk, False, "同一设备批量评价")
    html = client.get("/trust/my-reviews/").content.decode()
    assert 'data-status="rejected"' in html and "同一设备批量评价" in html
    # another person's review cannot be appealed from the page
    other = client_of(w.ring[1]).post(
        "/trust/my-reviews/", {"review_id": w.ring_reviews[0].pk, "text": "mine?"}
    )
    assert other.status_code == 404 and 'data-testid="appeal-error"' in other.content.decode()


def test_the_store_page_shows_notified_cases_with_an_appeal_form():
    w = make_world()
    client = client_of(w.staff)
    assert (
        'data-testid="no-store-cases"'
        in client.get(f"/trust/console/{w.store.pk}/appeals/").content.decode()
    )
    apply_action(w.operator, w.case.pk, "notify_store", "tell")
    html = client.get(f"/trust/console/{w.store.pk}/appeals/").content.decode()
    assert f'data-case-id="{w.case.pk}"' in html and "云南小粒咖啡豆" in html
    assert "刷手0" not in html  # the store is not told who the accounts are
    sent = client.post(
        f"/trust/console/{w.store.pk}/appeals/", {"case_id": w.case.pk, "text": "老客户"}
    )
    assert sent.status_code == 302
    again = client.post(
        f"/trust/console/{w.store.pk}/appeals/", {"case_id": w.case.pk, "text": "again"}
    )
    assert again.status_code == 409
    assert CaseAction.objects.filter(case=w.case, kind=ActionKind.APPEAL, actor=w.staff).exists()
