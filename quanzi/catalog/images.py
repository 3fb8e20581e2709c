"""Image validation and thumbnails with Pillow, shared by every upload (products, avatars,
logos, review photos)."""

from __future__ import annotations

import io
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from quanzi.core.errors import InvalidInput, PayloadTooLarge

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
            code="image_too_large",
        )
    if size == 0:
        raise InvalidInput(_("The file is empty."), code="not_an_image")
    try:
        with Image.open(upload) as img:
            fmt = img.format or ""
            width, height = img.size
            if fmt not in ALLOWED_FORMATS:
                raise InvalidInput(
                    _("Only JPEG, PNG, WebP or GIF images are accepted."), code="not_an_image"
                )
            limit = settings.QUANZI_IMAGE_MAX_PIXELS
            if width > limit or height > limit:
                raise InvalidInput(
                    _("The image is too big: at most %(px)d × %(px)d pixels.") % {"px": limit},
                    code="image_too_big",
                )
            if width < MIN_PIXELS or height < MIN_PIXELS:
                raise InvalidInput(_("The image is too small."), code="image_too_small")
            img.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise InvalidInput(
            _("This file is not an image we can read."), code="not_an_image"
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
