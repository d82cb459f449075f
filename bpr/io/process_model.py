"""Read a specified process (process_models/*.yaml) into a `ProcessModel`.

Format (documented with an example in process_models/README.md):

    code: 11330100002496213X4000111706200     # 实施编码 (optional)
    name: 食品经营许可                          # 事项名称 (required)
    department: 市场监督管理局                   # 实施主体 (default department of the steps)
    legal_limit: 20个工作日                     # optional
    promised_limit: 10个工作日                  # optional
    steps:                                     # required, in a dependency-respecting order
      - name: 受理
        role: 窗口工作人员
        limit: 即办
        on_site: false                         # the applicant must be there (default false)
      - name: 现场核查
        after: [初审]                          # default: the previous step; [] = at once

Chinese key names (事项名称, 实施编码, 实施主体, 法定办结时限, 承诺办结时限, 环节, 环节名称, 办理部门,
岗位, 时限, 是否现场, 前置环节) are accepted too. Any other key, a duplicate step name, an `after`
naming an unknown or later step, or an unparseable limit is an `InputError` naming the file, line
and key.
"""

from __future__ import annotations

from pathlib import Path

from bpr.io.yaml_doc import KeyPath, YamlDoc, show
from bpr.model.process_model import ProcessModel
from bpr.model.step import Step
from bpr.model.timelimit import TimeLimit

_TOP_KEYS = {
    "name": "name", "事项名称": "name",
    "code": "code", "实施编码": "code",
    "department": "department", "实施主体": "department",
    "legal_limit": "legal_limit", "法定办结时限": "legal_limit",
    "promised_limit": "promised_limit", "承诺办结时限": "promised_limit",
    "steps": "steps", "环节": "steps",
}
_STEP_KEYS = {
    "name": "name", "环节名称": "name",
    "department": "department", "办理部门": "department",
    "role": "role", "岗位": "role",
    "limit": "limit", "时限": "limit",
    "on_site": "on_site", "是否现场": "on_site",
    "after": "after", "前置环节": "after",
}
_LIMIT_EXAMPLES = "a time limit such as 20个工作日, 即办, 3个月, 30日, 无"


def read_process_model(path: str | Path) -> ProcessModel:
    """Read one process-model YAML file; raise `InputError` (file, line, key) when it is wrong."""
    doc = YamlDoc.load(path)
    top = _mapping(doc, (), doc.data, _TOP_KEYS, "a mapping with name: and steps:")
    name = _text(doc, ("name",), top.get("name"), required=True)
    department = _text(doc, ("department",), top.get("department"))
    raw_steps = top.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        doc.fail(("steps",), "steps is missing or empty", expected="a list of steps, each with name:")
    steps: list[Step] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_steps):
        where: KeyPath = ("steps", i)
        item = _mapping(doc, where, raw, _STEP_KEYS, "a mapping with name:, role:, limit: …")
        step_name = _text(doc, (*where, "name"), item.get("name"), required=True)
        if step_name in seen:
            doc.fail((*where, "name"), f"step {step_name!r} appears twice", expected="unique step names")
        after = _after(doc, (*where, "after"), item.get("after", None) if "after" in item else None,
                       "after" in item, seen, step_name)
        on_site = item.get("on_site", False)
        if not isinstance(on_site, bool):
            doc.fail((*where, "on_site"), f"on_site is {show(on_site)}", expected="true or false")
        steps.append(Step(name=step_name, order=i + 1,
                          department=_text(doc, (*where, "department"), item.get("department")) or department,
                          role=_text(doc, (*where, "role"), item.get("role")),
                          limit=_limit(doc, (*where, "limit"), item.get("limit")),
                          on_site=on_site, after=after))
        seen.add(step_name)
    return ProcessModel(name=name, code=_text(doc, ("code",), top.get("code")), department=department,
                        steps=steps, promised_limit=_limit(doc, ("promised_limit",), top.get("promised_limit")),
                        legal_limit=_limit(doc, ("legal_limit",), top.get("legal_limit")),
                        source=str(doc.file))


def _mapping(doc: YamlDoc, where: KeyPath, value: object, keys: dict[str, str], expected: str) -> dict:
    """The mapping at `where` with keys translated to their English names; unknown keys fail."""
    if not isinstance(value, dict):
        doc.fail(where, f"found {type(value).__name__}", expected=expected)
    result: dict = {}
    for key, item in value.items():
        canonical = keys.get(str(key).strip())
        if canonical is None:
            known = sorted({k for k in keys if k.isascii()})
            doc.fail((*where, str(key)), f"unknown key {show(key)}", expected=", ".join(known))
        if canonical in result:
            doc.fail((*where, str(key)), f"{canonical} is given twice")
        result[canonical] = item
    return result


def _text(doc: YamlDoc, where: KeyPath, value: object, required: bool = False) -> str:
    if value is None:
        if required:
            doc.fail(where, f"{where[-1]} is missing", expected="a non-empty text")
        return ""
    if isinstance(value, (dict, list, bool)):
        doc.fail(where, f"found {type(value).__name__}", expected="a text")
    text = str(value).strip()
    if required and not text:
        doc.fail(where, f"{where[-1]} is empty", expected="a non-empty text")
    return text


def _limit(doc: YamlDoc, where: KeyPath, value: object) -> TimeLimit:
    if value is None or value == "":
        return TimeLimit()
    if isinstance(value, (dict, list, bool)):
        doc.fail(where, f"found {type(value).__name__}", expected=_LIMIT_EXAMPLES)
    limit = TimeLimit.parse(value)
    if not limit.is_known:
        doc.fail(where, f"cannot read time limit {show(value)}", expected=_LIMIT_EXAMPLES)
    return limit


def _after(doc: YamlDoc, where: KeyPath, value: object, given: bool, earlier: set[str],
           step_name: str) -> list[str] | None:
    """`after` as a list of earlier step names; None when not given (= the previous step)."""
    if not given:
        return None
    if value is None:
        return []
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        doc.fail(where, f"found {show(value)}", expected="a step name or a list of step names")
    for name in names:
        if name == step_name:
            doc.fail(where, f"step {step_name!r} cannot wait for itself")
        if name not in earlier:
            doc.fail(where, f"{name!r} is not a step listed before {step_name!r}",
                     expected="names of earlier steps (list steps in an order that respects after:)")
    return list(names)
