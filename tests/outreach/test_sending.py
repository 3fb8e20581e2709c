"""Sending an outreach: the audience frozen with a seeded holdout, delivery per channel to the
reached group only with every reason a member is not reached, the circle's commercial budget,
the store opt-out, big audiences through the task, and a second send refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from quanzi.accounts.models import User
from quanzi.circles.models import Announcement, Membership, Message, Notification
from quanzi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from quanzi.coupons.models import UserCoupon
from quanzi.outreach import stats
from quanzi.outreach.errors import OutreachCode
from quanzi.outreach.models import (
    Channel,
    Delivery,
    Group,
    OutreachMember,
    OutreachOptOut,
    OutreachState,
    SkipReason,
)
from quanzi.outreach.services import sending
from quanzi.outreach.services.optout import set_store_outreach
from tests.factories import UserFactory
from tests.outreach.conftest import Reach

pytestmark = pytest.mark.django_db


def rows(outreach: Any) -> dict[int, OutreachMember]:
    return {m.user_id: m for m in OutreachMember.objects.filter(outreach=outreach)}


def reasons(outreach: Any) -> dict[int, str]:
    return {pk: m.skip_reason for pk, m in rows(outreach).items() if m.skip_reason}


def notified(kind: str = "outreach") -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("user_id", flat=True))


# --- The holdout -----------------------------------------------------------------------------


def test_sending_freezes_the_segment_with_a_seeded_holdout(reach: Reach, draft):
    # given the circle's 20 members (its owner is no customer of the store) and a 10 % holdout
    outreach = draft(holdout_percent=10)
    # when the owner sends it
    sent = sending.send_outreach(reach.owner, reach.store_id, outreach.pk)
    # then it is sent, with its seed, 2 held out and 18 reached, as the seed replays
    frozen = rows(sent)
    assert sent.state == OutreachState.SENT and sent.sent_at is not None
    assert (sent.reached_count, sent.holdout_count) == (18, 2)
    everyone = sorted(frozen)
    reached, held = stats.assign_holdout(everyone, 10, sent.seed)
    assert {pk for pk, m in frozen.items() if m.group == Group.HOLDOUT} == set(held)
    assert {pk for pk, m in frozen.items() if m.group == Group.REACHED} == set(reached)
    # and the held-out members got nothing: no copy, no notification
    copies = set(UserCoupon.objects.filter(coupon=reach.coupon).values_list("user_id", flat=True))
    assert copies == set(reached)
    assert notified().isdisjoint(held)
    assert all(frozen[pk].delivery == Delivery.HELD for pk in held)


def test_a_segment_of_one_member_is_refused_and_stays_a_draft(reach: Reach, draft):
    # given an outreach and an audience of one
    outreach = draft()
    # when it is sent
    with pytest.raises(Conflict) as refused:
        sending.send_to_audience(reach.owner, outreach, [reach.members[0].pk])
    # then it is refused clearly and nothing is frozen or given
    assert refused.value.code == OutreachCode.AUDIENCE_TOO_SMALL
    assert "至少要有 1 人触达、1 人留作对照" in str(refused.value.message)
    outreach.refresh_from_db()
    assert outreach.state == OutreachState.DRAFT
    assert not OutreachMember.objects.exists() and not UserCoupon.objects.exists()


def test_two_members_make_one_group_each(reach: Reach, draft):
    outreach = draft(holdout_percent=5)
    two = [reach.members[0].pk, reach.members[1].pk]
    sent = sending.send_to_audience(reach.owner, outreach, two, seed=3)
    assert (sent.reached_count, sent.holdout_count) == (1, 1)


@pytest.mark.parametrize("percent", [0, 4, 51, "ten", True])
def test_the_holdout_is_between_5_and_50_percent(reach: Reach, draft, percent):
    with pytest.raises(InvalidInput) as refused:
        draft(holdout_percent=percent)
    assert refused.value.code == OutreachCode.BAD_HOLDOUT


def test_the_holdout_defaults_to_10_percent_and_the_window_to_7_days(draft):
    outreach = draft()
    assert (outreach.holdout_percent, outreach.window_days) == (10, 7)


def test_another_stores_segment_coupon_or_circle_is_not_found(reach: Reach, draft):
    from tests.factories import store_with_owner

    rival = store_with_owner(UserFactory())
    from quanzi.customers.models import Segment

    theirs = Segment.objects.create(store=rival, name="x", definition={"kind": "and", "of": []})
    with pytest.raises(NotFound):
        draft(segment_id=theirs.pk)
    with pytest.raises(NotFound):
        draft(coupon_id="A" * 16)
    with pytest.raises(NotFound):
        draft(channel=Channel.ANNOUNCEMENT, circle_id="not-an-id")


# --- Delivery per channel --------------------------------------------------------------------


def test_a_coupon_goes_to_the_reached_until_it_runs_out(reach: Reach, draft):
    # given a coupon with 10 copies left and a member who turned the store's messages off
    reach.coupon.total = 10
    reach.coupon.save()
    off = reach.members[0]
    set_store_outreach(off, reach.store_id, allowed=False)
    outreach = draft()
    audience = [m.pk for m in reach.members]
    # when it is sent to the 20 members (held out: 2)
    sent = sending.send_to_audience(reach.owner, outreach, audience, seed=1)
    # then 10 reached members got a copy and a notification, the rest are skipped with a reason
    frozen = rows(sent)
    reached = [pk for pk, m in frozen.items() if m.group == Group.REACHED]
    delivered = {pk for pk, m in frozen.items() if m.delivery == Delivery.DELIVERED}
    copies = set(UserCoupon.objects.filter(coupon=reach.coupon).values_list("user_id", flat=True))
    assert len(delivered) == 10 and copies == delivered and notified() == delivered
    why = reasons(sent)
    if off.pk in reached:
        assert why.pop(off.pk) == SkipReason.OPTED_OUT
    assert set(why.values()) == {SkipReason.OUT_OF_STOCK}
    assert len(why) + len(delivered) + (off.pk in reached) == len(reached) == 18
    # and the notification leads to the member's page of the outreach
    note = Notification.objects.filter(kind="outreach").first()
    assert note is not None and note.url == f"/outreach/m/{sent.pk}/"


def test_a_coupon_a_member_already_holds_is_a_refusal_not_a_sale_out(reach: Reach, draft):
    from quanzi.coupons.coupons import grant_coupon

    member = reach.members[3]
    grant_coupon(reach.coupon, member, source="granted")
    sent = sending.send_to_audience(
        reach.owner, draft(holdout_percent=5), [member.pk, reach.members[4].pk], seed=0
    )
    frozen = rows(sent)
    if frozen[member.pk].group == Group.REACHED:
        assert frozen[member.pk].skip_reason == SkipReason.COUPON_REFUSED
    else:  # the other one was reached and got the copy
        assert frozen[reach.members[4].pk].delivery == Delivery.DELIVERED


def test_an_announcement_is_published_once_and_only_the_reached_are_told(reach: Reach, draft):
    # given a member who muted the circle, one who turned the store off, one outside the circle
    muted, off = reach.members[0], reach.members[1]
    Membership.objects.filter(circle=reach.circle, user=muted).update(notifications_muted=True)
    set_store_outreach(off, reach.store_id, allowed=False)
    outsider = UserFactory(username="outsider")
    audience = [m.pk for m in reach.members] + [outsider.pk]
    # when an announcement outreach is sent with a 50 % holdout to everyone reached
    outreach = draft(channel=Channel.ANNOUNCEMENT, holdout_percent=50)
    sent = sending.send_to_audience(reach.owner, outreach, audience, seed=8)
    # then the circle has the announcement, and nobody got the circle-wide notice
    announcement = Announcement.objects.get(circle=reach.circle)
    assert sent.announcement_id == announcement.pk and announcement.title == "新豆到了"
    assert not Notification.objects.filter(kind="announcement").exists()
    # and only the reached members who can be told are told, each skip with its reason
    frozen = rows(sent)
    reached = {pk for pk, m in frozen.items() if m.group == Group.REACHED}
    expected_skips = {
        muted.pk: SkipReason.MUTED,
        off.pk: SkipReason.OPTED_OUT,
        outsider.pk: SkipReason.NOT_IN_CIRCLE,
    }
    assert reasons(sent) == {pk: r for pk, r in expected_skips.items() if pk in reached}
    assert notified() == reached - set(expected_skips)
    assert Notification.objects.filter(kind="outreach", circle=reach.circle).count() == len(
        reached - set(expected_skips)
    )


def test_every_skip_reason_shows_up_in_one_send(reach: Reach, draft):
    # given everyone reached (the owner alone held out) and one of each reason
    closed = reach.members[2]
    User.objects.filter(pk=closed.pk).update(is_active=False)
    outreach = draft(channel=Channel.ANNOUNCEMENT, holdout_percent=5)
    muted, off = reach.members[0], reach.members[1]
    Membership.objects.filter(circle=reach.circle, user=muted).update(notifications_muted=True)
    set_store_outreach(off, reach.store_id, allowed=False)
    outsider = UserFactory(username="outsider")
    audience = [reach.owner.pk, muted.pk, off.pk, closed.pk, outsider.pk, reach.members[5].pk]
    # a seed whose draw holds out the owner
    seed = next(
        s for s in range(1000) if stats.assign_holdout(audience, 5, s)[1] == [reach.owner.pk]
    )
    sent = sending.send_to_audience(reach.owner, outreach, audience, seed=seed)
    assert reasons(sent) == {
        muted.pk: SkipReason.MUTED,
        off.pk: SkipReason.OPTED_OUT,
        closed.pk: SkipReason.INACTIVE,
        outsider.pk: SkipReason.NOT_IN_CIRCLE,
    }
    assert rows(sent)[reach.members[5].pk].delivery == Delivery.DELIVERED


def test_a_private_notification_carries_its_text_and_honours_the_opt_out(reach: Reach, draft):
    off = reach.members[0]
    set_store_outreach(off, reach.store_id, allowed=False)
    outreach = draft(channel=Channel.NOTIFICATION, holdout_percent=5)
    sent = sending.send_to_audience(reach.owner, outreach, [m.pk for m in reach.members], seed=2)
    frozen = rows(sent)
    told = {pk for pk, m in frozen.items() if m.delivery == Delivery.DELIVERED}
    assert notified() == told
    assert off.pk not in told
    assert set(Notification.objects.values_list("text", flat=True)) == {"新豆到了, 来看看"}


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_a_notification_links_only_inside_the_site(draft, link):
    with pytest.raises(InvalidInput) as refused:
        draft(channel=Channel.NOTIFICATION, link=link)
    assert refused.value.code == OutreachCode.BAD_LINK


def test_an_announcement_needs_an_admin_of_the_circle(reach: Reach):
    from quanzi.stores.models import StoreStaff

    StoreStaff.objects.filter(store=reach.shop.store, user=reach.shop.staff).update(
        sees_customers=True
    )
    given = sending.OutreachInput(
        name="x",
        segment_id=reach.segment.pk,
        channel=Channel.ANNOUNCEMENT,
        circle_id=reach.circle.pk,
        title="t",
    )
    with pytest.raises(PermissionDenied) as refused:
        sending.create_outreach(reach.shop.staff, reach.store_id, given)
    assert refused.value.code == OutreachCode.NOT_CIRCLE_ADMIN


# --- The commercial budget -------------------------------------------------------------------


def test_an_announcement_over_the_daily_commercial_cap_is_refused_and_waits(reach: Reach, draft):
    # given a circle that allows one commercial post a day, and an outreach sent today
    reach.circle.commercial_daily_cap = 1
    reach.circle.save()
    audience = [m.pk for m in reach.members]
    sending.send_to_audience(reach.owner, draft(channel=Channel.ANNOUNCEMENT), audience)
    # when a second announcement outreach is sent the same day
    second = draft(channel=Channel.ANNOUNCEMENT)
    with pytest.raises(Conflict) as refused:
        sending.send_to_audience(reach.owner, second, audience)
    # then it is refused, saying why, and stays a draft with nothing published or frozen
    assert refused.value.code == OutreachCode.OVER_BUDGET
    assert "1" in str(refused.value.message) and reach.circle.name in str(refused.value.message)
    second.refresh_from_db()
    assert second.state == OutreachState.DRAFT
    assert Announcement.objects.count() == 1
    assert not OutreachMember.objects.filter(outreach=second).exists()


def test_an_announcement_over_the_commercial_share_is_refused(reach: Reach, draft):
    # given a circle whose commercial share is 20 % and 4 ordinary messages this week
    reach.circle.commercial_share_percent = 20
    reach.circle.save()
    for seq, person in enumerate(reach.members[:4], start=1):
        Message.objects.create(circle=reach.circle, sender=person, text="早", seq=seq)
    audience = [m.pk for m in reach.members]
    # then the first announcement fits (1 of 5 = 20 %), the second does not (2 of 6)
    sending.send_to_audience(reach.owner, draft(channel=Channel.ANNOUNCEMENT), audience)
    with pytest.raises(Conflict) as refused:
        sending.send_to_audience(reach.owner, draft(channel=Channel.ANNOUNCEMENT), audience)
    assert refused.value.code == OutreachCode.OVER_BUDGET


def test_the_chats_commercial_messages_count_against_the_budget(reach: Reach, draft):
    reach.circle.commercial_daily_cap = 2
    reach.circle.save()
    for seq in (1, 2):
        Message.objects.create(
            circle=reach.circle, sender=reach.owner, kind="product", is_commercial=True, seq=seq
        )
    with pytest.raises(Conflict) as refused:
        sending.send_to_audience(
            reach.owner, draft(channel=Channel.ANNOUNCEMENT), [m.pk for m in reach.members]
        )
    assert refused.value.code == OutreachCode.OVER_BUDGET


# --- Once, and big audiences -----------------------------------------------------------------


def test_a_second_send_is_refused_and_changes_nothing(reach: Reach, draft):
    outreach = draft()
    sending.send_outreach(reach.owner, reach.store_id, outreach.pk)
    frozen = OutreachMember.objects.count()
    copies = UserCoupon.objects.count()
    with pytest.raises(Conflict) as refused:
        sending.send_outreach(reach.owner, reach.store_id, outreach.pk)
    assert refused.value.code == OutreachCode.ALREADY_SENT
    with pytest.raises(Conflict):
        sending.send_to_audience(reach.owner, outreach, [m.pk for m in reach.members])
    assert OutreachMember.objects.count() == frozen and UserCoupon.objects.count() == copies


def test_the_pages_double_click_sends_once(reach: Reach, draft):
    outreach = draft()
    client = Client()
    client.force_login(reach.owner)
    url = f"/outreach/console/{reach.store_id}/{outreach.pk}/send/"
    first, second = client.post(url), client.post(url)
    assert first.status_code == second.status_code == 302
    assert OutreachMember.objects.filter(outreach=outreach).count() == 20
    assert UserCoupon.objects.count() == 18


def test_a_big_audience_is_delivered_by_the_task_after_commit(
    reach: Reach, draft, monkeypatch, django_capture_on_commit_callbacks
):
    # given a limit of 5 members delivered in the request
    monkeypatch.setattr(sending, "INLINE_LIMIT", 5)
    enqueued: list[str] = []
    monkeypatch.setattr(sending, "_enqueue", enqueued.append)
    outreach = draft(channel=Channel.NOTIFICATION)
    # when it is sent to 20 members
    with django_capture_on_commit_callbacks(execute=True):
        sent = sending.send_to_audience(reach.owner, outreach, [m.pk for m in reach.members])
    # then the request froze the audience and queued the delivery, delivering nothing itself
    assert enqueued == [sent.pk]
    assert OutreachMember.objects.filter(outreach=sent, delivery=Delivery.PENDING).count() == 18
    assert not Notification.objects.exists()
    # and the task delivers everyone once, however often it runs
    from quanzi.outreach.tasks import deliver_outreach

    assert deliver_outreach.call(sent.pk) == 18
    assert sending.deliver(sent.pk) == 0
    assert Notification.objects.count() == 18
    sent.refresh_from_db()
    assert sent.delivered_at is not None


def test_the_task_delivers_in_batches(reach: Reach, draft, monkeypatch):
    monkeypatch.setattr(sending, "INLINE_LIMIT", 0)
    monkeypatch.setattr(sending, "BATCH", 4)
    monkeypatch.setattr(sending, "_enqueue", lambda pk: None)
    sent = sending.send_to_audience(
        reach.owner, draft(channel=Channel.NOTIFICATION), [m.pk for m in reach.members]
    )
    assert sending.deliver(sent.pk) == 18
    assert OutreachMember.objects.filter(delivery=Delivery.DELIVERED).count() == 18


# --- The member's side -----------------------------------------------------------------------


def test_a_member_turns_the_store_off_from_the_message_and_hears_nothing_more(reach: Reach, draft):
    # given a notification outreach that reached everyone but one
    first = sending.send_to_audience(
        reach.owner,
        draft(channel=Channel.NOTIFICATION, holdout_percent=5),
        [m.pk for m in reach.members],
        seed=4,
    )
    told = OutreachMember.objects.filter(outreach=first, delivery=Delivery.DELIVERED).first()
    assert told is not None
    member = told.user
    client = Client()
    client.force_login(member)
    # when the member opens the message and turns the store's messages off
    page = client.get(f"/outreach/m/{first.pk}/")
    assert page.status_code == 200 and b'data-testid="outreach-turn-off"' in page.content
    off = client.post(
        f"/outreach/settings/{reach.store_id}/",
        {"allowed": "0", "next": f"/outreach/m/{first.pk}/"},
    )
    assert off.status_code == 302
    assert OutreachOptOut.objects.filter(store=reach.shop.store, user=member).exists()
    # then the next outreach skips them, and the settings page lists the store
    second = sending.send_to_audience(
        reach.owner, draft(channel=Channel.NOTIFICATION), [m.pk for m in reach.members], seed=4
    )
    row = OutreachMember.objects.get(outreach=second, user=member)
    assert row.group == Group.HOLDOUT or row.skip_reason == SkipReason.OPTED_OUT
    settings_page = client.get("/outreach/settings/")
    assert reach.shop.store.name in settings_page.content.decode()
    # and turning it back on works
    client.post(f"/outreach/settings/{reach.store_id}/", {"allowed": "1"})
    assert not OutreachOptOut.objects.exists()


def test_a_held_out_member_or_a_stranger_cannot_open_the_message(reach: Reach, draft):
    sent = sending.send_to_audience(
        reach.owner, draft(channel=Channel.NOTIFICATION), [m.pk for m in reach.members], seed=9
    )
    held = OutreachMember.objects.filter(outreach=sent, group=Group.HOLDOUT).first()
    assert held is not None
    for person in (held.user, UserFactory(username="nobody")):
        client = Client()
        client.force_login(person)
        assert client.get(f"/outreach/m/{sent.pk}/").status_code == 404
    assert Client().get(f"/outreach/m/{sent.pk}/").status_code == 302


def test_a_delivery_still_pending_long_after_sending_is_queued_again(
    reach: Reach, draft, monkeypatch
):
    # given a big outreach whose task was lost
    monkeypatch.setattr(sending, "INLINE_LIMIT", 0)
    enqueued: list[str] = []
    monkeypatch.setattr(sending, "_enqueue", enqueued.append)
    sent = sending.send_to_audience(
        reach.owner, draft(channel=Channel.NOTIFICATION), [m.pk for m in reach.members]
    )
    # when it is read at once, nothing is queued again; 6 minutes later, it is
    assert sending.resume_if_stalled(sent) is False
    from datetime import timedelta

    from quanzi.outreach.models import Outreach

    Outreach.objects.filter(pk=sent.pk).update(sent_at=sent.sent_at - timedelta(minutes=6))
    sent.refresh_from_db()
    assert sending.resume_if_stalled(sent) is True
    # and once delivered, never again
    sending.deliver(sent.pk)
    sent.refresh_from_db()
    assert sending.resume_if_stalled(sent) is False


def test_create_and_send_leaves_no_draft_when_refused(reach: Reach):
    # given a circle with no commercial budget left today
    reach.circle.commercial_daily_cap = 0
    reach.circle.save()
    given = sending.OutreachInput(
        name="上新",
        segment_id=reach.segment.pk,
        channel=Channel.ANNOUNCEMENT,
        circle_id=reach.circle.pk,
        title="新豆到了",
    )
    # when the API's create-and-send is refused
    with pytest.raises(Conflict) as refused:
        sending.create_and_send(reach.owner, reach.store_id, given)
    # then nothing is left: no draft, no announcement
    assert refused.value.code == OutreachCode.OVER_BUDGET
    from quanzi.outreach.models import Outreach

    assert not Outreach.objects.exists() and not Announcement.objects.exists()
