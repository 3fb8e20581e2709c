"""Page-number pagination for the lists of pages and the API: two queries (count, rows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 50

T = TypeVar("T", bound=Model)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list; `number` is clamped to the existing pages."""

    items: Sequence[T]
    count: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.size))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def paginate(queryset: QuerySet[T], page: int | None, page_size: int | None) -> Page[T]:
    size = min(max(page_size or DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE)
    count = queryset.count()
    number = min(max(page or 1, 1), max(1, -(-count // size)))
    start = (number - 1) * size
    items = list(queryset[start : start + size]) if count else []
    return Page(items=items, count=count, number=number, size=size)


def page_number(request: HttpRequest) -> int:
    """The `?page=` of a page view: a positive whole number of at most 6 digits, else 1 (a
    page past the end is clamped by `paginate` or Django's Paginator). `isdecimal`, not
    `isdigit`: "²" is a digit that `int` refuses."""
    raw = request.GET.get("page", "1")
    return max(int(raw), 1) if raw.isdecimal() and len(raw) < 7 else 1
