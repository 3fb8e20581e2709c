"""Uploaded media in the embedded mode (the scaled mode serves MEDIA_ROOT from object storage).

Django's django.views.static.serve is documented as for development only; this view serves only
what uploads produce: image files of a fixed list of types, under MEDIA_ROOT, with a content type
taken from that list (never guessed from the file), `nosniff`, and a 404 for anything else:
another type, a directory (no listing), a path that leaves MEDIA_ROOT (`..`, a symlink).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe

# The formats quanzi.core.images accepts, and the thumbnails and posters it writes.
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}
MAX_AGE = 24 * 3600  # uploads get new names; a deleted one may linger this long in caches


def _media_file(name: str) -> tuple[Path, str]:
    """The file under MEDIA_ROOT that `name` stands for, and its content type; else Http404."""
    relative = PurePosixPath(name)
    content_type = IMAGE_TYPES.get(relative.suffix.lower())
    if content_type is None or relative.is_absolute() or ".." in relative.parts:
        raise Http404
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise Http404
    return path, content_type


@require_safe
def media(request: HttpRequest, name: str) -> HttpResponseBase:
    path, content_type = _media_file(name)
    modified = path.stat().st_mtime
    not_modified = get_conditional_response(request, last_modified=int(modified))
    if not_modified is not None:
        return not_modified
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Last-Modified"] = http_date(modified)
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response
