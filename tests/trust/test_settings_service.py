"""The operator's thresholds: read with their defaults, changed by operators only, every value
checked (a refusal changes nothing)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from quanzi.core.errors import InvalidInput, NotFound
from quanzi.trust.detect.records import Thresholds
from quanzi.trust.errors import TrustCode
from quanzi.trust.models import TrustSettings
from quanzi.trust.services.settings import (
    TrustSettingsChange,
    current,
    thresholds,
    update,
)
from tests.factories import UserFactory, store_with_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Any:
    return UserFactory(is_staff=True)


def test_the_settings_start_with_the_defaults_once() -> None:
    first = current()
    assert (first.pk, first.review_flag, first.account_flag, first.hold) == (1, 60, 60, 80)
    assert current().pk == 1 and TrustSettings.objects.count() == 1
    assert thresholds() == Thresholds(review_flag=60, account_flag=60, hold=80)


def test_an_operator_changes_what_they_give_and_nothing_else(operator: Any) -> None:
    # when an operator raises the hold score and the alert window (as form text)
    row = update(operator, TrustSettingsChange(hold="90", alert_window_minutes=30))
    # then those change, the rest stays, and the change says who made it
    stored = TrustSettings.objects.get()
    assert (stored.hold, stored.alert_window_minutes, stored.review_flag) == (90, 30, 60)
    assert stored.updated_by == operator and row.hold == 90
    update(operator, TrustSettingsChange(alert_ratio="2.5", alert_baseline_days=7))
    stored.refresh_from_db()
    assert (stored.alert_ratio, stored.alert_baseline_days, stored.hold) == (2.5, 7, 90)


@pytest.mark.parametrize("who", ["customer", "merchant", "anonymous", "inactive operator"])
def test_only_operators_change_the_settings(who: str) -> None:
    person: Any = {
        "customer": lambda: UserFactory(),
        "merchant": lambda: store_with_owner(owner := UserFactory()) and owner,
        "anonymous": lambda: None,
        "inactive operator": lambda: UserFactory(is_staff=True, is_active=False),
    }[who]()
    with pytest.raises(NotFound):
        update(person, TrustSettingsChange(hold=99))
    assert current().hold == 80


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (TrustSettingsChange(review_flag=101), "review_flag"),
        (TrustSettingsChange(account_flag=-1), "account_flag"),
        (TrustSettingsChange(hold=True), "hold"),  # a boolean is not a number
        (TrustSettingsChange(hold="ninety"), "hold"),
        (TrustSettingsChange(hold="8.5"), "hold"),
        (TrustSettingsChange(hold=50), "hold"),  # below the flag score (60)
        (TrustSettingsChange(review_flag=85), "review_flag"),  # above the hold score (80)
        (TrustSettingsChange(review_flag=90, hold=85), "hold"),
        (TrustSettingsChange(alert_window_minutes=0), "alert_window_minutes"),
        (TrustSettingsChange(alert_window_minutes=100_000), "alert_window_minutes"),
        (TrustSettingsChange(alert_min_complaints=0), "alert_min_complaints"),
        (TrustSettingsChange(alert_baseline_days=0), "alert_baseline_days"),
        (TrustSettingsChange(alert_ratio=0.5), "alert_ratio"),
        (TrustSettingsChange(alert_ratio="nan"), "alert_ratio"),
        (TrustSettingsChange(alert_ratio=float("inf")), "alert_ratio"),
        (TrustSettingsChange(alert_ratio="lots"), "alert_ratio"),
        (TrustSettingsChange(alert_ratio=True), "alert_ratio"),
    ],
)
def test_a_refused_value_changes_nothing_and_says_which(
    operator: Any, change: TrustSettingsChange, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        update(operator, change)
    assert refused.value.code == TrustCode.INVALID_THRESHOLD
    assert refused.value.extra["field"] == field
    stored = current()
    assert (stored.review_flag, stored.hold, stored.alert_window_minutes) == (60, 80, 60)
    assert (stored.alert_ratio, stored.updated_by) == (3.0, None)


def test_flag_and_hold_may_be_equal_and_move_together(operator: Any) -> None:
    update(operator, TrustSettingsChange(review_flag=90, hold=95))
    update(operator, TrustSettingsChange(hold=90))
    assert (current().review_flag, current().hold) == (90, 90)


def _admin_form(**changes: Any) -> dict[str, Any]:
    values = {
        "review_flag": 60,
        "account_flag": 60,
        "hold": 80,
        "alert_window_minutes": 60,
        "alert_min_complaints": 5,
        "alert_ratio": 3.0,
        "alert_baseline_days": 14,
    }
    return {**values, **changes}


def test_the_admin_changes_the_settings_through_the_service() -> None:
    # given an operator in the admin
    operator = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(operator)
    url = f"/admin/trust/trustsettings/{current().pk}/change/"
    # when a refused value is sent, then the form says so and nothing changes
    page = client.post(url, _admin_form(hold=40), headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "errorlist" in page.content.decode()
    assert current().hold == 80
    # when a good value is sent, then it is saved with who changed it
    done = client.post(url, _admin_form(hold=85))
    assert done.status_code == 302
    assert (current().hold, current().updated_by) == (85, operator)
    # and the list opens with the one row, without an add button
    listing = client.get("/admin/trust/trustsettings/")
    assert listing.status_code == 200 and "/admin/trust/trustsettings/add/" not in (
        listing.content.decode()
    )
