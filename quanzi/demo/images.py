"""Illustrated product pictures for the demo data set, drawn with Pillow.

The demo cannot ship photographs it has no rights to, so it draws a clean product card: a
gradient in the product's colours, a simple shape for its kind, and its Chinese name (with the
CJK font from fontconfig when installed).
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from quanzi.core.fonts import cjk_font_path

Colour = tuple[int, int, int]


def _gradient(size: int, top: Colour, bottom: Colour) -> Image.Image:
    img = Image.new("RGB", (size, size), top)
    draw = ImageDraw.Draw(img)
    for y in range(size):
        t = y / (size - 1)
        colour = tuple(int(top[i] + (bottom[i] - top[i]) * t) for i in range(3))
        draw.line([(0, y), (size, y)], fill=colour)
    return img


def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_path()
    if path:
        return ImageFont.truetype(path, px)
    return ImageFont.load_default(px)


def product_photo(
    title: str, subtitle: str, top: Colour, bottom: Colour, shape: str = "round", size: int = 800
) -> bytes:
    """A JPEG picture of `size`² pixels for a demo product."""
    img = _gradient(size, top, bottom)
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    c = size // 2
    r = size // 4
    accent = (255, 255, 255, 170)
    if shape == "round":
        draw.ellipse([c - r, c - r - 60, c + r, c + r - 60], fill=accent)
    elif shape == "box":
        draw.rounded_rectangle([c - r, c - r - 60, c + r, c + r - 60], radius=40, fill=accent)
    elif shape == "jar":
        draw.rounded_rectangle(
            [c - r + 30, c - r - 20, c + r - 30, c + r - 40], radius=60, fill=accent
        )
        draw.rectangle([c - r + 60, c - r - 70, c + r - 60, c - r - 20], fill=(255, 255, 255, 220))
    else:  # leaf
        draw.ellipse([c - r, c - r // 2 - 60, c + r, c + r // 2 - 60], fill=accent)
        draw.line([(c - r, c - 60), (c + r, c - 60)], fill=(255, 255, 255, 230), width=8)
    layer = layer.filter(ImageFilter.GaussianBlur(2))
    img.paste(layer, (0, 0), layer)
    draw = ImageDraw.Draw(img)
    big, small = _font(size // 11), _font(size // 22)
    for text, font, y in ((title, big, int(size * 0.70)), (subtitle, small, int(size * 0.84))):
        box = draw.textbbox((0, 0), text, font=font)
        x = (size - (box[2] - box[0])) // 2
        draw.text((x + 2, y + 2), text, font=font, fill=(0, 0, 0))
        draw.text((x, y), text, font=font, fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()
