"""The error codes of catalog: the `code` of every refusal its services answer (clients branch
on them, so a value never changes)."""

from __future__ import annotations

from enum import StrEnum

from quanzi.core.errors import error_codes


@error_codes
class CatalogCode(StrEnum):
    BAD_FILE = "bad_file"  # not a readable .xlsx or .csv (or not UTF-8/GBK text)
    BAD_HEADER = "bad_header"  # an import file whose header row is not the template's
    FILE_TOO_LARGE = "file_too_large"
    IMPORT_INVALID = "import_invalid"  # an import file with invalid rows (each in `errors`)
    IMPORT_GONE = "import_gone"  # a previewed import applied, cancelled or kept too long
    NO_SKU = "no_sku"  # a product on the shelf needs a priced SKU
    SKU_CODE_TAKEN = "sku_code_taken"
    STOCK_CHANGED = "stock_changed"  # the stock moved while the seller edited it
    TOO_MANY_IMAGES = "too_many_images"
    TOO_MANY_ROWS = "too_many_rows"
