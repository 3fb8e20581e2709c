"""Notes API: writing (all or nothing), permissions, likes, collects, comments, lists."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quanzi.social.models import Note, NoteComment, NoteImage, NoteLike
from quanzi.social.services import notes as services
from quanzi.stores.models import StoreStaff
from tests.factories import ProductFactory, UserFactory
from tests.social.conftest_notes import *  # noqa: F403 (fixtures)
from tests.social.conftest_notes import block, not_an_image, note_files, picture, sold_product

pytestmark = pytest.mark.django_db


# --- Writing -------------------------------------------------------------------------------


def test_create_note_with_images_and_products(api, author, product):
    # given a person and an on-sale product
    client = api(author)
    # when they publish a note with two pictures and the product tagged
    r = client.post(
        "social/notes",
        {
            "title": "咖啡豆开箱",
            "body": "第一行\n第二行",
            "product_ids": [product.id],
            "images": [picture("a.jpg"), picture("b.png")],
        },
        multipart=True,
    )
    # then the note exists with its pictures in order and the product with its price
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["title"] == "咖啡豆开箱"
    assert [len(data["images"]), data["images"][0]["width"]] == [2, 64]
    assert data["products"][0]["id"] == product.id
    assert data["products"][0]["on_sale"] is True
    assert data["products"][0]["sku_id"]
    assert data["author"]["public_id"] == author.public_id
    assert data["store"] is None


def test_ten_images_is_400_and_nothing_written(api, author):
    # given a person with ten pictures
    before = note_files()
    # when they try to publish them all
    r = api(author).post(
        "social/notes",
        {"title": "太多图", "images": [picture(f"{i}.jpg") for i in range(10)]},
        multipart=True,
    )
    # then it is refused and neither a row nor a file is left
    assert r.status_code == 400
    assert r.json()["code"] == "too_many_images"
    assert not Note.objects.exists() and not NoteImage.objects.exists()
    assert note_files() == before


def test_a_non_image_among_images_is_400_and_nothing_written(api, author):
    # given two pictures and one text file
    before = note_files()
    # when they are published together
    r = api(author).post(
        "social/notes",
        {"title": "坏图", "images": [picture("a.jpg"), not_an_image(), picture("c.jpg")]},
        multipart=True,
    )
    # then the note is refused whole
    assert r.status_code == 400
    assert r.json()["code"] == "not_an_image"
    assert not Note.objects.exists() and note_files() == before


def test_tagging_an_off_shelf_product_is_400(api, author, product):
    # given an off-shelf product and a product of a closed store
    off = ProductFactory(on_shelf=False)
    closed = sold_product()
    closed.store.is_active = False
    closed.store.save()
    for bad in (off.id, closed.id, "nosuchproduct01"):
        # when it is tagged
        r = api(author).post(
            "social/notes", {"title": "标题", "product_ids": [product.id, bad]}, multipart=True
        )
        # then the note is refused
        assert r.status_code == 400, bad
        assert r.json()["code"] == "product_unavailable"
    assert not Note.objects.exists()


def test_title_is_required_and_limited(api, author):
    client = api(author)
    assert client.post("social/notes", {"title": "  "}, multipart=True).status_code == 400
    assert client.post("social/notes", {"title": "长" * 61}, multipart=True).status_code == 400
    r = client.post("social/notes", {"title": "t", "body": "x" * 5001}, multipart=True)
    assert r.status_code == 400
    assert client.post("social/notes", {"title": "长" * 60}, multipart=True).status_code == 201


def test_more_than_ten_products_is_400(api, author):
    products = [sold_product() for _ in range(11)]
    r = api(author).post(
        "social/notes",
        {"title": "好多", "product_ids": ",".join(p.id for p in products)},
        multipart=True,
    )
    assert r.status_code == 400 and r.json()["code"] == "too_many_products"


def test_store_note_by_staff_and_not_by_others(api, shop, other):
    # given a store's staff member and an outsider
    # when the staff member writes in the store's name
    r = api(shop.staff_user).post(
        "social/notes", {"title": "店铺上新", "store_id": shop.id}, multipart=True
    )
    # then it shows under the store's name
    assert r.status_code == 201
    assert r.json()["store"] == {"id": shop.id, "name": "咖啡小店"}
    # and an outsider cannot
    r = api(other).post("social/notes", {"title": "冒充", "store_id": shop.id}, multipart=True)
    assert r.status_code == 403
    assert api().post("social/notes", {"title": "匿名"}, multipart=True).status_code == 401


def test_publishing_calls_the_feed_hook_when_it_exists(author, monkeypatch):
    # given a feed module with a note_published hook
    import importlib

    from quanzi.social.services import notes as module

    seen: list[str] = []

    class FakeFeed:
        @staticmethod
        def note_published(note):
            seen.append(note.id)

    real_find = importlib.util.find_spec
    monkeypatch.setattr(
        module.importlib.util,
        "find_spec",
        lambda name: object() if name.endswith(".feed") else real_find(name),
    )
    monkeypatch.setattr(module.importlib, "import_module", lambda name: FakeFeed)
    # when a note is published
    note = services.create_note(author, title="钩子")
    # then the feed heard of it
    assert seen == [note.id]


# --- Permission matrix ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "get", "patch", "delete"),
    [
        ("author", 200, 200, 204),
        ("staff", 200, 403, 204),
        ("other", 200, 403, 403),
        ("blocked", 404, 404, 404),
        ("anonymous", 200, 401, 401),
    ],
)
def test_note_permission_matrix(api, shop, other, who, get, patch, delete):
    # given a store note written by the owner, and a person the owner blocked
    owner = StoreStaff.objects.get(store=shop, role="owner").user
    note = services.create_note(owner, title="店铺笔记", store_id=shop.id)
    blocked = UserFactory()
    block(owner, blocked)
    users = {"author": owner, "staff": shop.staff_user, "other": other, "blocked": blocked}
    client = api(users.get(who))
    # when each person reads, edits and deletes it
    # then each gets what their role allows
    assert client.get(f"social/notes/{note.id}").status_code == get
    assert client.patch(f"social/notes/{note.id}", {"title": "改"}).status_code == patch
    assert client.delete(f"social/notes/{note.id}").status_code == delete


def test_personal_note_cannot_be_deleted_by_someone_else(api, note, other):
    assert api(other).delete(f"social/notes/{note.id}").status_code == 403
    assert api(note.author).delete(f"social/notes/{note.id}").status_code == 204
    assert api(other).get(f"social/notes/{note.id}").status_code == 404


@pytest.mark.parametrize(
    ("who", "like", "comment"),
    [
        ("author", 200, 201),
        ("other", 200, 201),
        ("blocked", 404, 404),
        ("blocker", 403, 403),
        ("anonymous", 401, 401),
    ],
)
def test_like_and_comment_matrix(api, note, who, like, comment):
    # given the note's author blocked one person and was blocked by another
    blocked, blocker = UserFactory(), UserFactory()
    block(note.author, blocked)
    block(blocker, note.author)
    users = {"author": note.author, "other": UserFactory(), "blocked": blocked, "blocker": blocker}
    client = api(users.get(who))
    # when they like, collect and comment
    # then blocked people in either direction cannot
    assert client.post(f"social/notes/{note.id}/like").status_code == like
    assert client.post(f"social/notes/{note.id}/collect").status_code == like
    r = client.post(f"social/notes/{note.id}/comments", {"text": "好看"})
    assert r.status_code == comment


def test_hidden_note_is_404_for_everyone(api, note):
    Note.objects.filter(pk=note.pk).update(is_hidden=True)
    assert api(note.author).get(f"social/notes/{note.id}").status_code == 404
    assert api().get(f"social/notes/{note.id}").status_code == 404


def test_unknown_and_malformed_ids_are_404(api, author):
    client = api(author)
    for bad in ("nosuchnote00000", "bad-id", "x" * 40):
        assert client.get(f"social/notes/{bad}").status_code == 404
        assert client.post(f"social/notes/{bad}/like").status_code == 404


# --- Likes and collects --------------------------------------------------------------------


def test_like_and_collect_are_idempotent(api, note, other):
    client = api(other)
    # when a person likes twice and collects twice
    for _ in range(2):
        r = client.post(f"social/notes/{note.id}/like")
        c = client.post(f"social/notes/{note.id}/collect")
    # then each counts once
    assert r.json() == {
        "id": note.id,
        "liked": True,
        "collected": True,
        "like_count": 1,
        "collect_count": 1,
    }
    assert c.json()["collect_count"] == 1
    assert NoteLike.objects.filter(note=note).count() == 1
    # when they unlike twice
    for _ in range(2):
        r = client.delete(f"social/notes/{note.id}/like")
    # then the count is back to zero, never negative
    assert r.json()["like_count"] == 0 and r.json()["liked"] is False
    assert client.delete(f"social/notes/{note.id}/collect").json()["collect_count"] == 0
    # and the viewer's marks show on the note
    client.post(f"social/notes/{note.id}/like")
    data = client.get(f"social/notes/{note.id}").json()
    assert [data["liked"], data["collected"], data["like_count"]] == [True, False, 1]
    assert api().get(f"social/notes/{note.id}").json()["liked"] is False


def test_my_collections(api, make_note, other):
    # given two notes, one collected
    first, second = make_note(title="一"), make_note(title="二")
    client = api(other)
    client.post(f"social/notes/{first.id}/collect")
    # when I list my collections
    data = client.get("social/me/collections").json()
    # then only the collected one shows
    assert [n["id"] for n in data["items"]] == [first.id]
    assert data["items"][0]["collected"] is True
    assert second.id
    assert api().get("social/me/collections").status_code == 401


# --- Comments ------------------------------------------------------------------------------


def test_comments_are_one_level_with_reply_to(api, note, other):
    # given a comment on a note
    first = api(other).post(f"social/notes/{note.id}/comments", {"text": "在哪买的？"}).json()
    # when the author replies to it
    r = api(note.author).post(
        f"social/notes/{note.id}/comments", {"text": "下面有链接", "reply_to": first["id"]}
    )
    # then the reply names the comment and its author, and both are listed flat
    assert r.status_code == 201
    assert r.json()["reply_to"] == first["id"]
    assert r.json()["reply_to_name"] == other.display_name
    items = api().get(f"social/notes/{note.id}/comments").json()["items"]
    assert [c["text"] for c in items] == ["在哪买的？", "下面有链接"]
    note.refresh_from_db()
    assert note.comment_count == 2


def test_reply_to_a_comment_of_another_note_is_400(api, note, make_note, other):
    elsewhere = make_note(title="别的")
    c = services.add_comment(other, elsewhere.id, "hi")
    r = api(other).post(f"social/notes/{note.id}/comments", {"text": "x", "reply_to": c.id})
    assert r.status_code == 400


def test_comment_length_and_required(api, note, other):
    client = api(other)
    assert client.post(f"social/notes/{note.id}/comments", {"text": " "}).status_code == 400
    r = client.post(f"social/notes/{note.id}/comments", {"text": "长" * 501})
    assert r.status_code == 400
    r = client.post(f"social/notes/{note.id}/comments", {"text": "长" * 500})
    assert r.status_code == 201


def test_comment_deletion_rights(api, note, other):
    # given two comments by another person
    third = UserFactory()
    c1 = services.add_comment(other, note.id, "一")
    c2 = services.add_comment(other, note.id, "二")
    url = f"social/notes/{note.id}/comments"
    # then a third person cannot delete them, anonymous must log in
    assert api(third).delete(f"{url}/{c1.id}").status_code == 403
    assert api().delete(f"{url}/{c1.id}").status_code == 401
    # the comment's author and the note's author can
    assert api(other).delete(f"{url}/{c1.id}").status_code == 204
    assert api(note.author).delete(f"{url}/{c2.id}").status_code == 204
    assert api(other).delete(f"{url}/{c2.id}").status_code == 404
    note.refresh_from_db()
    assert note.comment_count == 0 and not NoteComment.objects.exists()


# --- Lists ---------------------------------------------------------------------------------


def _list_queries(client, url: str) -> int:
    client.get(url)  # warm up: the token's first use of the run writes its last use
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, r.content
    return len(ctx.captured_queries)


def test_note_lists_take_constant_queries(api, author, shop, other):
    # given one note of each kind, measured
    product = sold_product(skus=2)

    def publish() -> None:
        services.create_note(author, title="个人", product_ids=[product.id], images=[picture()])
        services.create_note(
            shop.staff_user, title="店", store_id=shop.id, product_ids=[product.id]
        )

    publish()
    client = api(other)
    urls = [
        f"social/users/{author.public_id}/notes",
        f"social/stores/{shop.id}/notes",
        f"social/products/{product.id}/notes",
    ]
    baseline = [_list_queries(client, url) for url in urls]
    # when there are six more of each
    for _ in range(6):
        publish()
    # then the lists take the same number of queries
    assert [_list_queries(client, url) for url in urls] == baseline
    data = client.get(urls[0]).json()
    assert data["count"] == 7 and len(data["items"]) == 7


def test_collections_take_constant_queries(api, make_note, other):
    client = api(other)
    client.post(f"social/notes/{make_note(images=[picture()]).id}/collect")
    baseline = _list_queries(client, "social/me/collections")
    for _ in range(5):
        client.post(f"social/notes/{make_note(images=[picture()]).id}/collect")
    assert _list_queries(client, "social/me/collections") == baseline


def test_blocker_notes_are_hidden_from_the_blocked(api, note, other):
    # given the note's author blocked someone
    block(note.author, other)
    client = api(other)
    # then the author's notes are hidden from them everywhere
    assert client.get(f"social/users/{note.author.public_id}/notes").status_code == 404
    product_id = note.products.get().id
    assert client.get(f"social/products/{product_id}/notes").json()["count"] == 0
    assert api().get(f"social/products/{product_id}/notes").json()["count"] == 1
    assert services.notes_for_product(product_id, viewer=other) == []
    assert [n.id for n in services.notes_for_product(product_id)] == [note.id]


def test_update_changes_text_and_products(api, note):
    new = sold_product()
    r = api(note.author).patch(f"social/notes/{note.id}", {"body": "更新", "product_ids": [new.id]})
    assert r.status_code == 200
    assert r.json()["body"] == "更新" and r.json()["title"] == "今日好物"
    assert [p["id"] for p in r.json()["products"]] == [new.id]
    off = ProductFactory(on_shelf=False)
    r = api(note.author).patch(f"social/notes/{note.id}", {"product_ids": [off.id]})
    assert r.status_code == 400


def test_note_detail_takes_constant_queries(api, author, other):
    # given a small note and a full one (9 pictures, 10 products)
    small = services.create_note(author, title="小", product_ids=[sold_product().id])
    full = services.create_note(
        author,
        title="满",
        product_ids=[sold_product(skus=1 + i % 2).id for i in range(10)],
        images=[picture(f"{i}.jpg") for i in range(9)],
    )
    client = api(other)
    # when each is read
    counts = [_list_queries(client, f"social/notes/{n.id}") for n in (small, full)]
    # then both take the same number of queries
    assert counts[0] == counts[1]
    assert len(client.get(f"social/notes/{full.id}").json()["images"]) == 9


def test_note_page_takes_constant_queries(client, author, other):
    small = services.create_note(author, title="小", product_ids=[sold_product().id])
    full = services.create_note(
        author,
        title="满",
        product_ids=[sold_product(skus=1 + i % 2).id for i in range(10)],
        images=[picture(f"{i}.jpg") for i in range(9)],
    )
    for i in range(5):
        services.add_comment(other, full.id, f"评论{i}")
    services.add_comment(other, small.id, "评论")
    client.force_login(other)
    counts = []
    for n in (small, full):
        client.get(f"/social/notes/{n.id}/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/social/notes/{n.id}/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_a_failure_while_storing_images_leaves_no_note_and_no_file(author, monkeypatch):
    # given storage that fails on the second picture's row
    before = note_files()
    real_save = NoteImage.save
    calls: list[int] = []

    def flaky_save(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(NoteImage, "save", flaky_save)
    # when a note with three pictures is published
    with pytest.raises(OSError):
        services.create_note(author, title="半途", images=[picture(f"{i}.jpg") for i in range(3)])
    # then neither the note nor any stored file is left
    assert not Note.objects.exists() and not NoteImage.objects.exists()
    assert note_files() == before
