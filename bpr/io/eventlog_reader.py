"""Read an event log (CSV/TSV/CSV.gz, XLSX, XES/XES.gz, Parquet) into the canonical `EventLog`.

Every format becomes a DuckDB relation of raw columns plus the source row number; one SQL query
then maps columns to roles (`bpr.io.columns`), parses timestamps column-wise
(`bpr.io.timestamps`), drops rows pm4py would drop (no case, activity or timestamp) and sorts by
case, timestamp, row: the order of pm4py's `format_dataframe`. CSV is scanned by DuckDB directly,
never through a whole-file pandas frame, and the sort spills to disk past `memory_limit`.

`convert_log` streams a log of any size into a canonical Parquet file with bounded memory (for
logs that should not be held in memory); `read_log(..., to_parquet=PATH)` does the same and then
loads the result.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from bpr.errors import InputError, UsageError
from bpr.io import timestamps as ts
from bpr.io.columns import map_columns
from bpr.io.safety import atomic_path, check_xlsx, library_reason
from bpr.model.eventlog import SCHEMA, EventLog
from bpr.model.warning import DataWarning
from bpr.progress import note

TEXT_ROLES = ("case", "activity", "resource", "department", "channel", "action", "matter", "rating")
#: below this share of readable timestamps the column is wrong, not dirty: refuse the file
MIN_PARSED_SHARE = 0.5
#: events whose completion time is unreadable (or outside the plausible window) that a log may have
#: before it is refused: "5%" of its events, or a number of events ("200"). `--max-bad-rows` sets it.
DEFAULT_MAX_BAD_ROWS = "5%"
MAX_BAD_ROWS = DEFAULT_MAX_BAD_ROWS
ENCODING_SAMPLE = 1 << 20
EXAMPLES = 5
#: characters XML 1.0 forbids (lxml, openpyxl and BPMN writers refuse them) plus DEL: removed from
#: names at read time, with a warning; tabs and line breaks become spaces
CONTROL_RE = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]"
_SPACE_RE = "[\\t\\n\\r]+"


@dataclass
class ConvertedLog:
    """What `convert_log` wrote: the canonical Parquet file and what reading found."""

    parquet: Path | None
    source: str
    columns: dict[str, str]
    events: int
    warnings: list[DataWarning] = field(default_factory=list)
    timezone: str = "Asia/Shanghai"

    def to_dict(self) -> dict:
        return {"parquet": str(self.parquet) if self.parquet else None, "source": self.source, "columns": dict(self.columns),
                "events": self.events, "warnings": [w.to_dict() for w in self.warnings],
                "timezone": self.timezone}


def log_format(path: Path) -> str:
    """'csv', 'xlsx', 'xes' or 'parquet' from the file name (and the first bytes when unsure)."""
    name = path.name.lower()
    if name.endswith((".xes", ".xes.gz")):
        return "xes"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    if name.endswith((".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz")):
        return "csv"
    with path.open("rb") as fh:
        head = fh.read(4)
    if head == b"PAR1":
        return "parquet"
    if head.startswith(b"PK"):
        return "xlsx"
    raise InputError.of("log_unknown_type", file=path)


def read_log(path: str | Path, mapping: dict[str, str] | None = None, timezone: str = "Asia/Shanghai",
             *, sheet: str | None = None, to_parquet: str | Path | None = None,
             memory_limit: str = "1GB", threads: int | None = None,
             now: datetime | None = None, duplicates: bool = True,
             max_bad_rows: str | float | None = None) -> EventLog:
    """Read `path` into an `EventLog` sorted by case, timestamp, row.

    mapping: role -> column overrides (`--map`). timezone: zone of times written without an
    offset. sheet: worksheet of an .xlsx (default: the first with a recognisable header).
    to_parquet: also write the canonical table there (see `convert_log`). memory_limit/threads:
    DuckDB limits; past the limit the sort spills to a temporary folder. now: the "future"
    cut-off for warnings (default: the current time). duplicates: count exact duplicate events
    (one hash aggregate over the log; callers that count them themselves may skip it).
    max_bad_rows: events with an unreadable completion time allowed before the log is refused
    ("5%", "0.05" or a count such as "200"; default MAX_BAD_ROWS).
    """
    path = Path(path)
    if to_parquet is not None:
        info = convert_log(path, to_parquet, mapping, timezone, sheet=sheet, memory_limit=memory_limit,
                           threads=threads, now=now, sort=True, duplicates=duplicates, max_bad_rows=max_bad_rows)
        table = pq.read_table(info.parquet).cast(SCHEMA)
        return EventLog(table, str(path), info.columns, info.warnings, timezone)
    with _Session(path, mapping, timezone, sheet, memory_limit, threads, now, True, duplicates) as session:
        session.max_bad_rows = max_bad_rows
        table = session.canonical_table()
        return EventLog(table, str(path), session.columns, session.warnings, timezone)


def convert_log(path: str | Path, out: str | Path, mapping: dict[str, str] | None = None,
                timezone: str = "Asia/Shanghai", *, sheet: str | None = None,
                memory_limit: str = "1GB", threads: int | None = None,
                now: datetime | None = None, sort: bool = False, duplicates: bool = True,
                max_bad_rows: str | float | None = None) -> ConvertedLog:
    """Stream `path` into a canonical Parquet file `out` (schema `bpr.model.eventlog.SCHEMA`)
    without holding the log in memory; written atomically. Options as for `read_log`.

    Rows stay in file order unless sort=True (then case, timestamp, row: pm4py's order; the sort
    spills to disk and costs more than the rest of the conversion): SQL that needs the order says
    ORDER BY "case", timestamp, "row" itself."""
    path, out = Path(path), Path(out)
    with _Session(path, mapping, timezone, sheet, memory_limit, threads, now, sort, duplicates) as session:
        session.max_bad_rows = max_bad_rows
        events = session.write_parquet(out)
        return ConvertedLog(out, str(path), session.columns, events, session.warnings, timezone)


def load_into_duckdb(con: duckdb.DuckDBPyConnection, path: str | Path, name: str = "events",
                     mapping: dict[str, str] | None = None, timezone: str = "Asia/Shanghai", *,
                     sheet: str | None = None, now: datetime | None = None,
                     duplicates: bool = True) -> ConvertedLog:
    """Load `path` into the caller's DuckDB database and create the view `main.<name>` with the
    canonical columns (valid rows only, in no particular order: order by case, timestamp, row).

    The parsed events live in the table `bpr_<name>.ev` of that database (spilling under the
    database's own memory_limit), so nothing is written to or re-read from Parquet: the fastest
    way for SQL analytics. The returned `ConvertedLog` has `parquet` set to None.
    """
    path = Path(path)
    schema = f"bpr_{name}"
    with _Session(path, mapping, timezone, sheet, "", None, now, False, duplicates,
                  shared=con, schema=schema) as session:
        events = session.stage_view(name)
        return ConvertedLog(None, str(path), session.columns, events, session.warnings, timezone)


def bad_row_limit(spec: str | float | int, events: int) -> float:
    """How many bad events `spec` allows in a log of `events`: "5%" (a share), "0.05" (a share
    below 1) or "200" (a count). A UsageError naming --max-bad-rows when it is neither."""
    text = str(spec).strip()
    try:
        if text.endswith("%"):
            share = float(text[:-1]) / 100
        else:
            number = float(text)
            if number >= 1:
                return number
            share = number
        if not 0 <= share <= 1:
            raise ValueError(text)
    except ValueError:
        raise UsageError.of("max_bad_rows_malformed", {"value": text[:40]}) from None
    return share * events


# --------------------------------------------------------------------------------------------
def _ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


class _Session:
    """One DuckDB connection holding the raw relation `src` (raw columns + row) of one file."""

    def __init__(self, path: Path, mapping, timezone: str, sheet: str | None, memory_limit: str,
                 threads: int | None, now: datetime | None, sort: bool = True,
                 duplicates: bool = True, shared: duckdb.DuckDBPyConnection | None = None,
                 schema: str | None = None) -> None:
        from bpr.io.safety import existing_file

        self.sort = sort
        self.duplicates = duplicates
        self.max_bad_rows: str | float | None = None  # None: MAX_BAD_ROWS
        self.path = existing_file(path)
        self.file = str(path)
        self.mapping = dict(mapping or {})
        self.timezone = timezone
        self.sheet = sheet
        self.now = now
        self.warnings: list[DataWarning] = []
        self.row_sql = '"row"'  # how `ev` gives the source row number
        self._stack = contextlib.ExitStack()
        self._tmpdir = self._stack.enter_context(tempfile.TemporaryDirectory(prefix="bpr-log-"))
        # `ev`/`evc` are temporary in a private connection; in a caller's database (`shared`) they
        # are tables of their own schema, reached through a cursor whose TimeZone is ours alone.
        self.ns = ""
        self._temp = "TEMP "
        try:
            self._connect(shared, schema, memory_limit, threads)
        except BaseException:
            self._stack.close()
            raise

    def _connect(self, shared: duckdb.DuckDBPyConnection | None, schema: str | None, memory_limit: str,
                 threads: int | None) -> None:
        if shared is None:
            self.con = ts.connect(self.timezone, memory_limit=memory_limit, temp_directory=self._tmpdir,
                                  threads=threads)
            self._stack.callback(self.con.close)
        else:
            self.con = shared.cursor()
            self._stack.callback(self.con.close)
            try:
                self.con.execute(f"SET TimeZone = {_lit(self.timezone)}")
            except duckdb.Error:
                raise UsageError.of("unknown_timezone", {"zone": repr(self.timezone)}) from None
            self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(schema)}")
            self.con.execute(f"SET schema = {_lit(schema)}")
            self.ns = _ident(schema) + "."
            self._temp = ""
            # the raw view may point at a transcoded copy that is deleted with our temp folder
            self._stack.callback(self.con.execute, f"DROP VIEW IF EXISTS {self.ns}src")
        # rowid = file order relies on it (DuckDB's default; a global setting in a shared database)
        self.con.execute("SET preserve_insertion_order = true")

    def __enter__(self) -> _Session:
        note(f"读取 {self.path.name} …")
        try:
            self._load()
            self._prepare()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    # -- loading: each format becomes the view `src` ------------------------------------------
    def _load(self) -> None:
        kind = log_format(self.path)
        try:
            if kind == "csv":
                self._load_csv()
            elif kind == "parquet":
                self.con.execute(f"CREATE OR REPLACE VIEW src AS SELECT * EXCLUDE (file_row_number), "
                                 f"file_row_number AS __row FROM read_parquet({_lit(self.path)}, "
                                 f"file_row_number = true)")
            elif kind == "xes":
                from bpr.io.xes import TRANSITION, Lifecycle, read_xes_table

                seen = Lifecycle()
                table, _ = read_xes_table(self.path, seen)
                if seen.other:
                    self._warn("lifecycle_other", sum(seen.other.values()), TRANSITION,
                               [f"{k} ×{n:,}" for k, n in seen.other.most_common(EXAMPLES)], "start, complete")
                if seen.open_starts:
                    self._warn("lifecycle_open_start", seen.open_starts, TRANSITION, None, "complete")
                if seen.as_attribute:
                    self._warn("lifecycle_as_attribute", sum(seen.as_attribute.values()), TRANSITION,
                               [f"{k} ×{n:,}" for k, n in seen.as_attribute.most_common(EXAMPLES)],
                               "start, complete")
                self._register(table)
            else:
                table, formula_warnings = _read_xlsx(self.path, self.sheet, self.mapping)
                self.warnings.extend(formula_warnings)
                self._register(table)
            described = self.con.execute("DESCRIBE src").fetchall()
        except duckdb.Error as exc:
            raise InputError.of("log_unreadable_as", {"kind": kind.upper(), "reason": self._reason(exc)},
                                file=self.path) from None
        self.types = {name: str(kind_) for name, kind_, *_ in described if name != "__row"}
        if not self.types:
            raise InputError.of("log_no_columns", file=self.path)

    def _register(self, table: pa.Table) -> None:
        if "__row" in table.column_names:
            table = table.drop(["__row"])
        table = table.append_column("__row", pa.array(range(table.num_rows), pa.int64()))
        self._arrow_src = table  # keep alive while DuckDB scans it
        self.con.register("src", table)

    def _load_csv(self) -> None:
        source = _utf8_csv(self.path, self._tmpdir)
        name = self.path.name.lower()
        options = ["header = true", "all_varchar = true", "null_padding = true"]
        if name.endswith((".tsv", ".tsv.gz")):
            options.append("delim = '\\t'")
        if name.endswith(".gz"):
            options.append("compression = 'gzip'")
        self.con.execute(f"CREATE OR REPLACE VIEW src AS SELECT * FROM read_csv({_lit(source)}, {', '.join(options)})")
        # No row column: `ev` is filled in file order (preserve_insertion_order), so its rowid is
        # the row number; a row_number() window would serialise the parallel scan.
        self.row_sql = "rowid"

    # -- mapping and timestamp formats --------------------------------------------------------
    def _prepare(self) -> None:
        try:
            self.columns = map_columns(list(self.types), self.mapping, file=self.path)
        except InputError as exc:  # a matter sheet saved as CSV: say which command reads it
            from bpr.io import file_kind

            if exc.key == "err_no_log_columns" and not self.mapping and file_kind(self.path) == "catalogue":
                raise InputError.of("log_is_a_catalogue", file=self.path) from None
            raise
        self.ts_sql: dict[str, str] = {}
        self.ts_formats: dict[str, tuple[str, ...] | None] = {}
        for role in ("timestamp", "start"):
            col = self.columns.get(role)
            if col is None:
                continue
            kind = self.types[col]
            formats: tuple[str, ...] = (ts.ISO,)
            if kind == "VARCHAR":
                q = _ident(col)
                sample = [r[0] for r in self.con.execute(
                    f"SELECT {q} FROM src WHERE {q} IS NOT NULL AND trim({q}) <> '' LIMIT {ts.SAMPLE_SIZE}"
                ).fetchall()]
                choice = ts.detect_formats(self.con, sample)
                if choice.sample_size and choice.share < MIN_PARSED_SHARE:
                    self._refuse_timestamps(role, col, choice.sample_size - choice.parsed,
                                            choice.sample_size, choice.examples)
                formats = choice.formats
            self.ts_sql[role] = ts.timestamp_sql(_ident(col), formats, kind, self.timezone)
            self.ts_formats[role] = formats if kind == "VARCHAR" else None

    def _refuse_timestamps(self, role: str, col: str, bad: int, total: int, examples) -> None:
        raise InputError.of("log_bad_times", {"role": role, "bad": f"{bad:,}", "total": f"{total:,}",
                                              "examples": ", ".join(repr(e) for e in examples)},
                             file=self.path, column=col)

    def _text(self, col: str) -> str:
        """A source column as text; CSV cells are already text with blanks as NULL."""
        if self.row_sql == "rowid":
            return _ident(col)
        return f"nullif(CAST({_ident(col)} AS VARCHAR), '')"

    def _stage(self) -> None:
        """Parse once into the temporary table `ev` (only the roles present, spilling to disk past
        the memory limit); the view `evc` adds the absent roles as NULLs and the row number."""
        inner, outer, raw_texts = [], [], []
        for role in TEXT_ROLES:
            col = self.columns.get(role)
            if col is not None:
                raw = self._text(col)
                raw_texts.append(f"coalesce({raw}, '')")
                clean = (f"nullif(trim(regexp_replace(regexp_replace({raw}, {_lit(CONTROL_RE)}, '', 'g'), "
                         f"{_lit(_SPACE_RE)}, ' ', 'g')), '')")
                inner.append(f"CASE WHEN regexp_matches({raw}, '[\\x00-\\x1f\\x7f]') THEN {clean} ELSE {raw} END "
                             f"AS {_ident(role)}")
                outer.append(_ident(role))
        if raw_texts:
            inner.append(f"regexp_matches({' || '.join(raw_texts)}, {_lit(CONTROL_RE)}) AS __ctrl")
            outer.append("__ctrl")
        else:
            outer.append("false AS __ctrl")
        for role, raw in (("timestamp", "__ts_bad"), ("start", "__start_bad")):
            if role in self.ts_sql:
                inner.append(f"{self.ts_sql[role]} AS {role}")
                inner.append(f"{self._text(self.columns[role])} AS {raw}")
                outer.append(role)
                outer.append(f"CASE WHEN {role} IS NULL THEN {raw} END AS {raw}")
                outer.append(f"false AS {raw[:-4]}_out")  # set by _outside_window
        if self.row_sql == '"row"':
            inner.append('__row AS "row"')
            outer.append('"row"')
        self.con.execute(f"CREATE OR REPLACE {self._temp}TABLE {self.ns}ev AS SELECT {', '.join(outer)} FROM "
                         f"(SELECT {', '.join(inner)} FROM src)")
        present = set(self.columns) | {"timestamp"}
        view = []
        for role in ("case", "activity", "timestamp", "start", *TEXT_ROLES[2:]):
            kind = "TIMESTAMPTZ" if role in ("timestamp", "start") else "VARCHAR"
            view.append(_ident(role) if role in present else f"CAST(NULL AS {kind}) AS {_ident(role)}")
        view.append(f'{self.row_sql} AS "row"')
        for raw in ("__ts_bad", "__start_bad"):
            view.append(raw if (raw == "__ts_bad" or "start" in self.ts_sql) else f"CAST(NULL AS VARCHAR) AS {raw}")
        self._second_chance()
        self._outside_window()
        self.con.execute(f"CREATE OR REPLACE {self._temp}VIEW {self.ns}evc AS SELECT {', '.join(view)} "
                         f"FROM {self.ns}ev")

    def _outside_window(self) -> None:
        """Times outside the plausible window (`ts.plausible_window`: 0001, 3024, 9999 typed by
        mistake) become unreadable, with their own warning: a single year 3024 would otherwise
        stretch every calendar and time axis over a thousand years."""
        low, high = ts.plausible_window(self.now)
        self.implausible: dict[str, int] = {}
        for role, raw in (("timestamp", "__ts_bad"), ("start", "__start_bad")):
            if role not in self.ts_sql:
                continue
            outside = f"({role} < ?::TIMESTAMPTZ OR {role} > ?::TIMESTAMPTZ)"
            n, example = self.con.execute(f"SELECT count(*), min(CAST({role} AS VARCHAR)) FROM {self.ns}ev "
                                          f"WHERE {outside}", [low, high]).fetchall()[0]
            if not n:
                continue
            self.con.execute(f"UPDATE {self.ns}ev SET {raw} = coalesce({raw}, CAST({role} AS VARCHAR)), {role} = NULL, "
                             f"{raw[:-4]}_out = true WHERE {outside}", [low, high])
            self.implausible[role] = n
            self._warn(f"implausible_{role}", n, self.columns[role], [str(example)],
                       f"times from {low.date()} to {high.date()}")

    def _second_chance(self) -> None:
        """Formats were chosen from the first rows; if later rows use another format (exports
        appended over years), detect it on the unread values and parse just those rows again."""
        for role, raw in (("timestamp", "__ts_bad"), ("start", "__start_bad")):
            known = self.ts_formats.get(role)
            if not known:
                continue
            sample = [r[0] for r in self.con.execute(
                f"SELECT DISTINCT {raw} FROM {self.ns}ev WHERE {raw} IS NOT NULL LIMIT {ts.SAMPLE_SIZE}").fetchall()]
            if not sample:
                continue
            choice = ts.detect_formats(self.con, sample)
            extra = tuple(f for f in choice.formats if f not in known)
            if not extra or not choice.parsed:
                continue
            expr = ts.timestamp_sql(raw, extra, "VARCHAR", self.timezone)
            self.con.execute(f"UPDATE {self.ns}ev SET {role} = {expr} WHERE {raw} IS NOT NULL")
            self.con.execute(f"UPDATE {self.ns}ev SET {raw} = NULL WHERE {role} IS NOT NULL AND {raw} IS NOT NULL")

    def _check(self) -> None:
        """Count what is odd in `ev`: warnings, or InputError when most timestamps are unreadable."""
        now = self.now or datetime.now().astimezone()
        (rows, no_case, no_act, no_ts, bad_ts, bad_start, reversed_, future) = self.con.execute(
            "SELECT count(*), count(*) FILTER (\"case\" IS NULL), count(*) FILTER (activity IS NULL), "
            "count(*) FILTER (timestamp IS NULL AND __ts_bad IS NULL), "
            "count(*) FILTER (__ts_bad IS NOT NULL), count(*) FILTER (__start_bad IS NOT NULL), "
            "count(*) FILTER (start > timestamp), count(*) FILTER (timestamp > ?::TIMESTAMPTZ) FROM evc",
            [now]).fetchall()[0]
        if rows == 0:
            raise InputError.of("log_no_events", file=self.path)
        given = rows - no_ts
        if bad_ts and bad_ts > given * (1 - MIN_PARSED_SHARE):
            self._refuse_timestamps("timestamp", self.columns["timestamp"], bad_ts, given,
                                    self._examples("__ts_bad"))
        spec = self.max_bad_rows if self.max_bad_rows is not None else MAX_BAD_ROWS
        if bad_row_limit(spec, given) < bad_ts:
            raise InputError.of("log_too_many_bad_rows", {"bad": f"{bad_ts:,}", "total": f"{given:,}",
                                                          "pct": f"{bad_ts / given:.1%}", "limit": str(spec),
                                                          "examples": ", ".join(repr(e) for e in
                                                                                self._examples("__ts_bad"))},
                                file=self.path, column=self.columns["timestamp"])
        warn = self._warn
        implausible = getattr(self, "implausible", {})
        if bad_ts - implausible.get("timestamp", 0) > 0:
            warn("unparseable_timestamp", bad_ts - implausible.get("timestamp", 0), self.columns["timestamp"],
                 self._examples("__ts_bad", implausible=False), ts.EXPECTED)
        if bad_start - implausible.get("start", 0) > 0:
            warn("unparseable_start", bad_start - implausible.get("start", 0), self.columns["start"],
                 self._examples("__start_bad", implausible=False), ts.EXPECTED)
        if no_ts:
            warn("missing_timestamp", no_ts, self.columns["timestamp"])
        if no_case:
            warn("missing_case", no_case, self.columns["case"])
        if no_act:
            warn("missing_activity", no_act, self.columns["activity"])
        if reversed_:
            ex = self.con.execute("SELECT \"case\", activity FROM evc WHERE start > timestamp LIMIT 1").fetchall()[0]
            warn("end_before_start", reversed_, self.columns.get("start"), [f"{ex[0]} / {ex[1]}"], "start <= end")
        if future:
            ex = self.con.execute("SELECT CAST(timestamp AS VARCHAR) FROM evc WHERE timestamp > ?::TIMESTAMPTZ "
                                  "ORDER BY timestamp DESC LIMIT 1", [now]).fetchall()[0]
            warn("future_timestamp", future, self.columns["timestamp"],
                 [ex[0]], f"times before {now.isoformat(timespec='seconds')}")
        control = self.con.execute(f"SELECT count(*) FILTER (__ctrl) FROM {self.ns}ev").fetchall()[0][0]
        if control:
            warn("control_characters", control, None, None, "text without control characters")
        keys = '"case", activity, timestamp, start, resource, department, channel, action, matter'
        dupes = self.con.execute(
            f"SELECT count(*) - count(DISTINCT hash({keys})) FROM evc WHERE timestamp IS NOT NULL"
        ).fetchall()[0][0] if self.duplicates else 0
        if dupes:
            ex = self.con.execute(f"SELECT \"case\", activity, CAST(timestamp AS VARCHAR) FROM evc "
                                  f"WHERE timestamp IS NOT NULL GROUP BY {keys} HAVING count(*) > 1 "
                                  f"LIMIT 1").fetchall()
            warn("duplicate_event", dupes, None, [" / ".join(map(str, ex[0]))] if ex else [])

    def _examples(self, column: str, implausible: bool = True) -> list[str]:
        """Up to EXAMPLES distinct unread values of `column` (__ts_bad, __start_bad); without the
        times read but outside the plausible window when `implausible` is False."""
        where = f"{column} IS NOT NULL" + ("" if implausible else f" AND NOT {column[:-4]}_out")
        return [r[0] for r in self.con.execute(
            f"SELECT DISTINCT {column} FROM (SELECT {column} FROM {self.ns}ev WHERE {where} LIMIT 1000) "
            f"LIMIT {EXAMPLES}").fetchall()]

    def _warn(self, code: str, count: int, column: str | None = None,
              examples: list[str] | None = None, expected: str | None = None) -> None:
        value = ", ".join(examples) if examples else None
        self.warnings.append(DataWarning.of(code, {"n": int(count)}, file=self.file, column=column, value=value,
                                            expected=expected, count=int(count)))

    def _canonical_sql(self) -> str:
        order = 'ORDER BY "case", timestamp, "row"' if self.sort else ""
        return ('SELECT "case", activity, timestamp, start, resource, department, channel, action, matter, rating, '
                f'"row" FROM evc WHERE "case" IS NOT NULL AND activity IS NOT NULL '
                f'AND timestamp IS NOT NULL {order}')

    def stage_view(self, name: str) -> int:
        """Create the view `name` (canonical columns, valid rows, unordered) over `ev`; return the
        number of events."""
        with self._errors():
            return self._stage_view(name)

    def _stage_view(self, name: str) -> int:
        self._stage()
        self._check()
        self.con.execute(f'CREATE OR REPLACE VIEW main.{_ident(name)} AS SELECT "case", activity, timestamp, '
                         f'start, resource, department, channel, action, matter, rating, "row" FROM {self.ns}evc '
                         f'WHERE "case" IS NOT NULL AND activity IS NOT NULL AND timestamp IS NOT NULL')
        return self.con.execute(f"SELECT count(*) FROM main.{_ident(name)}").fetchall()[0][0]

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """DuckDB errors met while scanning the whole file (a malformed row deep in a CSV, a full
        disk) become one-line InputErrors."""
        try:
            yield
        except duckdb.OutOfMemoryException as exc:
            raise InputError.of("log_out_of_memory", {"reason": self._reason(exc)}, file=self.path) from None
        except duckdb.Error as exc:
            raise InputError.of("log_malformed", {"reason": self._reason(exc)}, file=self.path) from None

    def _reason(self, exc: Exception) -> str:
        """The useful lines of a DuckDB error, naming our file rather than a transcoded copy."""
        text = library_reason(exc, 400)  # not our SQL quoted back, nor DuckDB's advice
        return text.replace(os.path.join(self._tmpdir, "utf8.csv"), self.path.name)

    def canonical_table(self) -> pa.Table:
        with self._errors():
            return self._canonical_table()

    def _canonical_table(self) -> pa.Table:
        self._stage()
        self._check()
        table = ts.arrow_table(self.con.sql(self._canonical_sql()))
        self.con.execute("DROP TABLE ev")
        return table.cast(SCHEMA)

    def write_parquet(self, out: Path) -> int:
        with self._errors():
            return self._write_parquet(out)

    def _write_parquet(self, out: Path) -> int:
        self._stage()
        self._check()
        with atomic_path(out) as tmp:
            self.con.execute(f"COPY ({self._canonical_sql()}) TO {_lit(tmp)} "
                             f"(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 1000000)")
        events = pq.ParquetFile(out).metadata.num_rows
        self.con.execute("DROP TABLE ev")
        return events


def _first_line(exc: Exception) -> str:
    lines = [ln for ln in str(exc).splitlines() if ln.strip()]
    return lines[0][:300] if lines else type(exc).__name__


# --------------------------------------------------------------------------------------------
def _open_bytes(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def detect_encoding(sample: bytes) -> str:
    """'utf-8' (with or without BOM), 'utf-16', 'gb18030' (also for GBK/GB2312), or what
    charset-normalizer finds."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # Chinese exports that are not UTF-8 are GBK/GB18030 (Excel's "CSV" on a Chinese Windows):
    # prefer it whenever it decodes cleanly, before asking charset-normalizer to guess.
    for encoding in ("utf-8", "gb18030"):
        for cut in range(4):  # the sample may end inside a multi-byte character
            try:
                sample[: len(sample) - cut].decode(encoding)
                return encoding
            except UnicodeDecodeError as exc:
                if exc.start < len(sample) - cut - 4:
                    break
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    name = (best.encoding if best else "gb18030").lower().replace("-", "_")
    if name in {"gbk", "gb2312", "gb18030", "hz", "cp936", "big5", "big5hkscs"} or best is None:
        return "gb18030" if not name.startswith("big5") else "big5hkscs"
    return codecs.lookup(name).name


def _utf8_csv(path: Path, tmpdir: str) -> str:
    """Path of a UTF-8 version of `path`: the file itself when it already is UTF-8, else a
    transcoded copy in `tmpdir` (streamed in chunks; gzip kept as plain text)."""
    try:
        with _open_bytes(path) as fh:
            sample = fh.read(ENCODING_SAMPLE)
    except (OSError, EOFError) as exc:
        raise InputError.of("csv_unreadable", {"reason": exc}, file=path) from None
    if not sample.strip():
        raise InputError.of("csv_empty", file=path)
    encoding = detect_encoding(sample)
    if encoding == "utf-8":
        return str(path)
    target = os.path.join(tmpdir, "utf8.csv")
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    try:
        with _open_bytes(path) as src, open(target, "w", encoding="utf-8", newline="") as dst:
            for chunk in iter(lambda: src.read(8 << 20), b""):
                dst.write(decoder.decode(chunk))
            dst.write(decoder.decode(b"", final=True))
    except (OSError, EOFError) as exc:
        raise InputError.of("csv_incomplete", {"reason": exc}, file=path) from None
    return target


# --------------------------------------------------------------------------------------------
def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _rows(ws, path: Path, uncached: list) -> Iterator[tuple]:
    """A sheet's row values (`matter_sheet.fast_rows`: formulas without a cached value are noted in
    `uncached`), one tuple per row number from 1."""
    member = getattr(ws, "_worksheet_path", None)
    if member is None:
        yield from ws.iter_rows(values_only=True)
        return
    from bpr.io.matter_sheet import fast_rows

    yield from fast_rows(path, member, ws._shared_strings, ws.parent._date_formats, ws.parent.epoch, ws.title,
                         uncached)


def _formula_warnings(path: Path, sheet: str, header: list[str], header_row: int,
                      uncached: list[tuple[int, int, str, str | None]]) -> list[DataWarning]:
    """One warning per data cell whose formula has no cached value (as a matter sheet does)."""
    from openpyxl.utils import get_column_letter

    from bpr.io.matter_sheet import MAX_FORMULA_WARNINGS

    shown = [u for u in uncached if u[0] > header_row and u[1] < len(header)]
    out = []
    for rownum, index, formula, display in shown[:MAX_FORMULA_WARNINGS]:
        code = "formula_shown_text" if display else "formula_no_cached_value"
        out.append(DataWarning.of(code, {"header": header[index], "text": display or ""}, file=str(path), sheet=sheet,
                                  cell=f"{get_column_letter(index + 1)}{rownum}", row=rownum, column=header[index],
                                  value=f"={formula}"[:200]))
    if len(shown) > MAX_FORMULA_WARNINGS:
        rest = shown[MAX_FORMULA_WARNINGS:]
        out.append(DataWarning.of("formula_no_cached_value_more", {"n": len(rest)}, file=str(path), sheet=sheet,
                                  count=len(rest)))
    return out


def _read_xlsx(path: Path, sheet: str | None, mapping: dict[str, str]) -> tuple[pa.Table, list[DataWarning]]:
    """First sheet (or `sheet`) as a table of strings; header = first row among the first 10
    that names a case and a timestamp column (else the first non-empty row). A matter sheet given
    instead of a log is named as such."""
    try:
        return _xlsx_table(path, sheet, mapping)
    except InputError as exc:
        if exc.key == "err_no_log_columns" and not mapping:
            from bpr.io.matter_sheet import looks_like_catalogue

            if looks_like_catalogue(path):
                raise InputError.of("log_is_a_catalogue", file=path, sheet=exc.sheet) from None
        raise


def _xlsx_table(path: Path, sheet: str | None, mapping: dict[str, str]) -> tuple[pa.Table, list[DataWarning]]:
    check_xlsx(path)
    import openpyxl

    from bpr.errors import BprError

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        if type(exc).__name__ == "InvalidFileException" and path.suffix.lower() != ".xlsx":
            raise InputError.of("xlsx_wrong_suffix", {"suffix": path.suffix}, file=path) from None
        raise InputError.of("workbook_unreadable", {"reason": library_reason(exc)}, file=path) from None
    try:
        names = wb.sheetnames
        if sheet is not None and sheet not in names:
            raise InputError.of("no_such_sheet", {"sheet": repr(sheet)}, file=path, expected=", ".join(names))
        candidates = [sheet] if sheet else names
        first_error: BprError | None = None
        for name in candidates:
            uncached: list[tuple[int, int, str, str | None]] = []
            rows = _rows(wb[name], path, uncached)
            head: list[tuple] = []
            for row in rows:
                head.append(row)
                if len(head) >= 10:
                    break
            header_at = None
            for i, row in enumerate(head):
                cells = [_cell_text(v) for v in row]
                if sum(c is not None for c in cells) < 2:
                    continue
                if header_at is None:
                    header_at = i
                try:
                    map_columns([c or "" for c in cells], mapping, file=path)
                    header_at = i
                    break
                except InputError as exc:
                    first_error = first_error or exc
            if header_at is None:
                continue
            header = [_cell_text(v) or f"column{j + 1}" for j, v in enumerate(head[header_at])]
            try:
                map_columns(header, mapping, file=path)
            except InputError as exc:
                if sheet or len(candidates) == 1:
                    exc.sheet = name
                    raise
                first_error = first_error or exc
                continue
            header = _dedupe(header)
            columns: list[list] = [[] for _ in header]
            for row in [*head[header_at + 1:], *rows]:
                if row is None or all(v is None for v in row):
                    continue
                for j in range(len(header)):
                    columns[j].append(_cell_text(row[j]) if j < len(row) else None)
            table = pa.table({h: pa.array(c, pa.string()) for h, c in zip(header, columns, strict=True)})
            return table, _formula_warnings(path, name, header, header_at + 1, uncached)
        if first_error is not None:
            raise first_error
        raise InputError.of("log_no_header_sheet", file=path)
    finally:
        wb.close()


def _dedupe(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in header:
        n = seen.get(h, 0)
        seen[h] = n + 1
        out.append(h if n == 0 else f"{h}_{n + 1}")
    return out
