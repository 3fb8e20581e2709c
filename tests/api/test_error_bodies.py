"""Every refusal of the API has the documented error body `{"detail", "code"}`, the detail in the
user's language — ninja's own refusals too (a body it cannot parse, a failed CSRF check)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from quanzi.accounts.models import User
from quanzi.core.openapi import ErrorOut
from tests.conftest import ApiClient


def _error(response: Any) -> ErrorOut:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return ErrorOut.model_validate_json(response.content)


@pytest.mark.parametrize(
    ("language", "detail"),
    [("zh-hans", "请求正文不是有效的 JSON。"), ("en", "The request body is not valid JSON.")],
)
def test_a_body_that_is_not_json_is_a_coded_400_in_the_users_language(
    api: type[ApiClient], user: User, language: str, detail: str
) -> None:
    # given a logged-in user
    client = api(user)
    # when they send a body that does not parse as JSON
    response = client.post("accounts/addresses", "{not json", headers={"Accept-Language": language})
    # then it is a 400 with the documented error body
    assert response.status_code == 400
    assert _error(response).model_dump(include={"detail", "code"}) == {
        "detail": detail,
        "code": "invalid_json",
    }


def test_a_failed_csrf_check_is_a_coded_403(user: User) -> None:
    # given a browser session without the CSRF token
    client = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    client.force_login(user)
    # when the page's script posts to the API
    response = client.post("/api/v1/accounts/addresses", {}, content_type="application/json")
    # then it is a 403 with the documented error body
    assert response.status_code == 403
    assert _error(response).code == "csrf_failed"
