from __future__ import annotations

import pytest

from tests.stores.roles import Cast, make_cast


@pytest.fixture
def cast(db: None) -> Cast:
    """A store with its owner and one staff member, and two customers."""
    return make_cast()
