"""`bpr discover` with a catalogue, a specified process and --bpmn on the sample food-licence log."""

from __future__ import annotations

import json

import pytest

from bpr.analyse.interop import check_bpmn
from bpr.cli import main


def run(argv: list[str]) -> int:
    """bpr's entry point as the shell runs it: the exit code."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    return exit_.value.code


@pytest.fixture(scope="module")
def out(tmp_path_factory, samples):
    log = samples / "logs" / "food_licence.csv"
    if not log.exists():
        pytest.skip("sample log not generated")
    folder = tmp_path_factory.mktemp("food")
    code = run(["discover", str(log), "-o", str(folder), "--catalogue", str(samples / "catalogue_province_export.xlsx"),
                "--spec", str(samples.parent / "process_models" / "食品经营许可.yaml"), "--bpmn"])
    assert code in (0, None)
    return folder


def test_result_holds_every_analysis(out):
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    for key in ("performance", "handoffs", "rework", "visits", "on_time", "bottlenecks", "conformance"):
        assert key in data
    # the sample's 10-working-day promise is checked for every case; window applicants who collect at
    # the counter come twice, online applicants with a mailed licence never come
    assert data["on_time"]["summary"]["cases"] == data["cases"]
    assert 0.5 < data["on_time"]["summary"]["rate"] < 1
    assert data["visits"]["summary"]["stated"] == 1
    assert data["visits"]["summary"]["distribution"]["0"] > 0 and data["visits"]["summary"]["distribution"]["2"] > 0
    # 补正材料 is the applicant's step after a send-back: rework, and a step the spec lacks
    assert data["rework"]["summary"]["sendback_cases"] > 0
    conformance = data["conformance"]["食品经营许可"]
    assert [d["step"] for d in conformance["hidden"]] == ["补正材料"]
    assert 0 < conformance["fitness"]["log_fitness"] < 1


def test_tables_and_bpmn_written(out):
    for name in ("step_times.csv", "handoffs_departments.csv", "rework_steps.csv", "overdue_cases.csv",
                 "conformance_deviations.csv"):
        assert (out / name).stat().st_size > 0
    assert check_bpmn(out / "process.bpmn").has_diagram


def test_bad_spec_is_one_line_and_exit_2(tmp_path, samples, capsys):
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: x\nsteps: 3\n", encoding="utf-8")
    code = run(["discover", str(samples / "logs" / "food_licence.csv"), "-o", str(tmp_path / "o"), "--spec", str(spec)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o" / "result.json").exists()


def test_damaged_parquet_is_one_line_without_our_sql(tmp_path, capsys):
    log = tmp_path / "办件.parquet"
    log.write_bytes(b"PAR1" + bytes(range(256)) * 20)
    code = run(["discover", str(log), "-o", str(tmp_path / "o"), "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "办件.parquet" in err and "PARQUET" in err and "read_parquet(" not in err and "^" not in err
