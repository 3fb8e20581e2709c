"""Share posters: a PNG with the target's picture, title, price, a QR code and the sharer."""

from __future__ import annotations

import io
from dataclasses import dataclass

import qrcode
from django.core.files.storage import default_storage
from django.http import HttpRequest
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont, ImageOps

from quanzi.campaigns.bargains.models import Bargain
from quanzi.campaigns.groupbuy.models import Group
from quanzi.campaigns.groupbuy.services import lowest_group_price
from quanzi.catalog.models import Product, ProductImage
from quanzi.circles.models import Circle
from quanzi.core.fonts import require_cjk_font
from quanzi.core.money import format_fen
from quanzi.referrals.models import ShareLink, TargetKind
from quanzi.social.models import Note, NoteImage
from quanzi.stores.models import Store

WIDTH, HEIGHT = 750, 1200
PICTURE_HEIGHT = 750
PANEL_COLOUR = (230, 90, 60)
QR_SIZE = 220
MARGIN = 40


@dataclass(frozen=True)
class PosterContent:
    title: str
    price: str | None
    picture: str | None  # storage name of the image, None for a plain panel


def _product_picture(product: Product) -> str | None:
    img = ProductImage.objects.filter(product=product).order_by("position").first()
    return img.image.name if img else None


def og_image(request: HttpRequest, product: Product) -> str:
    """The absolute URL of the product's first image, for a shared page's Open Graph tags
    ("" when it has none)."""
    name = _product_picture(product)
    return request.build_absolute_uri(default_storage.url(name)) if name else ""


def poster_content(link: ShareLink) -> PosterContent:
    """What the poster shows for the link's target (title, price for products and campaigns,
    picture). A group shows its lowest group price, a bargain its current price, labelled."""
    if link.kind == TargetKind.PRODUCT:
        product = Product.objects.get(pk=link.target_id)
        return PosterContent(
            product.title, format_fen(product.min_price), _product_picture(product)
        )
    if link.kind == TargetKind.GROUP:
        group = Group.objects.select_related("campaign__product").get(pk=link.target_id)
        lowest = lowest_group_price(group.campaign)
        price = None
        if lowest is not None:
            price = _("Group price %(price)s") % {"price": format_fen(lowest)}
        product = group.campaign.product
        return PosterContent(product.title, price, _product_picture(product))
    if link.kind == TargetKind.BARGAIN:
        bargain = Bargain.objects.select_related("campaign__sku__product").get(pk=link.target_id)
        product = bargain.campaign.sku.product
        price = _("Current price %(price)s") % {"price": format_fen(bargain.current_price)}
        return PosterContent(product.title, price, _product_picture(product))
    if link.kind == TargetKind.NOTE:
        note = Note.objects.get(pk=link.target_id)
        nimg = NoteImage.objects.filter(note=note).order_by("position").first()
        return PosterContent(note.title, None, nimg.image.name if nimg else None)
    if link.kind == TargetKind.CIRCLE:
        return PosterContent(Circle.objects.get(pk=link.target_id).name, None, None)
    return PosterContent(Store.objects.get(pk=link.target_id).name, None, None)


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
