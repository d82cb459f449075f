"""CJK glyphs that render on a fresh machine with no system CJK font.

bpr ships GB 2312 subsets of Noto Sans CJK SC Regular and Bold (OFL, ~3 MB each) in
bpr/data/fonts/, which also hold every character of the vocabulary table and the symbols bpr
prints (− ± × ≤ ≥ → ✓ ％, full-width punctuation).
- Charts: `use_cjk_font()` registers both weights with matplotlib and puts the family first in
  the sans-serif list, so bold titles find a bold face; SVG output turns text into paths, so
  charts carry their glyphs with them.
- HTML: `font_face_css(text)` subsets each weight again to exactly the characters of one document
  and returns inline @font-face rules (a few tens of KB), so the page fetches nothing. The family
  is also named in MONO_STACK, so code and command lines fall back to it for CJK characters.
"""

from __future__ import annotations

import base64
import io
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

FAMILY = "Noto Sans CJK SC"
HTML_FAMILY = "bpr-cjk"
WEIGHTS = {400: "NotoSansCJKsc-Regular-subset.otf", 700: "NotoSansCJKsc-Bold-subset.otf"}
# monospace text (command lines, file names): a Latin monospace face, then the CJK font per glyph
MONO_STACK = f"ui-monospace, 'DejaVu Sans Mono', Consolas, Menlo, '{HTML_FAMILY}', '{FAMILY}', monospace"


def font_path(weight: int = 400) -> Path:
    return Path(str(resources.files("bpr") / "data" / "fonts" / WEIGHTS[weight]))


@cache
def use_cjk_font() -> str:
    """Register the bundled font with matplotlib (once) and make it the default; returns its name."""
    import matplotlib
    from matplotlib import font_manager

    for weight in WEIGHTS:
        font_manager.fontManager.addfont(str(font_path(weight)))
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [FAMILY, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = True  # the subset carries U+2212
    matplotlib.rcParams["svg.fonttype"] = "path"
    return FAMILY


def font_face_css(text: str) -> str:
    """@font-face rules (regular and bold) embedding only the glyphs `text` uses, as WOFF data URIs."""
    chars = frozenset(ord(c) for c in text if not c.isspace()) | {ord(c) for c in "0123456789%.,-−→✓×"}
    return "".join(_face(chars, weight) for weight in WEIGHTS)


@lru_cache(maxsize=16)  # the web app renders one result in several steps
def _face(chars: frozenset[int], weight: int) -> str:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # the full font's bounding boxes still hold for a subset: recomputing them from every glyph's
    # outline took half the subsetting time
    font = TTFont(str(font_path(weight)), recalcBBoxes=False, recalcTimestamp=False)
    options = subset.Options()
    options.flavor = "woff"
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f"@font-face{{font-family:'{HTML_FAMILY}';src:url(data:font/woff;base64,{data}) "
            f"format('woff');font-weight:{weight};}}")
