"""The JSON API of `bpr serve`: every command endpoint gives the result.json the CLI writes for the
same file, a failed job gives the CLI's one-line error and the server keeps serving, reports download."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402

from bpr.cli import cli  # noqa: E402
from bpr.web.app import create_app  # noqa: E402
from bpr.web.jobs import JobStore  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
CATALOGUE = SAMPLES / "catalogue_template.xlsx"
LOG = SAMPLES / "logs" / "food_licence.csv"
BUNDLE = SAMPLES / "bundles" / "开办餐饮店一件事.yaml"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bpr-data")


@pytest.fixture(scope="module")
def client(data) -> TestClient:
    with TestClient(create_app(data, workers=2)) as c:
        yield c


def post(client: TestClient, kind: str, files: dict[str, Path | tuple], **form) -> str:
    parts = {k: (v.name, v.read_bytes()) if isinstance(v, Path) else v for k, v in files.items()}
    r = client.post(f"/api/{kind}", files=parts, data={k: str(v) for k, v in form.items()})
    assert r.status_code == 202, r.text
    body = r.json()
    assert set(body) >= {"job"} and len(body["job"]) == 32
    return body["job"]


def wait(client: TestClient, job: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        status = client.get(f"/api/jobs/{job}").json()
        assert 0 <= status["progress"] <= 1
        seen.append(status["progress"])
        if status["status"] in ("done", "failed"):
            assert seen == sorted(seen), "progress never goes back"
            return status
        time.sleep(0.2)
    raise AssertionError(f"job {job} did not finish in {timeout} s")


def cli_result(tmp_path: Path, *args: str) -> dict:
    from click.testing import CliRunner

    out = tmp_path / "cli"
    result = CliRunner().invoke(cli, [*args, "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads((out / "result.json").read_text(encoding="utf-8"))


def test_inspect_gives_the_cli_summary(client):
    from bpr.runs import inspect_file

    status = wait(client, post(client, "inspect", {"file": CATALOGUE}))
    assert status["status"] == "done", status["error"]
    expected = inspect_file(CATALOGUE)
    got = status["result"]
    assert got["kind"] == "catalogue"
    assert (got["matters"], got["materials"], got["steps"]) == (expected["matters"], expected["materials"],
                                                                 expected["steps"])
    assert got["departments"] == expected["departments"]


def test_audit_gives_the_cli_result(client, tmp_path):
    status = wait(client, post(client, "audit", {"file": CATALOGUE}, workspace="api"))
    assert status["status"] == "done", status["error"]
    mine = cli_result(tmp_path, "audit", str(CATALOGUE))
    got = status["result"]
    assert got["kind"] == "audit"
    assert got["indicators"] == mine["indicators"]
    assert got["by_department"] == mine["by_department"]
    assert [f["rule"] for f in got["findings"]] == [f["rule"] for f in mine["findings"]]
    assert [p["id"] for p in got["proposals"]] == [p["id"] for p in mine["proposals"]]


def test_an_old_xls_catalogue_is_audited_as_by_the_cli(client, tmp_path):
    """A province's .xls export uploaded to the web app: the same audit as `bpr audit` gives."""
    xls = Path(__file__).resolve().parents[1] / "io" / "data" / "province_export.xls"
    status = wait(client, post(client, "audit", {"file": xls}, workspace="api"))
    assert status["status"] == "done", status["error"]
    mine = cli_result(tmp_path, "audit", str(xls))
    assert status["result"]["indicators"] == mine["indicators"] and mine["indicators"]["matters"] == 3


def test_propose_then_apply_with_the_plan_it_wrote(client, data, tmp_path):
    job = post(client, "propose", {"file": CATALOGUE}, workspace="api")
    status = wait(client, job)
    assert status["status"] == "done", status["error"]
    mine = cli_result(tmp_path, "propose", str(CATALOGUE))
    assert status["result"]["summary"] == mine["summary"]
    assert [p["id"] for p in status["result"]["proposals"]] == [p["id"] for p in mine["proposals"]]
    plan = (data / "api" / "jobs" / job / "out" / "plan.yaml").read_text(encoding="utf-8")
    accepted = plan.replace("accepted: false", "accepted: true")
    applied = wait(client, post(client, "apply", {"file": CATALOGUE,
                                                  "plan": ("plan.yaml", accepted.encode("utf-8"))}, workspace="api"))
    assert applied["status"] == "done", applied["error"]
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(accepted, encoding="utf-8")
    mine = cli_result(tmp_path / "a", "apply", str(CATALOGUE), str(plan_file))
    assert applied["result"]["applied"] == mine["applied"] and applied["result"]["applied"]
    def figures(result: dict) -> dict:
        return {k: v for k, v in result["before_after"]["catalogue"].items() if k != "name"}  # name: the path

    assert figures(applied["result"]) == figures(mine)


def test_bundle_gives_the_cli_result(client, tmp_path):
    status = wait(client, post(client, "bundle", {"file": CATALOGUE, "bundle": BUNDLE}))
    assert status["status"] == "done", status["error"]
    mine = cli_result(tmp_path, "bundle", str(CATALOGUE), str(BUNDLE))
    assert status["result"]["bundle"]["before"] == mine["bundle"]["before"]
    assert status["result"]["bundle"]["after"] == mine["bundle"]["after"]


def test_discover_gives_the_cli_result(client, tmp_path):
    status = wait(client, post(client, "discover", {"file": LOG}))
    assert status["status"] == "done", status["error"]
    mine = cli_result(tmp_path, "discover", str(LOG))
    got = status["result"]
    assert (got["cases"], got["events"], got["variant_count"]) == (mine["cases"], mine["events"], mine["variant_count"])
    assert got["dfg"] == mine["dfg"]


def test_simulate_with_a_scenario_from_form_fields(client, tmp_path):
    scenario = {"name": "补正减半", "rework": [{"to": "补正材料", "factor": 0.5}]}
    status = wait(client, post(client, "simulate", {"file": LOG}, cases=100, replications=2, seed=3,
                               scenarios=json.dumps([scenario], ensure_ascii=False)))
    assert status["status"] == "done", status["error"]
    (tmp_path / "s.yaml").write_text(json.dumps({"scenarios": [scenario]}, ensure_ascii=False), encoding="utf-8")
    mine = cli_result(tmp_path, "simulate", str(LOG), "--cases", "100", "--replications", "2", "--seed", "3",
                      "--scenario", str(tmp_path / "s.yaml"))
    got = status["result"]
    assert [s["name"] for s in got["scenarios"]] == ["as-is", "补正减半"]
    assert [s["cycle_working_days"] for s in got["scenarios"]] == [s["cycle_working_days"] for s in mine["scenarios"]]


def test_compare_gives_the_cli_result(client, tmp_path):
    reform = SAMPLES / "logs" / "public_health_reform.csv"
    status = wait(client, post(client, "compare", {"file": reform}, at="2024-07-01"))
    assert status["status"] == "done", status["error"]
    mine = cli_result(tmp_path, "compare", str(reform), "--at", "2024-07-01")
    got = status["result"]
    assert got["kind"] == "compare" and got["at"] == mine["at"]
    for side in ("before", "after"):
        assert got[side]["cases"] == mine[side]["cases"] > 0
        assert got[side]["median_hours"] == mine[side]["median_hours"]
    assert got["change"] == mine["change"]


def test_bad_scenarios_field_is_a_400(client):
    r = client.post("/api/simulate", files={"file": (LOG.name, LOG.read_bytes())}, data={"scenarios": "{not json"})
    assert r.status_code == 400


def test_failed_job_shows_the_cli_line_and_the_server_goes_on(client, tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not a workbook")
    status = wait(client, post(client, "audit", {"file": bad}))
    assert status["status"] == "failed" and status["result"] is None
    proc = subprocess.run([sys.executable, "-c", "from bpr.cli import main; main()", "audit", str(bad),
                           "-o", str(tmp_path / "o")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    cli_line = proc.stderr.strip()
    assert status["error"]["zh"] == cli_line.replace(str(bad), "broken.xlsx")
    assert "\n" not in status["error"]["zh"] and "Traceback" not in status["error"]["zh"]
    assert str(tmp_path) not in json.dumps(status["error"])  # no server path
    # the server still serves
    assert wait(client, post(client, "inspect", {"file": CATALOGUE}))["status"] == "done"


def test_unmapped_log_lists_its_columns_and_mapping_fixes_it(client):
    text = LOG.read_text(encoding="gbk").splitlines()
    header = text[0].split(",")
    renamed = ",".join(f"col{i}" for i in range(len(header)))
    content = "\n".join([renamed, *text[1:]]).encode("utf-8")
    status = wait(client, post(client, "inspect", {"file": ("renamed.csv", content)}))
    assert status["status"] == "failed" and status["error"]["key"] == "err_no_log_columns"
    assert status["error"]["columns"] == [f"col{i}" for i in range(len(header))]
    roles = {"case": "办件编号", "activity": "环节名称", "timestamp": "环节结束时间"}
    mapping = ",".join(f"{r}=col{header.index(c)}" for r, c in roles.items() if c in header)
    assert mapping.count("=") == 3, header
    fixed = wait(client, post(client, "inspect", {"file": ("renamed.csv", content)}, mapping=mapping))
    assert fixed["status"] == "done", fixed["error"]
    assert fixed["result"]["events"] == len(text) - 1


def test_reports_download_in_three_formats(client):
    job = post(client, "audit", {"file": CATALOGUE})
    assert wait(client, job)["status"] == "done"
    html = client.get(f"/api/jobs/{job}/report.html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "<html" in html.text.lower() and "sandbox" in html.headers["content-security-policy"]
    for fmt in ("xlsx", "docx"):
        r = client.get(f"/api/jobs/{job}/report.{fmt}")
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
        assert ("xl/workbook.xml" if fmt == "xlsx" else "word/document.xml") in names
    english = client.get(f"/api/jobs/{job}/report.html?lang=en")
    assert english.status_code == 200 and english.text != html.text
    assert client.get(f"/api/jobs/{job}/report.pdf").status_code in (404, 422)
    assert client.get(f"/api/jobs/{'0' * 32}/report.html").status_code == 404


def test_openapi_documents_every_endpoint(client):
    spec = client.get("/api/openapi.json").json()
    for kind in ("inspect", "audit", "propose", "apply", "bundle", "discover", "simulate", "compare"):
        assert "post" in spec["paths"][f"/api/{kind}"]
    assert "/api/jobs/{job_id}" in spec["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    for path, methods in spec["paths"].items():
        for method in methods:
            assert f"<code>{method.upper()} {path}</code>" in docs.text
    assert "cdn" not in docs.text.lower() and "<script>" not in docs.text  # works offline, under the CSP
    assert "<code>file</code> *</td><td>form</td><td>file</td>" in docs.text
    client.cookies.clear()  # the page set a browser's CSRF cookie; the API tests are a plain client


def test_jobs_survive_a_restart(data, client):
    job = post(client, "inspect", {"file": CATALOGUE}, workspace="restart")
    assert wait(client, job)["status"] == "done"
    # a job left queued by a stopped server runs at the next start
    store = client.app.state.store
    queued, in_dir = store.create("restart", "inspect", {})
    (in_dir / "file").mkdir()
    (in_dir / "file" / CATALOGUE.name).write_bytes(CATALOGUE.read_bytes())
    queued.files["file"] = f"file/{CATALOGUE.name}"
    store.save(queued)
    with TestClient(create_app(data, store=JobStore(data))) as again:
        assert again.get(f"/api/jobs/{job}").json()["status"] == "done"
        assert wait(again, queued.id)["status"] == "done"
