"""Issue 17: `bpr report` on results that are odd but valid (root cause 11) or not valid at all
(the newcomer's list: result.json checked against a schema per kind)."""

from __future__ import annotations

import json

import pytest

from ._cli import FOOD_LOG, assert_one_line_error, run


def test_report_of_a_single_replication_simulation(tmp_path):
    out = tmp_path / "sim"
    proc = run("simulate", FOOD_LOG, "-o", out, "--replications", 1, "--cases", 40, "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    stat = json.loads((out / "result.json").read_text())["scenarios"][0]["cycle_working_days"]["median"]
    assert stat["ci_low"] is None and stat["mean"] is not None
    proc = run("report", out, "-o", tmp_path / "r", "--format", "html", "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "r").glob("*.html").__next__().read_text(encoding="utf-8")
    assert "one replication, no interval" in html
    assert "None" not in html.replace("NoneType", "")


def _sealed(folder, data: dict):
    from bpr.io.result_folder import seal

    folder.mkdir()
    (folder / "result.json").write_text(json.dumps(data), encoding="utf-8")
    seal(folder, data.get("kind", "unknown"))
    return folder


@pytest.mark.parametrize("data, needle", [
    ({"kind": "audit"}, "audit.indicators"),
    ({"kind": "propose", "proposals": [], "summary": None}, "propose.summary"),
    ({"kind": "propose"}, "propose.proposals"),
    ({"kind": "simulate", "scenarios": [], "model": {}}, "scenarios"),
    ({"kind": "simulate", "scenarios": [{"name": "x"}], "model": {}}, "simulate.scenarios[1].cycle_working_days"),
    ({"kind": "discover", "cases": "12", "events": 3, "activities": 1, "variants": [], "dfg": []}, "discover.cases"),
    ({"kind": "apply", "applied": [], "rejected": [], "proposals": [], "before_after": {}}, "before_after.catalogue"),
    ({"kind": "bundle", "bundle": {"name": "x"}, "targets": []}, "bundle.bundle.before"),
])
def test_report_checks_result_json_per_kind(tmp_path, data, needle):
    """Sealed (complete) folders whose result.json lacks what the report reads: one line naming the
    key, nothing written, where there was a KeyError or an empty report with exit 0."""
    folder = _sealed(tmp_path / "res", data)
    assert_one_line_error(run("report", folder, "-o", tmp_path / "r", "--lang", "en"), needle)
    assert not (tmp_path / "r").exists()
