# Search for Chinese text: the title's tokens in their own column, and the index of each database.
#
# SQLite: an FTS5 table written by catalog.search.index_product, plus a trigger that removes a
# product's row when the product is deleted (also by a cascade from its store).
# PostgreSQL: a GIN index on exactly the weighted vector of catalog.search.search_vector().
# Products that existed before this migration are indexed by `manage.py reindex_products`.

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models

FTS_SQL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_product_fts USING fts5("
    "product_id UNINDEXED, title, body, tokenize = 'unicode61')",
    "CREATE TRIGGER IF NOT EXISTS catalog_product_fts_delete AFTER DELETE ON catalog_product "
    "BEGIN DELETE FROM catalog_product_fts WHERE product_id = old.id; END",
    "INSERT INTO catalog_product_fts (product_id, title, body) "
    "SELECT id, search_title, search_text FROM catalog_product",
]
FTS_DROP_SQL = [
    "DROP TRIGGER IF EXISTS catalog_product_fts_delete",
    "DROP TABLE IF EXISTS catalog_product_fts",
]
GIN_NAME = "catalog_product_search"


def _gin_index() -> GinIndex:
    vector = SearchVector("search_title", weight="A", config="simple") + SearchVector(
        "search_text", weight="B", config="simple"
    )
    return GinIndex(vector, name=GIN_NAME)


def create_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in FTS_SQL:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.add_index(apps.get_model("catalog", "Product"), _gin_index())


def drop_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in FTS_DROP_SQL:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("catalog", "Product"), _gin_index())


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='product',
            name='search_title',
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(create_search_index, drop_search_index, elidable=False),
    ]
