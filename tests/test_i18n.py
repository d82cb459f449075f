"""The vocabulary table: both languages say the same thing with the same placeholders, and every
note the code raises has an entry."""

from __future__ import annotations

import re
import string
from pathlib import Path

from bpr.i18n import VOCAB, Note, note_text

ROOT = Path(__file__).resolve().parents[1]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_placeholders():
    differing = {k: (zh, en) for k, (zh, en) in VOCAB.items() if _fields(zh) != _fields(en)}
    assert differing == {}


def test_every_note_in_the_code_is_in_the_vocabulary():
    used = set()
    for path in (ROOT / "bpr").rglob("*.py"):
        if path.name == "i18n.py":
            continue
        used |= set(re.findall(r'"(note_[a-z_{}]+)"', path.read_text(encoding="utf-8")))
    assert len(used) > 20
    plain = {u for u in used if "{" not in u}
    assert plain <= set(VOCAB), plain - set(VOCAB)
    # ids built from a value: each expansion the code can produce
    assert {"note_calendar_cn", "note_calendar_weekly", "note_hidden_listed", "note_skipped_listed",
            "note_out_of_order_listed"} <= set(VOCAB)


def test_note_round_trip_and_text_in_each_language():
    n = Note.of("note_overdue_listed", n=12, k=10)
    d = n.to_dict()
    assert d["zh"] == "超期办件 12 件：列出超期最多的 10 件。" and d["en"] == "12 overdue cases: the 10 most overdue are listed"
    assert Note.from_dict(d) == n and note_text(d, "en") == d["en"]
    assert note_text("an older plain note", "zh") == "an older plain note" == Note.from_dict("an older plain note").text("zh")


def test_every_data_warning_code_has_a_message_in_both_languages():
    codes = set()
    for path in (ROOT / "bpr").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'(?:DataWarning\.of|\bwarn)\(\s*"([a-z_]+)"', text))
    assert {"unparseable_cell", "duplicate_code", "missing_case", "step_graph"} <= codes
    missing = {c for c in codes if f"warn_{c}" not in VOCAB}
    assert missing == set()
