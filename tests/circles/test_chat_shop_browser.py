"""Commerce inside the chat, on a phone, against the real ASGI server (uvicorn, as in
test_chat_browser.py): a member buys from a product card and grabs a red packet without the
chat page unloading — the socket stays connected throughout (a message sent meanwhile arrives
live) — and the red packet's card changes for everyone as people grab."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.circles.conftest_chat import LiveSite, make_live_site, open_chat

pytestmark = pytest.mark.browser

SHOP_SEED = """
import json, django
django.setup()
from quanzi.accounts.models import User
from quanzi.accounts.services import AddressInput, save_address
from quanzi.campaigns.redpackets import services as redpackets
from quanzi.circles.models import Circle
from quanzi.circles.services import chat
from quanzi.ledger.services import post_transaction
from quanzi.payments.accounts import provider_account
from quanzi.wallets.services import wallet_account
from tests.circles.conftest_chat import seed_live

seed = seed_live()
circle = Circle.objects.get(pk=seed["circle"])
alice, bob, owner = (User.objects.get(username=n) for n in ("alice", "bob", "owner"))
for person in (alice, owner):
    post_transaction("test.topup", f"w-{person.pk}",
                     [(provider_account("sandbox"), 20000), (wallet_account(person), -20000)])
save_address(alice, AddressInput(recipient="小爱", phone="13912345678", province="云南省",
                                 city="昆明市", detail="翠湖南路 12 号"), make_default=True)
product = circle.store.products.get()
for n, who in enumerate([alice, bob] * 3):  # a lively circle: room for a commercial message
    chat.send_message(who, circle.pk, kind="text", text=f"早上好 {n}", client_id=f"t-{n}")
chat.send_message(bob, circle.pk, kind="product", text="这款好喝", client_id="p-1",
                  product_id=product.pk)
packet = redpackets.send_packet(owner, circle.pk, total=200, count=2, kind="equal",
                                greeting="开业大吉")
redpackets.publish_packet(packet.pk)
seed["packet"] = packet.pk
print("SEED" + json.dumps(seed))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveSite, str]]:
    live = make_live_site(Path(tmp_path_factory.mktemp("chat-shop")), seed=SHOP_SEED)
    base = live.start()
    yield live, base
    live.stop()


def test_buy_from_the_card_and_grab_the_packet_without_leaving_the_chat(browser, site):
    live, base = site
    alice_ctx, alice = open_chat(browser, site, "alice", lang="zh-hans")
    bob_ctx, bob = open_chat(browser, site, "bob", lang="zh-hans")
    for page in (alice, bob):  # gone if the page ever unloads
        page.evaluate("window.__sameDocument = true")
    try:
        # when alice taps 购买 on the product card, the sheet opens over the chat
        alice.get_by_test_id("chat-buy").click()
        sheet = alice.get_by_test_id("buy-sheet")
        sheet.wait_for()
        # with her default address and the wallet chosen (it holds enough); she confirms
        assert sheet.get_by_test_id("sheet-address").first.is_checked()
        assert sheet.get_by_test_id("sheet-pay-wallet").is_checked()
        sheet.get_by_test_id("sheet-confirm").click()
        # then the sheet says it is paid, over the same chat page
        done = alice.get_by_test_id("buy-done")
        done.wait_for()
        assert done.get_attribute("data-status") == "paid"
        assert alice.evaluate("window.__sameDocument") is True
        # and the socket never dropped: bob's message arrives live
        live.post(
            base,
            "bob",
            f"circles/{live.seed['circle']}/messages",
            {"kind": "text", "text": "付款成功了吗？", "client_id": "b-after-buy"},
        )
        alice.get_by_text("付款成功了吗？").wait_for()
        assert alice.get_by_test_id("chat-status").get_attribute("data-state") == "online"
        alice.get_by_test_id("buy-done-close").click()

        # when alice opens the red packet card, it opens in the chat, and she grabs
        card = alice.get_by_test_id("chat-red-packet")
        assert "0/2" in card.inner_text().replace(" ", "") or "0 / 2" in card.inner_text()
        card.click()
        alice.get_by_test_id("redpacket-grab").click()
        # then the sheet shows her share and the list of who got what
        assert alice.get_by_test_id("redpacket-mine").inner_text() == "¥1.00"
        assert alice.get_by_test_id("redpacket-grab-line").count() == 1
        assert alice.evaluate("window.__sameDocument") is True
        # and the card changes live for bob, without a reload: 1 of 2 grabbed
        state = bob.get_by_test_id("chat-red-packet-state")
        bob.wait_for_function(
            "() => document.querySelector('[data-testid=chat-red-packet-state]')"
            ".textContent.includes('1')"
        )
        assert "2" in state.inner_text()
        assert bob.evaluate("window.__sameDocument") is True
    finally:
        alice_ctx.close()
        bob_ctx.close()
