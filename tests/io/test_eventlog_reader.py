"""The event-log reader against pm4py on real logs, and on hand-made CSV/XLSX/Parquet files."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import bpr
from bpr.errors import InputError
from bpr.io.eventlog_reader import convert_log, detect_encoding
from bpr.model.eventlog import SCHEMA

pm4py = pytest.importorskip("pm4py")


@pytest.fixture(scope="module")
def pm4py_frames() -> dict:
    return {}


def _pm4py_formatted(path: Path, cache: dict) -> pd.DataFrame:
    if path not in cache:
        frame = pm4py.read_xes(str(path), return_legacy_log_object=False)
        cache[path] = pm4py.format_dataframe(frame)
    return cache[path]


_OURS: dict[Path, bpr.EventLog] = {}


def _ours(path: Path) -> bpr.EventLog:
    if path not in _OURS:
        _OURS[path] = bpr.read_log(path)
    return _OURS[path]


def test_real_log_counts_equal_pm4py(real_log: Path, pm4py_frames: dict) -> None:
    log = _ours(real_log)
    ref = _pm4py_formatted(real_log, pm4py_frames)
    assert log.events == len(ref)
    assert log.cases == ref["case:concept:name"].nunique()
    assert log.activities == ref["concept:name"].nunique()
    assert log.table.schema == SCHEMA


def test_real_log_order_equals_pm4py_format_dataframe(real_log: Path, pm4py_frames: dict) -> None:
    ours = _ours(real_log).to_pm4py()
    ref = _pm4py_formatted(real_log, pm4py_frames)
    assert ours["case:concept:name"].tolist() == ref["case:concept:name"].astype(str).tolist()
    assert ours["concept:name"].tolist() == ref["concept:name"].astype(str).tolist()
    ref_ts = pd.to_datetime(ref["time:timestamp"], utc=True).dt.as_unit("us")
    assert (ours["time:timestamp"].dt.as_unit("us").to_numpy() == ref_ts.to_numpy()).all()


def _write_csv(path: Path, rows: list[list], header: list[str], encoding: str = "utf-8") -> Path:
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding=encoding)
    return path


GBT_HEADER = ["办件编号", "实施编码", "环节名称", "环节处理人", "环节开始时间", "环节结束时间", "业务动作",
              "办理部门", "申报来源"]
GBT_ROWS = [
    ["SP2021001", "11330100MB0001", "受理", "张三", "2021/3/5 9:30", "2021/3/5 10:00", "通过", "市场监管局", "窗口"],
    ["SP2021001", "11330100MB0001", "审查", "李四", "2021/3/5 10:30", "2021/3/8 16:00", "退回", "市场监管局", "窗口"],
    ["SP2021001", "11330100MB0001", "审查", "李四", "2021/3/9 9:00", "2021/3/9 11:15", "通过", "市场监管局", "窗口"],
    ["SP2021002", "11330100MB0001", "受理", "王五", "2021/3/5 14:00", "2021/3/5 14:20", "通过", "市场监管局", "网上"],
    ["SP2021002", "11330100MB0001", "决定", "赵六", "2021/3/6 9:00", "2021/3/6 9:40", "通过", "市场监管局", "网上"],
]


def test_gbk_csv_with_gbt39046_headers(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "办件.csv", GBT_ROWS, GBT_HEADER, encoding="gbk")
    assert detect_encoding(path.read_bytes()) == "gb18030"
    log = bpr.read_log(path)
    assert log.columns == {"case": "办件编号", "activity": "环节名称", "timestamp": "环节结束时间",
                           "start": "环节开始时间", "resource": "环节处理人", "department": "办理部门",
                           "channel": "申报来源", "action": "业务动作", "matter": "实施编码"}
    assert (log.events, log.cases, log.activities) == (5, 2, 3)
    frame = log.to_pandas()
    assert frame["activity"].tolist() == ["受理", "审查", "审查", "受理", "决定"]
    # naive local times are Asia/Shanghai: 09:30 there is 01:30 UTC
    assert frame["start"].iloc[0] == pd.Timestamp("2021-03-05 01:30", tz="UTC")
    assert frame["timestamp"].iloc[2] == pd.Timestamp("2021-03-09 03:15", tz="UTC")
    assert set(frame["department"]) == {"市场监管局"} and frame["action"].iloc[1] == "退回"
    assert not log.warnings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    path = _write_csv(tmp_path / "log.csv", GBT_ROWS, GBT_HEADER, encoding=encoding)
    log = bpr.read_log(path)
    assert log.events == 5 and log.columns["case"] == "办件编号"
    assert sorted(set(log.to_pandas()["resource"])) == sorted({"张三", "李四", "王五", "赵六"})


def test_tsv_and_gzip(tmp_path: Path) -> None:
    frame = pd.DataFrame(GBT_ROWS, columns=GBT_HEADER)
    frame.to_csv(tmp_path / "log.tsv", sep="\t", index=False)
    with gzip.open(tmp_path / "log.csv.gz", "wt", encoding="utf-8") as fh:
        frame.to_csv(fh, index=False)
    for name in ("log.tsv", "log.csv.gz"):
        log = bpr.read_log(tmp_path / name)
        assert (log.events, log.cases, log.activities) == (5, 2, 3), name


def test_xlsx_and_parquet_agree_with_csv(tmp_path: Path) -> None:
    frame = pd.DataFrame(GBT_ROWS, columns=GBT_HEADER)
    csv = _write_csv(tmp_path / "log.csv", GBT_ROWS, GBT_HEADER)
    xlsx = tmp_path / "log.xlsx"
    with pd.ExcelWriter(xlsx) as writer:  # a title row above the header, as exports have
        pd.DataFrame([["食品经营许可办件明细"]]).to_excel(writer, index=False, header=False)
        frame.to_excel(writer, index=False, startrow=2)
    typed = frame.copy()
    typed["环节结束时间"] = pd.to_datetime(typed["环节结束时间"], format="%Y/%m/%d %H:%M")
    typed.to_parquet(tmp_path / "log.parquet")
    expected = bpr.read_log(csv).table
    for path in (xlsx, tmp_path / "log.parquet"):
        got = bpr.read_log(path).table
        for col in ("case", "activity", "timestamp", "resource", "row"):
            assert got[col].to_pylist() == expected[col].to_pylist(), (path.name, col)


def test_excel_serial_and_chinese_dates(tmp_path: Path) -> None:
    rows = [["A", "受理", "44260.5"], ["A", "审查", "2021年3月6日 09:30"], ["B", "受理", "2021年3月7日"]]
    log = bpr.read_log(_write_csv(tmp_path / "x.csv", rows, ["申请编号", "节点名称", "操作时间"]))
    got = log.to_pandas()["timestamp"].tolist()
    assert got == [pd.Timestamp("2021-03-05 04:00", tz="UTC"), pd.Timestamp("2021-03-06 01:30", tz="UTC"),
                   pd.Timestamp("2021-03-06 16:00", tz="UTC")]


def test_order_is_case_time_row_stable(tmp_path: Path) -> None:
    rows = [["2", "x", "2021-01-02 00:00:00"], ["1", "b", "2021-01-01 00:00:00"],
            ["1", "a", "2021-01-01 00:00:00"], ["10", "y", "2021-01-01 00:00:00"],
            ["1", "c", "2020-12-31 00:00:00"]]
    path = _write_csv(tmp_path / "o.csv", rows, ["case_id", "activity", "timestamp"])
    ours = bpr.read_log(path).to_pm4py()
    ref = pm4py.format_dataframe(pd.read_csv(path, dtype=str), case_id="case_id", activity_key="activity",
                                 timestamp_key="timestamp")
    assert ours["case:concept:name"].tolist() == ref["case:concept:name"].tolist() == ["1", "1", "1", "10", "2"]
    assert ours["concept:name"].tolist() == ref["concept:name"].tolist() == ["c", "b", "a", "y", "x"]


def test_warnings_are_counted_and_run_goes_on(tmp_path: Path) -> None:
    rows = [["A", "受理", "2021-03-05 09:00", "2021-03-05 10:00"],
            ["A", "受理", "2021-03-05 09:00", "2021-03-05 10:00"],  # exact duplicate
            ["A", "审查", "2021-03-06 12:00", "2021-03-06 11:00"],  # ends before it starts
            ["A", "决定", "2021-03-07 09:00", "not a date"],  # unreadable end: dropped
            ["B", "受理", "2027-01-01 09:00", "2027-01-01 10:00"],  # future (2099 would be implausible)
            ["B", "审查", "2021-03-08 09:00", "2021-03-08 10:00"],
            ["", "审查", "2021-03-08 09:00", "2021-03-08 10:00"],  # no case: dropped
            ["C", "受理", "2021-03-08 09:00", "2021-03-08 10:00"]]
    path = _write_csv(tmp_path / "w.csv", rows, ["case", "activity", "start_time", "end_time", ])
    log = bpr.read_log(path, now=datetime(2026, 1, 1, tzinfo=UTC), max_bad_rows="20%")  # 1 of 7 unreadable
    by_code = {w.code: w for w in log.warnings}
    assert by_code["duplicate_event"].count == 1
    assert by_code["end_before_start"].count == 1
    assert by_code["unparseable_timestamp"].count == 1 and by_code["unparseable_timestamp"].value == "not a date"
    assert by_code["future_timestamp"].count == 1
    assert by_code["missing_case"].count == 1
    assert log.events == 6 and log.cases == 3


def test_most_timestamps_unreadable_is_refused(tmp_path: Path) -> None:
    rows = [["A", "受理", f"第{i}天"] for i in range(50)] + [["A", "审查", "2021-03-05 09:00"]]
    path = _write_csv(tmp_path / "bad.csv", rows, ["办件编号", "环节名称", "办理时间"])
    with pytest.raises(InputError) as err:
        bpr.read_log(path)
    text = str(err.value)
    assert "bad.csv" in text and "办理时间" in text and "第0天" in text and "2021年3月5日" in text


def test_missing_columns_message_lists_columns_and_map(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "m.csv", [["1", "x", "y"]], ["编号", "名称", "日期"])
    with pytest.raises(InputError) as err:
        bpr.read_log(path)
    text = str(err.value)
    assert "编号, 名称, 日期" in text and "--map case=" in text and "timestamp=" in text
    log = bpr.read_log(_write_csv(tmp_path / "m2.csv", [["1", "x", "2021-01-01"]], ["编号", "名称", "日期"]),
                       mapping={"case": "编号", "activity": "名称", "timestamp": "日期"})
    assert log.events == 1 and log.columns["timestamp"] == "日期"


@pytest.mark.parametrize("content,suffix", [(b"", ".csv"), (b"hello, this is text\n", ".xlsx"),
                                            (b"case,activity,timestamp\n", ".csv")])
def test_bad_files(tmp_path: Path, content: bytes, suffix: str) -> None:
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        bpr.read_log(path)
    assert str(path) in str(err.value)


def test_missing_and_truncated_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        bpr.read_log(tmp_path / "nope.csv")
    frame = pd.DataFrame(GBT_ROWS, columns=GBT_HEADER)
    good = tmp_path / "good.xlsx"
    frame.to_excel(good, index=False)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputError, match="cut.xlsx"):
        bpr.read_log(cut)


def test_convert_log_writes_canonical_parquet(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "log.csv", GBT_ROWS, GBT_HEADER, encoding="gbk")
    info = convert_log(path, tmp_path / "out" / "log.parquet", sort=True)
    table = pq.read_table(info.parquet)
    assert info.events == table.num_rows == 5
    assert table.cast(SCHEMA).equals(bpr.read_log(path).table)
    unsorted = pq.read_table(convert_log(path, tmp_path / "u.parquet").parquet).cast(SCHEMA)
    assert unsorted["row"].to_pylist() == [0, 1, 2, 3, 4]  # file order
    assert unsorted.sort_by([("case", "ascending"), ("timestamp", "ascending"), ("row", "ascending")]).equals(table.cast(SCHEMA))
    assert info.columns["case"] == "办件编号" and info.to_dict()["events"] == 5
    log = bpr.read_log(path, to_parquet=tmp_path / "again.parquet")
    assert log.table.equals(bpr.read_log(path).table)


def test_row_numbers_follow_file_order_on_a_larger_file(tmp_path: Path) -> None:
    # many rows in one case with equal timestamps: only the row number can order them
    n = 300_000
    frame = pd.DataFrame({"case": ["c"] * n, "activity": [f"a{i}" for i in range(n)],
                          "timestamp": ["2021-01-01 00:00:00"] * n})
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    table = bpr.read_log(path).table
    assert table["row"].to_pylist() == list(range(n))
    assert table["activity"].to_pylist()[:3] == ["a0", "a1", "a2"]
    assert pa.compute.all(pa.compute.equal(table["activity"], pa.array(frame["activity"]))).as_py()


SAMPLE_LOGS = sorted((Path(__file__).resolve().parents[2] / "samples" / "logs").glob("*.*"))


@pytest.mark.parametrize("path", SAMPLE_LOGS or [None], ids=lambda p: p.name if p else "no-samples")
def test_sample_logs_read_and_agree_with_pm4py(path: Path | None) -> None:
    if path is None:
        pytest.skip("no sample logs yet in samples/logs")
    if path.suffix not in {".csv", ".xlsx", ".xes", ".gz", ".parquet", ".tsv"}:
        pytest.skip(f"not a log: {path.name}")
    log = bpr.read_log(path)
    assert log.events > 1000 and {"case", "activity", "timestamp", "start"} <= set(log.columns)
    if path.suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, encoding=detect_encoding(path.read_bytes()[:1 << 20]))
    elif path.suffix == ".xlsx":
        frame = pd.read_excel(path, dtype=str)
    else:
        return
    ref = pm4py.format_dataframe(frame, case_id=log.columns["case"], activity_key=log.columns["activity"],
                                 timestamp_key=log.columns["timestamp"])
    assert log.events == len(ref)
    assert log.cases == ref["case:concept:name"].nunique()
    assert log.activities == ref["concept:name"].nunique()
    assert log.to_pm4py()["concept:name"].tolist() == ref["concept:name"].tolist()


def test_malformed_row_deep_in_a_csv_is_one_clear_error(tmp_path: Path) -> None:
    lines = ["case,activity,timestamp"] + [f"c{i},a,2021-01-01 00:00:00" for i in range(5000)]
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines + ["c9,x,2021-01-01,z,w"]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        bpr.read_log(path)
    assert "ragged.csv" in str(err.value) and "5002" in str(err.value) and "\n" not in str(err.value)


def test_a_format_that_appears_only_late_in_the_file_is_still_read(tmp_path: Path) -> None:
    lines = ["办件编号,环节名称,办理时间"] + [f"A{i},受理,2021-03-05 09:{i % 60:02d}:00" for i in range(3000)]
    lines += [f"B{i},受理,2022年1月{i % 28 + 1}日 10:00" for i in range(50)] + ["C,受理,坏值"]
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log = bpr.read_log(path)
    assert log.events == 3050
    assert [(w.code, w.count, w.value) for w in log.warnings] == [("unparseable_timestamp", 1, "坏值")]
    b0 = log.to_pandas().query("case == 'B0'")["timestamp"].iloc[0]
    assert b0 == pd.Timestamp("2022-01-01 02:00", tz="UTC")


def test_tiny_gbk_file_is_not_mistaken_for_another_encoding(tmp_path: Path) -> None:
    path = tmp_path / "tiny.csv"
    path.write_bytes("办件编号,环节名称,环节结束时间\n申请一,受理,2021/3/5 9:30\n".encode("gbk"))
    log = bpr.read_log(path)
    assert log.to_pandas()[["case", "activity"]].values.tolist() == [["申请一", "受理"]]


def test_load_into_duckdb_matches_read_log(tmp_path: Path) -> None:
    import duckdb

    from bpr.io.eventlog_reader import load_into_duckdb

    path = _write_csv(tmp_path / "办件.csv", GBT_ROWS, GBT_HEADER, encoding="gbk")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for _ in range(2):  # loading again under the same name replaces the first load
        info = load_into_duckdb(con, path)
    assert info.events == 5 and info.parquet is None and info.columns["case"] == "办件编号"
    got = con.sql('SELECT * FROM events ORDER BY "case", timestamp, "row"').to_arrow_table()
    assert got.cast(SCHEMA).equals(bpr.read_log(path).table)
    assert con.execute("SELECT current_setting('TimeZone')").fetchall()[0][0] == "UTC"
    with pytest.raises(InputError, match="not found"):
        load_into_duckdb(con, tmp_path / "missing.csv", name="other")


def test_a_matter_sheet_given_as_a_log_says_so() -> None:
    sheet = Path(__file__).resolve().parents[2] / "samples" / "catalogue_province_export.xlsx"
    with pytest.raises(InputError) as err:
        bpr.read_log(sheet)
    assert err.value.key == "err_log_is_a_catalogue" and err.value.sheet == "实施清单"
    assert "bpr audit" in str(err.value)
