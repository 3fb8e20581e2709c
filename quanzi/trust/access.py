"""Who may see what in trust: platform operators (staff accounts) see the case queue and the
settings; anyone else is answered 404, so nobody learns a case exists."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from quanzi.accounts.models import User
from quanzi.core.errors import NotFound
from quanzi.core.ids import is_public_id
from quanzi.trust.models import Case


def is_operator(user: object) -> bool:
    return isinstance(user, User) and user.is_authenticated and user.is_active and user.is_staff


def require_operator(user: object) -> User:
    """The operator, or 404 (strangers, members and merchants alike)."""
    if not is_operator(user):
        raise NotFound(_("Page not found."))
    assert isinstance(user, User)
    return user


def operator_case(user: object, case_id: str) -> Case:
    """The case, for an operator; 404 for anyone else or an unknown id."""
    require_operator(user)
    case = Case.objects.filter(pk=case_id).first() if is_public_id(case_id) else None
    if case is None:
        raise NotFound(_("Case not found."))
    return case
