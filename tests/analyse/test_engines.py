"""The engines: DuckDB reading files itself, the Spark translation, and identical results from
DuckDB and Spark on every real log (one SparkSession for the whole test session)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv  # noqa: F401 - pa.csv.write_csv
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpr.analyse import queries as Q
from bpr.analyse.discover import discover
from bpr.analyse.engine import DuckDBEngine, to_spark_sql
from bpr.analyse.local_time import local_to_utc
from bpr.analyse.quantiles import interpolate
from bpr.errors import InputError
from bpr.model.eventlog import SCHEMA
from tests.analyse._discover_helpers import bpr_log


def test_csv_read_by_duckdb_keeps_file_order_for_ties(tmp_path):
    # Two events of case A at the same instant: file order decides, as in pm4py.
    path = tmp_path / "log.csv"
    path.write_text("case:concept:name,concept:name,time:timestamp\n"
                    "A,second-in-time,2024-01-02 09:00:00\n"
                    "A,tie-1,2024-01-01 09:00:00\n"
                    "A,tie-2,2024-01-01 09:00:00\n"
                    "B,only,2024-01-01 10:00:00\n", encoding="utf-8")
    with DuckDBEngine() as engine:
        engine.register(path)
        assert engine.sql("SELECT * FROM events").schema.names == SCHEMA.names
        result = discover(None, engine=engine, analyses=[])
    assert [v.activities for v in result.variants] == [("tie-1", "tie-2", "second-in-time"), ("only",)]
    # naive times are read as Asia/Shanghai (UTC+8)
    assert result.first_timestamp == "2024-01-01T01:00:00+00:00"
    assert result.case_duration_s.max == 86400.0
    assert result.data_quality.one_event_cases == 1


def test_csv_without_a_case_column_names_the_fix(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with DuckDBEngine() as engine, pytest.raises(InputError) as err:
        engine.register(path)
    assert "--map" in str(err.value.hint)


def test_parquet_with_canonical_columns_is_scanned_in_place(tmp_path):
    log = bpr_log_small()
    path = tmp_path / "events.parquet"
    pq.write_table(log, path)
    with DuckDBEngine(memory_limit="200MB") as engine:
        engine.register(path)
        n = engine.sql("SELECT count(*) AS n FROM events").column("n")[0].as_py()
    assert n == log.num_rows


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Amsterdam", "America/Sao_Paulo", "UTC"])
def test_local_to_utc_is_duckdbs_timezone_conversion(zone):
    # every half hour from 1985 (Shanghai kept summer time 1986-91) to 2035, and the DST nights
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    fast = local_to_utc("t", zone)
    assert "make_timestamptz" in fast or zone != "Asia/Shanghai"
    differ = con.execute(f"""
        SELECT count(*) FROM (SELECT t FROM generate_series(TIMESTAMP '1985-01-01', TIMESTAMP '2035-12-31',
                                                            INTERVAL 30 MINUTE) AS g(t))
        WHERE {fast} IS DISTINCT FROM timezone('{zone}', t)""").fetchone()[0]
    assert differ == 0


def test_parquet_with_other_column_names_is_read_by_duckdb_like_its_csv(tmp_path, monkeypatch):
    monkeypatch.setenv("BPR_TIME_WINDOW", "1980..2040")  # 1988 is before the default plausible window (1990)
    csv = tmp_path / "log.csv"
    csv.write_text("case:concept:name,concept:name,time:timestamp\n"
                   "A,b,2024-01-02 09:00:00\nA,a1,2024-01-01 09:00:00\nA,a2,2024-01-01 09:00:00\n"
                   "B,only,1988-07-01 10:00:00\n", encoding="utf-8")
    import duckdb

    parquet = tmp_path / "log.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{parquet}' (FORMAT parquet)")
    from_csv, from_parquet = discover(csv, analyses=[]), discover(parquet, analyses=[])
    assert [v.activities for v in from_parquet.variants] == [("a1", "a2", "b"), ("only",)]
    assert from_parquet.to_dict()["dfg"] == from_csv.to_dict()["dfg"]
    # 1988-07-01 was summer time in China (UTC+9)
    assert from_parquet.first_timestamp == from_csv.first_timestamp == "1988-07-01T01:00:00+00:00"


def bpr_log_small() -> pa.Table:
    return pa.table({
        "case": ["1", "1", "2"], "activity": ["受理", "办结", "受理"],
        "timestamp": pa.array([1_700_000_000_000_000, 1_700_000_360_000_000, 1_700_000_000_000_000],
                              pa.timestamp("us", tz="UTC")),
        "row": [0, 1, 2]})


def test_spark_translation_uses_exact_percentile_and_ordered_listagg():
    sql = to_spark_sql("SELECT quantile_cont(x, 0.9) AS p, median(x) AS m, "
                       "string_agg(a, chr(31) ORDER BY k) AS v FROM t")
    assert "percentile(x, 0.9)" in sql.lower() and "percentile(x, 0.5)" in sql.lower()
    assert "approx" not in sql.lower()
    assert "WITHIN GROUP (ORDER BY k" in sql


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=40),
       st.sampled_from(Q.QUANTILES))
def test_interpolation_is_numpys(values, q):
    ordered = sorted(values)
    ranks = {k + 1: v for k, v in enumerate(ordered)}
    assert interpolate(ranks, len(ordered), q) == np.percentile(np.array(values), 100 * q)


def test_quantile_points_fetch_only_the_needed_ranks():
    with DuckDBEngine() as engine:
        rows = engine.sql(Q.quantile_points("SELECT range AS x FROM range(11)", [], "x")).to_pylist()
    # n = 11: (n-1)*0.5 = 5 and (n-1)*0.9 = 9 are whole: ranks 6 and 10 only
    assert sorted((r["first_rank"], r["last_rank"], r["value"]) for r in rows) == [(6, 6, 5), (10, 10, 9)]


def test_quantile_points_count_equal_values_once():
    # 0,0,0,1,1,1,1,2,2,2,9 (n = 11) as weighted rows: ranks 1-3 are 0, 4-7 are 1, 8-10 are 2, 11 is 9
    relation = "SELECT * FROM (VALUES (0, 2), (0, 1), (1, 4), (2, 3), (9, 1)) AS t(x, w)"
    with DuckDBEngine() as engine:
        rows = engine.sql(Q.quantile_points(relation, [], "x", weight="w")).to_pylist()
    assert sorted((r["n"], r["first_rank"], r["last_rank"], r["value"]) for r in rows) == [
        (11, 4, 7, 1), (11, 8, 10, 2)]


# --- Spark ------------------------------------------------------------------------------------

@pytest.mark.spark
@pytest.mark.slow
def test_spark_and_duckdb_give_identical_results(real_log, spark_engine):
    log = bpr_log(real_log)
    on_duckdb = discover(log, top_k=15, analyses=[]).to_dict()
    on_spark = discover(log, engine=spark_engine, top_k=15, analyses=[]).to_dict()
    assert on_duckdb.pop("engine") == "duckdb" and on_spark.pop("engine") == "spark"
    for key in on_duckdb:
        assert on_spark[key] == on_duckdb[key], key


def test_exact_mean_does_not_depend_on_the_order_values_are_added():
    # a floating avg() of 1e16, 1, -1e16 is 0 or 1/3 depending on the order the threads add them
    with DuckDBEngine() as engine:
        for order in ("[1e16, 1.0, -1e16]", "[1e16, -1e16, 1.0]"):
            value = engine.sql(f"SELECT {Q.exact_mean('x')} AS m, {Q.exact_total('x')} AS t "
                               f"FROM (SELECT unnest({order}) AS x)").to_pylist()[0]
            assert value == {"m": pytest.approx(1 / 3, rel=1e-12), "t": 1.0}
        assert engine.sql(f"SELECT {Q.exact_mean('x')} AS m FROM (SELECT CAST(NULL AS DOUBLE) AS x)").to_pylist() == [{"m": None}]


def test_parquet_whose_times_duckdb_cannot_cast_goes_through_the_reader(tmp_path, monkeypatch):
    # DuckDB reads the file, but a cell is no time: bpr's reader takes over and warns about the cell
    monkeypatch.setattr("bpr.io.eventlog_reader.MAX_BAD_ROWS", "50%")  # 1 of 3 events is bad
    path = tmp_path / "log.parquet"
    pq.write_table(pa.table({"case:concept:name": ["a", "a", "b"], "concept:name": ["x", "y", "x"],
                             "time:timestamp": ["2024-01-01 09:00", "2024-01-01 10:00", "not a time"]}), path)
    result = discover(path, analyses=[])
    assert result.events == 2 and result.cases == 1
    assert any("not a time" in str(w.to_dict()) for w in result.warnings)


FOOD = Path(__file__).resolve().parents[2] / "samples" / "logs" / "food_licence.csv"
SINCE = datetime(2024, 10, 1, tzinfo=ZoneInfo("Asia/Shanghai"))


def _food_cases_since() -> int:
    import pandas as pd

    frame = pd.read_csv(FOOD, encoding="gbk")  # independent of bpr's reader
    firsts = pd.to_datetime(frame["环节结束时间"]).groupby(frame["办件编号"]).min()
    return int((firsts >= pd.Timestamp("2024-10-01")).sum())


def test_discover_since_analyses_the_cases_that_started_on_or_after_the_date():
    result = discover(FOOD, analyses=[], since=SINCE)
    assert result.cases == _food_cases_since() == 572
    assert result.first_timestamp >= "2024-09-30T16:00:00+00:00"
    assert [n.id for n in result.notes if n.id == "note_since_cases"] == ["note_since_cases"]
    with pytest.raises(InputError) as err:
        discover(FOOD, analyses=[], since=datetime(2025, 10, 1, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert err.value.key == "err_since_no_cases" and "2024-12-31" in str(err.value)


@pytest.mark.spark
@pytest.mark.slow
def test_spark_and_duckdb_agree_with_since(spark_engine):
    on_duckdb = discover(FOOD, analyses=[], since=SINCE).to_dict()
    on_spark = discover(FOOD, engine=spark_engine, analyses=[], since=SINCE).to_dict()
    assert on_duckdb.pop("engine") == "duckdb" and on_spark.pop("engine") == "spark"
    assert on_spark == on_duckdb


@pytest.mark.spark
@pytest.mark.slow
def test_spark_and_duckdb_agree_on_the_full_discover(spark_engine):
    """Every analysis, the performance event pass made in the core's one sort of the events (the
    widened ordered pass, with starts, departments, resources and send-back loops): the same
    result on both engines."""
    from bpr.analyse.discover import Kept

    seen: list[Kept] = []
    original = Kept.drop

    def drop(self, engine):  # the widened pass was really used on each engine
        seen.append(self.ordered is not None and "sendback" in self.ordered.facts.roles)
        original(self, engine)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Kept, "drop", drop)
        on_duckdb = discover(FOOD).to_dict()
        on_spark = discover(FOOD, engine=spark_engine).to_dict()
    assert seen == [True, True]
    assert on_duckdb.pop("engine") == "duckdb" and on_spark.pop("engine") == "spark"
    assert on_spark["handoffs"]["departments"] and on_spark["rework"]["summary"]["sendback_cases"]
    assert on_spark == on_duckdb


@pytest.mark.parametrize("column", ["case", "activity", "resource", "department", "channel", "action", "matter", None])
def test_fast_path_finds_a_control_character_in_any_name_column(column, tmp_path):
    """DuckDB's direct read is kept only when no name holds a control character (each column is
    tested once per distinct value, the case ids on every event): one bad cell in one column of
    200 events sends the log to the reader."""
    from bpr.analyse.discover import _fast_path_clean

    frame = {c: [f"{c}{i % 7}" for i in range(200)] for c in
             ("case", "activity", "resource", "department", "channel", "action", "matter")}
    frame["timestamp"] = [f"2024-03-04 {9 + i % 8}:00:00" for i in range(200)]
    if column:
        frame[column][137] = f"{column}\x1b[0m"
    path = tmp_path / "log.csv"
    pa.csv.write_csv(pa.table(frame), path)
    with DuckDBEngine() as engine:
        engine.register(path)
        assert _fast_path_clean(engine, "events") is (column is None)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_control_character_in_a_case_id_sends_the_log_to_the_reader(suffix, tmp_path):
    """DuckDB's direct read leaves the case ids to be tested once per case, after the ordering:
    one case id with an escape sequence makes `discover` read the file again with bpr's reader,
    which cleans it and says so; the figures are then those of the reader's own read."""
    from bpr.io.eventlog_reader import read_log

    n = 300
    cases = [f"c{i // 3}" for i in range(n)]
    cases[151] = cases[152] = cases[150] = "c50\x1b[31m"
    frame = pa.table({"case": cases, "activity": ["受理", "审核", "办结"] * (n // 3),
                      "timestamp": [f"2024-03-{4 + i // 60:02d} {9 + i % 3}:{i % 60:02d}:00" for i in range(n)]})
    path = tmp_path / f"log{suffix}"
    (pa.csv.write_csv if suffix == ".csv" else pq.write_table)(frame, path)
    direct = discover(path, analyses=[]).to_dict()
    read = discover(read_log(path), analyses=[]).to_dict()
    assert direct["warnings"] and direct["warnings"] == read["warnings"]
    assert direct == {**read, "source": direct["source"]}
    clean = frame.set_column(0, "case", pa.array([c.replace("\x1b", "") for c in cases]))
    pa.csv.write_csv(clean, tmp_path / "clean.csv")
    assert discover(tmp_path / "clean.csv", analyses=[]).to_dict()["warnings"] == []


def test_csv_names_stay_text_past_the_sniffed_rows(tmp_path):
    """DuckDB sniffs a CSV's types on its first rows: numbers there, and "0123" further down would
    become the number 123, one case with "123". Names are read as text, as written: the cases
    stay apart, and resources "1.10" and "1.1" too, as bpr's own reader keeps them."""
    n = 30_000  # past the 20,480 rows DuckDB samples
    ids = [str(i // 2) for i in range(n)] + ["0123", "0123", "123", "123"]
    resources = ["7"] * n + ["1.10", "1.10", "1.1", "1.1"]
    times = [f"2024-03-04 {9 + i % 2}:00:00" for i in range(n + 4)]
    path = tmp_path / "log.csv"
    pa.csv.write_csv(pa.table({"case": ids, "activity": ["受理", "办结"] * (n // 2 + 2), "timestamp": times,
                               "resource": resources}), path)
    with DuckDBEngine() as engine:
        engine.register(path)
        cases = engine.sql('SELECT "case", count(*) AS n FROM events WHERE "case" LIKE \'%123\' GROUP BY "case" '
                           'ORDER BY "case"').to_pylist()
        kept = engine.sql("SELECT DISTINCT resource FROM events WHERE resource LIKE '1.1%' ORDER BY resource").to_pylist()
    read = pd.read_csv(path, dtype=str)
    assert cases == [{"case": c, "n": n} for c, n in read[read["case"].str.endswith("123")].groupby("case").size().items()]
    assert [r["resource"] for r in kept] == ["1.1", "1.10"]


def _tie_rows(nulls: bool):
    def values(*xs):
        return st.sampled_from([*xs, None] if nulls else list(xs))
    return st.lists(st.tuples(values("c1", "c2", "c3"), values("受理", "审核", "办结"),
                              values("2024-03-04 09:00:00", "2024-03-04 10:00:00"), st.sampled_from(["张", "李", None])),
                    min_size=1, max_size=14)


@settings(max_examples=80, deadline=None)
@given(rows=st.booleans().flatmap(_tie_rows))
def test_duplicates_skipped_only_when_no_two_events_share_case_time_and_activity(rows):
    """The data-quality count of exact duplicates compares whole rows only when the cheap test
    (`duplicate_suspects`) finds two valid events with one case, timestamp and activity, or an
    invalid event: on logs full of ties (A, B, A at one time; nulls; other resources) the count
    is the full comparison's, and on logs with no invalid event it is pandas' count of repeated rows."""
    from bpr.analyse.discover import _prepare, _tables

    frame = pd.DataFrame(rows, columns=["case", "activity", "timestamp", "resource"])
    table = pa.table({"case": frame["case"], "activity": frame["activity"],
                      "timestamp": pd.to_datetime(frame["timestamp"]).dt.tz_localize("UTC").astype("datetime64[us, UTC]"),
                      "resource": frame["resource"], "row": np.arange(len(frame))})
    with DuckDBEngine() as engine:
        engine.register(table)
        names = _tables("events")
        _prepare(engine, "events", names)
        full = engine.sql(Q.data_quality("events", None, True, names["steps"])).to_pylist()[0]["duplicate_events"]
        suspects = engine.sql(Q.duplicate_suspects("events", names["steps"])).to_pylist()[0]
    if not (suspects["repeated"] or suspects["invalid"]):
        assert full == 0
    if frame[["case", "activity", "timestamp"]].notna().all(axis=None):
        assert full == int(frame.duplicated(keep="first").sum())
        assert bool(suspects["repeated"]) == bool(frame.duplicated(["case", "activity", "timestamp"]).any())
