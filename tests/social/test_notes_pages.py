"""Note pages: the note page (buy buttons, Open Graph, escaping), writing, editing, likes,
comments and my collections."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from quanzi.catalog.models import Product
from quanzi.social.models import Note, NoteComment
from quanzi.social.services import notes as services
from tests.factories import ProductFactory, UserFactory
from tests.social.conftest_notes import *  # noqa: F403 (fixtures)
from tests.social.conftest_notes import block, not_an_image, picture, sold_product

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_note_page_shows_buy_buttons_for_tagged_products(author):
    # given a note tagging a one-SKU product, a two-SKU product and one later taken off shelf
    single = sold_product(price=3900)
    several = sold_product(price=5900, skus=2)
    later_off = sold_product()
    note = services.create_note(
        author,
        title="三件好物",
        product_ids=[single.id, several.id, later_off.id],
        images=[picture()],
    )
    Product.objects.filter(pk=later_off.pk).update(on_shelf=False)
    # when anyone opens the note page
    r = _client(UserFactory()).get(reverse("social:note", args=[note.id]), **EN)
    html = r.content.decode()
    # then the one-SKU product has a buy-now form with its SKU and quantity 1
    assert r.status_code == 200
    sku = single.skus.get()
    assert 'action="/orders/buy-now/"' in html
    assert f'name="sku" value="{sku.id}"' in html and 'name="quantity" value="1"' in html
    assert "¥39.00" in html or "39.00" in html
    # the two-SKU product links to its page to choose, and the off-shelf one cannot be bought
    page_url = reverse("catalog:detail", args=[several.id])
    assert f'href="{page_url}?src=note&amp;via={note.pk}" data-testid="note-buy"' in html
    assert html.count('data-testid="note-buy"') == 2
    assert "No longer on sale" in html
    for testid in ("note-title", "note-body", "note-images", "note-products", "note-like"):
        assert f'data-testid="{testid}"' in html


def test_note_page_has_open_graph_tags(author):
    note = services.create_note(author, title="分享标题", body="分享正文", images=[picture()])
    r = _client().get(reverse("social:note", args=[note.id]))
    html = r.content.decode()
    image = note.images.get()
    assert '<meta property="og:title" content="分享标题">' in html
    assert '<meta property="og:description" content="分享正文">' in html
    assert f'<meta property="og:image" content="http://testserver{image.image.url}">' in html


def test_xss_in_title_body_and_comment_renders_as_text(author, other):
    # given a note and a comment full of markup
    evil = "<script>alert(1)</script>"
    note = services.create_note(author, title=evil, body=f"line1\n{evil}<img src=x onerror=1>")
    services.add_comment(other, note.id, f"{evil}<b>bold</b>")
    # when the page is shown
    html = _client().get(reverse("social:note", args=[note.id])).content.decode()
    # then every piece of it is escaped text, line breaks kept
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "line1<br>" in html


def test_blocked_person_gets_404_and_anonymous_sees_login_links(note, other):
    block(note.author, other)
    url = reverse("social:note", args=[note.id])
    assert _client(other).get(url).status_code == 404
    r = _client().get(url)
    assert r.status_code == 200
    assert reverse("accounts:login") in r.content.decode()


def test_like_and_collect_by_form_and_htmx(note, other):
    client = _client(other)
    url = reverse("social:note_like", args=[note.id])
    # when the form is posted twice (a double click)
    r = client.post(url, {"on": "1"})
    client.post(url, {"on": "1"})
    # then it counts once and goes back to the note
    assert r.status_code == 302
    note.refresh_from_db()
    assert note.like_count == 1
    # and with HTMX the bar comes back with the new state
    r = client.post(
        reverse("social:note_collect", args=[note.id]), {"on": "1"}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 200
    assert 'data-testid="note-collect-count">1<' in r.content.decode()
    client.post(url, {"on": "0"})
    note.refresh_from_db()
    assert [note.like_count, note.collect_count] == [0, 1]
    # anonymous posts go to the login page
    assert "/login" in _client().post(url, {"on": "1"})["Location"]


def test_comment_reply_and_delete_on_the_page(note, other):
    client = _client(other)
    comment_url = reverse("social:note_comment", args=[note.id])
    client.post(comment_url, {"text": "第一条"})
    first = NoteComment.objects.get()
    _client(note.author).post(comment_url, {"text": "回复你", "reply_to": first.id})
    html = client.get(reverse("social:note", args=[note.id]), **EN).content.decode()
    assert f"reply to {other.display_name}" in html
    assert 'data-testid="note-comment-text"' in html and 'data-testid="note-comment-submit"' in html
    # too long a comment re-shows the note with a message, nothing written
    r = client.post(comment_url, {"text": "长" * 501}, follow=True)
    assert r.status_code == 200 and NoteComment.objects.count() == 2
    # the note's author deletes the other's comment
    r = _client(note.author).post(reverse("social:note_comment_delete", args=[note.id, first.id]))
    assert r.status_code == 302 and NoteComment.objects.count() == 1
    # someone else cannot
    reply = NoteComment.objects.get()
    r = _client(UserFactory()).post(reverse("social:note_comment_delete", args=[note.id, reply.id]))
    assert r.status_code == 403


def test_write_a_note_page(author, product):
    client = _client(author)
    url = reverse("social:note_new")
    # the form lists search results to tag
    r = client.get(url, {"q": product.title[:4]})
    html = r.content.decode()
    assert r.status_code == 200 and product.id in html
    assert 'data-testid="note-submit"' in html
    # publishing goes to the new note
    r = client.post(
        url,
        {"title": "新笔记", "body": "正文", "product_ids": [product.id], "images": [picture()]},
    )
    note = Note.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("social:note", args=[note.id])
    assert note.images.count() == 1 and list(note.products.all()) == [product]


def test_write_page_re_renders_on_a_bad_image(author):
    r = _client(author).post(
        reverse("social:note_new"), {"title": "坏图", "images": [not_an_image()]}, **EN
    )
    assert r.status_code == 400
    assert "not an image" in r.content.decode()
    assert 'value="坏图"' in r.content.decode()
    assert not Note.objects.exists()


def test_write_for_a_store(shop, other):
    url = reverse("social:note_new") + f"?store={shop.id}"
    r = _client(shop.staff_user).post(url, {"title": "店铺笔记"})
    assert r.status_code == 302
    assert Note.objects.get().store == shop
    assert _client(other).get(url).status_code == 403
    assert "/login" in _client().get(url)["Location"]


def test_edit_page_is_for_the_author(note, other):
    url = reverse("social:note_edit", args=[note.id])
    assert _client(other).get(url).status_code == 403
    client = _client(note.author)
    assert client.get(url).status_code == 200
    r = client.post(url, {"title": "改过的标题", "body": "新正文"})
    assert r.status_code == 302
    note.refresh_from_db()
    assert [note.title, note.body, note.products.count()] == ["改过的标题", "新正文", 0]
    off = ProductFactory(on_shelf=False)
    r = client.post(url, {"title": "t", "product_ids": [off.id]})
    assert r.status_code == 400


def test_delete_page_action(note, other, shop):
    url = reverse("social:note_delete", args=[note.id])
    assert _client(other).post(url).status_code == 403
    assert _client(note.author).post(url).status_code == 302
    assert not Note.objects.filter(pk=note.pk).exists()
    store_note = services.create_note(
        UserFactory(), title="x"
    )  # a personal note: store staff have no say
    assert (
        _client(shop.staff_user)
        .post(reverse("social:note_delete", args=[store_note.id]))
        .status_code
        == 403
    )


def test_collections_page(make_note, other):
    note = make_note(title="收藏这篇", images=[picture()])
    services.set_collect(other, note.id, True)
    r = _client(other).get(reverse("social:collections"))
    assert r.status_code == 200 and "收藏这篇" in r.content.decode()
    assert "/login" in _client().get(reverse("social:collections"))["Location"]


def test_the_product_page_shows_the_notes_that_tag_it(client: Client, note: Note, product: Product):
    # given a published note tagging a product (the fixtures)
    # when anyone opens the product page
    page = client.get(f"/products/{product.pk}/").content.decode()
    # then the note is there, linked
    assert 'data-testid="product-notes"' in page
    assert f"/social/notes/{note.pk}/" in page
