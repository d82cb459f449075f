"""Bureau-grade deliverables, checked on the demo's output: no font warning, Word on A4 with
— PAGE — footers and repeating header rows, wide Excel sheets fitted to the page width, labels
pinned to their figures in HTML, Word and Excel (a median/P90 swap fails), and no programme
identifier (snake_case, field paths, None/nan) in a report, nor Chinese template text in English."""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest
from docx.oxml.ns import qn

from bpr.report.render import build_report, write_report

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
A4_MM = (210, 297)


# ---------------------------------------------------------------- fonts

def test_demo_prints_no_font_warning(demo_run):
    said = [demo_run.stderr, *demo_run.warnings, *demo_run.logs]
    bad = [s for s in said if re.search(r"findfont|[Gg]lyph|missing from font|Font family", s)]
    assert not bad, bad[:5]
    assert not demo_run.logs, demo_run.logs[:5]  # matplotlib logged nothing at WARNING or above


# ---------------------------------------------------------------- Word

def _word_files(out: Path) -> list[Path]:
    files = sorted(out.glob("*/*.docx"))
    assert len(files) >= 7
    return files


def test_every_word_report_is_a4_with_page_numbers_and_repeating_headers(demo):
    for path in _word_files(demo):
        doc = docx.Document(str(path))
        for section in doc.sections:
            size = sorted((round(section.page_width.mm), round(section.page_height.mm)))
            assert size == list(A4_MM), f"{path.name}: page {size} mm is not A4"
            if section.orientation:  # landscape sections: width > height
                assert section.page_width > section.page_height
            footer = section.footer._element.xml
            # a PAGE field (simple or complex) between dashes: — 1 —
            assert re.search(r'w:instr="\s*PAGE\b|<w:instrText[^>]*>\s*PAGE\b', footer), f"{path.name}: no PAGE field"
            assert "—" in "".join(t.text or "" for t in section.footer._element.iter(qn("w:t")))
        assert doc.tables, path.name
        for table in doc.tables:
            first = table.rows[0]._tr
            header = first.find(qn("w:trPr"))
            assert header is not None and header.find(qn("w:tblHeader")) is not None, \
                f"{path.name}: table starting {table.rows[0].cells[0].text!r} has no repeating header row"
        body = doc.element.body.xml
        assert "TOC" in body or len(doc.paragraphs) < 40, f"{path.name}: a long report without a table of contents"


# ---------------------------------------------------------------- Excel

def test_every_wide_excel_sheet_prints_to_page_width(demo):
    files = sorted(demo.glob("*/*.xlsx"))
    assert len(files) >= 7
    wide = 0
    for path in files:
        for ws in openpyxl.load_workbook(path):
            setup = ws.page_setup
            assert setup.paperSize in (9, "9"), f"{path.name}/{ws.title}: paper {setup.paperSize}, not A4"
            assert ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
            assert int(setup.fitToWidth) == 1 and int(setup.fitToHeight or 0) == 0  # one page wide, as long as it takes
            assert ws.freeze_panes and ws.print_title_rows, f"{path.name}/{ws.title}: header neither frozen nor repeated"
            width = sum(ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width or 8.43
                        for c in range(1, ws.max_column + 1))
            if width > 95:  # wider than the ~180 mm between portrait A4 margins at ~1.9 mm a character
                wide += 1
                assert setup.orientation == "landscape", f"{path.name}/{ws.title}: {width:.0f} characters in portrait"
    assert wide >= 5


# ---------------------------------------------------------------- labels pinned to figures

class _Cards(HTMLParser):
    """label -> value text of the summary cards."""

    def __init__(self):
        super().__init__()
        self.cards: dict[str, str] = {}
        self._in, self._label = None, None

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "div" and cls in ("label", "value"):
            self._in = cls

    def handle_endtag(self, tag):
        if tag == "div":
            self._in = None

    def handle_data(self, data):
        if self._in == "label":
            self._label = data.strip()
        elif self._in == "value" and self._label and data.strip():
            self.cards.setdefault(self._label, data.strip())


def _number(text: object) -> float:
    return float(str(text).replace(",", "").split()[0])


def _cards_in_every_format(html: Path, xlsx: Path, word: Path) -> list[dict[str, float]]:
    """The summary figures of one report as {label: value}, read back from each of the three files."""
    parser = _Cards()
    parser.feed(html.read_text(encoding="utf-8"))
    from_html = {k: _number(v) for k, v in parser.cards.items()}
    rows = list(openpyxl.load_workbook(xlsx)["汇总"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "指标") + 1
    from_xlsx = {re.sub(r"（.*?）$", "", r[0]): float(r[1]) for r in rows[start:] if r[0] and r[1] is not None}
    table = docx.Document(str(word)).tables[0]
    from_word = {re.sub(r"（.*?）$", "", r.cells[0].text): _number(r.cells[1].text) for r in table.rows[1:]}
    return [from_html, from_xlsx, from_word]


def _check_discover_cards(files: tuple[Path, Path, Path], median_h: float, p90_h: float, wd: dict) -> None:
    for cards in _cards_in_every_format(*files):
        assert cards["办理时长中位数"] == pytest.approx(round(wd["median"], 1), abs=0.051), cards
        assert cards["办理时长 P90"] == pytest.approx(round(wd["p90"], 1), abs=0.051), cards
        assert cards["办理时长中位数"] < cards["办理时长 P90"]
    # the working-day figures rest on the case durations, which pandas finds in the log itself
    assert median_h < p90_h and wd["median"] < wd["p90"]


def _log_durations_h() -> tuple[float, float]:
    log = pd.read_csv(SAMPLES / "logs" / "food_licence.csv", encoding="gbk")
    start, end = pd.to_datetime(log["环节开始时间"]), pd.to_datetime(log["环节结束时间"])
    log = log.assign(s=start, e=end.fillna(start))
    span = log.groupby("办件编号").agg(a=("s", "min"), b=("e", "max"))
    hours = (span.b - span.a).dt.total_seconds() / 3600
    return float(hours.median()), float(hours.quantile(0.9))


def test_discover_cards_pin_median_and_p90_to_their_labels_and_a_swap_fails(demo, tmp_path):
    result = json.loads((demo / "results" / "discover" / "result.json").read_text(encoding="utf-8"))
    durations = result["performance"]["durations"]
    median_h, p90_h = _log_durations_h()
    assert durations["hours"]["median"] == pytest.approx(median_h) and durations["hours"]["p90"] == pytest.approx(p90_h)
    files = tuple(next((demo / "discover").glob(f"*.{s}")) for s in ("html", "xlsx", "docx"))
    _check_discover_cards(files, median_h, p90_h, durations["working_days"])

    # the same report with median and P90 swapped under their labels must fail, in every format
    report = build_report(result, "zh", demo / "results" / "discover")
    by_label = {m.label: m for m in report.metrics}
    median, p90 = by_label["办理时长中位数"], by_label["办理时长 P90"]
    median.before, p90.before = p90.before, median.before
    swapped = write_report(report, tmp_path, ("html", "xlsx", "docx"))
    for broken in range(3):
        mixed = list(files)
        mixed[broken] = swapped[broken]
        with pytest.raises(AssertionError):
            _check_discover_cards(tuple(mixed), median_h, p90_h, durations["working_days"])


def test_apply_cards_agree_in_every_format(demo):
    whole = json.loads((demo / "results" / "apply" / "result.json").read_text(encoding="utf-8"))["before_after"]["catalogue"]
    files = tuple(next((demo / "apply").glob(f"*.{s}")) for s in ("html", "xlsx", "docx"))
    for cards in _cards_in_every_format(*files):  # the first figure: 改革前 (HTML "153 → 76", a column elsewhere)
        assert cards["申请材料数"] == whole["before"]["materials"] and cards["环节数"] == whole["before"]["steps"]


# ---------------------------------------------------------------- identifiers and language

class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.skip, self.text = 0, []

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self.skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self.skip:
            self.text.append(data)


def report_text(path: Path) -> list[str]:
    """Every piece of text a reader sees in an HTML, Word or Excel report, or a CSV's header."""
    if path.suffix == ".html":
        parser = _Text()
        parser.feed(path.read_text(encoding="utf-8"))
        return parser.text
    if path.suffix == ".docx":
        doc = docx.Document(str(path))
        out = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
        for s in doc.sections:
            out += [p.text for p in s.footer.paragraphs] + [p.text for p in s.header.paragraphs]
        return out
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        return [ws.title for ws in wb] + [v for ws in wb for r in ws.iter_rows(values_only=True) for v in r
                                          if isinstance(v, str)]
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh))


A, Z = r"(?<![A-Za-z0-9_])", r"(?![A-Za-z0-9_])"  # word edges in ASCII: 中accepted still starts a word
SNAKE = re.compile(A + r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+" + Z)
FIELD_PATH = re.compile(r"[A-Za-z_]+\[\d+\]\.[A-Za-z_]+|\(rows \d+, \d+")
ROWS_IN_ENGLISH = re.compile(r"\(rows? \d+")  # "(row 13)" is English, not Chinese
# "Decide on the spot (即审即办)": an English report may gloss a term with its official Chinese name
GLOSS = re.compile(r"[(（][\u3400-\u9fff、/／ ·]+[)）]")
MISSING = re.compile(A + r"(None|nan|NaN|null|True|False|accepted: true|token replay|EMD)" + Z)
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def _data_files() -> set[str]:
    """Names the user gave: the sample files' stems may carry underscores (food_licence.csv)."""
    return {p.stem for p in SAMPLES.rglob("*") if p.is_file()} | {p.name for p in SAMPLES.rglob("*") if p.is_file()}


def _han_runs(text: str) -> set[str]:
    """Runs of Chinese, also with bracketed asides taken out (法定代表人（负责人）身份证明 is also
    quoted as 法定代表人身份证明 once bpr has normalised a document name)."""
    return set(HAN.findall(text)) | set(HAN.findall(re.sub(r"（[^（）]*）|\([^()]*\)", "", text)))


def _data_han() -> set[str]:
    """Every run of Chinese in the user's data (catalogue cells, logs, YAML) and in bpr's reference
    lists (licence names): an English report may quote it (matter, department, step, material and
    licence names); anything else Chinese is template text."""
    runs: set[str] = set()
    for path in [*SAMPLES.rglob("*"), *(ROOT / "bpr" / "data").glob("*.txt")]:
        if path.suffix == ".xlsx":
            for ws in openpyxl.load_workbook(path, read_only=True):
                for row in ws.iter_rows(values_only=True):
                    runs |= {r for v in row if isinstance(v, str) for r in _han_runs(v)}
        elif path.suffix in (".csv", ".yaml", ".yml", ".txt"):
            raw = path.read_bytes()
            for enc in ("utf-8-sig", "gbk"):
                try:
                    runs |= _han_runs(raw.decode(enc))
                    break
                except UnicodeDecodeError:
                    continue
    return runs


def _identifiers(out: Path, english: bool) -> dict[str, list[str]]:
    allowed, han = _data_files(), _data_han() if english else set()
    files = [p for p in out.glob("*/*") if p.suffix in (".html", ".docx", ".xlsx")]
    files += list(out.glob("results/*/*.csv"))
    problems: dict[str, list[str]] = {}
    for path in sorted(files):
        found = set()
        for text in report_text(path):
            found |= {m for m in SNAKE.findall(text) if m not in allowed}
            found |= set(FIELD_PATH.findall(text)) | set(MISSING.findall(text))
            if english:
                found |= {r for r in HAN.findall(GLOSS.sub("", text)) if not any(r in d for d in han)}
            else:
                found |= set(ROWS_IN_ENGLISH.findall(text))
        if found:
            problems[str(path.relative_to(out))] = sorted(found)[:20]
    return problems


def test_chinese_reports_carry_no_programme_identifier(demo):
    assert _identifiers(demo, english=False) == {}


def test_english_reports_carry_no_identifier_and_no_chinese_template_text(demo_run_en):
    assert _identifiers(demo_run_en.out, english=True) == {}


def test_csv_headers_follow_the_language(demo, demo_run_en):
    tables = sorted(p.relative_to(demo) for p in demo.glob("results/*/*.csv"))
    assert len(tables) >= 20
    for name in tables:
        zh, en = report_text(demo / name), report_text(demo_run_en.out / name)
        assert len(zh) == len(en)
        assert all(HAN.search(h) for h in zh), (name, zh)  # every header in Chinese ("P90（秒）" too)
        assert not any(HAN.search(h) or SNAKE.search(h) for h in en), (name, en)
        assert len(set(zh)) == len(zh) and len(set(en)) == len(en), name  # no two columns named alike


# ---------------------------------------------------------------- one set of definitions

def _html_text(demo: Path, step: str) -> list[str]:
    return [t.strip() for t in report_text(next((demo / step).glob("*.html"))) if t.strip()]


def test_double_halving_names_its_baseline_in_every_report(demo):
    seen = set()
    for step in ("audit", "apply", "bundle-开办餐饮店一件事", "bundle-新生儿出生一件事"):
        for path in (demo / step).glob("*.*"):
            for text in report_text(path):
                if "双减半" in text:
                    baseline = re.findall(r"较(法定时限|现行承诺|改革前)", text)
                    assert baseline, f"{path.name}: 双减半 without its baseline: {text[:80]}"
                    seen.update(baseline)
    # the audit's rule is against the legal limit, apply's time target against the current promise
    assert {"法定时限", "现行承诺"} <= seen


def test_observed_and_simulated_figures_are_labelled_so(demo):
    discover = _html_text(demo, "discover")
    assert "主要指标（实际，来自办件记录）" in discover
    simulate = _html_text(demo, "simulate")
    assert any(t.startswith("仿真基线") for t in simulate)
    assert any("95% 置信区间" in t or "95%置信区间" in t for t in simulate)
    assert not any(t == "现状" for t in simulate)  # a bare 现状 reads as observed


def test_one_unit_per_measure_in_the_time_paragraph(demo):
    durations = json.loads((demo / "results" / "discover" / "result.json").read_text(encoding="utf-8"))[
        "performance"]["durations"]["working_days"]
    (para,) = [t for t in _html_text(demo, "discover") if t.startswith("办理时长中位数") and "P90" in t]
    assert f"平均 {durations['mean']:.1f} 个工作日" in para and "小时" not in para


def test_data_quality_warnings_travel_from_the_catalogue_to_apply_and_bundles(demo):
    audit = json.loads((demo / "results" / "audit" / "result.json").read_text(encoding="utf-8"))
    codes = {w["value"] for w in audit["warnings"] if w.get("code") == "duplicate_code"}
    assert codes, "the sample catalogue has a duplicated 实施编码"
    for step in ("apply", "bundle-开办餐饮店一件事"):
        result = json.loads((demo / "results" / step / "result.json").read_text(encoding="utf-8"))
        assert {w["value"] for w in result["warnings"] if w.get("code") == "duplicate_code"} == codes
        text = " ".join(_html_text(demo, step))
        assert all(code in text for code in codes) and "未发现数据质量问题" not in text


# ---------------------------------------------------------------- print

def _widest_table_headers(html: Path) -> list[str]:
    heads = [re.findall(r"<th[^>]*>(.*?)</th>", m, re.S) for m in
             re.findall(r"<thead>(.*?)</thead>", html.read_text(encoding="utf-8"), re.S)]
    return [re.sub(r"<[^>]+>", "", h).strip() for h in max(heads, key=len)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_printed_html_keeps_every_column_of_the_widest_table(lang, demo, demo_run_en, tmp_path):
    """Chromium prints the audit report (15 columns in 事项明细) to A4: every column is on the page
    (its header starts on the header line), none is cut at the right edge."""
    import shutil
    import subprocess

    from tests.report.browser import CHROMIUM_FLAGS, chromium

    if chromium() is None or shutil.which("pdftotext") is None:
        pytest.skip("chromium and pdftotext are needed to print")
    out = demo if lang == "zh" else demo_run_en.out
    html = next((out / "audit").glob("*.html"))
    headers = _widest_table_headers(html)
    assert len(headers) >= 15
    pdf = tmp_path / "audit.pdf"
    subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path}/profile", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", html.resolve().as_uri()], check=True, capture_output=True, timeout=180)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "A4" in info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    first, second = headers[0].split()[0], headers[1].split()[0]
    lines = [ln for ln in text.splitlines() if first in ln and second[:2] in ln]
    assert lines, f"the header row of the widest table ({headers[0]}, {headers[1]}, …) is not in the print"
    def missing(line: str) -> list[str]:
        rest = line[line.index(first):]
        return [h for h in headers if h.split()[0][:2] not in rest]

    # other tables may start with the same columns: the widest one's header line holds them all
    assert min((missing(ln) for ln in lines), key=len) == [], f"columns cut from the print: {missing(lines[0])}"


def test_no_heading_is_left_behind_when_its_table_turns_landscape(demo):
    """A heading with nothing between it and its table sits in the same (landscape) section."""
    for path in _word_files(demo):
        body = docx.Document(str(path)).element.body
        section, pending = 0, None  # pending: (heading text, its section)
        for child in body.iterchildren():
            if child.tag == qn("w:p"):
                text = "".join(t.text or "" for t in child.iter(qn("w:t"))).strip()
                style = child.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
                if style is not None and style.get(qn("w:val")).startswith("Heading"):
                    pending = (text, section)
                elif text:
                    pending = None
                if child.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None:
                    section += 1
            elif child.tag == qn("w:tbl"):
                assert pending is None or pending[1] == section, \
                    f"{path.name}: heading {pending[0]!r} stays on the page before its table"
                pending = None


def _shown_in_excel(cell) -> str:
    """A number as Excel shows it under the cell's number format."""
    value, fmt = cell.value, cell.number_format
    if not isinstance(value, (int, float)):
        return str(value)
    if fmt == "#,##0.0":
        return f"{value:,.1f}"
    if fmt == "#,##0":
        return f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def test_summary_figures_are_rounded_alike_in_html_word_and_excel(demo):
    files = {s: next((demo / "discover").glob(f"*.{s}")) for s in ("html", "xlsx", "docx")}
    parser = _Cards()
    parser.feed(files["html"].read_text(encoding="utf-8"))
    html = {k: v.split()[0] for k, v in parser.cards.items()}
    ws = openpyxl.load_workbook(files["xlsx"])["汇总"]
    start = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "指标") + 1
    excel = {re.sub(r"（.*?）$", "", ws.cell(r, 1).value): _shown_in_excel(ws.cell(r, 2))
             for r in range(start, ws.max_row + 1) if ws.cell(r, 1).value}
    word = {re.sub(r"（.*?）$", "", r.cells[0].text): r.cells[1].text
            for r in docx.Document(str(files["docx"])).tables[0].rows[1:]}
    assert html == excel == word
