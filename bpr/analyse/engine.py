"""Engines that run the event-log queries: DuckDB (embedded, default) and Apache Spark (at scale).

Every analysis is written ONCE as SQL in DuckDB's dialect (bpr.analyse.queries); the Spark engine
translates it with sqlglot, plus the few rewrites sqlglot does not make on its own (exact
percentiles). Both engines expose the same small API:

    engine = DuckDBEngine(memory_limit="1GB")      # or SparkEngine(master="local[*]")
    engine.register(log)                           # EventLog, pyarrow.Table, or a .parquet/.csv path
    table = engine.sql('SELECT count(*) AS n FROM events')   # -> pyarrow.Table
    engine.view("late", "SELECT * FROM events WHERE ...")     # a named view (DuckDB dialect)
    engine.materialize("steps", queries.steps())   # computed once, reused (DuckDB temp table /
    engine.drop("steps")                           #   Spark cached view); drop when done
    engine.translate(query)                        # the SQL this engine really runs
    engine.close()                                 # or use `with make_engine("duckdb") as engine:`

`register` makes a view named `events` (or `name=`) with exactly the canonical columns of
`bpr.model.eventlog.SCHEMA`: case, activity, timestamp (UTC, completion), start, resource,
department, channel, action, matter, rating, row. Rows are not guaranteed to come in any order: queries
order explicitly by ("case", "timestamp", "row"), the order pm4py uses. Quote the column names
that are SQL keywords ("case", "row", "timestamp", "start") in queries.

A file path is read by the engine itself, never through a whole-file pandas frame: Parquet is
scanned in place; CSV is loaded by DuckDB, converted to the canonical columns once, into a
compressed database file in `temp_directory` (deleted on close). Files whose columns
are not already canonical need `mapping` (role -> column), as `bpr.io.read_log` takes.

Memory: DuckDB runs under `memory_limit` and spills to `temp_directory`; Spark uses its own
settings (`spark_conf`). Engines are context managers.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import warnings
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bpr.analyse.local_time import local_to_utc
from bpr.errors import UsageError
from bpr.model.eventlog import SCHEMA, EventLog

#: canonical column -> SQL type in DuckDB
_SQL_TYPES = {
    "case": "VARCHAR", "activity": "VARCHAR", "timestamp": "TIMESTAMPTZ", "start": "TIMESTAMPTZ",
    "resource": "VARCHAR", "department": "VARCHAR", "channel": "VARCHAR", "action": "VARCHAR",
    "matter": "VARCHAR", "rating": "VARCHAR", "row": "BIGINT",
}


def quote(name: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _csv_scan(path: Path, text_columns: list[str] | tuple[str, ...] = ()) -> str:
    """DuckDB's scan of a CSV file, its types sniffed but for `text_columns`, read as VARCHAR."""
    types = ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in text_columns)
    return (f"read_csv({_literal(str(path))}, header = true, all_varchar = false, sample_size = 20480"
            + (f", types = {{{types}}}" if types else "") + ")")


class Engine(ABC):
    """Runs DuckDB-dialect SQL over a registered event log; see the module docstring."""

    name: str = "engine"

    @abstractmethod
    def register(self, source: EventLog | pa.Table | str | Path, name: str = "events",
                 mapping: dict[str, str] | None = None, timezone: str = "Asia/Shanghai") -> None:
        """Make `source` queryable as the view `name` with the canonical columns."""

    @abstractmethod
    def sql(self, query: str) -> pa.Table:
        """Run one query written in DuckDB's dialect; return the result as a pyarrow Table."""

    @abstractmethod
    def view(self, name: str, query: str) -> None:
        """Make the result of `query` (DuckDB dialect) queryable as the view `name`."""

    @abstractmethod
    def materialize(self, name: str, query: str) -> None:
        """Compute `query` once and keep it as the table `name` (DuckDB: a temporary table that
        spills to disk; Spark: a cached view) for several later queries. Its rows keep no order:
        queries on it say ORDER BY where order matters."""

    @abstractmethod
    def drop(self, name: str) -> None:
        """Forget a view or table made by `view` or `materialize`."""

    def translate(self, query: str) -> str:
        """The query as this engine runs it (identity for DuckDB)."""
        return query

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the engine's resources."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _canonical_table(source: EventLog | pa.Table) -> pa.Table:
    table = source.table if isinstance(source, EventLog) else source
    missing = [n for n in SCHEMA.names if n not in table.column_names]
    for n in missing:
        table = table.append_column(n, pa.nulls(table.num_rows, SCHEMA.field(n).type))
    return table.select(SCHEMA.names).cast(SCHEMA)


def resolve_columns(columns: list[str], mapping: dict[str, str] | None, file: str | Path) -> dict[str, str]:
    """role -> column in a file, by the reader's rules (`bpr.io.columns.map_columns`: `mapping`
    first, then GB/T 39046 names, XES keys and synonyms). Raises InputError for a missing role."""
    from bpr.io.columns import map_columns

    return map_columns([c for c in columns if c != "row" or "row" in (mapping or {}).values()],
                       mapping, file=file)


class DuckDBEngine(Engine):
    """Embedded DuckDB under a memory limit, spilling to `temp_directory` when it runs out."""

    name = "duckdb"

    def __init__(self, memory_limit: str = "1GB", temp_directory: str | Path | None = None,
                 threads: int | None = None) -> None:
        import duckdb

        self._own_temp = temp_directory is None
        self.temp_directory = Path(temp_directory or tempfile.mkdtemp(prefix="bpr-duckdb-"))
        self.temp_directory.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {
            "memory_limit": memory_limit,
            "temp_directory": str(self.temp_directory),
            "preserve_insertion_order": True,  # CSV rows keep file order, so rowid = source row
        }
        if threads:
            config["threads"] = int(threads)
        self.con = duckdb.connect(":memory:", config=config)
        self.con.execute("SET TimeZone = 'UTC'")
        self._arrow: dict[str, pa.Table] = {}
        self._store_file: Path | None = None

    def register(self, source: EventLog | pa.Table | str | Path, name: str = "events",
                 mapping: dict[str, str] | None = None, timezone: str = "Asia/Shanghai") -> None:
        """See Engine.register. A Parquet file is scanned in place; a CSV file is loaded once into
        the compressed store (`_store`), since DuckDB scans its own table faster than it parses CSV."""
        if isinstance(source, EventLog | pa.Table):
            table = _canonical_table(source)
            self._arrow[name] = table
            self.con.register(f"_{name}_arrow", table)
            self.con.execute(f"CREATE OR REPLACE VIEW {quote(name)} AS SELECT * FROM {quote('_' + name + '_arrow')}")
            return
        path = Path(source)
        suffix = "".join(path.suffixes[-2:]).lower()
        if path.suffix.lower() == ".parquet":
            scan = f"read_parquet({_literal(str(path))}, file_row_number = true)"
            self._register_scan(scan, name, mapping, timezone, path, row_fallback="file_row_number")
        elif path.suffix.lower() in (".csv", ".tsv") or suffix == ".csv.gz":
            # Loaded once, already canonical (types and time zone converted), into the compressed
            # store (`_store`); its rowid is the file order.
            self._register_scan(_csv_scan(path), name, mapping, timezone, path, row_fallback="rowid",
                                store=f"{self._store()}.{quote(f'_{name}_raw')}")
        else:
            raise UsageError.of("engine_file_type", {"engine": self.name, "file": path.name})

    def _register_scan(self, scan: str, name: str, mapping: dict[str, str] | None, timezone: str,
                       path: Path, row_fallback: str, store: str | None = None) -> None:
        """The view `name` over `scan` with the canonical columns; with `store`, the columns the
        file has are first converted once into the table `store`, which the view then reads."""
        described = self.con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
        types = {row[0]: row[1].upper() for row in described if row[0] != "file_row_number"}
        if set(SCHEMA.names) <= set(types) and not mapping:
            roles = {name: name for name in SCHEMA.names}
        else:
            roles = resolve_columns(list(types), mapping, path)
        if store:  # a CSV file, its types sniffed: names stay text as written, so that "0123" is
            # not read as the number 123 (one case with "123") nor "1.10" as 1.1
            text = [column for role, column in roles.items() if _SQL_TYPES[role] == "VARCHAR"]
            scan = _csv_scan(path, text)
            types.update(dict.fromkeys(text, "VARCHAR"))
        converted = {}  # role -> expression over the file's columns
        for role, column in roles.items():
            sql_type = _SQL_TYPES[role]
            if sql_type == "TIMESTAMPTZ":
                kind = types[column]
                if "TIME ZONE" in kind or kind == "TIMESTAMPTZ":
                    converted[role] = quote(column)
                else:  # naive times, dates or text: local times in `timezone`
                    converted[role] = local_to_utc(f"CAST({quote(column)} AS TIMESTAMP)", timezone)
            else:
                converted[role] = f"CAST({quote(column)} AS {sql_type})"
        if store:
            stored = [role for role in SCHEMA.names if role in converted]
            self.con.execute(f"CREATE OR REPLACE TABLE {store} AS SELECT "
                             + ", ".join(f"{converted[r]} AS {quote(r)}" for r in stored) + f" FROM {scan}")
            converted, scan = {r: quote(r) for r in stored}, store
        select = []
        for role in SCHEMA.names:
            expr = converted.get(role) or (row_fallback if role == "row" else f"CAST(NULL AS {_SQL_TYPES[role]})")
            select.append(f"{expr} AS {quote(role)}")
        self.con.execute(f"CREATE OR REPLACE VIEW {quote(name)} AS SELECT {', '.join(select)} FROM {scan}")

    def _store(self) -> str:
        """The database that holds loaded files: a file in temp_directory, so DuckDB keeps the
        data compressed (several times smaller than in memory, and faster to scan)."""
        if self._store_file is None:
            self._store_file = self.temp_directory / f"bpr-store-{os.getpid()}-{id(self)}.duckdb"
            self.con.execute(f"ATTACH {_literal(str(self._store_file))} AS bpr_store")
            # the store is scratch, deleted on close: writing it out on close would cost ~2 s per
            # 10M events (road CSV) for nothing
            self.con.execute("PRAGMA disable_checkpoint_on_shutdown")
        return "bpr_store"

    def view(self, name: str, query: str) -> None:
        self.con.execute(f"CREATE OR REPLACE VIEW {quote(name)} AS {query}")

    def materialize(self, name: str, query: str) -> None:
        # Order is for queries to ask (ORDER BY), not for tables to keep: an order-preserving
        # insert of a window's or a grouping's output runs on one thread (road 10M --core: ~0.8 s)
        self.con.execute("SET preserve_insertion_order = false")
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {quote(name)} AS {query}")
        finally:
            self.con.execute("SET preserve_insertion_order = true")

    def drop(self, name: str) -> None:
        import duckdb

        for kind in ("VIEW", "TABLE"):  # DuckDB refuses DROP TABLE on a view's name, and the reverse
            with contextlib.suppress(duckdb.CatalogException):
                self.con.execute(f"DROP {kind} IF EXISTS {quote(name)}")

    def sql(self, query: str) -> pa.Table:
        return self.con.sql(query).to_arrow_table()

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            if self._own_temp:
                shutil.rmtree(self.temp_directory, ignore_errors=True)
            elif self._store_file is not None:
                for path in (self._store_file, self._store_file.with_name(self._store_file.name + ".wal")):
                    path.unlink(missing_ok=True)


def to_spark_sql(query: str) -> str:
    """Translate a DuckDB-dialect query to Spark SQL with sqlglot.

    On top of sqlglot's translation: `quantile_cont(x, q)` and `median(x)` become Spark's exact
    `percentile(x, q)` (linear interpolation, as numpy and DuckDB), never an approximation;
    `epoch_us(t)` becomes Spark's `unix_micros(t)`.
    """
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(query, read="duckdb")

    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.PercentileCont) and node.args.get("expression") is not None \
                and not isinstance(node.parent, exp.WithinGroup):
            return exp.Anonymous(this="percentile", expressions=[node.this, node.expression])
        if isinstance(node, exp.Median):
            return exp.Anonymous(this="percentile", expressions=[node.this, exp.Literal.number(0.5)])
        if isinstance(node, exp.Quantile):
            return exp.Anonymous(this="percentile", expressions=[node.this, node.args["quantile"]])
        if isinstance(node, exp.Anonymous) and node.name.lower() == "epoch_us":
            return exp.UnixMicros(this=node.expressions[0])
        return node

    return tree.transform(rewrite).sql(dialect="spark")


#: Spark's logging: errors only (see the file)
_SPARK_LOG4J = Path(__file__).resolve().parents[1] / "data" / "spark-log4j2.properties"


class SparkEngine(Engine):
    """Apache Spark (pyspark, from the `spark` extra) over the same queries, translated."""

    name = "spark"
    _session = None  # one SparkSession per process, shared by every SparkEngine

    def __init__(self, master: str = "local[*]", spark_conf: dict[str, str] | None = None,
                 app_name: str = "bpr") -> None:
        # pyspark notes on every conversion that it does not fully support pandas 3; it works for us
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise UsageError.of("engine_spark_needs_pyspark") from None
        if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
            raise UsageError.of("engine_spark_needs_java")
        if SparkEngine._session is None:
            conf = dict(spark_conf or {})
            java = " ".join([f"-Dlog4j2.configurationFile=file:{_SPARK_LOG4J}",
                             conf.pop("spark.driver.extraJavaOptions", "")]).strip()
            builder = (SparkSession.builder.master(master).appName(app_name)
                       .config("spark.sql.session.timeZone", "UTC")
                       .config("spark.ui.enabled", "false")
                       .config("spark.ui.showConsoleProgress", "false")
                       .config("spark.sql.shuffle.partitions", "8")
                       .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                       .config("spark.driver.extraJavaOptions", java))
            for key, value in conf.items():
                builder = builder.config(key, value)
            SparkEngine._session = builder.getOrCreate()
            SparkEngine._session.sparkContext.setLogLevel("ERROR")
        self.spark = SparkEngine._session
        self._temp = Path(tempfile.mkdtemp(prefix="bpr-spark-"))
        self._views: list[str] = []
        self._cached: dict[str, Any] = {}

    def register(self, source: EventLog | pa.Table | str | Path, name: str = "events",
                 mapping: dict[str, str] | None = None, timezone: str = "Asia/Shanghai") -> None:
        if isinstance(source, str | Path):
            path = Path(source)
            if path.suffix.lower() == ".parquet" and not mapping:
                columns = pq.read_schema(path).names
                if all(n in columns for n in SCHEMA.names):
                    self._view(self.spark.read.parquet(str(path)).select(*SCHEMA.names), name)
                    return
            # Anything else is normalised by DuckDB (streaming) into a canonical Parquet file.
            with DuckDBEngine() as duck:
                duck.register(path, "events", mapping=mapping, timezone=timezone)
                target = self._temp / f"{name}.parquet"
                duck.con.execute(f"COPY (SELECT * FROM events) TO {_literal(str(target))} (FORMAT parquet)")
            self._view(self.spark.read.parquet(str(target)), name)
            return
        table = _canonical_table(source)
        target = self._temp / f"{name}.parquet"
        pq.write_table(table, target)
        self._view(self.spark.read.parquet(str(target)), name)

    def _view(self, frame, name: str) -> None:
        frame.createOrReplaceTempView(name)
        self._views.append(name)

    def view(self, name: str, query: str) -> None:
        self._view(self.spark.sql(self.translate(query)), name)

    def materialize(self, name: str, query: str) -> None:
        frame = self.spark.sql(self.translate(query)).cache()
        self._cached[name] = frame
        self._view(frame, name)

    def drop(self, name: str) -> None:
        frame = self._cached.pop(name, None)
        if frame is not None:
            frame.unpersist()
        self.spark.catalog.dropTempView(name)
        if name in self._views:
            self._views.remove(name)

    def translate(self, query: str) -> str:
        return to_spark_sql(query)

    def sql(self, query: str) -> pa.Table:
        frame = self.spark.sql(self.translate(query))
        table = frame.toArrow()
        return table

    def close(self) -> None:
        for frame in self._cached.values():
            frame.unpersist()
        self._cached.clear()
        for name in self._views:
            self.spark.catalog.dropTempView(name)
        self._views.clear()
        shutil.rmtree(self._temp, ignore_errors=True)

    @classmethod
    def stop(cls) -> None:
        """Stop the shared SparkSession (end of a test session or program)."""
        if cls._session is not None:
            cls._session.stop()
            cls._session = None


def make_engine(name: str = "duckdb", *, spark_master: str | None = None, **options: Any) -> Engine:
    """An engine by name: "duckdb" (default) or "spark"."""
    if name == "duckdb":
        return DuckDBEngine(**options)
    if name == "spark":
        return SparkEngine(master=spark_master or "local[*]", **options)
    raise UsageError.of("engine_unknown", {"name": name})
