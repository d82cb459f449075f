"""`bpr serve`'s Compare page without a browser: upload a log, give (or leave out) the reform date,
and the page shows the same before/after, intervals and significance as `bpr compare`'s result.json,
with the monthly trend series and the reform month for the chart."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from click.testing import CliRunner  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from bpr.cli import cli  # noqa: E402
from bpr.web.app import create_app  # noqa: E402
from bpr.web.pages import _num, _pct  # noqa: E402
from bpr.web.security import CSRF_COOKIE  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "samples" / "logs" / "public_health_reform.csv"
OLD = ROOT / "samples" / "catalogue_template.xlsx"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with TestClient(create_app(tmp_path_factory.mktemp("compare"))) as c:
        c.get("/")
        yield c, c.cookies[CSRF_COOKIE]


def _run(client, token: str, files: dict, at: str = "", lang: str = "zh") -> str:
    r = client.post(f"/w/cmp/compare?lang={lang}", files=files, data={"csrf": token, "at": at}, follow_redirects=False)
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    job = url.rsplit("/", 1)[-1]
    deadline = time.monotonic() + 300
    while client.get(f"/api/jobs/{job}").json()["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    return url


def _cli(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "cli"
    r = CliRunner().invoke(cli, ["compare", *args, "-o", str(out)])
    assert r.exit_code == 0, r.output
    return json.loads((out / "result.json").read_text(encoding="utf-8"))


def test_workspace_links_the_compare_form(client):
    c, _ = client
    page = c.get("/w/cmp/").text
    assert 'href="/w/cmp/compare"' in page and "改革成效比较" in page
    form = c.get("/w/cmp/compare").text
    assert 'type="date" name="at"' in form and 'name="other"' in form and "留空" in form
    assert "Reform date" in c.get("/w/cmp/compare?lang=en").text


def test_compare_at_a_date_shows_the_cli_figures_and_the_trend(client, tmp_path):
    c, token = client
    url = _run(c, token, {"file": (LOG.name, LOG.read_bytes())}, at="2024-07-01")
    page = c.get(url + "?lang=zh").text
    expected = _cli(tmp_path, str(LOG), "--at", "2024-07-01")
    assert "2024-07-01" in page and "给定" in page
    for key, change in expected["change"].items():
        row = re.search(rf'<tr data-measure="{key}" data-significant="(yes|no)">(.*?)</tr>', page, re.S)
        assert row, key
        assert row.group(1) == {True: "yes", False: "no", None: "none"}[change["significant"]]
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(2))
        rate = key.endswith("_rate")
        shown = [_pct(v) if rate else _num(v, 2) for v in
                 (change["before"], change["after"], change["diff"], change["ci_low"], change["ci_high"])]
        assert cells[1:6] == shown, key
    # the reform halved the median working days: a significant fall whose interval excludes 0
    median = expected["change"]["median_days"]
    assert median["significant"] and median["ci_high"] < 0
    trend = json.loads(re.search(r'<script type="application/json" id="trend-data">(.*?)</script>', page, re.S).group(1))
    assert trend["at_month"] == "2024-07" and trend["at_month"] in trend["months"]
    assert trend["months"] == [m["month"] for m in expected["trends"]["months"]]
    assert trend["median_days"] == [m["median_days"] for m in expected["trends"]["months"]]
    assert "echarts" in page and 'id="trend-chart"' in page
    # reports as for the other jobs
    job = url.rsplit("/", 1)[-1]
    assert f"/api/jobs/{job}/report.xlsx" in page
    assert c.get(f"/api/jobs/{job}/report.html?workspace=cmp").status_code == 200


def test_compare_without_a_date_finds_it_and_says_so_in_english(client, tmp_path):
    c, token = client
    url = _run(c, token, {"file": (LOG.name, LOG.read_bytes())}, lang="en")
    page = c.get(url + "?lang=en").text
    expected = _cli(tmp_path, str(LOG))
    assert expected["at_source"] != "given"
    assert expected["at"] in page and "found from the data" in page
    assert "Before and after (95% intervals)" in page and "改革前后" not in page


def test_compare_two_matter_sheets_and_a_bad_date(client):
    c, token = client
    url = _run(c, token, {"file": (OLD.name, OLD.read_bytes()), "other": (OLD.name, OLD.read_bytes())})
    page = c.get(url + "?lang=zh").text
    assert 'id="compare-catalogue"' in page and "事项数" in page
    url = _run(c, token, {"file": (LOG.name, LOG.read_bytes())}, at="2031-01-01")
    page = c.get(url + "?lang=zh").text
    assert 'id="job-error"' in page and "2031-01-01" in page
    assert c.post("/w/cmp/compare", files={"file": (LOG.name, b"x")}, data={"csrf": "wrong"}).status_code == 403
