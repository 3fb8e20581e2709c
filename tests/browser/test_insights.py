"""Issue 12 at phone size in Debian's Chromium: the demo merchant opens the insights, the
charts have drawn with data, they switch the period, open the cascade tree of the demo's
share chain (three levels deep) and export a table to Excel; no console error on the way."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from quanzi.stores.models import Store
from tests.browser.people import demo_merchant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_merchant_reads_the_social_dividend_on_a_phone(new_page, tmp_path):
    # given the demo data (loaded off the browser's thread) and the merchant signed in
    page, errors = demo_merchant(new_page)
    store = Store.objects.get(name="山野小铺")

    # when they open the insights from the console
    page.goto(f"/stores/console/{store.pk}/")
    page.get_by_test_id("insights-tab").click()
    page.wait_for_load_state()
    # then the KPIs show the demo's sales and the charts have drawn their points
    assert page.get_by_test_id("kpi-sales-value").inner_text().startswith("¥")
    page.wait_for_selector("[data-chart='chart-sales'][data-drawn]")
    assert int(page.get_attribute("[data-chart='chart-sales']", "data-drawn") or 0) > 0
    assert page.locator("[data-chart='chart-funnel'] canvas").count() == 1

    # when they switch to 30 days
    page.get_by_test_id("period-30d").click()
    page.wait_for_load_state()
    # then the page says so and still draws
    assert "period=30d" in page.url
    page.wait_for_selector("[data-chart='chart-sales'][data-drawn]")

    # when they look at where buyers came from
    page.get_by_test_id("insights-tab-sources").click()
    page.wait_for_load_state()
    page.wait_for_selector("[data-chart='chart-sources'][data-drawn]")
    # and export the sources table to Excel
    with page.expect_download() as download:
        page.get_by_test_id("export-sources-xlsx").click()
    path = tmp_path / "sources.xlsx"
    download.value.save_as(path)
    sheet = load_workbook(path).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    # then the workbook holds the same rows, the share links' GMV among them
    assert len(rows) >= 3
    assert any(row[0] == "分享链接" and (row[1] or 0) > 0 for row in rows[1:])

    # when they open how far it travelled and the biggest cascade
    page.get_by_test_id("insights-tab-cascades").click()
    page.wait_for_load_state()
    page.get_by_test_id("cascade-link").first.click()
    page.wait_for_load_state()
    # then the tree of 小美 → 阿华 → 小林 → 阿杰 is drawn, three levels below its root
    tree = page.get_by_test_id("cascade-tree")
    assert tree.is_visible()
    text = tree.inner_text()
    for name in ("小美", "阿华", "小林", "阿杰"):
        assert name in text
    assert page.get_by_test_id("cascade-node").count() == 4
    assert page.get_by_test_id("metric-depth").inner_text().strip() == "3"
    page.wait_for_selector("[data-chart][data-drawn]")

    # and nothing went wrong in the page
    assert errors == []
