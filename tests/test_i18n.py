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


def _error_codes() -> set[str]:
    """Codes of the user errors the code raises: `XError.of("code" …)` (also `"a" if … else "b"`)
    and `doc.fail(where, "code" …)`."""
    codes = set()
    for path in (ROOT / "bpr").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for head in re.findall(r'Error\.of\(\s*([^,{)]+)', text):
            codes |= set(re.findall(r'"([a-z0-9_]+)"', head))
        codes |= set(re.findall(r'\.fail\((?:\w+|\((?:[^()]|\([^()]*\))*\)),\s*"([a-z0-9_]+)"', text))
        codes |= set(re.findall(r'_mapping\([^\n]*"([a-z0-9_]+)"\)', text))
    return codes


def test_every_error_code_has_a_message_in_both_languages():
    codes = _error_codes()
    assert {"file_not_found", "no_log_columns", "yaml_unknown_key", "model_not_mapping"} <= codes
    assert len(codes) > 100
    assert {c for c in codes if f"err_{c}" not in VOCAB} == set()


def test_an_error_reads_in_each_language():
    from bpr.errors import InputError

    err = InputError.of("log_bad_times", {"role": "timestamp", "bad": "90", "total": "100", "examples": "'x'"},
                        file="a.csv", column="时间")
    assert str(err) == err.text("en") == ("a.csv, column 时间: most timestamp values cannot be read as times "
                                          "(90 of 100): examples: 'x' (expected ISO 8601 (2021-03-05 09:30:00, "
                                          "2021-03-05T09:30:00+08:00), 2021/3/5 9:30, 2021年3月5日 09:30, "
                                          "2021年3月5日, 05.03.2021 09:30 (day.month.year) or Excel serial "
                                          "numbers). If another column holds the "
                                          "timestamp, name it with --map timestamp=COLUMN")
    assert err.text("zh") == ("a.csv，“时间”列：timestamp 列的大部分值无法识别为时间（100 个中有 90 个）；示例：'x'"
                              "（应为ISO 8601（2021-03-05 09:30:00、2021-03-05T09:30:00+08:00）、2021/3/5 9:30、"
                              "2021年3月5日 09:30、2021年3月5日、05.03.2021 09:30（日.月.年）或 Excel 日期序列号）。"
                              "如果时间在另一列，请用 --map timestamp=列名 指明")


def test_a_warning_that_carries_an_error_reads_in_each_language():
    from bpr.errors import InputError
    from bpr.model.warning import DataWarning

    w = DataWarning.of("proposals_failed", {"reason": InputError.of("file_empty", file="x.xlsx")})
    assert w.message == "proposals could not be made: file is empty" == w.text("en")
    assert w.text("zh") == "未能生成改革建议：文件为空" and w.to_dict()["zh"] == w.text("zh")


def test_brackets_and_colons_follow_the_language():
    from bpr.i18n import colon, paren

    assert paren("办理时长", "小时", "zh") == "办理时长（小时）" and paren("Cycle time", "hours", "en") == "Cycle time (hours)"
    assert paren("办件占比", "%") == "办件占比（%）" and paren("share of cases", "%") == "share of cases (%)"  # chart labels
    assert colon("zh") == "：" and colon("en") == ": "
