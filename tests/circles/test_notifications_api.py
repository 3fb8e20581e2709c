"""The notification centre: notify and its per-circle mute, the API, the page and the badge."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from quanzi.circles.models import Membership, Notification
from quanzi.circles.services import notifications
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_notify_respects_the_per_circle_mute(store_circle, circle_member):
    # given the member muted the circle
    notifications.set_circle_muted(circle_member, store_circle.pk, True)
    # when they are notified about that circle, and about nothing in particular
    muted = notifications.notify(circle_member, "mention", "有人@你", circle=store_circle)
    direct = notifications.notify(circle_member, "join_decided", "你的申请已通过")
    # then only the circle-less one is stored
    assert muted is None
    assert direct is not None
    assert list(Notification.objects.values_list("text", flat=True)) == ["你的申请已通过"]


def test_notify_members_skips_the_muted_the_departed_and_the_excluded(
    store_circle, store_owner, circle_admin, circle_member, add_member
):
    # given a muted member and one who left
    muted, gone = UserFactory(), UserFactory()
    add_member(store_circle, muted)
    add_member(store_circle, gone)
    notifications.set_circle_muted(muted, store_circle.pk, True)
    Membership.objects.filter(user=gone).update(state="left")
    # when every member is told, but the admin (the actor)
    count = notifications.notify_members(
        store_circle, "announcement", "新公告", exclude=[circle_admin]
    )
    # then the owner and the member are told, once each
    assert count == 2
    assert sorted(Notification.objects.values_list("user_id", flat=True)) == sorted(
        [store_owner.pk, circle_member.pk]
    )


def test_notify_members_takes_two_queries(django_assert_num_queries, store_circle, circle_member):
    # when a circle's members are told, the query count does not grow with them
    with django_assert_num_queries(2):
        notifications.notify_members(store_circle, "announcement", "新公告")


def test_an_unknown_kind_is_refused(circle_member):
    from quanzi.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        notifications.notify(circle_member, "spam", "x")


def _fill(user, circle, n: int) -> None:
    for i in range(n):
        notifications.notify(user, "mention", f"提醒 {i}", circle=circle, url=f"/x/{i}")


def test_the_list_is_paginated_newest_first_in_constant_queries(
    api, circle_member, store_circle, django_assert_max_num_queries
):
    # given 5 notifications, then 30 more
    client = api(circle_member)
    client.get("circles/me/notifications/unread")  # the token's first use is recorded once
    _fill(circle_member, store_circle, 5)
    with django_assert_max_num_queries(8) as small:
        first = client.get("circles/me/notifications", {"page_size": 5})
    _fill(circle_member, store_circle, 30)
    # when the member lists a bigger page
    with django_assert_max_num_queries(8) as big:
        r = client.get("circles/me/notifications", {"page_size": 30})
    # then the query count is the same, newest first, with the circle's name
    assert first.status_code == 200
    assert len(big.captured_queries) == len(small.captured_queries)
    body = r.json()
    assert body["count"] == 35 and body["unread"] == 35 and body["pages"] == 2
    assert len(body["items"]) == 30
    assert body["items"][0]["text"] == "提醒 29"
    assert body["items"][0]["circle_name"] == store_circle.name


def test_unread_count_and_mark_read(api, circle_member, store_owner, store_circle):
    # given the member has 3 notifications and the owner 1
    _fill(circle_member, store_circle, 3)
    _fill(store_owner, store_circle, 1)
    client = api(circle_member)
    mine = client.get("circles/me/notifications").json()["items"]
    theirs = Notification.objects.get(user=store_owner)
    # when the member marks one of theirs and the owner's read
    r = client.post("circles/me/notifications/read", {"ids": [mine[0]["id"], theirs.pk, "x!"]})
    # then only their own changed
    assert r.json() == {"marked": 1, "unread": 2}
    assert client.get("circles/me/notifications/unread").json() == {"unread": 2}
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    # and "all" clears the rest
    assert client.post("circles/me/notifications/read", {"all": True}).json() == {
        "marked": 2,
        "unread": 0,
    }
    assert client.get("circles/me/notifications", {"unread": True}).json()["count"] == 0


@pytest.mark.parametrize(
    "role,status",
    [("owner", 200), ("admin", 200), ("member", 200), ("stranger", 403), ("anonymous", 401)],
)
def test_per_circle_mute_for_each_role(role, status, roles, api, store_circle):
    # when each role mutes the circle
    r = api(roles[role]).post(f"circles/{store_circle.pk}/notifications/mute", {"muted": True})
    # then only members can
    assert r.status_code == status
    if status == 200:
        assert r.json() == {"circle_id": store_circle.pk, "notifications_muted": True}
        assert Membership.objects.get(user=roles[role], circle=store_circle).notifications_muted


@pytest.mark.parametrize("path", ["me/notifications", "me/notifications/unread"])
def test_anonymous_reads_nothing(api, path):
    assert api().get(f"circles/{path}").status_code == 401


def test_anonymous_marks_nothing(api):
    assert api().post("circles/me/notifications/read", {"all": True}).status_code == 401


# --- The page and the badge ------------------------------------------------------------------


def test_the_centre_highlights_unread_and_marks_all_read(page, circle_member, store_circle):
    # given one read and two unread notifications
    _fill(circle_member, store_circle, 3)
    Notification.objects.filter(text="提醒 0").update(read_at="2026-01-01T00:00:00Z")
    client = page(circle_member)
    # when the member opens the centre
    html = client.get("/circles/me/notifications/").content.decode()
    # then every item shows, the unread marked
    assert html.count('data-testid="notification-item"') == 3
    assert html.count('data-read="0"') == 2
    assert 'data-testid="mark-all-read"' in html
    # and "mark all read" clears them
    r = client.post("/circles/me/notifications/read/", {"all": "1"})
    assert r.status_code == 302
    assert notifications.unread_count(circle_member) == 0


def test_opening_a_notification_marks_it_read_and_follows_it(page, circle_member, store_circle):
    n = notifications.notify(circle_member, "mention", "看这里", circle=store_circle, url="/x/1")
    assert n is not None
    r = page(circle_member).post("/circles/me/notifications/read/", {"id": n.pk, "go": "1"})
    assert r["Location"] == "/x/1"
    assert notifications.unread_count(circle_member) == 0


def test_opening_never_leaves_the_site(page, circle_member):
    # given a notification whose link points off the site
    n = notifications.notify(circle_member, "mention", "外链", url="//evil.example/x")
    assert n is not None
    # when the member opens it, then they stay in the notification centre
    r = page(circle_member).post("/circles/me/notifications/read/", {"id": n.pk, "go": "1"})
    assert r["Location"] == "/circles/me/notifications/"


def test_the_centre_asks_anonymous_to_log_in(page):
    r = page(None).get("/circles/me/notifications/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_the_centre_lists_only_ones_own(page, circle_member, store_owner, store_circle):
    _fill(store_owner, store_circle, 2)
    html = page(circle_member).get("/circles/me/notifications/").content.decode()
    assert 'data-testid="notification-item"' not in html


def _badge(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load circles_notifications %}{% unread_notifications_badge %}")
    return template.render(Context({"request": request}))


def test_the_badge_tag_shows_the_unread_count_and_polls(circle_member, store_circle):
    # given two unread notifications
    _fill(circle_member, store_circle, 2)
    # when the badge renders
    html = _badge(circle_member)
    # then it shows the count and re-fetches itself every 30 s
    assert 'data-testid="notifications-badge"' in html and 'data-count="2"' in html
    assert 'hx-trigger="every 30s"' in html and 'hx-get="/circles/me/notifications/badge/"' in html


def test_the_badge_is_empty_for_anonymous_visitors():
    from django.contrib.auth.models import AnonymousUser

    assert _badge(AnonymousUser()).strip() == ""


def test_the_badge_endpoint_serves_the_poll(page, circle_member, store_circle):
    _fill(circle_member, store_circle, 1)
    html = page(circle_member).get("/circles/me/notifications/badge/").content.decode()
    assert 'data-count="1"' in html
    assert page(None).get("/circles/me/notifications/badge/").content.strip() == b""
