"""The bundled CJK font renders Chinese text (not empty boxes) in charts and HTML."""

import re

import numpy as np
import pytest

from bpr.report.fonts import FAMILY, font_face_css, font_path, use_cjk_font


def test_font_is_bundled_and_covers_common_hanzi():
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(font_path())).getBestCmap()
    for ch in "食品经营许可建设工程施工证核发事项减环节材料时限跑动营业执照办结率（）：、，":
        assert ord(ch) in cmap, ch


def _render(text: str) -> np.ndarray:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(3, 1), dpi=100)
    fig.text(0.05, 0.4, text, fontsize=20)
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[..., 0].copy()
    plt.close(fig)
    return image


def test_matplotlib_draws_distinct_glyphs_not_tofu():
    assert use_cjk_font() == FAMILY
    # Missing glyphs all render as the same box: distinct characters must differ in pixels.
    a, b = _render("减材料"), _render("跑动次")
    assert (a < 128).sum() > 50 and (b < 128).sum() > 50
    assert not np.array_equal(a, b)


def test_html_font_face_is_a_small_subset():
    css = font_face_css("营业执照 办结时限 20个工作日")
    assert css.startswith("@font-face") and "data:font/woff;base64," in css
    payload = re.search(r"base64,([A-Za-z0-9+/=]+)", css).group(1)
    assert len(payload) < 60_000, "a per-document subset should be tiny"


@pytest.mark.parametrize("text", ["", "abc"])
def test_font_face_handles_latin_only(text):
    assert "@font-face" in font_face_css(text)
