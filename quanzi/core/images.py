"""Image validation and thumbnails with Pillow, shared by every upload (products, avatars,
logos, review photos)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any, Protocol

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from quanzi.core.errors import CoreCode, InvalidInput, PayloadTooLarge
from quanzi.core.ids import new_id

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
MIN_PIXELS = 16
THUMB_SIZE = (400, 400)


def validate_image(upload: IO[bytes] | Any) -> tuple[str, int, int]:
    """Check an uploaded file is a real image of an allowed type and size.

    Returns (format extension, width, height). Raises InvalidInput / PayloadTooLarge with a
    message for the user. Reads the file, then rewinds it.
    """
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    upload.seek(0)
    max_bytes = settings.QUANZI_IMAGE_MAX_BYTES
    if size > max_bytes:
        raise PayloadTooLarge(
            _("The image is too large: at most %(mb)d MB.") % {"mb": max_bytes // (1024 * 1024)},
            code=CoreCode.IMAGE_TOO_LARGE,
        )
    if size == 0:
        raise InvalidInput(_("The file is empty."), code=CoreCode.NOT_AN_IMAGE)
    try:
        with Image.open(upload) as img:
            fmt = img.format or ""
            width, height = img.size
            if fmt not in ALLOWED_FORMATS:
                raise InvalidInput(
                    _("Only JPEG, PNG, WebP or GIF images are accepted."),
                    code=CoreCode.NOT_AN_IMAGE,
                )
            limit = settings.QUANZI_IMAGE_MAX_PIXELS
            if width > limit or height > limit:
                raise InvalidInput(
                    _("The image is too big: at most %(px)d × %(px)d pixels.") % {"px": limit},
                    code=CoreCode.IMAGE_TOO_BIG,
                )
            if width < MIN_PIXELS or height < MIN_PIXELS:
                raise InvalidInput(_("The image is too small."), code=CoreCode.IMAGE_TOO_SMALL)
            img.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise InvalidInput(
            _("This file is not an image we can read."), code=CoreCode.NOT_AN_IMAGE
        ) from exc
    finally:
        upload.seek(0)
    return ALLOWED_FORMATS[fmt], width, height


def make_thumbnail(upload: IO[bytes] | Any, size: tuple[int, int] = THUMB_SIZE) -> ContentFile:
    """A JPEG thumbnail fitting in `size`, as a file ready to save on an ImageField."""
    upload.seek(0)
    with Image.open(upload) as img:
        img.draft("RGB", size)
        thumb = img.convert("RGB")
        thumb.thumbnail(size)
        out = io.BytesIO()
        thumb.save(out, "JPEG", quality=82, optimize=True)
    upload.seek(0)
    return ContentFile(out.getvalue(), name="thumb.jpg")


@dataclass(frozen=True)
class PreparedImage:
    """An upload checked and thumbnailed before any row or file is written."""

    upload: Any
    ext: str
    width: int
    height: int
    thumbnail: ContentFile


def prepare_image(upload: Any, *, field: str = "image") -> PreparedImage:
    """Validate and thumbnail one upload; nothing is stored yet."""
    ext, width, height = validate_image(upload)
    try:
        thumbnail = make_thumbnail(upload)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        # verify() passes some truncated files that only fail when decoded.
        raise InvalidInput(
            _("This file is not an image we can read."), code=CoreCode.NOT_AN_IMAGE, field=field
        ) from exc
    return PreparedImage(upload, ext, width, height, thumbnail)


class ImageRow(Protocol):
    """A model row with `image` and `thumbnail` file fields (review photos, note images…)."""

    image: Any
    thumbnail: Any

    def save(self) -> None: ...


def save_image_rows(rows: Iterable[tuple[ImageRow, PreparedImage]], written: list[str]) -> None:
    """Store each image and its thumbnail under random names, then the row; `written` collects
    the stored names so that a caller whose transaction fails can delete them."""
    for row, prepared in rows:
        name = new_id()
        row.image.save(f"{name}.{prepared.ext}", prepared.upload, save=False)
        written.append(row.image.name)
        row.thumbnail.save(f"{name}.jpg", prepared.thumbnail, save=False)
        written.append(row.thumbnail.name)
        row.save()


def delete_files(names: Iterable[str | None]) -> None:
    """Delete stored files (after a failed write, or once their rows are gone)."""
    for name in names:
        if name:
            default_storage.delete(name)
