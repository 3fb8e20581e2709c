"""What makes Quanzi installable to a phone's home screen: the web app manifest, its icons and
the favicon.

The icon is drawn here with Pillow (a white ring — 圈 — with a dot joining it, on the brand's
red), so there is no binary file to keep in step with the colours, and every size is sharp. The
maskable variant keeps the drawing inside the central 80 % that launchers never crop."""

from __future__ import annotations

import io
import json
from functools import lru_cache

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from PIL import Image, ImageDraw

BRAND_RED = "#e4393c"
BACKGROUND = "#f6f6f6"
SIZES = (32, 180, 192, 512)
FAVICON_SIZES = [(16, 16), (32, 32), (48, 48)]
ONE_DAY = 24 * 3600


def _draw(size: int, *, maskable: bool) -> Image.Image:
    """The icon at `size` px: full-bleed red for a maskable icon, a rounded square otherwise."""
    scale = 4  # draw large and shrink, for smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=BRAND_RED)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=BRAND_RED)
    safe = 0.8 if maskable else 1.0  # the part of the square a launcher never crops
    centre, ring = big / 2, big * 0.30 * safe
    width = max(1, round(big * 0.085 * safe))
    draw.ellipse(
        (centre - ring, centre - ring, centre + ring, centre + ring), outline="white", width=width
    )
    dot, offset = big * 0.085 * safe, ring * 0.72
    x, y = centre + offset, centre - offset
    draw.ellipse((x - dot * 1.6, y - dot * 1.6, x + dot * 1.6, y + dot * 1.6), fill=BRAND_RED)
    draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill="white")
    return image.resize((size, size), Image.Resampling.LANCZOS)


@lru_cache(maxsize=16)
def icon_png(size: int, maskable: bool = False) -> bytes:
    out = io.BytesIO()
    _draw(size, maskable=maskable).save(out, format="PNG", optimize=True)
    return out.getvalue()


@lru_cache(maxsize=1)
def favicon_ico() -> bytes:
    out = io.BytesIO()
    _draw(48, maskable=False).save(out, format="ICO", sizes=FAVICON_SIZES)
    return out.getvalue()


@require_GET
@cache_control(public=True, max_age=ONE_DAY)
def icon(request: HttpRequest, size: int, variant: str = "any") -> HttpResponse:
    if size not in SIZES or variant not in ("any", "maskable"):
        raise Http404
    return HttpResponse(icon_png(size, variant == "maskable"), content_type="image/png")


@require_GET
@cache_control(public=True, max_age=ONE_DAY)
def favicon(request: HttpRequest) -> HttpResponse:
    return HttpResponse(favicon_ico(), content_type="image/x-icon")


@require_GET
@cache_control(public=True, max_age=ONE_DAY)
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest, in the language the browser asks for (it is fetched without the
    session's cookies)."""
    icons = [
        {"src": reverse("app_icon", args=[n]), "sizes": f"{n}x{n}", "type": "image/png"}
        for n in (192, 512)
    ]
    icons.append(
        {
            "src": reverse("app_icon_variant", args=[512, "maskable"]),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        }
    )
    body = {
        "name": _("Quanzi — shop with your circles"),
        "short_name": _("Quanzi"),
        "description": _("Quanzi — a shop that lives inside its community"),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("core:home") + "?source=homescreen",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": BACKGROUND,
        "theme_color": BRAND_RED,
        "icons": icons,
        "shortcuts": [
            {"name": _("Circles"), "url": reverse("circles:mine")},
            {"name": _("Orders"), "url": reverse("orders:my_orders")},
        ],
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type="application/manifest+json"
    )
