"""Column-wise timestamp parsing: every documented format, time zones, Excel serials."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpr.io.timestamps import (
    EXCEL,
    ISO,
    connect,
    detect_formats,
    fixed_offset_since,
    parse_timestamps,
)

UTC = "UTC"


@pytest.mark.parametrize("text,expected_utc", [
    ("2021-03-05 09:30:00", "2021-03-05 01:30"),
    ("2021-03-05T09:30:00", "2021-03-05 01:30"),
    ("2021-03-05T09:30:00+08:00", "2021-03-05 01:30"),
    ("2021-03-05T09:30:00.000+01:00", "2021-03-05 08:30"),
    ("2021-03-05T01:30:00Z", "2021-03-05 01:30"),
    ("2021-03-05", "2021-03-04 16:00"),
    ("2021/3/5 9:30", "2021-03-05 01:30"),
    ("2021/03/05 09:30:15", "2021-03-05 01:30:15"),
    ("2021年3月5日 09:30", "2021-03-05 01:30"),
    ("2021年3月5日", "2021-03-04 16:00"),
    ("2021年3月5日 9时30分", "2021-03-05 01:30"),
    ("20210305093000", "2021-03-05 01:30"),
    ("05.03.2021 09:30:15", "2021-03-05 01:30:15"),  # day first, as European exports write it
    ("05.03.2021 09:30", "2021-03-05 01:30"),
    ("13.01.2010", "2010-01-12 16:00"),
    ("44260.5", "2021-03-05 04:00"),  # Excel serial: 2021-03-05 12:00 local
])
def test_single_format(text: str, expected_utc: str) -> None:
    got = parse_timestamps([text, text]).to_pylist()
    assert got[0] == pd.Timestamp(expected_utc, tz=UTC).to_pydatetime()


def test_naive_times_follow_the_given_timezone() -> None:
    got = parse_timestamps(["2021-07-01 12:00:00"], timezone="Europe/Amsterdam").to_pylist()[0]
    assert got == pd.Timestamp("2021-07-01 10:00", tz=UTC)  # CEST = UTC+2 in July


def test_mixed_formats_in_one_column() -> None:
    values = ["2021/3/5 9:30", "2021年3月6日 10:00", "2021-03-07 11:00:00", "bad", None]
    got = parse_timestamps(values).to_pylist()
    assert [g.hour if g else None for g in got] == [1, 2, 3, None, None]


def test_detect_formats_is_greedy_and_reports_examples() -> None:
    con = connect()
    choice = detect_formats(con, ["2021-03-05 09:30:00"] * 5 + ["2021年3月5日"] + ["垃圾", "垃圾", "x"])
    assert choice.formats[0] == ISO and "%Y年%m月%d日" in choice.formats
    assert choice.parsed == 6 and choice.sample_size == 9 and choice.examples == ("垃圾", "x")
    assert detect_formats(con, ["45000", "45001.25"]).formats == (EXCEL,)
    assert detect_formats(con, ["12", "7"]).parsed == 0  # small numbers are not dates


@settings(max_examples=25, deadline=None)
@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 12, 31)))
def test_round_trip_against_pandas(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    texts = [moment.strftime("%Y-%m-%d %H:%M:%S"), f"{moment.year}/{moment.month}/{moment.day} "
             f"{moment.hour}:{moment.minute:02d}:{moment.second:02d}",
             f"{moment.year}年{moment.month}月{moment.day}日 {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"]
    expected = pd.Timestamp(moment).tz_localize("Asia/Shanghai").tz_convert(UTC)
    for text, got in zip(texts, parse_timestamps(texts).to_pylist(), strict=True):
        assert got == expected, text
    serial = (moment - datetime(1899, 12, 30)) / timedelta(days=1)
    got = parse_timestamps([f"{serial:.8f}"]).to_pylist()[0]
    assert abs(got - expected) < timedelta(milliseconds=5)


def test_fixed_offset_fast_path_agrees_with_the_zone_database() -> None:
    # China kept summer time 1986-1991: 1988-07-01 12:00 was UTC+9; the fast path starts in 1992
    got = parse_timestamps(["1988-07-01 12:00:00", "2021-07-01 12:00:00", "2021年7月1日 12:00",
                            "2021-07-01T12:00:00+02:00"]).to_pylist()
    assert got == [pd.Timestamp("1988-07-01 03:00", tz=UTC), pd.Timestamp("2021-07-01 04:00", tz=UTC),
                   pd.Timestamp("2021-07-01 04:00", tz=UTC), pd.Timestamp("2021-07-01 10:00", tz=UTC)]
    assert fixed_offset_since("Asia/Shanghai") == (1992, 8 * 3600 * 10**6)
    assert fixed_offset_since("Europe/Amsterdam") is None


def test_day_first_dotted_dates_read_alike_by_the_reader_and_discover(tmp_path) -> None:
    """A semicolon CSV with dates only, written 13.01.2010: DuckDB's sniffer reads it on
    `bpr discover`'s direct path, so bpr's reader (inspect, simulate) must read it too, and the
    same way, rather than refusing the column."""
    from bpr.analyse.discover import discover
    from bpr.io import read_log

    rows = ["Fall;Tätigkeit;Datum"] + [f"c{c};{a};{d:02d}.0{1 + c % 3}.2010"
                                       for c in range(12) for a, d in (("A", 3), ("B", 14), ("C", 28))]
    path = tmp_path / "dotted.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    mapping = {"case": "Fall", "activity": "Tätigkeit", "timestamp": "Datum"}
    log = read_log(path, mapping=mapping, timezone="Europe/Amsterdam")
    assert log.events == 36 and log.to_pandas()["timestamp"].min() == pd.Timestamp("2010-01-02 23:00", tz=UTC)
    result = discover(path, mapping=mapping, timezone="Europe/Amsterdam")
    assert result.cases == log.cases == 12 and result.events == 36
    assert result.case_duration_s.median == 25 * 86400
