"""Red packets in Debian's Chromium: the store owner sends a packet from the circle's red packet
page, a member opens it from its card in the chat history (the chat page's HTTP history: this
test runs on Django's live server, without the socket), and two members grab it, each seeing
their amount and, once it is fully grabbed, the 手气最佳 mark."""

from __future__ import annotations

import pytest

from quanzi.campaigns.redpackets.models import RedPacket
from quanzi.circles.services import membership
from quanzi.ledger.store_accounts import available_account
from tests.campaigns.redpackets.conftest import fund, ledger_clean
from tests.catalog.test_browser import _log_in
from tests.factories import UserFactory, store_with_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_members_grab_a_packet_and_see_the_best_luck_mark(new_page):
    owner = UserFactory(username="amei", nickname="店主阿梅")
    store = store_with_owner(owner, name="阿梅的咖啡小店")
    circle = membership.create_circle(
        owner, membership.CircleInput(name="咖啡爱好者", store_id=store.pk)
    )
    alice, bob = (
        UserFactory(username="ali", nickname="阿丽"),
        UserFactory(username="bo", nickname="小波"),
    )
    for person in (alice, bob):
        membership.join_by_code(person, circle.invite_code)
    fund(available_account(store.pk), 10_000, "store-topup")
    # given the owner sends a ¥8.88 lucky packet in 2 shares from the store
    sender = new_page("en")
    _log_in(sender, "amei")
    sender.goto(f"/redpackets/circle/{circle.pk}/")
    sender.get_by_test_id("redpacket-total").fill("8.88")
    sender.get_by_test_id("redpacket-count").fill("2")
    sender.get_by_test_id("redpacket-greeting").fill("开业大吉")
    sender.get_by_test_id("redpacket-from-store").check()
    sender.get_by_test_id("redpacket-send").click()
    sender.wait_for_load_state()
    packet = RedPacket.objects.get()
    assert (packet.total, packet.count, packet.store_id) == (888, 2, store.pk)
    # when Alice opens it from its card in the circle's chat and grabs
    a = new_page("en")
    _log_in(a, "ali")
    a.goto(f"/circles/{circle.pk}/chat/")
    a.get_by_test_id("chat-red-packet").click()  # it opens as a sheet over the chat
    a.get_by_test_id("redpacket-grab").click()
    alice_amount = a.get_by_test_id("redpacket-mine").inner_text()
    # then she sees her amount, and no best mark while a share is left
    assert alice_amount.startswith("¥")
    assert a.get_by_test_id("redpacket-best").count() == 0
    # when Bob grabs the last share
    b = new_page("en")
    _log_in(b, "bo")
    b.goto(f"/redpackets/{packet.pk}/")
    b.get_by_test_id("redpacket-grab").click()
    b.wait_for_load_state()
    bob_amount = b.get_by_test_id("redpacket-mine").inner_text()
    # then both amounts add up to the packet, and both see one 手气最佳 on the larger share
    cents = [int(x.replace("¥", "").replace(".", "")) for x in (alice_amount, bob_amount)]
    assert sum(cents) == 888
    a.goto(f"/redpackets/{packet.pk}/")
    for page in (a, b):
        assert page.get_by_test_id("redpacket-grab-line").count() == 2
        assert page.get_by_test_id("redpacket-best").count() == 1
        best_line = page.get_by_test_id("redpacket-grab-line").filter(
            has=page.get_by_test_id("redpacket-best")
        )
        assert "手气最佳" in best_line.inner_text()
        assert f"¥{max(cents) // 100}.{max(cents) % 100:02d}" in best_line.inner_text()
    assert ledger_clean()
