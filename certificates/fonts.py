"""The Chinese font certificates are set in: found once, registered once, embedded as a subset.

Only TrueType outlines (TTF, or the first face of a TTC) can be embedded by ReportLab; the
font is searched in ``CERTIFICATE_FONT_PATH``, then in :data:`KNOWN_FONT_PATHS`, then in the
PyPI package ``paperang-p2-fonts-cjk`` when it is installed. Registering a TTC parses several
megabytes, so a process does it once per path.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

from flask import current_app, has_app_context
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from core.config import ConfigurationError

#: Tried in order when ``CERTIFICATE_FONT_PATH`` is not set (Debian/Ubuntu, Fedora, Arch...).
KNOWN_FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/TTF/wqy-microhei.ttc",
    "/usr/local/share/fonts/wqy-microhei.ttc",
)
#: The PyPI package that ships WenQuanYi Micro Hei, and the file inside it.
FONT_PACKAGE = ("paperang_p2_fonts_cjk", "fonts/wqy-microhei.ttc")

_lock = threading.Lock()
_registered: dict[str, str] = {}


def _package_font() -> str | None:
    spec = importlib.util.find_spec(FONT_PACKAGE[0])
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / FONT_PACKAGE[1]
        if candidate.is_file():
            return str(candidate)
    return None


def candidate_paths(configured: str | None) -> list[str]:
    if configured:
        return [configured]
    paths = list(KNOWN_FONT_PATHS)
    packaged = _package_font()
    if packaged:
        paths.append(packaged)
    return paths


def font_path(configured: str | None = None) -> str:
    """The font file to use; ConfigurationError naming the setting when there is none."""
    if configured is None and has_app_context():
        configured = current_app.config.get("CERTIFICATE_FONT_PATH")
    for path in candidate_paths(configured):
        if Path(path).is_file():
            return path
    if configured:
        raise ConfigurationError(
            f"证书字体文件不存在：CERTIFICATE_FONT_PATH={configured}。请将 CERTIFICATE_FONT_PATH "
            "设为一个含中文字形的 TrueType 字体（.ttf/.ttc），例如 "
            "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc（apt-get install fonts-wqy-microhei）。")
    raise ConfigurationError(
        "找不到证书用的中文字体。请安装文泉驿微米黑（apt-get install fonts-wqy-microhei，或 "
        "pip install paperang-p2-fonts-cjk），或将 CERTIFICATE_FONT_PATH 设为一个含中文字形的 "
        "TrueType 字体（.ttf/.ttc）。已查找：" + "、".join(candidate_paths(None)))


def font_name(configured: str | None = None) -> str:
    """The registered ReportLab name of the certificate font (registering it on first use)."""
    path = font_path(configured)
    name = _registered.get(path)
    if name is not None:
        return name
    with _lock:
        name = _registered.get(path)
        if name is None:
            name = f"CertificateFont{len(_registered)}"
            try:
                font = TTFont(name, path, subfontIndex=0)
            except Exception as exc:  # a broken file or CFF outlines (OTF): say which setting
                raise ConfigurationError(
                    f"无法载入证书字体 {path}（{exc}）。CERTIFICATE_FONT_PATH 须为 TrueType 轮廓的 "
                    ".ttf 或 .ttc 字体（OpenType/CFF 字体无法嵌入）。") from exc
            pdfmetrics.registerFont(font)
            _registered[path] = name
    return name


def covered(configured: str | None = None) -> dict[int, int]:
    """The font's character map (code point to glyph)."""
    return pdfmetrics.getFont(font_name(configured)).face.charToGlyph


def missing_characters(text: str, configured: str | None = None) -> list[str]:
    """Characters of ``text`` the font has no glyph for, each once, in order of appearance."""
    cmap = covered(configured)
    missing: list[str] = []
    for char in text:
        if ord(char) not in cmap and not char.isspace() and char not in missing:
            missing.append(char)
    return missing
