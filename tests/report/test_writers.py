"""The three writers lay out one Report: files re-open, figures agree, hostile text stays inert."""

from html.parser import HTMLParser

import docx
import openpyxl
import pytest

from bpr.report.charts import before_after_bars
from bpr.report.document import Column, Finding, Metric, Report, Section, Table
from bpr.report.render import write_report

HOSTILE = '<script>alert("x")</script>=HYPERLINK("http://evil","点我")'


@pytest.fixture
def report() -> Report:
    metrics = [Metric("材料", 12, 5, "件", 50), Metric("承诺时限", 20, 12, "工作日", 50)]
    rows = [{"name": "食品经营许可", "rate": 0.25, "n": 3}, {"name": HOSTILE, "rate": 0.9, "n": 1}]
    table = Table("部门指标", [Column("name", "部门"), Column("rate", "即办率", "pct", red_below=0.5),
                               Column("n", "事项数", "int")], rows, sheet="部门排名")
    section = Section("减材料", paragraphs=[f"段落 {HOSTILE}"],
                      figures=[before_after_bars(metrics, "四减成效", "改革前", "改革后")],
                      tables=[table], findings=[Finding("error", "承诺时限超过法定时限", HOSTILE, "证据")])
    return Report(title="测试报告", subtitle=HOSTILE, metrics=metrics, sections=[section],
                  warnings=[{"file": "a.xlsx", "sheet": "事项", "cell": "F3", "message": "无法解析", "value": "=1+2"}],
                  method=["承诺时限压缩比 = (Σ法定 − Σ承诺) / Σ法定"])


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text, self.imgs = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.imgs.append(dict(attrs))

    def handle_data(self, data):
        self.text.append(data)


def test_all_formats_reopen_with_the_same_figures(report, tmp_path):
    html_path, xlsx_path, docx_path = write_report(report, tmp_path)
    parser = _Collector()
    parser.feed(html_path.read_text(encoding="utf-8"))
    text = "".join(parser.text)
    assert "script" not in parser.tags, "hostile text must be escaped, not become a tag"
    assert HOSTILE in text  # shown literally
    assert "58.3%" in text and "40.0%" in text  # (12-5)/12 and (20-12)/20
    assert parser.imgs and all(i["src"].startswith("data:image/svg+xml;base64,") for i in parser.imgs)
    assert "http" not in "".join(i["src"] for i in parser.imgs)

    wb = openpyxl.load_workbook(xlsx_path)
    assert wb.sheetnames[0] == "汇总" and "部门排名" in wb.sheetnames and "读取提示" in wb.sheetnames
    summary = wb["汇总"]
    values = [[c.value for c in row] for row in summary.iter_rows(min_row=5, max_row=6)]
    assert values[0][1:6] == [12, 5, 7, pytest.approx(7 / 12), 0.5]
    ranking = wb["部门排名"]
    assert ranking.freeze_panes == "A2" and ranking.auto_filter.ref == "A1:C3"
    cells = [c.value for row in ranking.iter_rows() for c in row]
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in cells)
    assert ranking["B2"].font.color.rgb.endswith("C53030")  # 25% is under the 50% target
    assert ranking["B2"].number_format == "0.0%"
    quality = [c.value for row in wb["读取提示"].iter_rows() for c in row]
    assert "'=1+2" in quality

    document = docx.Document(str(docx_path))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "测试报告" in body and "减材料" in body
    assert len(document.inline_shapes) == 1
    first_table = [[c.text for c in r.cells] for r in document.tables[0].rows]
    assert first_table[1][:4] == ["材料（件）", "12", "5", "58.3%"]


def test_failed_write_leaves_no_file(report, tmp_path, monkeypatch):
    import bpr.report.word as word

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(word, "render_docx", boom)
    with pytest.raises(RuntimeError):
        write_report(report, tmp_path, formats=("docx",))
    assert list(tmp_path.iterdir()) == []


def test_english_labels(report, tmp_path):
    report.lang = "en"
    (html_path,) = write_report(report, tmp_path, formats=("html",))
    text = html_path.read_text(encoding="utf-8")
    assert "Summary" in text and "改革成效概览" not in text


def test_data_quality_warnings_in_the_report_language(tmp_path):
    from bpr.model.warning import DataWarning

    w = DataWarning.of("unparseable_cell", {"header": "承诺办结时限"}, file="/data/清单.xlsx", sheet="事项",
                       row=7, column="承诺办结时限", value="待定", expected="办结时限，如 20个工作日")
    assert w.message == "cannot read 承诺办结时限"
    for lang, text, where in (("zh", "无法识别“承诺办结时限”", "清单.xlsx · 事项 · 第 7 行 · “承诺办结时限”列"),
                              ("en", "cannot read 承诺办结时限", "清单.xlsx · 事项 · row 7 · column 承诺办结时限")):
        html_path, xlsx_path, docx_path = write_report(
            Report(title="t", lang=lang, warnings=[w.to_dict()]), tmp_path / lang)
        page = html_path.read_text(encoding="utf-8")
        assert text in page and where in page
        sheet = openpyxl.load_workbook(xlsx_path).worksheets[-1]
        rows = list(sheet.iter_rows(values_only=True))
        assert text in {v for r in rows for v in r}
        assert ("文件" if lang == "zh" else "file") in {v for r in rows[:3] for v in r}
        paragraphs = "\n".join(p.text for p in docx.Document(docx_path).paragraphs)
        assert text in paragraphs and where in paragraphs



def test_a_report_names_its_data_files_without_the_authors_folders():
    from bpr.report.formatting import file_names

    assert file_names("/home/张三/项目/清单.xlsx", None, "out/plan/plan.yaml") == "清单.xlsx + plan.yaml"
    assert file_names(None) == ""


def test_process_map_columns_follow_the_main_path_and_loops_run_back():
    from bpr.report.builders.discover import process_graph_from_dfg
    from bpr.report.charts import _layers

    def edge(a, b, n):
        return {"source": a, "target": b, "count": n}

    # 受理 → 初审 → 审核 → 审批 is the main path; 受理 also goes straight to 审核 (a few cases, which
    # breadth-first columns would put beside 初审), and 审核 sends 10 cases back to 初审
    dfg = [edge("受理", "初审", 100), edge("初审", "审核", 100), edge("审核", "审批", 100),
           edge("受理", "审核", 5), edge("审核", "初审", 10), edge("受理", "补正", 20), edge("补正", "受理", 20)]
    layer = _layers(process_graph_from_dfg(dfg, {"受理": 100}))
    assert [layer[s] for s in ("受理", "初审", "审核", "审批")] == [0, 1, 2, 3]
    assert layer["补正"] == 1  # after 受理, so 补正 → 受理 is drawn backwards, like 审核 → 初审


def test_report_titles_name_a_log_without_its_type():
    from bpr.report.formatting import data_name

    assert data_name("/data/DomesticDeclarations.xes.gz") == "DomesticDeclarations"
    assert data_name("办件记录.csv") == "办件记录" and data_name("log.parquet") == "log"


def test_step_times_without_start_times_show_the_time_since_the_previous_step():
    from bpr.report.builders.discover import _time_section

    step = {"activity": "审批", "events": 10, "processing_mean_s": None, "waiting_mean_s": None,
            "waiting_p90_s": None, "lead_mean_s": 7200.0}
    (table,) = _time_section({}, {"has_start": False, "steps": [step]}, {}, "zh").tables
    assert [c.key for c in table.columns] == ["activity", "events", "lead"] and table.rows[0]["lead"] == 2.0
    (table,) = _time_section({}, {"has_start": True, "steps": [step]}, {}, "zh").tables
    assert "waiting" in [c.key for c in table.columns]


def test_word_table_widths_keep_codes_whole_and_headers_at_their_brackets():
    """The before/after table of a catalogue: twelve columns on a landscape page. A 实施编码 breaks
    badly mid-token, so the other columns give way first; a header wraps at its bracket
    ("环节" over "（前）"), so the column is as wide as "（前）"; the row's name keeps five
    characters."""
    from docx.shared import Cm

    from bpr.report.word import TEXT_W_LANDSCAPE, _display_width, _Layout

    code = "11330100002496213X4000117062000"
    measures = [f"{m}（{side}）" for m in ("环节", "材料", "承诺时限", "关键路径", "跑动") for side in "前后"]
    columns = [Column("name", "事项名称"), Column("code", "实施编码")] + [
        Column(f"m{i}", label, "int") for i, label in enumerate(measures)]
    rows = [{"name": "特种设备使用登记（新设）", "code": code, **{f"m{i}": 10 for i in range(len(measures))}}] * 5
    layout = _Layout(Table("各事项改革前后对比", columns, rows), "zh")
    assert layout.landscape
    unit = layout._unit(layout.size)
    pad = Cm(0.45)  # the cell's own margins
    widths = {c.key: w - pad for c, w in zip(layout.columns, layout.widths, strict=True)}
    assert widths["code"] >= unit * _display_width(code)
    assert widths["name"] >= unit * 10
    assert all(widths[f"m{i}"] >= unit * _display_width("（前）") for i in range(len(measures)))
    assert sum(layout.widths) <= TEXT_W_LANDSCAPE
