"""Find a CJK font through fontconfig so Chinese text renders in generated images."""

from __future__ import annotations

import functools
import shutil
import subprocess

from django.utils.translation import gettext_lazy as _

from quanzi.core.errors import DomainError

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC")


class FontMissing(DomainError):
    status = 503
    code = "cjk_font_missing"
    default_message = _(
        "No Chinese (CJK) font is installed on the server: install Debian's fonts-noto-cjk."
    )


@functools.cache
def cjk_font_path() -> str | None:
    """The file of an installed CJK font, or None when fontconfig finds none."""
    if shutil.which("fc-list") is None:
        return None
    for family in CJK_FAMILIES:
        out = subprocess.run(
            ["fc-list", f":family={family}", "file"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if out:
            return out.splitlines()[0].split(":")[0].strip()
    out = subprocess.run(
        ["fc-list", ":lang=zh-cn", "file"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return out.splitlines()[0].split(":")[0].strip() if out else None


def require_cjk_font() -> str:
    path = cjk_font_path()
    if path is None:
        raise FontMissing()
    return path
