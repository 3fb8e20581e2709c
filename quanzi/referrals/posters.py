"""Share posters: a PNG with the target's picture, title, price, a QR code and the sharer."""

from __future__ import annotations

import io

import qrcode
from django.core.files.storage import default_storage
from django.http import HttpRequest
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont, ImageOps

from quanzi.catalog.models import Product
from quanzi.core.fonts import require_cjk_font
from quanzi.referrals.models import ShareLink
from quanzi.referrals.targets import PosterContent, product_picture, target_for

WIDTH, HEIGHT = 750, 1200
PICTURE_HEIGHT = 750
PANEL_COLOUR = (230, 90, 60)
QR_SIZE = 220
MARGIN = 40


def og_image(request: HttpRequest, product: Product) -> str:
    """The absolute URL of the product's first image, for a shared page's Open Graph tags
    ("" when it has none)."""
    name = product_picture(product)
    return request.build_absolute_uri(default_storage.url(name)) if name else ""


def poster_content(link: ShareLink) -> PosterContent:
    """What the poster shows for the link's target (title, price for products and campaigns,
    picture), as its kind reads it (quanzi.referrals.targets)."""
    return target_for(link.kind).poster(link.target_id)


def _picture(name: str | None) -> Image.Image:
    panel = Image.new("RGB", (WIDTH, PICTURE_HEIGHT), PANEL_COLOUR)
    if not name or not default_storage.exists(name):
        return panel
    with default_storage.open(name) as fh, Image.open(fh) as img:
        return ImageOps.fit(img.convert("RGB"), (WIDTH, PICTURE_HEIGHT))


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    """Wrap by character (Chinese has no spaces); at most two lines, the second ellipsised."""
    lines: list[str] = [""]
    for ch in text:
        if draw.textlength(lines[-1] + ch, font=font) > width:
            lines.append("")
        lines[-1] += ch
    if len(lines) > 2:
        lines = [lines[0], lines[1][:-1] + "…"]
    return lines


def render_poster(link: ShareLink, url: str) -> bytes:
    """The poster PNG for `link`, whose QR code encodes `url`. Raises FontMissing (503)."""
    font_path = require_cjk_font()
    title_font = ImageFont.truetype(font_path, 40)
    small_font = ImageFont.truetype(font_path, 28)
    content = poster_content(link)
    poster = Image.new("RGB", (WIDTH, HEIGHT), "white")
    poster.paste(_picture(content.picture), (0, 0))
    draw = ImageDraw.Draw(poster)
    text_width = WIDTH - 2 * MARGIN - QR_SIZE - 20
    y = PICTURE_HEIGHT + 30
    for line in _wrap(draw, content.title, title_font, text_width):
        draw.text((MARGIN, y), line, font=title_font, fill="black")
        y += 54
    if content.price:
        draw.text((MARGIN, y + 10), content.price, font=title_font, fill=PANEL_COLOUR)
    byline = _("%(name)s recommends") % {"name": link.sharer.display_name}
    draw.text((MARGIN, HEIGHT - 80), byline, font=small_font, fill=(90, 90, 90))
    qr = qrcode.make(url, border=1).get_image().convert("RGB").resize((QR_SIZE, QR_SIZE))
    poster.paste(qr, (WIDTH - MARGIN - QR_SIZE, PICTURE_HEIGHT + 30))
    out = io.BytesIO()
    poster.save(out, format="PNG")
    return out.getvalue()
