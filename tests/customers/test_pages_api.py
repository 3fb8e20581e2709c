"""The pages and the API at work: the list, the profile, the builder, the export."""

from __future__ import annotations

import io
import json
from typing import Any

from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from quanzi.customers.models import CustomerTag, Segment, Tag, TagGroup
from quanzi.customers.services import rfm
from quanzi.needs.models import ProfilingPreference, TextItem, Wish, WishMention
from quanzi.referrals.models import Attribution, Binding, ShareLink
from tests.customers.conftest import Buy, Crm
from tests.factories import UserFactory


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_searches_filters_and_tags_in_bulk(crm: Crm, buy: Buy, join: Any) -> None:
    a = UserFactory(nickname="王小明", phone="13800001111")
    b = UserFactory(nickname="李雷", phone="13900002222")
    buy(a)
    join(b)
    vip = Tag.objects.create(store=crm.store, name="VIP", kind="manual")
    page = logged_in(crm.staff)
    base = f"/customers/console/{crm.store.pk}/"
    assert page.get(base).content.decode().count('data-testid="customer-row"') == 2
    assert "李雷" not in page.get(base, {"q": "小明"}).content.decode()
    assert "王小明" in page.get(base, {"q": "1111"}).content.decode()  # the phone's end
    response = page.post(
        f"{base}bulk-tag/",
        {"tag": vip.pk, "customer": [a.public_id, b.public_id], "action": "add", "next": base},
    )
    assert response.status_code == 302
    assert CustomerTag.objects.filter(tag=vip).count() == 2
    html = page.get(base, {"tag": vip.pk}).content.decode()
    assert html.count('data-testid="customer-row"') == 2
    # a forged customer id changes nothing and says so
    page.post(f"{base}bulk-tag/", {"tag": vip.pk, "customer": ["x!"], "action": "remove"})
    assert CustomerTag.objects.filter(tag=vip).count() == 2


def test_the_profile_shows_the_whole_customer(crm: Crm, buy: Buy, join: Any) -> None:
    promoter, sharer, me, friend = (
        UserFactory(nickname=n) for n in ("推广员阿强", "转发者", "小美", "朋友")
    )
    order = buy(me, 12800)
    join(me)
    Binding.objects.create(customer=me, store=crm.store, promoter=promoter)
    Binding.objects.create(customer=friend, store=crm.store, promoter=me)
    root = ShareLink.objects.create(
        code="root0001", sharer=promoter, kind="product", target_id=crm.coffee.pk
    )
    child = ShareLink.objects.create(
        code="child001", sharer=sharer, kind="product", target_id=crm.coffee.pk, parent=root
    )
    Attribution.objects.create(order=order, link=child, sharer=sharer)
    now = timezone.now()
    item = TextItem.objects.create(
        store=crm.store,
        source="chat",
        source_id="1",
        author=me,
        text="想要无糖款,买来犒劳自己",
        written_at=now,
        motives=["self_reward"],
        sentiment="positive",
        sentiment_score=0.8,
        analysed_at=now,
    )
    wish = Wish.objects.create(store=crm.store, label="无糖款", mention_count=1, asker_count=1)
    WishMention.objects.create(
        wish=wish, item=item, user=me, start=2, end=5, text="无糖款", written_at=now
    )
    rfm.compute(crm.store)
    html = (
        logged_in(crm.owner)
        .get(f"/customers/console/{crm.store.pk}/c/{me.public_id}/")
        .content.decode()
    )
    assert "¥128.00" in html and order.number in html
    assert f"/orders/console/{crm.store.pk}/{order.pk}/" in html
    assert "无糖款" in html and "山野咖啡圈" in html
    assert "推广员阿强 → 转发者 → 小美" in html  # the share chain, from the first share
    assert "推广员阿强" in html and "朋友" in html  # bound to, and whom they brought
    assert 'id="sentiment-data"' in html and "<script>" not in html.replace(
        '<script id="sentiment-data"', ""
    )
    body = _api_profile(crm, me)
    assert body["spend"] == 12800 and body["orders_count"] == 1
    assert body["share_chains"][0]["sharers"] == ["推广员阿强", "转发者"]
    assert body["wishes"][0]["label"] == "无糖款"
    assert body["motives"][0]["motive"] == "self_reward"
    assert body["promoter"]["name"] == "推广员阿强"
    assert body["brought"][0]["name"] == "朋友"
    assert body["rfm"]["segment"] == "important_value"  # alone: the middle score, 3 3 3


def _api_profile(crm: Crm, user: Any) -> dict[str, Any]:
    from tests.conftest import ApiClient

    response = ApiClient(crm.owner).get(f"customers/{crm.store.pk}/customers/{user.public_id}")
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_an_opted_out_member_has_no_profile(crm: Crm, buy: Buy, api: Any) -> None:
    me = UserFactory()
    buy(me)
    ProfilingPreference.objects.create(user=me, profiled=False)
    html = (
        logged_in(crm.owner)
        .get(f"/customers/console/{crm.store.pk}/c/{me.public_id}/")
        .content.decode()
    )
    assert 'data-testid="profile-private"' in html and "profile-orders-list" not in html
    response = api(crm.owner).get(f"customers/{crm.store.pk}/customers/{me.public_id}")
    assert response.status_code == 403 and response.json()["code"] == "customer_not_profiled"
    listed = api(crm.owner).get(f"customers/{crm.store.pk}/customers").json()
    assert listed["count"] == 0


def test_the_builder_previews_saves_and_refuses(crm: Crm, buy: Buy, join: Any) -> None:
    a, b = UserFactory(), UserFactory()
    buy(a)
    join(b)
    page = logged_in(crm.owner)
    url = f"/customers/console/{crm.store.pk}/segments/new/"
    definition = {"kind": "not", "of": {"kind": "circle", "circle": crm.circle.pk}}
    html = page.get(url).content.decode()
    assert 'id="segment-options"' in html and "segments.js" in html
    preview = page.post(
        url, {"name": "没进圈", "definition": json.dumps(definition), "action": "preview"}
    )
    assert (
        preview.status_code == 200 and 'data-testid="segment-live">1 ' in preview.content.decode()
    )
    assert not Segment.objects.exists()
    saved = page.post(
        url, {"name": "没进圈", "definition": json.dumps(definition), "action": "save"}
    )
    assert saved.status_code == 302
    segment = Segment.objects.get()
    assert segment.definition == definition
    bad = page.post(url, {"name": "坏", "definition": '{"kind": "xor"}', "action": "save"})
    assert bad.status_code == 400 and 'data-testid="segment-error"' in bad.content.decode()
    assert page.post(url, {"name": "坏", "definition": "{", "action": "save"}).status_code == 400
    assert Segment.objects.count() == 1


def test_segments_api_crud_and_preview(crm: Crm, buy: Buy, api: Any) -> None:
    a = UserFactory(nickname="甲")
    buy(a, 30000)
    client = api(crm.owner)
    base = f"customers/{crm.store.pk}/segments"
    big = {"kind": "spend", "min": 10000, "max": None}
    created = client.post(base, {"name": "大客户", "definition": big})
    assert created.status_code == 201 and created.json()["size"] == 1
    seg_id = created.json()["id"]
    preview = client.post(f"{base}/preview", {"definition": {"kind": "not", "of": big}}).json()
    assert preview == {"size": 0, "sample": []}
    members = client.get(f"{base}/{seg_id}/members").json()
    assert members["sample"] == [{"id": a.public_id, "name": "甲"}]
    changed = client.patch(f"{base}/{seg_id}", {"definition": {"kind": "or", "of": []}})
    assert changed.status_code == 200 and changed.json()["size"] == 0
    assert client.post(base, {"name": "x", "definition": {"kind": "nope"}}).status_code == 400
    assert (
        client.post(base, {"name": "x", "definition": {"kind": "tag", "tag": "A" * 16}}).status_code
        == 404
    )
    assert (
        client.post(
            f"{base}/preview", {"definition": {"kind": "spend", "min": "1", "max": None}}
        ).status_code
        == 400
    )
    assert client.delete(f"{base}/{seg_id}").status_code == 204
    assert client.get(f"{base}/{seg_id}").status_code == 404


def test_tags_api_crud_assign_and_rules(crm: Crm, buy: Buy, api: Any) -> None:
    a = UserFactory()
    buy(a, 30000)
    client = api(crm.staff)
    base = f"customers/{crm.store.pk}"
    group = client.post(f"{base}/tag-groups", {"name": "价值"}).json()
    rule = client.post(
        f"{base}/tags",
        {
            "name": "高消费",
            "group_id": group["id"],
            "rule": {"kind": "spend", "op": "gte", "value": 20000},
        },
    )
    assert (
        rule.status_code == 201 and rule.json()["customers"] == 1 and rule.json()["kind"] == "rule"
    )
    manual = client.post(f"{base}/tags", {"name": "手动"}).json()
    assert client.post(f"{base}/tags", {"name": "手动"}).status_code == 409
    assign = client.post(f"{base}/tags/{manual['id']}/assign", {"customers": [a.public_id]})
    assert assign.json() == {"changed": 1}
    refused = client.post(f"{base}/tags/{rule.json()['id']}/assign", {"customers": [a.public_id]})
    assert refused.status_code == 409 and refused.json()["code"] == "tag_is_rule"
    renamed = client.patch(f"{base}/tags/{manual['id']}", {"name": "改名", "group_id": None})
    assert renamed.json()["name"] == "改名"
    stricter = client.patch(
        f"{base}/tags/{rule.json()['id']}", {"rule": {"kind": "spend", "op": "gte", "value": 50000}}
    )
    assert stricter.json()["customers"] == 0
    assert [t["name"] for t in client.get(f"{base}/rules").json()] == ["高消费"]
    listed = client.get(f"{base}/customers", {"tag": manual["id"]}).json()
    assert listed["count"] == 1 and listed["customers"][0]["tags"] == [manual["id"]]
    assert client.delete(f"{base}/tag-groups/{group['id']}").status_code == 204
    assert client.delete(f"{base}/tags/{manual['id']}").status_code == 204
    settings = client.put(
        f"{base}/rfm", {"window_days": 90, "monetary_breaks": [1000, 2000, 3000, 40000]}
    ).json()
    assert settings["window_days"] == 90 and sum(s["customers"] for s in settings["sizes"]) == 1
    assert client.put(f"{base}/rfm", {"monetary_breaks": [3, 2, 1, 0]}).status_code == 400


def test_the_excel_export_lists_the_members_formula_safe(crm: Crm, buy: Buy) -> None:
    a = UserFactory(nickname="=HYPERLINK(1)", phone="13800001111")
    b = UserFactory(nickname="乙")
    private = UserFactory(nickname="不愿被画像")
    for person in (a, b, private):
        buy(person, 5000)
    ProfilingPreference.objects.create(user=private, profiled=False)
    segment = Segment.objects.create(
        store=crm.store, name="全部", definition={"kind": "and", "of": []}
    )
    response = logged_in(crm.owner).get(
        f"/customers/console/{crm.store.pk}/segments/{segment.pk}/export/"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3  # header + the two profiled members
    names = {r[1] for r in rows[1:]}
    assert names == {"'=HYPERLINK(1)", "乙"}
    assert {r[3] for r in rows[1:]} == {50.0}
    csv = logged_in(crm.owner).get(
        f"/customers/console/{crm.store.pk}/segments/{segment.pk}/export/?format=csv"
    )
    assert csv.status_code == 200 and "乙" in csv.content.decode("utf-8-sig")


def test_the_tags_page_creates_rules_in_yuan_and_manages_groups(crm: Crm, buy: Buy) -> None:
    a = UserFactory()
    buy(a, 12000)
    page = logged_in(crm.owner)
    url = f"/customers/console/{crm.store.pk}/tags/do/"
    assert page.post(url, {"action": "group_create", "name": "消费"}).status_code == 302
    group = TagGroup.objects.get()
    page.post(
        url,
        {
            "action": "tag_create",
            "name": "百元客",
            "group": group.pk,
            "rule_kind": "spend",
            "op": "gte",
            "value": "100.5",
        },
    )
    tag = Tag.objects.get(name="百元客")
    assert tag.rule == {"kind": "spend", "op": "gte", "value": 10050} and tag.group == group
    assert CustomerTag.objects.filter(tag=tag, user=a).exists()
    html = page.get(f"/customers/console/{crm.store.pk}/tags/").content.decode()
    assert "¥100.50" in html and 'data-testid="tag-row"' in html
    # a bad amount comes back as a message, nothing created
    page.post(
        url,
        {"action": "tag_create", "name": "坏", "rule_kind": "spend", "op": "gte", "value": "1.234"},
    )
    assert not Tag.objects.filter(name="坏").exists()
    page.post(url, {"action": "tag_change", "tag": tag.pk, "name": "百元以上", "group": ""})
    tag.refresh_from_db()
    assert tag.name == "百元以上" and tag.rule["value"] == 10050
    page.post(url, {"action": "lifecycle", "new_days": "14", "sleeping_days": "60"})
    from quanzi.customers.models import CustomerSettings

    assert CustomerSettings.objects.get(store=crm.store).sleeping_days == 60
    page.post(url, {"action": "group_delete", "group": group.pk})
    page.post(url, {"action": "tag_delete", "tag": tag.pk})
    assert not Tag.objects.exists()


def test_the_rfm_page_saves_breaks_in_yuan_and_explains(crm: Crm, buy: Buy) -> None:
    buy(UserFactory(), 30000, days_ago=3)
    page = logged_in(crm.owner)
    url = f"/customers/console/{crm.store.pk}/rfm/"
    page.post(url, {"window_days": "90", "recency_breaks": "7, 30, 60, 120", "frequency_breaks": "",
                    "monetary_breaks": "100, 200, 300, 400"})  # fmt: skip
    from quanzi.customers.models import CustomerRfm, CustomerSettings

    settings = CustomerSettings.objects.get(store=crm.store)
    assert (
        settings.monetary_breaks == [10000, 20000, 30000, 40000] and settings.rfm_window_days == 90
    )
    row = CustomerRfm.objects.get()
    assert (row.r, row.m) == (5, 4)
    html = page.get(url).content.decode()
    assert 'data-testid="rfm-help"' in html and 'id="rfm-chart-data"' in html
    assert html.count('data-testid="rfm-size"') == 8
    page.post(url, {"window_days": "90", "monetary_breaks": "3, 2, 1, 0"})
    assert CustomerSettings.objects.get(store=crm.store).monetary_breaks == [
        10000,
        20000,
        30000,
        40000,
    ]
