"""Product search that works for Chinese text.

Chinese has no spaces between words, so every searchable text is segmented with jieba
(`cut_for_search`, which also emits the shorter words inside long ones: 咖啡豆 → 咖啡, 咖啡豆) and
stored space-joined in `Product.search_title` / `Product.search_text`. The database then does
ordinary word search over those tokens:

- SQLite: the FTS5 table `catalog_product_fts(product_id UNINDEXED, title, body)` created by
  migration 0002, written by `index_product` (and emptied by a trigger when a product row is
  deleted), matched with MATCH and ranked by bm25 with the title weighted higher.
- PostgreSQL: a weighted `SearchVector` over the two columns with the 'simple' configuration,
  backed by the GIN expression index `catalog_product_search` of migration 0002, ranked with
  SearchRank.

A query is segmented the same way. All its words must match; when that finds nothing, any word
may match (segmentation of a short query can differ from that of the full title).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any, Literal, overload

import jieba
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.expressions import CombinedExpression, RawSQL

from quanzi.catalog.models import Product, ProductImage

jieba.setLogLevel(logging.WARNING)

FTS_TABLE = "catalog_product_fts"
TITLE_WEIGHT = 10.0  # bm25 weight of the title column against 1.0 for the body
MAX_QUERY_CHARS = 100
MAX_QUERY_TERMS = 10
SORTS = ("relevance", "newest", "price_asc", "price_desc", "sales")
_WORD = re.compile(r"[^\W_]+")
_ORDERINGS: dict[str, tuple[str, ...]] = {
    "newest": ("-created_at", "id"),
    "price_asc": ("min_price", "-created_at", "id"),
    "price_desc": ("-min_price", "-created_at", "id"),
    "sales": ("-sales_count", "-created_at", "id"),
}


def _words(text: str) -> Iterator[str]:
    """Plain lowercase words of a jieba token: 'T恤' → 't恤', '3.5' → '3', '5', '!' → nothing.

    Both FTS5's unicode61 tokenizer and PostgreSQL's parser read such words unchanged, so the
    tokens stored and the tokens searched always agree."""
    yield from _WORD.findall(text.lower())


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def segment(text: str) -> list[str]:
    """Index tokens of a text, in order, duplicates kept (they count in ranking)."""
    return [w for token in jieba.cut_for_search(_normalise(text)) for w in _words(token)]


def query_terms(query: str) -> list[str]:
    """The distinct words of a search query (precise segmentation), at most MAX_QUERY_TERMS."""
    terms: list[str] = []
    for token in jieba.cut(_normalise(query)[:MAX_QUERY_CHARS]):
        for word in _words(token):
            if word not in terms:
                terms.append(word)
    return terms[:MAX_QUERY_TERMS]


def _product_texts(product: Product) -> tuple[str, str]:
    """(title tokens, all tokens) of a product; needs `store` and `category` loaded."""
    spec_text = " ".join(
        " ".join([str(spec.get("name", "")), *map(str, spec.get("values", []))])
        for spec in product.specs or []
        if isinstance(spec, dict)
    )
    parts = [
        product.title,
        product.subtitle,
        product.description,
        spec_text,
        product.category.name if product.category else "",
        product.store.name,
    ]
    title = " ".join(segment(product.title))
    body = " ".join(w for part in parts for w in segment(part))
    return title, body


def index_product(product: Product) -> None:
    """Recompute the product's search tokens and write them (and the FTS row on SQLite).

    Call inside the transaction that changed the product, so search never sees a half state."""
    title, body = _product_texts(product)
    Product.objects.filter(pk=product.pk).update(search_title=title, search_text=body)
    product.search_title, product.search_text = title, body
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE product_id = %s", [product.pk])
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} (product_id, title, body) VALUES (%s, %s, %s)",
                [product.pk, title, body],
            )


def unindex_product(product_id: str) -> None:
    """Remove a product's FTS row (the SQLite trigger does it too, also for cascades)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE product_id = %s", [product_id])


def reindex_products(products: Iterable[Product]) -> int:
    """Re-index many products (after a store or category rename, or `manage.py reindex`)."""
    count = 0
    for product in products:
        index_product(product)
        count += 1
    return count


def visible_products() -> QuerySet[Product]:
    """On-shelf products of open stores, with what a product card shows, in constant queries."""
    return (
        Product.objects.filter(on_shelf=True, store__is_active=True)
        # A card never shows the long text columns: leave them in the database.
        .defer("description", "search_text", "search_title", "specs")
        .select_related("store", "category")
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "created_at"))
        )
    )


class RankedProducts:
    """Products matching an FTS5 query in bm25 order, lazily, one page at a time.

    Behaves enough like a QuerySet for pagination (`count()`, slicing). Each slice runs two
    queries plus the prefetches of `visible_products`, whatever its length."""

    def __init__(self, base: QuerySet[Product], match: str) -> None:
        self.base = base
        self.match = match
        self._count: int | None = None

    def _base_sql(self) -> tuple[str, tuple[Any, ...]]:
        sql, params = self.base.order_by().values_list("id", flat=True).query.sql_with_params()
        return sql, tuple(params)

    def count(self) -> int:
        if self._count is None:
            base_sql, base_params = self._base_sql()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
                    f"AND product_id IN ({base_sql})",
                    [self.match, *base_params],
                )
                self._count = int(cursor.fetchone()[0])
        return self._count

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, key: int) -> Product: ...
    @overload
    def __getitem__(self, key: slice) -> list[Product]: ...
    def __getitem__(self, key: int | slice) -> Product | list[Product]:
        if isinstance(key, int):
            found = self._page(key, 1)
            if not found:
                raise IndexError(key)
            return found[0]
        start, stop = key.start or 0, key.stop
        if key.step not in (None, 1) or start < 0 or (stop is not None and stop < start):
            raise ValueError("RankedProducts supports forward slices only")
        return self._page(start, (stop - start) if stop is not None else -1)

    def _page(self, offset: int, limit: int) -> list[Product]:
        base_sql, base_params = self._base_sql()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT product_id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
                f"AND product_id IN ({base_sql}) "
                f"ORDER BY bm25({FTS_TABLE}, 0.0, {TITLE_WEIGHT}, 1.0), product_id "
                "LIMIT %s OFFSET %s",
                [self.match, *base_params, limit, offset],
            )
            ids = [row[0] for row in cursor.fetchall()]
        by_id = {p.pk: p for p in self.base.filter(pk__in=ids)}
        return [by_id[i] for i in ids if i in by_id]


def _fts_match(terms: list[str], operator: Literal["AND", "OR"]) -> str:
    return f" {operator} ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _sqlite_search(base: QuerySet[Product], terms: list[str]) -> RankedProducts:
    ranked = RankedProducts(base, _fts_match(terms, "AND"))
    if len(terms) > 1 and ranked.count() == 0:
        ranked = RankedProducts(base, _fts_match(terms, "OR"))
    return ranked


def search_vector() -> CombinedExpression:
    """The weighted vector; migration 0002 indexes exactly this expression (keep them equal)."""
    return SearchVector("search_title", weight="A", config="simple") + SearchVector(
        "search_text", weight="B", config="simple"
    )


def _pg_query(terms: list[str], operator: Literal["AND", "OR"]) -> SearchQuery:
    query = SearchQuery(terms[0], config="simple")
    for term in terms[1:]:
        other = SearchQuery(term, config="simple")
        query = (query & other) if operator == "AND" else (query | other)
    return query


def _postgres_search(base: QuerySet[Product], terms: list[str], sort: str) -> QuerySet[Product]:
    vector = search_vector()
    query = _pg_query(terms, "AND")
    if len(terms) > 1 and not base.annotate(document=vector).filter(document=query).exists():
        query = _pg_query(terms, "OR")
    found = base.annotate(document=vector).filter(document=query)
    if sort == "relevance":
        ranked = found.annotate(rank=SearchRank(vector, query))
        return ranked.order_by("-rank", "-created_at", "id")
    return found.order_by(*_ORDERINGS[sort])


def search_products(
    query: str,
    *,
    category: str | None = None,
    store: str | None = None,
    sort: str = "relevance",
    min_price: int | None = None,
    max_price: int | None = None,
) -> QuerySet[Product] | RankedProducts:
    """Visible products matching `query`, filtered and sorted; slice it to paginate.

    An empty query lists every visible product (newest first for 'relevance'); a query with no
    word in it (only punctuation) finds nothing. `category` includes its sub-categories;
    prices are in fen against the product's lowest SKU price."""
    base = visible_products()
    if category:
        base = base.filter(Q(category_id=category) | Q(category__parent_id=category))
    if store:
        base = base.filter(store_id=store)
    if min_price is not None:
        base = base.filter(min_price__gte=min_price)
    if max_price is not None:
        base = base.filter(min_price__lte=max_price)
    sort = sort if sort in SORTS else "relevance"
    if not (query or "").strip():
        return base.order_by(*_ORDERINGS["newest" if sort == "relevance" else sort])
    terms = query_terms(query)
    if not terms:
        return base.none()
    if connection.vendor == "postgresql":
        return _postgres_search(base, terms, sort)
    if sort == "relevance":
        return _sqlite_search(base, terms)
    matched = _sqlite_search(base, terms)
    ids_sql = f"SELECT product_id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
    return base.filter(pk__in=RawSQL(ids_sql, [matched.match])).order_by(*_ORDERINGS[sort])
