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
def read_process_model(path: str | Path) -> ProcessModel:
    """Read one process-model YAML file; raise `InputError` (file, line, key) when it is wrong."""
    doc = YamlDoc.load(path)
    top = _mapping(doc, (), doc.data, _TOP_KEYS, "model_not_mapping")
    name = _text(doc, ("name",), top.get("name"), required=True)
    department = _text(doc, ("department",), top.get("department"))
    raw_steps = top.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        doc.fail(("steps",), "model_no_steps")
    steps: list[Step] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_steps):
        where: KeyPath = ("steps", i)
        item = _mapping(doc, where, raw, _STEP_KEYS, "model_step_not_mapping")
        step_name = _text(doc, (*where, "name"), item.get("name"), required=True)
        if step_name in seen:
            doc.fail((*where, "name"), "model_step_twice", {"step": repr(step_name)})
        after = _after(doc, (*where, "after"), item.get("after", None) if "after" in item else None,
                       "after" in item, seen, step_name)
        on_site = item.get("on_site", False)
        if not isinstance(on_site, bool):
            doc.fail((*where, "on_site"), "model_on_site", {"value": show(on_site)})
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


def _mapping(doc: YamlDoc, where: KeyPath, value: object, keys: dict[str, str], code: str) -> dict:
    """The mapping at `where` with keys translated to their English names; unknown keys fail,
    and anything but a mapping fails with the error `code`."""
    if not isinstance(value, dict):
        doc.fail(where, code, {"type": type(value).__name__})
    result: dict = {}
    for key, item in value.items():
        canonical = keys.get(str(key).strip())
        if canonical is None:
            known = sorted({k for k in keys if k.isascii()})
            doc.fail((*where, str(key)), "yaml_unknown_key", {"key": show(key)}, expected=", ".join(known))
        if canonical in result:
            doc.fail((*where, str(key)), "yaml_key_twice", {"key": canonical})
        result[canonical] = item
    return result


def _text(doc: YamlDoc, where: KeyPath, value: object, required: bool = False) -> str:
    if value is None:
        if required:
            doc.fail(where, "yaml_missing_text", {"key": where[-1]})
        return ""
    if isinstance(value, (dict, list, bool)):
        doc.fail(where, "yaml_not_text", {"type": type(value).__name__})
    text = str(value).strip()
    if required and not text:
        doc.fail(where, "yaml_empty_text", {"key": where[-1]})
    return text


def _limit(doc: YamlDoc, where: KeyPath, value: object) -> TimeLimit:
    if value is None or value == "":
        return TimeLimit()
    if isinstance(value, (dict, list, bool)):
        doc.fail(where, "model_limit_type", {"type": type(value).__name__})
    limit = TimeLimit.parse(value)
    if not limit.is_known:
        doc.fail(where, "model_limit_unreadable", {"value": show(value)})
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
        doc.fail(where, "model_after_type", {"value": show(value)})
    for name in names:
        if name == step_name:
            doc.fail(where, "model_after_self", {"step": repr(step_name)})
        if name not in earlier:
            doc.fail(where, "model_after_unknown", {"name": repr(name), "step": repr(step_name)})
    return list(names)
