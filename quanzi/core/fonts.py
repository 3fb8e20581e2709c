"""The CJK font that generated images (posters, demo pictures) draw Chinese text with.

fontconfig's first: a machine with a CJK font installed (Debian's fonts-noto-cjk, as CI has)
uses it. Else the Noto Sans SC (SIL Open Font License 1.1) that the PyPI package
`pylopdf-fonts-zh-cn`, a default dependency, ships inside its wheel, so a machine with only
Python renders Chinese too.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import CoreCode, DomainError

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC")


class FontMissing(DomainError):
    status = 503
    code = CoreCode.CJK_FONT_MISSING
    default_message = _(
        "No Chinese (CJK) font is installed on the server: install Debian's fonts-noto-cjk "
        "or the Python package pylopdf-fonts-zh-cn."
    )


@functools.cache
def cjk_font_path() -> str | None:
    """The file of a CJK font: fontconfig's, else the packaged one; None when neither is there."""
    return fontconfig_cjk_font() or packaged_cjk_font()


def fontconfig_cjk_font() -> str | None:
    """The file of a CJK font fontconfig knows (a preferred family first), or None."""
    if shutil.which("fc-list") is None:
        return None
    for family in CJK_FAMILIES:
        found = _first_file(f":family={family}")
        if found:
            return found
    return _first_file(":lang=zh-cn")


def _first_file(pattern: str) -> str | None:
    out = subprocess.run(
        ["fc-list", pattern, "file"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return out.splitlines()[0].split(":")[0].strip() if out else None


def packaged_cjk_font() -> str | None:
    """The Noto Sans SC file of the `pylopdf-fonts-zh-cn` package, or None without it."""
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError:
        return None
    path = sans_path()
    return str(path) if path.is_file() else None


def require_cjk_font() -> str:
    path = cjk_font_path()
    if path is None:
        raise FontMissing()
    return path
