"""Read a 一件事 bundle (samples/bundles/*.yaml) into a `Bundle`.

Format:

    name: 开办餐饮店一件事                  # required (名称)
    description: 一次告知、一表申请……       # optional (说明)
    lead_department: 市场监督管理局          # optional (牵头部门)
    members:                               # required (成员事项): codes or names
      - 个体工商户设立登记
      - 11330100002496213X4000111706200
      - {code: 1133…, name: 食品经营许可}    # a mapping: the code is used, the name is a label

Members are resolved against a catalogue with `Bundle.resolve(catalogue)`, not here.
"""

from __future__ import annotations

from pathlib import Path

from bpr.io.yaml_doc import YamlDoc, show
from bpr.model.bundle import Bundle

_KEYS = {
    "name": "name", "名称": "name",
    "description": "description", "说明": "description",
    "lead_department": "lead_department", "牵头部门": "lead_department",
    "members": "members", "成员事项": "members",
}


def read_bundle(path: str | Path) -> Bundle:
    """Read one bundle YAML file; raise `InputError` (file, line, key) when it is wrong."""
    doc = YamlDoc.load(path)
    if not isinstance(doc.data, dict):
        doc.fail((), "bundle_not_mapping", {"type": type(doc.data).__name__})
    fields: dict = {}
    for key, value in doc.data.items():
        canonical = _KEYS.get(str(key).strip())
        if canonical is None:
            doc.fail((str(key),), "yaml_unknown_key", {"key": show(key)},
                     expected="name, description, lead_department, members")
        fields[canonical] = value
    name = fields.get("name")
    if not isinstance(name, str) or not name.strip():
        doc.fail(("name",), "bundle_no_name")
    members = fields.get("members")
    if not isinstance(members, list) or not members:
        doc.fail(("members",), "bundle_no_members")
    refs: list[str] = []
    for i, item in enumerate(members):
        if isinstance(item, dict):
            unknown = set(map(str, item)) - {"code", "name"}
            if unknown:
                doc.fail(("members", i), "yaml_unknown_key", {"key": repr(sorted(unknown)[0])}, expected="code, name")
            ref = item.get("code") or item.get("name")
        else:
            ref = item
        if isinstance(ref, bool) or not isinstance(ref, (str, int)) or not str(ref).strip():
            doc.fail(("members", i), "bundle_bad_member", {"member": show(item)})
        ref = str(ref).strip()
        if ref in refs:
            doc.fail(("members", i), "bundle_member_twice", {"member": show(ref)})
        refs.append(ref)
    texts = {}
    for key in ("description", "lead_department"):
        value = fields.get(key)
        if value is not None and not isinstance(value, str):
            doc.fail((key,), "yaml_not_text", {"type": type(value).__name__})
        texts[key] = (value or "").strip()
    return Bundle(name=name.strip(), members=refs, **texts)
