"""An import file kept between its preview and its applying: the merchant sees what it would
change, then applies exactly that file (read and checked again, since the products may have
changed meanwhile). Kept in the media storage under a random name of ours, never the
client's, for at most STAGE_HOURS; applying or cancelling deletes it."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quanzi.catalog.errors import CatalogCode
from quanzi.core.errors import NotFound
from quanzi.core.ids import is_public_id, new_id

STAGE_HOURS = 2


def _path(store_id: str, token: str, ext: str) -> str:
    return f"imports/{store_id}/{token}.{ext}"


def stage(store_id: str, upload: UploadedFile) -> str:
    """Keep the upload (already read and checked by the caller) and return its token."""
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    ext = "xlsx" if head.startswith(b"PK\x03\x04") else "csv"
    token = new_id()
    default_storage.save(_path(store_id, token, ext), ContentFile(upload.read()))
    return token


def _gone() -> NotFound:
    return NotFound(
        _("This import is no longer waiting: upload the file again."),
        code=CatalogCode.IMPORT_GONE,
    )


def _found(store_id: str, token: str) -> str:
    if is_public_id(store_id) and is_public_id(token):
        for ext in ("xlsx", "csv"):
            path = _path(store_id, token, ext)
            if default_storage.exists(path):
                return path
    raise _gone()


def staged(store_id: str, token: str) -> ContentFile[bytes]:
    """The staged file (named so that read_rows knows its format); NotFound when it was applied,
    cancelled or is older than STAGE_HOURS."""
    path = _found(store_id, token)
    if default_storage.get_created_time(path) < timezone.now() - timedelta(hours=STAGE_HOURS):
        default_storage.delete(path)
        raise _gone()
    with default_storage.open(path, "rb") as handle:
        return ContentFile(handle.read(), name=path.rsplit("/", 1)[-1])


def discard(store_id: str, token: str) -> None:
    with contextlib.suppress(NotFound):  # already gone: nothing to forget
        default_storage.delete(_found(store_id, token))
