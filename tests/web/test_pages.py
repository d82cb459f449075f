"""`bpr serve`'s plan editor without a browser: the toggles and the editable values give the same
before/after as the CLI's propose → edit plan.yaml → apply on the same catalogue."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
import yaml

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from click.testing import CliRunner  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from bpr.cli import cli  # noqa: E402
from bpr.web.app import create_app  # noqa: E402
from bpr.web.security import CSRF_COOKIE  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "samples" / "catalogue_template.xlsx"
MEASURES = ("steps", "materials", "promised_days", "critical_path_days", "visits")


@pytest.fixture(scope="module")
def plan_page(tmp_path_factory):
    data = tmp_path_factory.mktemp("pages")
    with TestClient(create_app(data)) as client:
        token, job = _proposed(client, "p")
        yield client, token, f"/w/p/jobs/{job}"


def _proposed(client: TestClient, workspace: str) -> tuple[str, str]:
    """Propose on the sample catalogue through the API and wait for it: the CSRF token and the job id."""
    client.get("/")
    token = client.cookies[CSRF_COOKIE]
    r = client.post("/api/propose", files={"file": (CATALOGUE.name, CATALOGUE.read_bytes())},
                    data={"workspace": workspace}, headers={"x-csrf-token": token})
    job = r.json()["job"]
    deadline = time.monotonic() + 300
    while client.get(f"/api/jobs/{job}").json()["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    return token, job


def _figures(html: str) -> dict[str, float]:
    found = {}
    for m in MEASURES:
        cell = re.search(rf'data-measure="{m}">.*?<td class="after">([^<]*)</td>', html, re.S)
        found[m] = float(cell.group(1).replace(",", ""))
    return found


def _cli(tmp_path: Path, ratio: float, reject: set[str] = frozenset()) -> dict[str, float]:
    """The same through the CLI: propose, set accepted: false on `reject` in plan.yaml, apply."""
    out = tmp_path / f"plan-{ratio}"
    r = CliRunner().invoke(cli, ["propose", str(CATALOGUE), "-o", str(out), "--time-ratio", str(ratio)])
    assert r.exit_code == 0, r.output
    plan = yaml.safe_load((out / "plan.yaml").read_text(encoding="utf-8"))
    for item in plan["proposals"]:
        if item["id"] in reject:
            item["accepted"] = False
    (out / "plan.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    r = CliRunner().invoke(cli, ["apply", str(CATALOGUE), str(out / "plan.yaml"), "-o", str(tmp_path / f"a-{ratio}")])
    assert r.exit_code == 0, r.output
    after = json.loads((tmp_path / f"a-{ratio}" / "result.json").read_text(encoding="utf-8"))
    return {m: float(after["before_after"]["catalogue"]["after"][m]) for m in MEASURES}


def test_toggles_give_the_cli_figures(plan_page, tmp_path):
    client, token, url = plan_page
    page = client.get(url).text
    ids = re.findall(r'name="accept" value="([^"]+)"[^>]*checked', page)
    assert ids and _figures(page) == _cli(tmp_path, 0.5)
    rejected = {i for i in ids if i.startswith(("S-", "M-"))}
    fragment = client.post(f"{url}/plan", data={"csrf": token, "accept": [i for i in ids if i not in rejected]}).text
    assert _figures(fragment) == _cli(tmp_path, 0.5, rejected) != _figures(page)
    # the download is the edited plan
    plan = yaml.safe_load(client.get(f"{url}/plan.yaml").text)
    assert {p["id"] for p in plan["proposals"] if not p["accepted"]} == rejected


def test_edited_values_propose_again_like_the_cli_option(plan_page, tmp_path):
    client, token, url = plan_page
    fragment = client.post(f"{url}/plan-options", data={"csrf": token, "time_ratio": "0.3", "max_materials": "5",
                                                        "max_days": "5"}).text
    assert 'id="time-ratio"' in fragment and 'value="0.3"' in fragment
    assert _figures(fragment) == _cli(tmp_path, 0.3)
    assert _figures(fragment)["promised_days"] < _cli(tmp_path, 0.5)["promised_days"]
    plan = yaml.safe_load(client.get(f"{url}/plan.yaml").text)
    assert plan["options"]["time_ratio"] == 0.3
    # a ratio the CLI refuses gives its one-line message, and the plan stays as it was
    bad = client.post(f"{url}/plan-options", data={"csrf": token, "time_ratio": "1.5", "max_materials": "5",
                                                   "max_days": "5"}).text
    assert 'id="plan-error"' in bad and _figures(bad) == _figures(fragment)
    garbage = client.post(f"{url}/plan-options", data={"csrf": token, "time_ratio": "abc"}).text
    assert 'id="plan-error"' in garbage
    assert client.post(f"{url}/plan-options", data={"time_ratio": "0.4"}).status_code == 403  # no CSRF token
    # back to the default values
    fragment = client.post(f"{url}/plan-options", data={"csrf": token, "time_ratio": "0.5", "max_materials": "5",
                                                        "max_days": "5"}).text
    assert _figures(fragment) == _cli(tmp_path, 0.5)


def test_an_uploaded_plan_sets_the_toggles(plan_page, tmp_path):
    client, token, url = plan_page
    plan = yaml.safe_load(client.get(f"{url}/plan.yaml").text)
    rejected = {p["id"] for p in plan["proposals"] if p["id"].startswith("V-")}
    assert rejected
    for item in plan["proposals"]:
        item["accepted"] = item["id"] not in rejected
    text = yaml.safe_dump(plan, allow_unicode=True).encode("utf-8")
    r = client.post(f"{url}/plan-upload", files={"plan": ("../../plan.yaml", text)}, data={"csrf": token})
    assert r.status_code == 200  # followed the redirect to the page
    assert _figures(r.text) == _cli(tmp_path, 0.5, rejected)
    broken = client.post(f"{url}/plan-upload", files={"plan": ("plan.yaml", b"proposals: [1, 2")},
                         data={"csrf": token})
    assert broken.status_code == 422 and 'id="plan-error"' in broken.text and "Traceback" not in broken.text


def test_requests_at_once_on_one_plan_wait_for_each_other(tmp_path_factory):
    """A page load (which applies the plan on first view), ticks and an edited value arriving
    together: each waits for the one before (no 500 from the folder lock, no 404 while the
    applied folder is renamed into place), and the last state is a whole one."""
    from concurrent.futures import ThreadPoolExecutor

    data = tmp_path_factory.mktemp("race")
    with TestClient(create_app(data)) as client:
        token, job = _proposed(client, "r")
        url = f"/w/r/jobs/{job}"
        ids = json.loads((data / "r" / "jobs" / job / "out" / "result.json").read_text(encoding="utf-8"))
        ids = [p["id"] for p in ids["proposals"] if p["accepted"]]
        calls = [lambda: client.get(url), lambda: client.get(url),
                 lambda: client.post(f"{url}/plan", data={"csrf": token, "accept": ids[1:]}),
                 lambda: client.post(f"{url}/plan-options", data={"csrf": token, "time_ratio": "0.4",
                                                                  "max_materials": "5", "max_days": "5"}),
                 lambda: client.get(f"{url}/plan.yaml"), lambda: client.get(url)]
        with ThreadPoolExecutor(len(calls)) as pool:
            responses = list(pool.map(lambda call: call(), calls))
        assert [r.status_code for r in responses] == [200] * len(calls)
        assert _figures(client.get(url).text)


def test_whatif_wait_cut_lever_gives_the_scenario_key():
    """The what-if form's step select + factor slider becomes `waits: {step: factor}`, which the
    simulator applies to that step's waiting time; a step not in the map is ignored."""
    from bpr.simulate import Scenario, apply_scenario
    from bpr.simulate.distributions import Distribution
    from bpr.web.pages import _scenario_from_form
    from tests.simulate._models import sequence

    steps = ["受理", "审查"]
    scenario = _scenario_from_form({"name": "压缩等待", "wait_step": "审查", "wait_factor": "0.5"}, steps, "zh")
    assert scenario == {"name": "压缩等待", "waits": {"审查": 0.5}}
    assert "waits" not in _scenario_from_form({"wait_step": "审查", "wait_factor": "1"}, steps, "zh")
    assert "waits" not in _scenario_from_form({"wait_step": "../x", "wait_factor": "0.5"}, steps, "zh")
    model = sequence({"受理": 1.0, "审查": 2.0})
    model.activities["审查"].delay = Distribution.fixed(6.0)
    assert apply_scenario(model, Scenario.from_dict(scenario)).activities["审查"].delay.mean == 3.0
