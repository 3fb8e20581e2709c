"""Announcements over the API: the role × endpoint matrix, validation and notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from quanzi.circles.models import Announcement, Notification
from quanzi.circles.services import notifications
from tests.circles.conftest_announcements import (  # noqa: F401
    countdown_fixture,
    foreign_product_fixture,
    new_product_fixture,
    tasks_fixture,
)

pytestmark = pytest.mark.django_db

EXPECTED = {
    # role: (list, create, update, pin, delete)
    "owner": (200, 201, 200, 200, 204),
    "admin": (200, 201, 200, 200, 204),
    "member": (200, 403, 403, 403, 403),
    "stranger": (403, 403, 403, 403, 403),
    "anonymous": (401, 401, 401, 401, 401),
}


def _in(minutes: int) -> str:
    return (timezone.now() + timedelta(minutes=minutes)).isoformat()


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_endpoint_answers_each_role(role, roles, store_circle, api):
    # given a circle with one announcement, and a caller in the given role
    a = Announcement.objects.create(circle=store_circle, author=store_circle.owner, title="旧公告")
    client = api(roles[role])
    base = f"circles/{store_circle.pk}/announcements"
    # when the caller uses every announcement endpoint
    codes = (
        client.get(base).status_code,
        client.post(base, {"title": "周末茶会"}).status_code,
        client.put(f"{base}/{a.pk}", {"title": "改过的公告"}).status_code,
        client.post(f"{base}/{a.pk}/unpin").status_code,
        client.delete(f"{base}/{a.pk}").status_code,
    )
    # then each answers as the role allows
    assert codes == EXPECTED[role]


def test_unknown_ids_are_404(api, store_owner, store_circle):
    # given the owner
    client = api(store_owner)
    # when they address an unknown circle or announcement
    r1 = client.get("circles/nosuchcircle0001/announcements")
    r2 = client.put(f"circles/{store_circle.pk}/announcements/nosuchann0000001", {"title": "x"})
    r3 = client.delete(f"circles/{store_circle.pk}/announcements/bad!id")
    # then nothing is found
    assert (r1.status_code, r2.status_code, r3.status_code) == (404, 404, 404)


def test_an_announcement_of_another_circle_is_not_found(api, store_owner, store_circle):
    # given an announcement in a circle the owner does not run
    from tests.factories import UserFactory

    other_owner = UserFactory()
    from quanzi.circles.services.membership import CircleInput, create_circle

    other = create_circle(other_owner, CircleInput(name="别的圈"))
    a = Announcement.objects.create(circle=other, author=other_owner, title="别人的")
    # when the owner of store_circle deletes it through their own circle
    r = api(store_owner).delete(f"circles/{store_circle.pk}/announcements/{a.pk}")
    # then it is not found there, and it survives
    assert r.status_code == 404
    assert Announcement.objects.filter(pk=a.pk).exists()


def test_posting_notifies_the_other_members_but_not_the_muted(
    api, store_owner, store_circle, circle_admin, circle_member
):
    # given the member muted the circle's notifications
    notifications.set_circle_muted(circle_member, store_circle.pk, True)
    # when the admin posts an announcement
    r = api(circle_admin).post(
        f"circles/{store_circle.pk}/announcements", {"title": "周末茶会", "body": "周六下午"}
    )
    # then it is pinned, and only the owner is notified (not the author, not the muted member)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["is_pinned"] is True and body["state"] == "notice"
    told = Notification.objects.filter(kind="announcement")
    assert [n.user for n in told] == [store_owner]
    assert told[0].url.endswith(f"#a-{body['id']}")


@pytest.mark.parametrize(
    "payload,code",
    [
        ({"title": ""}, "invalid"),
        ({"title": "长" * 81}, "too_long"),
        ({"title": "ok", "body": "字" * 4001}, "too_long"),
        ({"title": "ok", "launch_at": "2030-01-01T20:00:00+08:00"}, "launch_no_product"),
    ],
)
def test_bad_input_is_400(api, store_owner, store_circle, payload, code):
    # when the owner posts a bad announcement
    r = api(store_owner).post(f"circles/{store_circle.pk}/announcements", payload)
    # then it is refused with a reason, and nothing is stored
    assert r.status_code == 400, r.content
    assert r.json()["code"] == code
    assert not Announcement.objects.exists()


@pytest.mark.parametrize(
    "minutes,code",
    [(-5, "launch_too_soon"), (0, "launch_too_soon"), (91 * 24 * 60, "launch_too_far")],
)
def test_launch_time_must_be_a_minute_to_90_days_ahead(
    api, store_owner, store_circle, new_product, minutes, code
):
    # when the owner schedules a launch too soon or too far
    r = api(store_owner).post(
        f"circles/{store_circle.pk}/announcements",
        {"title": "新品", "product_id": new_product.pk, "launch_at": _in(minutes)},
    )
    # then it is refused
    assert r.status_code == 400
    assert r.json()["code"] == code


def test_another_stores_product_is_refused(api, store_owner, store_circle, foreign_product):
    # when the owner links a product of another store
    r = api(store_owner).post(
        f"circles/{store_circle.pk}/announcements",
        {"title": "新品", "product_id": foreign_product.pk, "launch_at": _in(60)},
    )
    # then it is a 400, nothing stored
    assert r.status_code == 400
    assert r.json()["code"] == "bad_product"
    assert not Announcement.objects.exists()


def test_an_interest_circle_has_no_products_to_link(api, interest_owner, interest_circle, product):
    # when the owner of a circle without a store links a product
    r = api(interest_owner).post(
        f"circles/{interest_circle.pk}/announcements",
        {"title": "新品", "product_id": product.pk, "launch_at": _in(60)},
    )
    # then it is refused
    assert r.status_code == 400
    assert r.json()["code"] == "bad_product"


def test_an_admin_outside_the_store_cannot_launch_an_off_shelf_product(
    api, circle_admin, store_circle, new_product
):
    # given a circle admin who does not work for the store
    # when they schedule the launch of an unreleased product
    r = api(circle_admin).post(
        f"circles/{store_circle.pk}/announcements",
        {"title": "新品", "product_id": new_product.pk, "launch_at": _in(60)},
    )
    # then it is refused: the launch would put it on the shelf as them
    assert r.status_code == 403
    assert r.json()["code"] == "not_store_staff"


def test_a_countdown_is_scheduled_as_a_task_after_commit(
    api, store_owner, store_circle, new_product, tasks, django_capture_on_commit_callbacks
):
    # when the owner schedules a launch three days ahead
    launch_at = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        r = api(store_owner).post(
            f"circles/{store_circle.pk}/announcements",
            {"title": "新品", "product_id": new_product.pk, "launch_at": launch_at.isoformat()},
        )
    # then the launch task is queued to run at that time
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "countdown"
    assert body["product"]["id"] == new_product.pk and body["product"]["on_shelf"] is False
    assert len(tasks) == 1
    assert tasks[0].task.name == "launch_announcement"
    assert tasks[0].task.run_after == launch_at
    assert tasks[0].args == [body["id"]]


def test_a_naive_time_is_shanghai_time(api, store_owner, store_circle, new_product):
    # given a wall-clock time in Shanghai two days ahead
    from zoneinfo import ZoneInfo

    local = (timezone.now() + timedelta(days=2)).astimezone(ZoneInfo("Asia/Shanghai"))
    naive = local.replace(tzinfo=None, second=0, microsecond=0)
    # when the owner sends it without an offset
    r = api(store_owner).post(
        f"circles/{store_circle.pk}/announcements",
        {"title": "新品", "product_id": new_product.pk, "launch_at": naive.isoformat()},
    )
    # then it is stored as that Shanghai time
    assert r.status_code == 201, r.content
    stored = Announcement.objects.get().launch_at
    assert stored.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None) == naive


def test_update_pin_and_list(api, store_owner, circle_member, store_circle, countdown):
    # given a countdown and a plain announcement
    owner = api(store_owner)
    base = f"circles/{store_circle.pk}/announcements"
    plain = owner.post(base, {"title": "群规更新", "pinned": False}).json()
    # when the owner retitles the countdown and pins the plain one
    r = owner.put(
        f"{base}/{countdown.pk}",
        {
            "title": "新品预告（改）",
            "product_id": countdown.product_id,
            "launch_at": countdown.launch_at.isoformat(),
        },
    )
    assert r.status_code == 200, r.content
    assert owner.post(f"{base}/{plain['id']}/pin").json()["is_pinned"] is True
    # then a member lists both, pinned first, the countdown still counting down
    rows = api(circle_member).get(base).json()
    assert [a["title"] for a in rows] == ["群规更新", "新品预告（改）"]
    assert rows[1]["state"] == "countdown"


def test_clearing_the_time_ends_the_countdown(api, store_owner, store_circle, countdown):
    # when the owner saves the countdown without a launch time
    r = api(store_owner).put(
        f"circles/{store_circle.pk}/announcements/{countdown.pk}",
        {"title": "新品预告", "product_id": countdown.product_id},
    )
    # then it is a plain notice linking the product
    assert r.status_code == 200
    assert r.json()["state"] == "notice" and r.json()["launch_at"] is None
