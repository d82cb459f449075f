"""`bpr serve` in a real headless Chromium (Debian's, driven by Playwright): upload, audit, plan
toggles, 一件事, process map, what-if, report download, a hostile file. Skipped when chromium or
Playwright is absent (`.ci/run` installs chromium when it can)."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
import zipfile
from pathlib import Path

import pytest
import yaml

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

from bpr.web.app import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
CATALOGUE = SAMPLES / "catalogue_template.xlsx"
LOG = SAMPLES / "logs" / "food_licence.csv"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage"]
JOB_TIMEOUT = 240_000  # ms: two cores shared with other work

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("serve")
    port = _free_port()
    app = create_app(data, allowed_hosts=("127.0.0.1", "localhost"), max_upload=5 << 20)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "server did not start"
    yield f"http://127.0.0.1:{port}", data
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(JOB_TIMEOUT)
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.on("response", lambda r: problems.append(f"HTTP {r.status} {r.request.method} {r.url}")
          if r.status >= 400 else None)
    pg.on("dialog", lambda d: (problems.append("dialog: " + d.message), d.dismiss()))
    pg.problems = problems
    yield pg
    context.close()


def _upload(page, base: str, workspace: str, path: Path | None = None, name: str | None = None,
            content: bytes | None = None) -> None:
    page.goto(f"{base}/w/{workspace}/")
    if path is not None:
        page.set_input_files("#upload-file", str(path))
    else:
        page.set_input_files("#upload-file", files=[{"name": name, "mimeType": "application/octet-stream",
                                                     "buffer": content}])
    page.click("#upload-submit")


def _done(page) -> None:
    """Wait until the job page shows a finished job (htmx reloads it when the job ends)."""
    page.wait_for_selector("#job-status.status-done, #job-status.status-failed")


def test_upload_audit_and_toggle_a_proposal(page, server):
    base, _ = server
    _upload(page, base, "e2e", CATALOGUE)
    _done(page)
    assert page.inner_text("#n-matters") == "39"
    inspected = page.url
    page.click("#run-audit")
    page.wait_for_selector("#card-matters")
    assert page.inner_text("#card-matters") == "39"
    page.wait_for_function("document.querySelector('#ranking-chart canvas') !== null")
    total = int(page.inner_text("#findings-count"))
    rows = page.locator("#findings tbody tr")
    assert rows.count() == total > 0
    rule = page.locator("#filter-rule option").nth(1).get_attribute("value")
    page.select_option("#filter-rule", rule)
    shown = int(page.inner_text("#findings-count"))
    assert 0 < shown < total
    assert page.locator("#findings tbody tr:not(.hidden)").count() == shown
    assert all(r == rule for r in page.locator("#findings tbody tr:not(.hidden)").evaluate_all(
        "rows => rows.map(r => r.dataset.rule)"))
    # the plan editor: un-accept every materials proposal of one matter and see the figures change
    page.goto(inspected)
    page.click("#run-propose")
    page.wait_for_selector("#proposals")
    measures = ("steps", "materials", "promised_days", "critical_path_days", "visits")

    def figures() -> dict[str, float]:
        return {m: float(page.inner_text(f"#ba-table tr[data-measure={m}] td.after").replace(",", ""))
                for m in measures}

    before = figures()
    count_before = page.inner_text("#accepted-count")
    # a materials proposal (id M-…): rejecting it gives back the materials it saved
    box = page.locator("#proposals input[name=accept][value^='M-']:checked").first
    unticked = box.get_attribute("value")
    saved = -float(page.locator(f"#proposals tr[data-id='{unticked}']").get_attribute("data-materials"))
    assert saved > 0
    page.locator(f"#proposals input[value='{unticked}']").uncheck()
    page.wait_for_function(
        "t => document.querySelector('#accepted-count').textContent !== t", arg=count_before)
    after = figures()
    assert after["materials"] == before["materials"] + saved
    assert {m for m in measures if after[m] != before[m]} == {"materials"}
    # ticking it again gives the first figures back
    count_now = page.inner_text("#accepted-count")
    page.locator(f"#proposals input[value='{unticked}']").check()
    page.wait_for_function(
        "t => document.querySelector('#accepted-count').textContent !== t", arg=count_now)
    assert figures() == before
    page.locator(f"#proposals input[value='{unticked}']").uncheck()
    page.wait_for_function(
        "t => document.querySelector('#accepted-count').textContent !== t", arg=count_before)
    assert page.locator("#targets li").count() >= 3
    assert "双减半" in page.inner_text("#targets")
    # the plan downloads with the toggle in it
    with page.expect_download() as download:
        page.click("#download-plan")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    items = {item["id"]: item["accepted"] for item in yaml.safe_load(text)["proposals"]}
    assert items[unticked] is False and sum(1 for v in items.values() if not v) == 1
    # an editable value: promised days as a share of the legal limit, the figures follow
    promised = figures()["promised_days"]
    page.fill("#time-ratio", "0.3")
    page.press("#time-ratio", "Tab")  # the change event
    page.wait_for_function(
        "p => Number(document.querySelector('#ba-table tr[data-measure=promised_days] td.after')"
        ".textContent.replace(/,/g, '')) < p", arg=promised)
    assert page.input_value("#time-ratio") == "0.3"
    assert not page.problems, page.problems


def test_bundle_then_what_if(page, server):
    base, _ = server
    _upload(page, base, "e2e-bundle", CATALOGUE)
    _done(page)
    page.click("#build-bundle")
    page.fill("#bundle-name", "开办餐饮店一件事")
    for name in ("个体工商户设立登记", "食品经营许可", "公众聚集场所投入使用、营业前消防安全检查"):
        page.check(f"#members input[data-name='{name}']")
    page.click("#bundle-submit")
    page.wait_for_selector("#bundle-table")
    cells = page.locator("#bundle-table tbody tr").first.locator("td").all_inner_texts()
    assert int(cells[2]) < int(cells[1])  # fewer steps as one thing
    # a what-if on the sample log
    _upload(page, base, "e2e-bundle", LOG)
    _done(page)
    page.click("#run-discover")
    page.wait_for_selector("#cy canvas")
    page.wait_for_function("window.bprProcessMap && window.bprProcessMap.nodes().length > 0")
    nodes = page.evaluate("window.bprProcessMap.nodes().length")
    assert nodes == 8
    # emit() returns the node, which Playwright would serialise (its whole graph, 12 s): return nothing
    page.evaluate("() => { window.bprProcessMap.nodes()[0].emit('tap'); }")
    page.wait_for_selector("#step-name")
    assert page.inner_text("#step-name") == "受理"
    assert "窗口" in page.inner_text("#step-detail")  # its handlers (the sample's counter clerks)
    visible = page.evaluate("window.bprProcessMap.edges().filter(e => e.visible()).length")
    page.eval_on_selector("#freq", "(el) => { el.value = 1000; el.dispatchEvent(new Event('input')); }")
    # Cytoscape applies the class's style on its next frame
    page.wait_for_function("v => window.bprProcessMap.edges().filter(e => e.visible()).length < v", arg=visible,
                           timeout=10_000)
    assert page.inner_text("#freq-value") == page.eval_on_selector("#freq", "el => el.value")
    page.click("#go-whatif")
    page.fill("#scenario-name", "补正减半")
    page.eval_on_selector("#rework-factor", "(el) => { el.value = 0.5; el.dispatchEvent(new Event('input')); }")
    page.select_option("#wait-step", index=2)  # the wait cut lever: a step's waiting time halved
    page.eval_on_selector("#wait-factor", "(el) => { el.value = 0.5; el.dispatchEvent(new Event('input')); }")
    page.fill("#cases", "100")
    page.fill("#replications", "2")
    page.click("#whatif-run")
    page.wait_for_selector("#progress")
    page.wait_for_selector("#sim-table")
    assert page.locator("#sim-table tbody tr").count() == 2
    page.wait_for_function("document.querySelector('#sim-chart canvas') !== null")
    jobs = [json.loads(p.read_text(encoding="utf-8")) for p in (server[1] / "e2e-bundle" / "jobs").glob("*/job.json")]
    (scenario,) = [j["options"]["scenarios"][0] for j in jobs if j["kind"] == "simulate"]
    assert list(scenario["waits"].values()) == [0.5] and scenario["rework"] == [{"factor": 0.5}]
    assert not page.problems, page.problems


def test_download_a_report(page, server):
    base, _ = server
    _upload(page, base, "e2e-report", CATALOGUE)
    _done(page)
    page.click("#run-audit")
    page.wait_for_selector("#reports")
    with page.expect_download() as download:
        page.click("#report-xlsx")
    path = Path(download.value.path())
    assert "xl/workbook.xml" in zipfile.ZipFile(path).namelist()
    with page.expect_download() as download:
        page.click("#report-docx")
    assert "word/document.xml" in zipfile.ZipFile(Path(download.value.path())).namelist()


def test_hostile_file_gives_a_clean_error_and_names_are_escaped(page, server):
    base, data = server
    # a workbook whose XML declares an entity (billion laughs): the readers refuse it
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            '<workbook>&lol2;</workbook>')
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", bomb)
        z.writestr("xl/workbook.xml", bomb)
    _upload(page, base, "e2e-hostile", name='<img src=x onerror=alert(1)>.xlsx', content=buf.getvalue())
    _done(page)
    error = page.inner_text("#job-error")
    assert error and "\n" not in error.strip() and "Traceback" not in error
    assert str(data) not in error  # no server path
    assert "<img" in page.inner_text("h1 small")  # shown as text, not markup
    assert page.locator("img[src=x]").count() == 0
    assert not [p for p in page.problems if p.startswith("dialog")]
    # the server keeps serving
    _upload(page, base, "e2e-hostile", CATALOGUE)
    _done(page)
    assert page.inner_text("#n-matters") == "39"


def test_column_mapping_drop_downs(page, server):
    base, _ = server
    lines = LOG.read_text(encoding="gbk").splitlines()
    header = lines[0].split(",")
    content = "\n".join([",".join(f"列{i}" for i in range(len(header))), *lines[1:50]]).encode("utf-8")
    _upload(page, base, "e2e-map", name="renamed.csv", content=content)
    _done(page)
    page.wait_for_selector("#mapping-form")
    for role, column in (("case", "办件编号"), ("activity", "环节名称"), ("timestamp", "环节结束时间")):
        page.select_option(f"#map-{role}", f"列{header.index(column)}")
    page.click("#mapping-form button[type=submit]")
    page.wait_for_selector("#n-cases")
    assert int(page.inner_text("#n-cases")) == len({line.split(",")[0] for line in lines[1:50]})


def test_english_switch(page, server):
    base, _ = server
    page.goto(f"{base}/?lang=en")
    assert page.inner_text("h1") == "Workspaces"
    page.goto(f"{base}/")
    assert page.inner_text("h1") == "Workspaces"  # remembered
    page.click("#lang-switch")
    assert page.inner_text("h1") == "工作区"
    assert json.loads(page.evaluate("JSON.stringify(document.documentElement.lang)")) == "zh-CN"


def test_compare_at_a_reform_date(page, server):
    """Upload the public-health log on the Compare page, pick 2024-07-01: the trend chart is drawn
    with the reform month marked and the median working days fell significantly."""
    base, _ = server
    page.goto(f"{base}/w/e2e-compare/")
    page.click("#go-compare")
    page.set_input_files("#compare-file", str(SAMPLES / "logs" / "public_health_reform.csv"))
    page.fill("#compare-at", "2024-07-01")
    page.click("#compare-run")
    _done(page)
    page.wait_for_selector("#compare-table")
    assert "2024-07-01" in page.inner_text("#compare-at-shown")
    row = page.locator("#compare-table tr[data-measure='median_days']")
    assert row.get_attribute("data-significant") == "yes"
    cells = row.locator("td").all_inner_texts()
    assert float(cells[2]) < float(cells[1]) and cells[6] == "显著"
    page.wait_for_function("window.bprTrendChart && document.querySelector('#trend-chart canvas') !== null")
    marked = page.evaluate("window.bprTrendChart.getOption().series[0].markLine.data[0].xAxis")
    assert marked == "2024-07"
    assert not page.problems, page.problems
