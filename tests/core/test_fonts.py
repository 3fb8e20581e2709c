"""The CJK font of generated images (posters, demo pictures): fontconfig's when it has one, else
the Noto Sans SC a PyPI package ships, so a machine with only Python renders Chinese too."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from quanzi.core import fonts

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>{dirs}</fontconfig>
"""


def fontconfig_with(monkeypatch: pytest.MonkeyPatch, folder: Path, *font_dirs: Path) -> None:
    """Point fontconfig at a configuration of its own that knows only `font_dirs`' fonts."""
    conf = folder / "fonts.conf"
    conf.write_text(FONTS_CONF.format(dirs="".join(f"<dir>{d}</dir>" for d in font_dirs)))
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    fonts.cjk_font_path.cache_clear()


@pytest.fixture
def without_fontconfig_fonts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """fontconfig finds no font at all, as on a fresh Debian machine without fonts-noto-cjk."""
    fontconfig_with(monkeypatch, tmp_path)
    yield
    fonts.cjk_font_path.cache_clear()


def glyph(font: ImageFont.FreeTypeFont, text: str) -> Image.Image:
    image = Image.new("L", (120, 120), 255)
    ImageDraw.Draw(image).text((10, 10), text, font=font, fill=0)
    return image


def differ(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a, b).getbbox() is not None


def test_without_fontconfig_fonts_a_packaged_font_draws_chinese(without_fontconfig_fonts: None):
    # given fontconfig finds nothing
    # when the CJK font is looked up
    path = fonts.require_cjk_font()
    # then a font is found, and it draws Chinese characters as glyphs of their own: two
    # characters differ from each other and from a character it has no glyph for (a tofu box)
    font = ImageFont.truetype(path, 80)
    quan, zi, tofu = glyph(font, "圈"), glyph(font, "子"), glyph(font, "\ue000")
    assert differ(quan, zi)
    assert differ(quan, tofu) and differ(zi, tofu)
    assert quan.getextrema() == (0, 255)  # ink on paper


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="needs fontconfig's fc-list")
def test_a_font_fontconfig_knows_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # given fontconfig knows one Chinese font, in a folder of its own
    packaged = fonts.require_cjk_font()
    system = tmp_path / "system-fonts"
    system.mkdir()
    (system / "SystemSC.otf").write_bytes(Path(packaged).read_bytes())
    fontconfig_with(monkeypatch, tmp_path, system)
    try:
        # when the CJK font is looked up
        found = fonts.cjk_font_path()
    finally:
        fonts.cjk_font_path.cache_clear()
    # then it is fontconfig's
    assert found == str(system / "SystemSC.otf")
