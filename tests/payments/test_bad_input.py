from __future__ import annotations

import pytest

from quanzi.payments.models import Payment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_malformed_ids_are_not_found_not_server_errors(api, client):
    # given a logged-in user
    user = UserFactory()
    rest = api(user)
    client.force_login(user)
    # when ids carry bytes no id has (a NUL byte that PostgreSQL refuses, spaces, a long string)
    bad = ["ab%00cd", "a%20b", "x" * 40]
    for ident in bad:
        # then every endpoint and page answers a 4xx, never a 500: a NUL byte is refused at the
        # door (400), any other malformed id is not found (404)
        expected = 400 if "%00" in ident else 404
        assert rest.get(f"payments/{ident}").status_code == expected
        assert rest.get(f"ledger/stores/{ident}/balance").status_code == expected
        assert rest.get(f"ledger/stores/{ident}/entries").status_code == expected
        assert client.get(f"/pay/sandbox/{ident}/").status_code == expected
        assert client.get(f"/ledger/console/{ident}/").status_code == expected
    assert rest.post("payments", {"order_ids": ["ab\x00cd"]}).status_code == 400
    assert client.post("/pay/start/", {"order_id": "ab\x00cd"}).status_code == 400
    assert rest.post("payments", {"order_ids": ["ab cd"]}).status_code == 404
    assert Payment.objects.count() == 0
