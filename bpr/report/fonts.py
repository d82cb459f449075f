"""CJK glyphs that render on a fresh machine with no system CJK font.

bpr ships a GB 2312 subset of Noto Sans CJK SC (OFL, ~3 MB) in bpr/data/fonts/.
- Charts: `use_cjk_font()` registers it with matplotlib and puts it first in the sans-serif list;
  SVG output turns text into paths, so charts carry their glyphs with them.
- HTML: `font_face_css(text)` subsets the font again to exactly the characters of one document and
  returns an inline @font-face rule (a few tens of KB), so the page fetches nothing.
"""

from __future__ import annotations

import base64
import io
from functools import cache
from importlib import resources
from pathlib import Path

FAMILY = "Noto Sans CJK SC"
HTML_FAMILY = "bpr-cjk"


def font_path() -> Path:
    return Path(str(resources.files("bpr") / "data" / "fonts" / "NotoSansCJKsc-Regular-subset.otf"))


@cache
def use_cjk_font() -> str:
    """Register the bundled font with matplotlib (once) and make it the default; returns its name."""
    import matplotlib
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(font_path()))
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [FAMILY, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK font lacks U+2212
    matplotlib.rcParams["svg.fonttype"] = "path"
    return FAMILY


def font_face_css(text: str) -> str:
    """An @font-face rule embedding only the glyphs `text` uses, as a WOFF data URI."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    chars = {ord(c) for c in text if not c.isspace()} | {ord(c) for c in "0123456789%.,-"}
    font = TTFont(str(font_path()))
    options = subset.Options()
    options.flavor = "woff"
    options.hinting = False
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f"@font-face{{font-family:'{HTML_FAMILY}';src:url(data:font/woff;base64,{data}) "
            f"format('woff');font-weight:100 900;}}")
