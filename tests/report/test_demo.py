"""End to end: `bpr demo` on the samples; every report re-opens, agrees with its result.json and
renders in headless Chromium without blank pages or broken images."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import docx
import numpy as np
import openpyxl
import pytest
from PIL import Image

from tests.report.browser import CHROMIUM_FLAGS, chromium, screenshot

ROOT = Path(__file__).resolve().parents[2]


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.imgs, self.text, self.tags = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if tag == "img":
            self.imgs.append(attrs.get("src", ""))

    def handle_data(self, data):
        self.text.append(data)


def _page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_index_links_every_report_and_each_opens(demo):
    page = _page(demo / "index.html")
    files = [demo / link for link in page.links]
    assert len(files) >= 7 * 3, page.links
    assert all(f.is_file() for f in files)
    for f in files:
        if f.suffix == ".html":
            inner = _page(f)
            assert "script" not in inner.tags
            assert all(src.startswith("data:image/svg+xml;base64,") for src in inner.imgs)
        elif f.suffix == ".xlsx":
            assert openpyxl.load_workbook(f).sheetnames[0] == "汇总"
        elif f.suffix == ".docx":
            assert docx.Document(str(f)).paragraphs


def _report(demo: Path, step: str, suffix: str) -> Path:
    (path,) = (demo / step).glob(f"*{suffix}")
    return path


def _result(demo: Path, step: str) -> dict:
    return json.loads((demo / "results" / step / "result.json").read_text(encoding="utf-8"))


def test_audit_numbers_agree_across_formats(demo):
    result = _result(demo, "audit")["indicators"]
    text = "".join(_page(_report(demo, "audit", ".html")).text)
    assert f"{100 * result['immediate_rate']:.1f}" in text
    assert f"{100 * result['full_online_rate']:.1f}" in text
    wb = openpyxl.load_workbook(_report(demo, "audit", ".xlsx"))
    summary = {row[0]: row[1] for row in wb["汇总"].iter_rows(min_row=5, values_only=True)}
    assert summary["事项数（个）"] == result["matters"]
    assert summary["即办率（%）"] == pytest.approx(round(100 * result["immediate_rate"], 1))
    matters = wb["事项明细"]
    assert matters.max_row - 1 == result["matters"]
    body = "\n".join(c.text for t in docx.Document(str(_report(demo, "audit", ".docx"))).tables for r in t.rows for c in r.cells)
    assert str(result["matters"]) in body


def test_apply_before_after_agrees_across_formats(demo):
    whole = _result(demo, "apply")["before_after"]["catalogue"]
    wb = openpyxl.load_workbook(_report(demo, "apply", ".xlsx"))
    rows = {r[0]: r for r in wb["汇总"].iter_rows(min_row=5, values_only=True)}
    materials = next(v for k, v in rows.items() if k and k.startswith("申请材料数"))
    assert materials[1:3] == (whole["before"]["materials"], whole["after"]["materials"])
    assert materials[4] == pytest.approx(whole["cut_pct"]["materials"] / 100, abs=1e-3)
    text = "".join(_page(_report(demo, "apply", ".html")).text)
    assert f"{whole['before']['materials']} → {whole['after']['materials']}" in text
    word = docx.Document(str(_report(demo, "apply", ".docx")))
    first = [[c.text for c in r.cells] for r in word.tables[0].rows]
    assert any(row[1] == str(whole["before"]["materials"]) and row[2] == str(whole["after"]["materials"]) for row in first)
    assert len(word.inline_shapes) >= 1  # the before/after chart (and process graphs)


def test_bundle_visit_targets_show_the_visits(demo):
    """A bundle's 最多跑一次/跑零次 rows give its visits with their unit, not a bare 0/1 share."""
    result = _result(demo, "bundle-新生儿出生一件事")
    visits = result["bundle"]["after"]["visits"]
    wb = openpyxl.load_workbook(_report(demo, "bundle-新生儿出生一件事", ".xlsx"))
    rows = [r for ws in wb for r in ws.iter_rows(values_only=True) if r and r[0] in ("最多跑一次", "跑零次")]
    assert {r[0]: r[1:3] for r in rows} == {"最多跑一次": ("≤ 1 次", f"{visits} 次"), "跑零次": ("0 次", f"{visits} 次")}
    html = "".join(_page(_report(demo, "bundle-新生儿出生一件事", ".html")).text)
    assert "牵头部门：卫生健康委员会" in html


def test_simulate_report_shows_its_validation(demo):
    v = _result(demo, "simulate")["validation"]
    assert v["test_cases"] > 0 and v["median_rel_error"] <= 0.15
    text = "".join(_page(_report(demo, "simulate", ".html")).text)
    assert "检验期办理时长：实际与仿真" in text and f"{v['real_median_h']:.1f}" in text
    # the sample's 分管局长 was away more in Oct–Nov (the generator's absences): 审批 waited longer
    assert "审批" in [c["step"] for c in v["step_changes"]] and "检验期等待变化明显的环节" in text


def test_discover_numbers_agree(demo):
    result = _result(demo, "discover")
    text = "".join(_page(_report(demo, "discover", ".html")).text)
    assert f"{result['cases']:,}" in text
    wb = openpyxl.load_workbook(_report(demo, "discover", ".xlsx"))
    variants = [r for r in wb.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert variants[0][1] == result["variants"][0]["count"]


_BROKEN_IMAGES = """<script>
window.addEventListener('load', () => {
  const broken = [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length;
  document.body.setAttribute('data-broken', String(broken));
  document.body.setAttribute('data-images', String(document.images.length));
});
</script></body>"""


def _broken_images(html: Path) -> tuple[int, int]:
    """(broken, total) images once the page has loaded, from Chromium's DOM."""
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / html.name
        probe.write_text(html.read_text(encoding="utf-8").replace("</body>", _BROKEN_IMAGES), encoding="utf-8")
        dom = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile",
                              "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()],
                             check=True, capture_output=True, text=True, timeout=120).stdout
    found = re.search(r'data-broken="(\d+)" data-images="(\d+)"', dom)
    assert found, "the probe script did not run"
    return int(found.group(1)), int(found.group(2))


@pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_pages_render_in_chromium(demo, tmp_path):
    png = screenshot(demo / "index.html", tmp_path / "index.png", height=1000)
    pixels = np.asarray(Image.open(png).convert("L"))
    assert pixels.std() > 10, "index page rendered blank"
    for step in ("audit", "discover", "apply", "simulate"):
        page = _report(demo, step, ".html")
        broken, total = _broken_images(page)
        assert total >= 1 and broken == 0, f"{page.name}: {broken} of {total} images broken"
        shot = np.asarray(Image.open(screenshot(page, tmp_path / f"{step}.png", height=1400)).convert("L"))
        assert shot.std() > 10 and (shot < 128).mean() > 0.005, f"{page.name} rendered blank"


@pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_broken_image_probe_detects_a_missing_image(tmp_path):
    page = tmp_path / "p.html"
    page.write_text('<html><body><img src="missing.png"><img src="data:image/svg+xml;base64,'
                    'PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSI0IiBoZWlnaHQ9IjQiLz4="></body></html>',
                    encoding="utf-8")
    assert _broken_images(page) == (1, 2)
