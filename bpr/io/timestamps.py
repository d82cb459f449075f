"""Timestamps as government exports write them, parsed column-wise in DuckDB.

A column's format is chosen once from a sample of its values (`detect_formats`), then the whole
column is parsed by one SQL expression (`timestamp_sql`): a COALESCE of the chosen parsers, run
vectorised by DuckDB, never a Python loop over cells. Times written without an offset are local
times in the log's time zone (the DuckDB session `TimeZone`, set by `connect`); every result is a
TIMESTAMPTZ, exported to Arrow as UTC.

Accepted: ISO 8601 with or without offset ("2021-03-05T09:30:00+08:00", "2021-03-05 09:30:00",
"2021-03-05"), "2021/3/5 9:30", "2021年3月5日 09:30", "2021年3月5日", "2021.3.5", "05.03.2021 09:30"
(day first, as European exports write it, and as DuckDB's CSV sniffer reads it on the direct path
of `bpr discover`), "20210305093000", and Excel serial day numbers (45000.5 = 2023-03-15 12:00).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import pyarrow as pa

from bpr.errors import UsageError
from bpr.i18n import t

#: strptime patterns tried after ISO 8601 (DuckDB's %m/%d/%H accept one or two digits).
STRPTIME_FORMATS: tuple[str, ...] = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M:%S",
    "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日 %H时%M分%S秒",
    "%Y年%m月%d日 %H时%M分",
    "%Y年%m月%d日%H时%M分",
    "%Y年%m月%d日",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y.%m.%d",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
)
ISO = "iso8601"
EXCEL = "excel-serial"
#: Excel serial day numbers accepted as dates: 1954-10-04 .. 2119-01-11 (avoids reading codes as dates)
EXCEL_RANGE = (20000.0, 80000.0)
#: the time formats read, as data-quality warnings name them (errors say it in the command's language)
EXPECTED = t("err_log_bad_times_expected", "en")
SAMPLE_SIZE = 2000
#: times outside [FIRST_YEAR-01-01, today + YEARS_AHEAD years] are typing errors (0001, 3024, 9999),
#: read as unreadable with a warning; the environment variable BPR_TIME_WINDOW="1980..2040"
#: changes the window (years, inclusive)
FIRST_YEAR = 1990
YEARS_AHEAD = 5


def plausible_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """(earliest, latest) plausible time of an event, both aware (UTC): FIRST_YEAR-01-01 to
    `now` + YEARS_AHEAD years, or the years given in BPR_TIME_WINDOW ("1980..2040", inclusive)."""
    now = now or datetime.now(UTC)
    text = os.environ.get("BPR_TIME_WINDOW", "").strip()
    if not text:
        low = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
        return low, now.replace(year=min(now.year + YEARS_AHEAD, 9998), day=min(now.day, 28))
    first, sep, last = text.partition("..")
    try:
        years = int(first), int(last)
    except ValueError:
        years = None
    if not sep or years is None or years[0] > years[1]:
        from bpr.errors import UsageError

        raise UsageError.of("time_window_malformed", {"value": text[:40]})
    return (datetime(max(years[0], 1), 1, 1, tzinfo=UTC),
            datetime(min(years[1], 9998), 12, 31, 23, 59, 59, tzinfo=UTC))


def connect(timezone: str = "Asia/Shanghai", memory_limit: str | None = None,
            temp_directory: str | None = None, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection whose session time zone is `timezone` (naive times are read in it)."""
    con = duckdb.connect()
    try:
        con.execute(f"SET TimeZone = '{_quote(timezone)}'")
    except duckdb.Error as exc:
        from bpr.errors import UsageError

        raise UsageError.of("unknown_timezone", {"zone": repr(timezone)}, details=[str(exc).splitlines()[0]]) from None
    if memory_limit:
        con.execute(f"SET memory_limit = '{_quote(memory_limit)}'")
    if temp_directory:
        con.execute(f"SET temp_directory = '{_quote(temp_directory)}'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def arrow_table(result) -> pa.Table:
    """A DuckDB relation's rows as an Arrow table (DuckDB 1.x and 2.x spell it differently)."""
    fetch = getattr(result, "to_arrow_table", None) or result.fetch_arrow_table
    return fetch()


def _quote(text: str) -> str:
    return str(text).replace("'", "''")


@functools.lru_cache(maxsize=64)
def fixed_offset_since(timezone: str) -> tuple[int, int] | None:
    """(first year, UTC offset in microseconds) from which `timezone` keeps one offset until 2100,
    or None (zones with daylight saving time). Asia/Shanghai: (1992, 8 h)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    def offset(year: int, month: int) -> timedelta | None:
        return datetime(year, month, 1, 12, tzinfo=zone).utcoffset()
    last = offset(2100, 1)
    year = 2100
    while year > 1900 and all(offset(year - 1, m) == last for m in range(1, 13)):
        year -= 1
    if year > 2000 or last is None:
        return None
    return year, int(last / timedelta(microseconds=1))


def _localise(naive: str, timezone: str | None) -> str:
    """SQL turning a naive local TIMESTAMP into TIMESTAMPTZ.

    DuckDB's TIMESTAMP -> TIMESTAMPTZ cast asks ICU about the session zone for every value (about
    4x slower than parsing); where the zone has had one fixed offset for decades (China since
    1992) subtract that offset arithmetically and keep ICU only for older times."""
    fixed = fixed_offset_since(timezone) if timezone else None
    if fixed is None:
        return f"CAST({naive} AS TIMESTAMPTZ)"
    year, micros = fixed
    return (f"CASE WHEN {naive} >= TIMESTAMP '{year}-01-01' THEN make_timestamptz(epoch_us({naive}) - {micros}) "
            f"ELSE CAST({naive} AS TIMESTAMPTZ) END")


def _parser_sql(fmt: str, col: str, timezone: str | None = None) -> str:
    """SQL that parses VARCHAR expression `col` with one format into TIMESTAMPTZ (NULL if no match).

    `timezone` must be the session TimeZone (or None: leave localising to DuckDB's cast)."""
    if fmt == ISO:
        # a cast to TIMESTAMP would silently drop an offset: only offset-free text takes the fast path
        return (f"CASE WHEN length({col}) > 19 AND regexp_matches({col}, '(?:[zZ]|[+-]\\d\\d(?::?\\d\\d)?)$') "
                f"THEN try_cast({col} AS TIMESTAMPTZ) "
                f"ELSE {_localise(f'try_cast({col} AS TIMESTAMP)', timezone)} END")
    if fmt == EXCEL:
        lo, hi = EXCEL_RANGE
        num = f"try_cast({col} AS DOUBLE)"
        naive = f"(TIMESTAMP '1899-12-30' + to_microseconds(CAST(round({num} * 86400000000) AS BIGINT)))"
        return f"CASE WHEN {num} BETWEEN {lo} AND {hi} THEN {_localise(naive, timezone)} END"
    return _localise(f"try_strptime({col}, '{_quote(fmt)}')", timezone)


@dataclass(frozen=True)
class FormatChoice:
    """The parsers chosen for one column and how much of the sample they read."""

    formats: tuple[str, ...]
    sample_size: int  # non-empty values looked at
    parsed: int  # of those, how many one of `formats` read
    examples: tuple[str, ...]  # sample values no format read (at most 5)

    @property
    def share(self) -> float:
        return self.parsed / self.sample_size if self.sample_size else 1.0


def detect_formats(con: duckdb.DuckDBPyConnection, sample: list[str]) -> FormatChoice:
    """Pick, greedily, the parsers that together read most of `sample` (strings, no blanks).

    ISO 8601 first (it also reads offsets), then each strptime pattern, then Excel serials; a
    parser is kept only if it reads a value none of the earlier kept ones could.
    """
    values = [v.strip() for v in sample if v is not None and v.strip()]
    if not values:
        return FormatChoice((ISO,), 0, 0, ())
    table = pa.table({"v": pa.array(values, pa.string())})
    candidates = (ISO, *STRPTIME_FORMATS, EXCEL)
    cols = ", ".join(f"{_parser_sql(f, 'v')} IS NOT NULL AS p{i}" for i, f in enumerate(candidates))
    rows = con.from_arrow(table).query("t", f"SELECT {cols} FROM t").fetchall()
    remaining = set(range(len(values)))
    chosen: list[str] = []
    for i, fmt in enumerate(candidates):
        hits = {r for r in remaining if rows[r][i]}
        if hits:
            chosen.append(fmt)
            remaining -= hits
        if not remaining:
            break
    examples = tuple(dict.fromkeys(values[r] for r in sorted(remaining)))[:5]
    return FormatChoice(tuple(chosen) or (ISO,), len(values), len(values) - len(remaining), examples)


def timestamp_sql(col: str, formats: tuple[str, ...], kind: str = "VARCHAR", timezone: str | None = None) -> str:
    """SQL turning column expression `col` of DuckDB type `kind` into TIMESTAMPTZ.

    Typed columns (Parquet, spreadsheets) are converted directly: TIMESTAMP and DATE are local
    times, numbers are Excel serials; text goes through the `formats` chosen by `detect_formats`.
    `timezone` is the session TimeZone (enables the fixed-offset fast path).
    """
    kind = kind.upper()
    if kind.startswith("TIMESTAMP WITH TIME ZONE") or kind == "TIMESTAMPTZ":
        return col
    if kind.startswith("TIMESTAMP") or kind == "DATE":
        return _localise(f"CAST({col} AS TIMESTAMP)", timezone)
    if kind in {"DOUBLE", "FLOAT", "REAL", "BIGINT", "INTEGER", "SMALLINT", "HUGEINT"} or kind.startswith("DECIMAL"):
        return _parser_sql(EXCEL, f"CAST({col} AS VARCHAR)", timezone)
    text = col if kind == "VARCHAR" else f"CAST({col} AS VARCHAR)"
    parts = [_parser_sql(f, text, timezone) for f in formats]
    return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


def parse_timestamps(values: pa.Array | pa.ChunkedArray | list, timezone: str = "Asia/Shanghai") -> pa.ChunkedArray:
    """Parse an array of text timestamps to timestamp[us, UTC]; unreadable values become null.

    Convenience for callers outside the log reader (matter sheets, calendars, tests).
    """
    if isinstance(values, list):
        values = pa.array([None if v is None else str(v) for v in values], pa.string())
    con = connect(timezone)
    try:
        arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
        kind = "VARCHAR" if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) else None
        table = pa.table({"v": arr})
        if kind is None:
            kind = con.from_arrow(table).types[0]
            kind = str(kind)
        sample = []
        if kind == "VARCHAR":
            sample = [v for v in arr.drop_null().slice(0, SAMPLE_SIZE).to_pylist()]
        choice = detect_formats(con, sample)
        expr = timestamp_sql("v", choice.formats, kind, timezone)
        out = arrow_table(con.from_arrow(table).query("t", f"SELECT {expr} AS ts FROM t"))
        return out["ts"].cast(pa.timestamp("us", tz="UTC"))
    finally:
        con.close()


def parse_since(text: str | None, timezone: str) -> datetime | None:
    """--since: a date (or date and time) in `timezone`; None when not given."""
    if not text:
        return None
    import pandas as pd

    try:
        moment = pd.Timestamp(text)
    except ValueError:
        moment = pd.NaT
    if moment is pd.NaT:
        raise UsageError.of("cli_since_not_a_date", {"since": text})
    if moment.tzinfo is None:
        try:
            moment = moment.tz_localize(timezone)
        except Exception:  # noqa: BLE001 - pandas raises several types for an unknown zone
            raise UsageError.of("unknown_timezone", {"zone": repr(timezone)}) from None
    return moment.to_pydatetime()
