"""The scan of rendered text that the key-pages browser test applies (tests/browser/key_pages)."""

from __future__ import annotations

from tests.browser.key_pages import findings


def test_the_scan_finds_what_it_looks_for():
    # given texts with each kind of leak, and clean ones
    leaks = findings("佣金 commission.frozen ¥5900 待付款 pending_payment Refund", "zh-hans")
    clean = findings(
        "圈子 Quanzi ¥59.00 xiaomei 海报 poster.png 250g 订单 5GmMqPdb3hzitQx2", "zh-hans"
    )
    # then every leak is named and the clean text passes
    assert len([f for f in leaks if "internal code" in f]) == 2
    assert any("amount in fen" in f for f in leaks)
    assert any("'Refund'" in f for f in leaks)
    assert clean == []
