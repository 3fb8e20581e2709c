"""Announcement pages: the list with countdown banners, the admins' form, pin and delete."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from quanzi.circles.models import Announcement
from quanzi.circles.services.announcements import banner_announcement
from tests.circles.conftest_announcements import (  # noqa: F401
    countdown_fixture,
    foreign_product_fixture,
    new_product_fixture,
    tasks_fixture,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _url(circle_id: str, tail: str = "") -> str:
    return f"/circles/{circle_id}/announcements/{tail}"


@pytest.mark.parametrize(
    "role,status,has_form",
    [
        ("owner", 200, True),
        ("admin", 200, True),
        ("member", 200, False),
        ("stranger", 403, False),
        ("anonymous", 302, False),
    ],
)
def test_the_page_for_each_role(role, status, has_form, roles, page, store_circle, countdown):
    # when each role opens the announcements page
    r = page(roles[role]).get(_url(store_circle.pk))
    # then members see the list, admins also the form; strangers are refused; anonymous log in
    assert r.status_code == status
    html = r.content.decode()
    if status == 200:
        assert 'data-testid="countdown"' in html and "新品预告" in html
    assert ('data-testid="announcement-submit"' in html) is has_form
    if role == "anonymous":
        assert r["Location"].startswith("/accounts/login/")


def test_the_banner_shows_the_iso_time_and_the_shanghai_text(store_circle, countdown):
    # given a countdown to a known time
    launch_at = timezone.now().replace(microsecond=0) + timedelta(days=3)
    Announcement.objects.filter(pk=countdown.pk).update(launch_at=launch_at)
    # when the banner partial renders the circle's banner announcement
    html = render_to_string(
        "circles/announcements_banner.html", {"announcement": banner_announcement(store_circle)}
    )
    # then it carries the ISO time for the script and the Beijing-time text for everyone
    local = launch_at.astimezone(SHANGHAI)
    assert f'data-launch-at="{local.isoformat()}"' in html
    assert local.strftime("%Y-%m-%d %H:%M") in html
    assert "circles/countdown.js" in html


def test_the_banner_renders_nothing_without_an_announcement():
    assert (
        render_to_string("circles/announcements_banner.html", {"announcement": None}).strip() == ""
    )


def test_the_admin_form_takes_beijing_time(
    page, store_owner, store_circle, new_product, foreign_product
):
    # given the owner's form lists the store's products, not others'
    client = page(store_owner)
    form = client.get(_url(store_circle.pk)).content.decode()
    assert new_product.pk in form and foreign_product.pk not in form
    # when the owner posts a countdown for a wall-clock time in Shanghai
    local = (
        (timezone.now() + timedelta(days=2)).astimezone(SHANGHAI).replace(second=0, microsecond=0)
    )
    r = client.post(
        _url(store_circle.pk),
        {
            "title": "新品 3 天后 20:00 开售",
            "body": "<b>限量</b>",
            "product": new_product.pk,
            "launch_at": local.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    # then it is stored at that instant and the list shows it, its body escaped
    assert r.status_code == 302
    a = Announcement.objects.get()
    assert a.launch_at == local
    html = client.get(r["Location"]).content.decode()
    assert "&lt;b&gt;限量&lt;/b&gt;" in html and "<b>限量</b>" not in html


def test_a_bad_form_re_renders_with_the_message(page, store_owner, store_circle, foreign_product):
    # when the owner picks another store's product
    r = page(store_owner).post(
        _url(store_circle.pk),
        {"title": "新品", "product": foreign_product.pk, "launch_at": "2030-01-01T20:00"},
    )
    # then the form comes back with the message and the typed title, nothing stored
    assert r.status_code == 400
    html = r.content.decode()
    assert 'data-testid="announcement-error"' in html and 'value="新品"' in html
    assert not Announcement.objects.exists()


def test_a_bad_time_re_renders(page, store_owner, store_circle, new_product):
    r = page(store_owner).post(
        _url(store_circle.pk), {"title": "新品", "product": new_product.pk, "launch_at": "soon"}
    )
    assert r.status_code == 400
    assert not Announcement.objects.exists()


def test_a_member_cannot_post_pin_or_delete(page, circle_member, store_circle, countdown):
    # when a member tries the admin actions
    client = page(circle_member)
    codes = [
        client.post(_url(store_circle.pk), {"title": "我也发"}).status_code,
        client.post(_url(store_circle.pk, f"{countdown.pk}/pin/"), {"pinned": "0"}).status_code,
        client.post(_url(store_circle.pk, f"{countdown.pk}/delete/")).status_code,
        client.get(_url(store_circle.pk, f"{countdown.pk}/edit/")).status_code,
    ]
    # then each is refused and the announcement is unchanged
    assert codes == [403, 403, 403, 403]
    assert Announcement.objects.get(pk=countdown.pk).is_pinned is True


def test_admin_edits_unpins_and_deletes(page, circle_admin, store_circle, countdown):
    client = page(circle_admin)
    # when the admin edits the title (keeping product and time)
    form = client.get(_url(store_circle.pk, f"{countdown.pk}/edit/"))
    assert form.status_code == 200
    local = countdown.launch_at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{local}"' in form.content.decode()
    r = client.post(
        _url(store_circle.pk, f"{countdown.pk}/edit/"),
        {"title": "新品预告 v2", "product": countdown.product_id, "launch_at": local},
    )
    assert r.status_code == 302
    # and unpins, then deletes it
    client.post(_url(store_circle.pk, f"{countdown.pk}/pin/"), {"pinned": "0"})
    assert Announcement.objects.get(pk=countdown.pk).title == "新品预告 v2"
    assert Announcement.objects.get(pk=countdown.pk).is_pinned is False
    client.post(_url(store_circle.pk, f"{countdown.pk}/delete/"))
    # then it is gone
    assert not Announcement.objects.filter(pk=countdown.pk).exists()


def test_a_member_mutes_the_circle_from_the_page(page, circle_member, store_circle):
    client = page(circle_member)
    r = client.post(f"/circles/{store_circle.pk}/notifications/mute/", {"muted": "1"})
    assert r.status_code == 302
    html = client.get(_url(store_circle.pk)).content.decode()
    assert 'data-testid="circle-notifications-unmute"' in html
