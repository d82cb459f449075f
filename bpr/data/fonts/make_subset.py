"""Rebuild the bundled CJK font subsets, regular and bold (run by maintainers, not at run time).

Source: Debian's fonts-noto-cjk, Noto Sans CJK SC Regular and Bold (SIL Open Font License 1.1).
Kept glyphs: ASCII, Latin-1, general punctuation, arrows, mathematical operators (− ± × ≤ ≥ ≈),
box drawing, geometric shapes, dingbats (✓), CJK symbols and punctuation, full-width forms, every
character of GB 2312 (levels 1 and 2: 6,763 hanzi), which covers matter names, department names
and report text in practice, and every character of bpr's vocabulary table (bpr/i18n.py), so
nothing bpr itself prints is missing. Characters of a user's data outside the subset fall back
to the system's fonts (tests/test_fonts.py checks the vocabulary is covered).

    python bpr/data/fonts/make_subset.py [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = Path(__file__).resolve().parent
SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FACE = "Noto Sans CJK SC"
WEIGHTS = {"Regular": "NotoSansCJKsc-Regular-subset.otf", "Bold": "NotoSansCJKsc-Bold-subset.otf"}


def gb2312_characters() -> set[int]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return chars


def wanted() -> set[int]:
    ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2190, 0x21FF), (0x2200, 0x22FF),
              (0x2460, 0x24FF), (0x2500, 0x257F), (0x25A0, 0x25FF), (0x2600, 0x26FF), (0x2700, 0x27BF),
              (0x3000, 0x303F), (0xFF00, 0xFFEF), (0x2150, 0x218F)]
    chars = {c for a, b in ranges for c in range(a, b + 1)}
    return chars | gb2312_characters() | vocabulary_characters()


def vocabulary_characters() -> set[int]:
    """Every character of bpr's labels and messages, in both languages."""
    sys.path.insert(0, str(HERE.parents[2]))
    from bpr.i18n import VOCAB

    return {ord(ch) for pair in VOCAB.values() for text in pair for ch in text}


def main(source: str = SOURCE) -> None:
    for weight, name in WEIGHTS.items():
        subset_one(source.replace("-Regular", f"-{weight}"), HERE / name)


def subset_one(source: str, out: Path) -> None:
    collection = TTCollection(source)
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == FACE)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted())
    subsetter.subset(font)
    font.save(out)
    print(out, out.stat().st_size)


if __name__ == "__main__":
    main(*sys.argv[1:])
