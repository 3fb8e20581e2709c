"""The chat page and the admins' report page (server side; the browser tests drive chat.js)."""

from __future__ import annotations

import pytest
from django.test import Client

from quanzi.circles.models import Message
from quanzi.circles.services import chat
from tests.circles.conftest_chat import ChatCircle, chat_circle_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def test_member_gets_the_chat_page_with_its_config(cc: ChatCircle) -> None:
    # when a member opens the chat
    r = logged_in(cc.alice).get(f"/circles/{cc.id}/chat/")
    # then the page holds the composer, the status and the config for chat.js
    assert r.status_code == 200
    html = r.content.decode()
    for testid in ("chat-input", "chat-send", "chat-status", "chat-list"):
        assert f'data-testid="{testid}"' in html
    assert cc.alice.public_id in html
    assert "circles/chat.js" in html


def test_non_member_is_sent_to_the_circle_page_and_anonymous_to_login(cc: ChatCircle) -> None:
    # when an outsider and an anonymous visitor open the chat
    outsider = logged_in(cc.outsider).get(f"/circles/{cc.id}/chat/")
    anonymous = Client().get(f"/circles/{cc.id}/chat/")
    # then the outsider goes to the circle's page to join, the visitor to log in
    assert outsider.status_code == 302 and outsider["Location"] == f"/circles/{cc.id}/"
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]


def test_report_page_for_admins_resolves_reports(cc: ChatCircle) -> None:
    # given a reported message
    m = chat.send_message(cc.alice, cc.id, kind="text", text="刷屏广告", client_id="r")
    report = chat.report_message(cc.bob, cc.id, m.pk, "spam")
    # when a member opens the report page, then it is refused
    assert logged_in(cc.bob).get(f"/circles/{cc.id}/reports/").status_code == 403
    # when the admin opens it, then the report is listed with the commercial share
    admin = logged_in(cc.admin)
    page = admin.get(f"/circles/{cc.id}/reports/")
    assert page.status_code == 200
    assert (
        "刷屏广告" in page.content.decode()
        and 'data-testid="commercial-share"' in page.content.decode()
    )
    # when the admin removes the message from the queue
    r = admin.post(f"/circles/{cc.id}/reports/", {"report": report.pk, "action": "remove"})
    # then it is removed and the queue is empty
    assert r.status_code == 302
    assert Message.objects.get(pk=m.pk).removed_at is not None
    assert 'data-testid="reports-empty"' in admin.get(f"/circles/{cc.id}/reports/").content.decode()
