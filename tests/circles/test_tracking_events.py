"""What a circle records for the merchant insights: joins, leaves and messages, each under
the circle's store (none for an interest circle) and the circle itself."""

from __future__ import annotations

from typing import Any

import pytest

from quanzi.circles.models import Circle
from quanzi.circles.services import chat
from quanzi.circles.services import membership as services
from quanzi.tracking.models import Event, EventKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_joins_messages_and_leaves_are_counted_for_the_circle(
    store_circle: Circle, django_capture_on_commit_callbacks: Any
):
    # given a newcomer
    newcomer = UserFactory()
    Event.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        # when they join, say hello twice and leave
        services.join_circle(newcomer, store_circle.pk)
        for n in range(2):
            chat.send_message(
                newcomer, store_circle.pk, kind="text", text="你好", client_id=f"hello-{n}"
            )
        services.leave_circle(newcomer, store_circle.pk)
    # then each is counted, under the circle's store and the circle
    rows = list(Event.objects.order_by("id").values_list("kind", "store_id", "user_id", "ref"))
    mine = (store_circle.store_id, str(newcomer.pk), store_circle.pk)
    assert rows == [
        (EventKind.CIRCLE_JOIN, *mine),
        (EventKind.MESSAGE, *mine),
        (EventKind.MESSAGE, *mine),
        (EventKind.CIRCLE_LEAVE, *mine),
    ]


def test_a_resent_message_counts_once_and_an_interest_circle_has_no_store(
    interest_circle: Circle, django_capture_on_commit_callbacks: Any
):
    member = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.join_circle(member, interest_circle.pk)
    Event.objects.all().delete()
    # when the same message is sent twice (a resend with its client id)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            chat.send_message(member, interest_circle.pk, kind="text", text="hi", client_id="c1")
    # then one message is counted, with no store (an interest circle)
    assert list(Event.objects.values_list("kind", "store_id")) == [(EventKind.MESSAGE, "")]
