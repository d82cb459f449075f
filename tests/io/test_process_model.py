"""process_models/*.yaml: every sample file reads; bad files give an InputError naming file, line, key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bpr.errors import InputError
from bpr.io import read_process_model
from bpr.io.safety import safe_filename
from bpr.model import ProcessModel, Step, TimeLimit, Unit

MODELS = Path(__file__).resolve().parents[2] / "process_models"
GOOD = """\
name: 食品经营许可
code: "11330100002496213X4000117062000"
department: 市场监督管理局
promised_limit: 10个工作日
steps:
  - name: 受理
    role: 窗口工作人员
    limit: 即办
  - name: 初审
    role: 科员
    limit: 3个工作日
  - name: 现场核查
    department: 城区市场监管所
    limit: 3个工作日
    on_site: true
  - name: 审批
    limit: 1
"""


def write(tmp_path: Path, text: str, name: str = "m.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_fields_and_defaults(tmp_path):
    model = read_process_model(write(tmp_path, GOOD))
    assert isinstance(model, ProcessModel)
    assert (model.name, model.code, model.department) == ("食品经营许可", "11330100002496213X4000117062000",
                                                          "市场监督管理局")
    assert model.promised_limit == TimeLimit("10个工作日", 10.0, Unit.WORKING_DAY)
    assert [s.name for s in model.steps] == ["受理", "初审", "现场核查", "审批"]
    assert [s.order for s in model.steps] == [1, 2, 3, 4]
    inspect = model.step("现场核查")
    assert inspect.department == "城区市场监管所" and inspect.on_site
    assert model.step("初审").department == "市场监督管理局"  # inherited
    assert model.step("审批").limit.to_working_days() == 1.0  # bare number = working days
    assert model.predecessors() == {"受理": [], "初审": ["受理"], "现场核查": ["初审"], "审批": ["现场核查"]}
    assert model.critical_path_days() == 0 + 3 + 3 + 1
    as_json = json.loads(json.dumps(model.to_dict(), ensure_ascii=False))
    assert as_json["steps"][2] == {"name": "现场核查", "order": 3, "department": "城区市场监管所", "role": "",
                                   "limit": "3个工作日", "limit_working_days": 3.0, "on_site": True,
                                   "after": ["初审"]}


def test_parallel_branches_and_critical_path(tmp_path):
    text = """\
name: 施工许可
steps:
  - {name: 受理, limit: 即办}
  - {name: 初审, limit: 1个工作日}
  - {name: 消防设计审查, limit: 2个工作日, after: [初审]}
  - {name: 人防审查, limit: 1个工作日, after: 初审}
  - {name: 审核, limit: 1个工作日, after: [消防设计审查, 人防审查]}
"""
    model = read_process_model(write(tmp_path, text))
    assert model.predecessors()["人防审查"] == ["初审"]
    assert model.predecessors()["审核"] == ["消防设计审查", "人防审查"]
    assert model.critical_path_days() == 1 + 2 + 1  # the longer branch, not the sum (5)


def test_chinese_keys(tmp_path):
    text = "事项名称: 结婚登记\n实施主体: 民政局\n环节:\n  - 环节名称: 受理\n    是否现场: true\n    时限: 即办\n"
    model = read_process_model(write(tmp_path, text))
    assert model.name == "结婚登记" and model.steps[0].on_site and model.steps[0].limit.is_immediate


def test_unknown_limit_in_critical_path_is_none():
    model = ProcessModel("x", steps=[Step("受理", limit=TimeLimit.parse("无"))])
    assert model.critical_path_days() is None


@pytest.mark.parametrize(("text", "line", "key", "words"), [
    (GOOD.replace("limit: 3个工作日\n  - name: 现场核查", "limit: 三天半\n  - name: 现场核查"), 11, "steps[2].limit",
     "三天半"),
    (GOOD.replace("on_site: true", "on_site: 是的"), 15, "steps[3].on_site", "on_site"),
    (GOOD.replace("    role: 科员\n", "    rol: 科员\n"), 10, "steps[2].rol", "unknown key"),
    (GOOD.replace("name: 审批", "name: 初审"), 16, "steps[4].name", "twice"),
    (GOOD + "    after: [送达]\n", 18, "steps[4].after", "送达"),
    (GOOD.replace("name: 食品经营许可\n", ""), None, "name", "missing"),
    ("name: x\nsteps: []\n", 2, "steps", "empty"),
    ("- just\n- a list\n", 1, None, "expected a mapping"),
    ("name: [unclosed\n", None, None, "not valid YAML"),
], ids=["limit", "on_site", "unknown-key", "duplicate-step", "after-unknown", "no-name", "no-steps", "not-mapping",
        "syntax"])
def test_bad_files_name_file_line_and_key(tmp_path, text, line, key, words):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        read_process_model(path)
    err = info.value
    assert err.file == path
    if line is not None:
        assert err.row == line, str(err)
    assert err.column == key, str(err)
    assert words in str(err)


def test_missing_empty_and_non_utf8_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_process_model(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="empty"):
        read_process_model(write(tmp_path, ""))
    path = tmp_path / "gbk.yaml"
    path.write_bytes("name: 食品经营许可\n".encode("gbk"))
    with pytest.raises(InputError, match="UTF-8"):
        read_process_model(path)


def test_alias_bomb_is_refused_or_harmless(tmp_path):
    # a billion-laughs document: refused from the event stream by bpr.io.yaml_doc (issue 17)
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    with pytest.raises(InputError, match="alias"):
        read_process_model(write(tmp_path, "\n".join(lines) + "\n"))


def test_every_sample_model_reads():
    paths = sorted(MODELS.glob("*.yaml"))
    assert len(paths) >= 30
    for path in paths:
        model = read_process_model(path)
        assert safe_filename(model.name) == path.stem and len(model.code) == 31, path
        assert model.steps and model.department, path
        assert all(s.limit.is_known for s in model.steps), path
