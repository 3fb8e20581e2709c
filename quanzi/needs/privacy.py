"""Who may be profiled and whose words count: one place every read asks.

No `ProfilingPreference` row means both are allowed (the circle rules say so). A member who
leaves the anonymous totals is not profiled either: `profiled` means "named in profiles, tags
and segments, and asked about as a person", which needs the words to count at all."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from quanzi.needs.models import ProfilingPreference


def out_of_aggregates() -> QuerySet[ProfilingPreference, int]:
    """The ids of the members whose text counts nowhere (a subquery)."""
    return ProfilingPreference.objects.filter(in_aggregates=False).values_list("user_id", flat=True)


def not_profiled() -> QuerySet[ProfilingPreference, int]:
    """The ids of the members who are never named nor profiled (a subquery)."""
    return ProfilingPreference.objects.filter(
        Q(profiled=False) | Q(in_aggregates=False)
    ).values_list("user_id", flat=True)


def is_profiled(user_id: int) -> bool:
    return not ProfilingPreference.objects.filter(
        Q(profiled=False) | Q(in_aggregates=False), user_id=user_id
    ).exists()


def counts_in_aggregates(user_id: int) -> bool:
    return not ProfilingPreference.objects.filter(user_id=user_id, in_aggregates=False).exists()
