"""Posters, the share page and the referrals API."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from quanzi.core import fonts
from quanzi.orders.services.checkout import buy_now
from quanzi.referrals import posters
from quanzi.referrals.models import ShareLink
from quanzi.referrals.services.links import attribute_order, share_link
from tests.core.test_fonts import differ, without_fontconfig_fonts  # noqa: F401  (fixture)
from tests.factories import ProductFactory
from tests.referrals.conftest import Scene


def test_poster_is_a_png_with_drawn_text(scene: Scene):
    # given a share link to a product (no photo: a plain panel)
    link = share_link(scene.sharer, "product", scene.product.pk)
    # when the poster is fetched
    r = Client().get(f"/s/{link.code}/poster.png")
    # then a PNG of the poster's size, cached privately for an hour
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert "private" in r["Cache-Control"] and "max-age=3600" in r["Cache-Control"]
    img = Image.open(io.BytesIO(r.content))
    assert img.format == "PNG" and img.size == (posters.WIDTH, posters.HEIGHT)
    # and text is drawn under the picture (dark pixels in the white text area, left of the QR)
    text_area = img.convert("L").crop((posters.MARGIN, posters.PICTURE_HEIGHT + 20, 400, 1180))
    low, high = text_area.getextrema()
    assert low < 100 and high == 255


def test_a_poster_draws_chinese_on_a_machine_whose_fontconfig_has_no_font(
    scene: Scene,
    without_fontconfig_fonts: None,  # noqa: F811
):
    # given fontconfig finds no font, and two products whose titles are different Chinese words
    tea = ProductFactory(store=scene.store, title="普洱茶饼")
    rice = ProductFactory(store=scene.store, title="五常大米")

    def title_area(product_id: str) -> Image.Image:
        link = share_link(scene.sharer, "product", product_id)
        r = Client().get(f"/s/{link.code}/poster.png")
        assert r.status_code == 200 and r["Content-Type"] == "image/png"
        img = Image.open(io.BytesIO(r.content)).convert("L")
        return img.crop((posters.MARGIN, posters.PICTURE_HEIGHT + 20, 400, 850))

    # when their posters are rendered
    tea_title, rice_title = title_area(tea.pk), title_area(rice.pk)
    # then each title is drawn (ink on white) and as its own glyphs, not as the same tofu boxes
    assert tea_title.getextrema()[0] < 100 and rice_title.getextrema()[0] < 100
    assert differ(tea_title, rice_title)


def test_poster_without_a_cjk_font_is_a_clear_503(scene: Scene, monkeypatch: pytest.MonkeyPatch):
    # given a server without a CJK font
    monkeypatch.setattr(fonts, "cjk_font_path", lambda: None)
    link = share_link(scene.sharer, "product", scene.product.pk)
    # when the poster is fetched
    r = Client().get(f"/s/{link.code}/poster.png", headers={"Accept-Language": "en"})
    # then a 503 that says what to install
    assert r.status_code == 503
    assert "fonts-noto-cjk" in r.content.decode()


def test_share_page_is_for_the_sharer_only(scene: Scene):
    # given a link
    link = share_link(scene.sharer, "product", scene.product.pk)
    owner, stranger = Client(), Client()
    owner.force_login(scene.sharer)
    stranger.force_login(scene.buyer)
    # when the sharer and someone else open its share page
    mine = owner.get(f"/s/{link.code}/share/")
    theirs = stranger.get(f"/s/{link.code}/share/")
    # then the sharer sees the link and poster, the other a 404
    assert mine.status_code == 200
    assert f"/s/{link.code}" in mine.content.decode()
    assert f"/s/{link.code}/poster.png" in mine.content.decode()
    assert theirs.status_code == 404


def test_api_creates_and_reads_links(scene: Scene, api: Any):
    # given the sharer's API client
    client = api(scene.sharer)
    # when they create a link twice
    r = client.post("referrals/links", {"kind": "product", "target_id": scene.product.pk})
    again = client.post("referrals/links", {"kind": "product", "target_id": scene.product.pk})
    # then one code, with its short and poster URLs
    assert r.status_code == 201
    body = r.json()
    assert body["code"] == again.json()["code"]
    assert body["url"].endswith(f"/s/{body['code']}")
    assert body["poster_url"].endswith(f"/s/{body['code']}/poster.png")
    assert client.get(f"referrals/links/{body['code']}").status_code == 200
    # and others cannot read it; bad targets are clear errors
    assert api(scene.buyer).get(f"referrals/links/{body['code']}").status_code == 404
    bad = client.post("referrals/links", {"kind": "product", "target_id": "nope"})
    assert bad.status_code == 404 and bad.json()["code"] == "not_found"
    assert api().post("referrals/links", {"kind": "store", "target_id": "x"}).status_code == 401


def test_api_reshare_with_parent_code(scene: Scene, api: Any):
    # given A's link
    a = share_link(scene.sharer, "product", scene.product.pk)
    # when B re-shares with A's code as parent
    r = api(scene.buyer).post(
        "referrals/links",
        {"kind": "product", "target_id": scene.product.pk, "parent_code": a.code},
    )
    # then B's link hangs under A's
    assert r.status_code == 201 and r.json()["parent_code"] == a.code
    assert ShareLink.objects.get(code=r.json()["code"]).parent == a


def test_my_links_counts_with_constant_queries(
    scene: Scene, api: Any, django_assert_max_num_queries: Any
):
    # given the sharer's links to several products, one with visits and an attributed order
    link = share_link(scene.sharer, "product", scene.product.pk)
    for product in ProductFactory.create_batch(5, store=scene.store):
        share_link(scene.sharer, "product", product.pk)
    for _ in range(3):
        Client().get(f"/s/{link.code}")
    order = buy_now(scene.buyer, scene.sku.pk, 1)
    touched = (order.created_at - timedelta(minutes=1)).isoformat()
    attribute_order(order, {"code": link.code, "at": touched})
    client = api(scene.sharer)
    # when they list their links
    with django_assert_max_num_queries(4):
        r = client.get("referrals/me")
    # then each link has its counts
    assert r.status_code == 200
    rows = {row["code"]: row for row in r.json()}
    assert len(rows) == 6
    assert rows[link.code]["visit_count"] == 3
    assert rows[link.code]["attributed_orders"] == 1


@pytest.mark.django_db
def test_notes_and_circles_have_a_share_button(client):
    # given a published note and a listed circle
    from quanzi.circles.models import Circle
    from quanzi.core.ids import new_id
    from quanzi.social.models import Note
    from tests.factories import UserFactory

    author = UserFactory()
    note = Note.objects.create(author=author, title="今日好物")
    circle = Circle.objects.create(name="咖啡圈", owner=author, invite_code=new_id())
    # when anyone opens their pages, then each offers to share it
    assert 'data-testid="share-note"' in client.get(f"/social/notes/{note.pk}/").content.decode()
    assert 'data-testid="share-circle"' in client.get(f"/circles/{circle.pk}/").content.decode()
