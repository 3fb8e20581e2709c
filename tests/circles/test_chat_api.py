"""Chat over HTTP: sending rules, history, recall/remove, unread, moderation, the budget."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from quanzi.circles.models import Circle, Membership, Message, MessageReport
from quanzi.circles.services import chat
from tests.circles.conftest_chat import ChatCircle, chat_circle_fixture  # noqa: F401
from tests.factories import ProductFactory, SkuFactory

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def say(api, user, circle_id, text, client_id=None, **extra):  # type: ignore[no-untyped-def]
    body = {"client_id": client_id or f"c-{text}-{user.pk}", "kind": "text", "text": text, **extra}
    return api(user).post(f"circles/{circle_id}/messages", body, headers=EN)


def test_member_sends_and_reads_history_in_seq_order(api, cc: ChatCircle) -> None:
    # given a member who sends three messages
    for word in ("一", "二", "三"):
        assert say(api, cc.alice, cc.id, word).status_code == 201
    # when another member reads the history
    r = api(cc.bob).get(f"circles/{cc.id}/messages")
    # then the messages come in seq order 1..3 with their senders
    assert r.status_code == 200
    body = r.json()
    assert [m["seq"] for m in body["items"]] == [1, 2, 3]
    assert [m["text"] for m in body["items"]] == ["一", "二", "三"]
    assert body["items"][0]["sender"]["id"] == cc.alice.public_id
    assert body["unread"] == 3


def test_non_member_can_neither_read_nor_send(api, cc: ChatCircle) -> None:
    # given an outsider and an anonymous visitor
    # when they ask for the history or send
    outsider = api(cc.outsider)
    r1 = outsider.get(f"circles/{cc.id}/messages")
    r2 = say(api, cc.outsider, cc.id, "hi")
    r3 = api().get(f"circles/{cc.id}/messages")
    # then they are refused
    assert (r1.status_code, r1.json()["code"]) == (403, "not_member")
    assert r2.status_code == 403
    assert r3.status_code == 401
    assert not Message.objects.exists()


def test_muted_member_cannot_send_and_is_told_until_when(api, cc: ChatCircle) -> None:
    # given alice is muted for an hour
    until = timezone.now() + timedelta(hours=1)
    Membership.objects.filter(user=cc.alice).update(muted_until=until)
    # when she sends
    r = say(api, cc.alice, cc.id, "hello")
    # then it is refused with the end of the mute
    assert r.status_code == 403
    assert r.json()["code"] == "muted"
    assert r.json()["muted_until"].startswith(timezone.localtime(until).strftime("%Y-%m-%d"))
    assert not Message.objects.exists()


def test_resend_with_same_client_id_is_one_message(api, cc: ChatCircle) -> None:
    # given a message sent once
    first = say(api, cc.alice, cc.id, "hello", client_id="abc")
    # when the client resends it (flaky network)
    again = say(api, cc.alice, cc.id, "hello", client_id="abc")
    # then one message exists and both answers are that message
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Message.objects.count() == 1
    assert Circle.objects.get(pk=cc.id).last_message_seq == 1


def test_blocked_word_is_refused_and_named(api, cc: ChatCircle) -> None:
    # given a circle blocking a word
    Circle.objects.filter(pk=cc.id).update(blocked_words=["Spam"])
    # when a member writes it in any case
    r = say(api, cc.alice, cc.id, "cheap SPAM here")
    # then nothing is stored and the error names the word
    assert r.status_code == 400
    assert r.json()["code"] == "blocked_word"
    assert r.json()["word"] == "Spam"
    assert "Spam" in r.json()["detail"]
    assert not Message.objects.exists()


def test_flood_control_limits_a_member_per_minute(api, cc: ChatCircle) -> None:
    # given a circle allowing 3 messages per member per minute
    Circle.objects.filter(pk=cc.id).update(flood_per_minute=3)
    # when alice sends 4 messages in a row
    codes = [say(api, cc.alice, cc.id, f"m{i}").status_code for i in range(4)]
    # then the 4th is refused with 429, and bob is not affected
    assert codes == [201, 201, 201, 429]
    assert say(api, cc.bob, cc.id, "me too").status_code == 201


def test_text_rules(api, cc: ChatCircle) -> None:
    # when a member sends an empty text or one over 2000 characters
    empty = say(api, cc.alice, cc.id, "   ")
    long = say(api, cc.alice, cc.id, "x" * 2001)
    # then both are refused
    assert empty.status_code == 400
    assert long.status_code in (400, 422)
    assert not Message.objects.exists()


def test_product_card_only_from_the_circles_store(api, cc: ChatCircle) -> None:
    # given a product of another store
    other = ProductFactory()
    SkuFactory(product=other)
    client = api(cc.alice)
    # when a member shares it, then it is refused
    r = client.post(
        f"circles/{cc.id}/messages",
        {"client_id": "p1", "kind": "product", "product_id": other.pk},
    )
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_product"
    # and the circle's own product is a card with price, stock and its one SKU: a member's
    # share, not commercial (the store's own card is: test_chat_commercial.py)
    Circle.objects.filter(pk=cc.id).update(commercial_share_percent=100)
    r = client.post(
        f"circles/{cc.id}/messages",
        {"client_id": "p2", "kind": "product", "product_id": cc.product.pk},
    )
    assert r.status_code == 201, r.content
    card = r.json()["product"]
    assert card["title"] == "耶加雪菲"
    assert card["stock_state"] == "in_stock"
    assert card["sku_id"] == cc.product.skus.get().pk
    assert r.json()["is_commercial"] is False


def test_image_message_is_validated_and_thumbnailed(api, cc: ChatCircle) -> None:
    # given a real PNG and a fake image
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buf, "PNG")
    good = SimpleUploadedFile("a.png", buf.getvalue(), content_type="image/png")
    bad = SimpleUploadedFile("b.png", b"not an image at all", content_type="image/png")
    client = api(cc.alice)
    # when both are sent
    r_bad = client.post(
        f"circles/{cc.id}/messages/image", {"image": bad, "client_id": "i1"}, multipart=True
    )
    r_good = client.post(
        f"circles/{cc.id}/messages/image", {"image": good, "client_id": "i2"}, multipart=True
    )
    # then the fake is refused and the real one has an image and a thumbnail
    assert r_bad.status_code == 400
    assert r_good.status_code == 201, r_good.content
    assert r_good.json()["image"] and r_good.json()["thumbnail"]


def test_mentions_and_reply_notify(api, cc: ChatCircle, monkeypatch) -> None:
    # given the notification centre records what it is asked to send
    notifications = pytest.importorskip("quanzi.circles.services.notifications")
    sent: list[tuple[str, str, str]] = []

    def record(user, kind, text, *, circle=None, message=None, url=""):  # type: ignore[no-untyped-def]
        sent.append((user.username, kind, url))

    monkeypatch.setattr(notifications, "notify", record)
    # and a message by bob
    first = say(api, cc.bob, cc.id, "谁喝过耶加雪菲？").json()
    # when alice replies mentioning the admin by nickname and the owner by username
    r = say(api, cc.alice, cc.id, "@管理员 @owner 我喝过", reply_to=first["id"])
    # then the message lists both as mentions and points at bob's message
    assert r.status_code == 201, r.content
    assert set(r.json()["mentions"]) == {cc.admin.public_id, cc.owner.public_id}
    assert r.json()["reply_to"]["seq"] == first["seq"]
    # and the two mentioned and the replied-to sender are notified, with a link to the message
    url = f"/circles/{cc.id}/chat/#m2"
    assert sorted(sent) == [
        ("admin1", "mention", url),
        ("bob", "reply", url),
        ("owner", "mention", url),
    ]


def test_reply_to_another_circles_message_is_refused(api, cc: ChatCircle) -> None:
    # given a message of another circle
    other = Circle.objects.create(name="x", owner=cc.owner, invite_code="other-code")
    msg = Message.objects.create(circle=other, seq=1, sender=cc.owner, text="t")
    # when alice replies to it here, then it is refused
    r = say(api, cc.alice, cc.id, "re", reply_to=msg.pk)
    assert r.status_code == 400


def test_recall_within_two_minutes_then_refused(api, cc: ChatCircle) -> None:
    # given two messages by alice
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        m1 = say(api, cc.alice, cc.id, "oops").json()
        m2 = say(api, cc.alice, cc.id, "late").json()
        # when she recalls the first at once, then it becomes a tombstone
        r = api(cc.alice).post(f"circles/{cc.id}/messages/{m1['id']}/recall")
        assert r.status_code == 200
        assert r.json()["recalled"] is True and r.json()["text"] == ""
        # and bob cannot recall hers
        assert api(cc.bob).post(f"circles/{cc.id}/messages/{m2['id']}/recall").status_code == 403
        # when 2 minutes have passed, then the second cannot be recalled
        traveller.shift(timedelta(minutes=2, seconds=1))
        late = api(cc.alice).post(f"circles/{cc.id}/messages/{m2['id']}/recall", headers=EN)
        assert late.status_code == 409
        assert late.json()["code"] == "recall_window_passed"
    # and the history keeps seq gapless with the tombstone
    items = api(cc.bob).get(f"circles/{cc.id}/messages").json()["items"]
    assert [(m["seq"], m["text"], m["recalled"]) for m in items] == [
        (1, "", True),
        (2, "late", False),
    ]


def test_admin_removes_any_message_member_cannot(api, cc: ChatCircle) -> None:
    # given a message by alice
    m = say(api, cc.alice, cc.id, "bad").json()
    # when bob tries to remove it, then it is refused
    assert api(cc.bob).delete(f"circles/{cc.id}/messages/{m['id']}").status_code == 403
    # when the admin removes it, then it is a tombstone for everyone
    r = api(cc.admin).delete(f"circles/{cc.id}/messages/{m['id']}")
    assert r.status_code == 200
    assert r.json()["removed"] is True and r.json()["text"] == ""
    assert Message.objects.get(pk=m["id"]).removed_by == cc.admin


def test_history_cursor_pagination_with_constant_queries(
    api, cc: ChatCircle, django_assert_max_num_queries
) -> None:
    # given 30 messages, some with a product card and a reply
    Circle.objects.filter(pk=cc.id).update(flood_per_minute=100, commercial_share_percent=100)
    Circle.objects.filter(pk=cc.id).update(commercial_daily_cap=100, member_share_daily_limit=100)
    first = None
    for i in range(30):
        extra = {}
        if i % 5 == 0:
            extra = {"kind": "product", "product_id": cc.product.pk}
        elif first:
            extra = {"reply_to": first}
        r = say(api, cc.alice, cc.id, f"m{i}", **extra)
        assert r.status_code == 201, r.content
        first = first or r.json()["id"]
    client = api(cc.bob)
    # when bob reads the latest 10, then earlier pages by before_seq, then after_seq
    with django_assert_max_num_queries(16):
        latest = client.get(f"circles/{cc.id}/messages", {"limit": 10}).json()
    with django_assert_max_num_queries(16):
        earlier = client.get(f"circles/{cc.id}/messages", {"before_seq": 21, "limit": 25}).json()
    after = client.get(f"circles/{cc.id}/messages", {"after_seq": 28}).json()
    # then the pages line up without gaps
    assert [m["seq"] for m in latest["items"]] == list(range(21, 31))
    assert latest["has_more"] is True
    assert [m["seq"] for m in earlier["items"]] == list(range(1, 21))
    assert earlier["has_more"] is False
    assert [m["seq"] for m in after["items"]] == [29, 30]
    # and a limit over 100 is refused
    assert client.get(f"circles/{cc.id}/messages", {"limit": 101}).status_code == 422


def test_mark_read_is_monotonic(api, cc: ChatCircle) -> None:
    # given 3 messages by alice
    for word in ("a", "b", "c"):
        say(api, cc.alice, cc.id, word)
    client = api(cc.bob)
    # when bob reads up to 2, then back to 1, then far beyond the end
    assert client.post(f"circles/{cc.id}/read", {"seq": 2}).json() == {"unread": 1}
    assert client.post(f"circles/{cc.id}/read", {"seq": 1}).json() == {"unread": 1}
    assert client.post(f"circles/{cc.id}/read", {"seq": 999}).json() == {"unread": 0}
    # then the read position never went down nor past the last message
    assert Membership.objects.get(user=cc.bob).last_read_seq == 3
    # and the sender has nothing unread of her own
    assert Membership.objects.get(user=cc.alice).last_read_seq == 3
    assert chat.unread_total(cc.bob) == 0


def test_report_once_and_admin_resolves_by_removing(api, cc: ChatCircle) -> None:
    # given a message by alice reported by bob
    m = say(api, cc.alice, cc.id, "rude words").json()
    r = api(cc.bob).post(f"circles/{cc.id}/messages/{m['id']}/report", {"reason": "rude"})
    assert r.status_code == 201
    # when bob reports it again, then it is refused
    again = api(cc.bob).post(f"circles/{cc.id}/messages/{m['id']}/report", {"reason": "x"})
    assert (again.status_code, again.json()["code"]) == (409, "already_reported")
    # and members cannot see the queue
    assert api(cc.bob).get(f"circles/{cc.id}/reports").status_code == 403
    # when the admin works the queue and removes the message
    queue = api(cc.admin).get(f"circles/{cc.id}/reports").json()
    assert [q["message"]["reported_text"] for q in queue] == ["rude words"]
    done = api(cc.admin).post(
        f"circles/{cc.id}/reports/{queue[0]['id']}/resolve", {"action": "remove"}
    )
    # then the report is resolved and the message removed
    assert done.status_code == 200
    assert done.json()["resolution"] == "removed"
    assert Message.objects.get(pk=m["id"]).removed_at is not None
    assert api(cc.admin).get(f"circles/{cc.id}/reports").json() == []


def test_admin_dismisses_a_report(api, cc: ChatCircle) -> None:
    # given a report
    m = say(api, cc.alice, cc.id, "fine").json()
    report = chat.report_message(cc.bob, cc.id, m["id"], "meh")
    # when the admin dismisses it
    r = api(cc.admin).post(f"circles/{cc.id}/reports/{report.pk}/resolve", {"action": "dismiss"})
    # then the message stays
    assert r.json()["resolution"] == "dismissed"
    assert MessageReport.objects.get().resolved_at is not None
    assert Message.objects.get(pk=m["id"]).removed_at is None


# --- Commercial budget ------------------------------------------------------------------


def share_product(api, user, circle_id, product_id, client_id):  # type: ignore[no-untyped-def]
    body = {"client_id": client_id, "kind": "product", "product_id": product_id}
    return api(user).post(f"circles/{circle_id}/messages", body, headers=EN)


def test_commercial_share_refuses_over_cap_and_accepts_when_window_frees(
    api, cc: ChatCircle
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        # given a product card posted on day 0 (when the circle allowed it) ...
        Circle.objects.filter(pk=cc.id).update(commercial_share_percent=100)
        first = share_product(api, cc.owner, cc.id, cc.product.pk, "p0")
        assert first.status_code == 201
        Circle.objects.filter(pk=cc.id).update(commercial_share_percent=20)
        # ... and 4 chat messages on day 1
        traveller.shift(timedelta(days=1))
        for i in range(4):
            assert say(api, cc.alice, cc.id, f"chat {i}").status_code == 201
        # when the store's owner shares another product on day 2: (1+1)/(5+1) = 33 % > 20 %
        traveller.shift(timedelta(days=1))
        refused = share_product(api, cc.owner, cc.id, cc.product.pk, "p1")
        # then it is refused with the reason and when it frees (day 0 + 7 days)
        assert refused.status_code == 409
        body = refused.json()
        assert body["code"] == "commercial_budget"
        assert body["limit"] == "share"
        frees = timezone.localtime(start + timedelta(days=7))
        assert body["frees_at"] == frees.isoformat()
        assert "20%" in body["detail"] and frees.strftime("%Y-%m-%d %H:%M") in body["detail"]
        assert chat.commercial_share(cc.refresh()) == (1, 5)
        # when the first card has left the 7-day window: (0+1)/(4+1) = 20 %
        traveller.move_to(start + timedelta(days=7, seconds=1))
        accepted = share_product(api, cc.owner, cc.id, cc.product.pk, "p1")
        # then the same message is accepted
        assert accepted.status_code == 201, accepted.content


def test_commercial_daily_cap_and_recalled_cards_do_not_count(api, cc: ChatCircle) -> None:
    start = timezone.now()
    Circle.objects.filter(pk=cc.id).update(commercial_share_percent=100, commercial_daily_cap=1)
    with time_machine.travel(start, tick=False) as traveller:
        # given one product card of the store's owner today
        first = share_product(api, cc.owner, cc.id, cc.product.pk, "d0")
        assert first.status_code == 201
        # when another is sent an hour later, then the daily cap refuses it
        traveller.shift(timedelta(hours=1))
        refused = share_product(api, cc.owner, cc.id, cc.product.pk, "d1")
        assert refused.status_code == 409
        assert refused.json()["limit"] == "daily"
        expected = timezone.localtime(start + timedelta(hours=24)).isoformat()
        assert refused.json()["frees_at"] == expected
        # when 24 hours have passed since the first, then it is accepted
        traveller.move_to(start + timedelta(hours=24, seconds=1))
        assert share_product(api, cc.owner, cc.id, cc.product.pk, "d1").status_code == 201
        # and a recalled card frees its place at once
        last = Message.objects.order_by("-seq").first()
        assert last is not None
        chat.recall_message(cc.owner, cc.id, last.pk)
        assert share_product(api, cc.owner, cc.id, cc.product.pk, "d2").status_code == 201


def test_console_commercial_share_for_admins(api, cc: ChatCircle) -> None:
    # given one card among five messages
    Circle.objects.filter(pk=cc.id).update(commercial_share_percent=100)
    share_product(api, cc.owner, cc.id, cc.product.pk, "s0")
    for i in range(4):
        say(api, cc.alice, cc.id, f"m{i}")
    # when the admin asks, then the share is shown; members cannot ask
    r = api(cc.admin).get(f"circles/{cc.id}/commercial-share")
    assert r.json()["commercial"] == 1 and r.json()["total"] == 5
    assert r.json()["percent"] == 20.0
    assert api(cc.bob).get(f"circles/{cc.id}/commercial-share").status_code == 403


def test_product_picker_lists_on_shelf_products(api, cc: ChatCircle) -> None:
    # given an off-shelf product next to the on-shelf one
    off = ProductFactory(store=cc.circle.store, on_shelf=False)
    SkuFactory(product=off)
    # when a member opens the picker, then only the on-shelf product is listed
    r = api(cc.alice).get(f"circles/{cc.id}/chat-products")
    assert [p["id"] for p in r.json()] == [cc.product.pk]


def test_mention_lands_in_the_notification_centre(api, cc: ChatCircle) -> None:
    # when alice mentions bob
    r = say(api, cc.alice, cc.id, "@阿宝 来看看")
    # then bob has a mention notification linking to the message
    assert r.status_code == 201
    from quanzi.circles.models import Notification

    note = Notification.objects.get(user=cc.bob)
    assert note.kind == "mention" and note.message_id == r.json()["id"]
    assert note.url.endswith(f"#m{r.json()['seq']}")
