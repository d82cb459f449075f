"""The editable YAML plan: proposals a consultant accepts or rejects before `bpr apply`.

    # (header comments explain how to edit)
    bpr_plan: 1
    catalogue: 事项清单.xlsx
    options: {time_ratio: 0.5, immediate_max_materials: 5, immediate_max_days: 5, licences: []}
    proposals:
      # ── 食品经营许可 (11330100MB0000001) ──
      - id: M-11330100MB0000001-001
        dimension: materials
        matter: 食品经营许可
        target: 营业执照复印件
        action: “营业执照复印件”通过数据共享/电子证照库获取，申请人免于提交
        rationale: 该材料由政府部门核发（证照目录：营业执照），可在部门间共享获取
        saving: {materials: -1, steps: 0, days: 0, visits: 0}
        accepted: true

Only `accepted` is meant to be edited (true/false); ids tie each item back to the proposal
`bpr propose` derived from the catalogue, so `bpr apply` recomputes the change itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bpr.errors import InputError, UsageError
from bpr.i18n import t
from bpr.io.safety import atomic_output
from bpr.io.yaml_doc import YamlDoc
from bpr.plan.documents import LicenceCatalogue
from bpr.plan.proposals import DIMENSIONS, Proposal, ProposalOptions, Withheld

PLAN_VERSION = 1
MAX_PLAN_BYTES = 50 << 20

HEADER = """\
# bpr 改革方案（四减建议）/ bpr reform plan (four-reduction proposals)
#
# 如何编辑 / How to edit:
#   - 每条建议有 accepted: true（采纳）或 accepted: false（不采纳）。只需修改这一项。
#     Each proposal has accepted: true (accept) or false (reject). That is the only field to edit.
#   - 不要修改 id 和 matter：bpr apply 用它们找到建议对应的事项和具体改动。
#     Do not change id or matter: bpr apply uses them to find the matter and the change.
#   - 删除一条建议等同于不采纳。Deleting an item is the same as rejecting it.
#   - 改完后运行 / then run:  bpr apply 事项清单.xlsx plan.yaml -o 改革后
#   - id 前缀 / id prefix: M 减材料 materials, S 减环节 steps, T 减时限 time, V 减跑动 visits.
#   - saving 为预计节省（负数）；时限建议在采纳的环节建议基础上重新计算。
#     saving is the expected cut (negative); time proposals are recomputed from the step proposals you accept.
"""


@dataclass
class PlanItem:
    id: str
    matter: str
    accepted: bool
    dimension: str = ""
    target: str = ""
    action: str = ""
    rationale: str = ""
    line: int | None = None


@dataclass
class Plan:
    items: list[PlanItem] = field(default_factory=list)
    options: dict = field(default_factory=dict)
    catalogue: str = ""
    source: str = ""

    def accepted_ids(self) -> list[str]:
        return [i.id for i in self.items if i.accepted]

    def proposal_options(self) -> ProposalOptions:
        """The options `bpr propose` used, so the ids come out the same."""
        opts = {k: v for k, v in self.options.items() if k not in ("licences", "rules")}
        licences = self.options.get("licences") or []
        base = Path(self.source).parent if self.source else Path(".")
        if licences:
            paths = [Path(p) if Path(p).is_absolute() else base / p for p in licences]
            try:
                opts["licences"] = LicenceCatalogue.load(*paths)
            except InputError as err:  # say which key of the plan named the file
                index = next((i for i, p in enumerate(paths) if str(p) == str(err.file)), None)
                if index is not None:
                    err.setting = f"options.licences[{index}] = {licences[index]}"
                    err.file = self.source or err.file
                raise
        rules = self.options.get("rules")
        if rules:  # the constraints propose honoured, so the same proposals (and ids) come back
            from bpr.analyse.rules import load_rules

            opts["constraints"] = load_rules(rules if Path(rules).is_absolute() else base / rules).constraints
        return ProposalOptions(**opts)

    def to_dict(self) -> dict:
        return {"catalogue": self.catalogue, "options": dict(self.options),
                "items": [{"id": i.id, "matter": i.matter, "dimension": i.dimension, "accepted": i.accepted}
                          for i in self.items]}


_OPTION_TYPES = {"time_ratio": (int, float), "immediate_max_materials": (int,), "immediate_max_days": (int, float),
                 "licences": (list,), "rules": (str,)}


def plan_options(options: ProposalOptions, licence_files: list[str] | None = None,
                 rules_file: str | None = None) -> dict:
    out = {"time_ratio": options.time_ratio, "immediate_max_materials": options.immediate_max_materials,
           "immediate_max_days": options.immediate_max_days, "licences": list(licence_files or [])}
    if rules_file:
        out["rules"] = str(rules_file)
    return out


def plan_text(proposals: list[Proposal], catalogue: str = "", options: dict | None = None,
              lang: str = "zh", withheld: list[Withheld] | None = None) -> str:
    """The YAML plan as text (header comments, one block per matter)."""
    head = {"bpr_plan": PLAN_VERSION, "catalogue": catalogue,
            "options": options or plan_options(ProposalOptions())}
    parts = [HEADER, yaml.safe_dump(head, allow_unicode=True, sort_keys=False, width=1000,
                                    default_flow_style=None)]
    parts.append("proposals:" + ("\n" if proposals else " []\n"))
    current = None
    for p in proposals:
        if p.code != current:
            current = p.code
            parts.append(f"  # ── {_comment(p.matter)} ({_comment(p.code)}) ──\n")
        action, rationale = p.text(lang)
        item = {"id": p.id, "dimension": p.dimension, "matter": p.matter, "target": p.target,
                "action": action, "rationale": rationale, "saving": p.saving, "accepted": bool(p.accepted)}
        block = yaml.safe_dump([item], allow_unicode=True, sort_keys=False, width=1000, default_flow_style=None)
        parts.append("".join("  " + line + "\n" for line in block.splitlines()))
    if withheld:  # comments only: nothing to accept, but the reader sees why
        parts.append(f"\n# {t('withheld_title', lang)} / {t('withheld_title', 'en')}\n")
        for w in withheld:
            action, reason = w.text(lang)
            parts.append(f"#   - {_comment(w.matter)}：{_comment(action)} — {_comment(reason)} [{w.constraint}]\n")
    return "".join(parts)


def _comment(text: str) -> str:
    return " ".join(str(text).split())  # no newline can end the comment early


def write_plan(path: str | Path, proposals: list[Proposal], catalogue: str = "", options: dict | None = None,
               lang: str = "zh", withheld: list[Withheld] | None = None) -> None:
    """Write the plan atomically (withheld proposals, when given, as closing comments)."""
    with atomic_output(path, "w", encoding="utf-8") as fh:
        fh.write(plan_text(proposals, catalogue, options, lang, withheld))


_TRUE = {"true", "yes", "y", "是", "采纳", "1"}
_FALSE = {"false", "no", "n", "否", "不采纳", "0"}


def _accepted(value: object, path: Path, line: int | None, pid: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError.of("plan_accepted_not_boolean", {"pid": pid, "value": value}, file=path, row=line,
                        column="accepted")


def read_plan(path: str | Path) -> Plan:
    """Read a plan written by `write_plan` and edited by hand; InputError/UsageError say where."""
    doc = YamlDoc.load(path, max_bytes=MAX_PLAN_BYTES)
    path, data = doc.file, doc.data
    if not isinstance(data, dict) or "proposals" not in data:
        raise InputError.of("plan_not_a_plan", file=path)
    items = data["proposals"] or []
    if not isinstance(items, list):
        raise InputError.of("plan_proposals_not_list", file=path)
    options = data.get("options") or {}
    if not isinstance(options, dict):
        raise InputError.of("plan_options_not_mapping", file=path)
    unknown = sorted(set(options) - set(_OPTION_TYPES))
    if unknown:
        raise UsageError.of("plan_unknown_options", file=path, details=unknown, expected=", ".join(_OPTION_TYPES))
    for key, value in options.items():
        if value is not None and (not isinstance(value, _OPTION_TYPES[key]) or isinstance(value, bool)):
            list_option = list in _OPTION_TYPES[key]
            raise InputError.of("plan_option_not_a_file_list" if list_option else "plan_option_not_a_number",
                                {"key": key, "value": value}, file=path, setting=f"options.{key}")
        if isinstance(value, list):
            for i, item in enumerate(value):
                if not isinstance(item, str) or not item.strip():
                    raise InputError.of("plan_option_not_a_file_list", {"key": f"{key}[{i}]", "value": item},
                                        file=path, setting=f"options.{key}[{i}]")
    options = {k: v for k, v in options.items() if v is not None}
    plan = Plan(options=options, catalogue=str(data.get("catalogue") or ""), source=str(path))
    seen: dict[str, int | None] = {}
    duplicates = []
    for index, item in enumerate(items):
        line = doc.lines.get(("proposals", index))
        if not isinstance(item, dict):
            raise InputError.of("plan_item_not_mapping", {"n": index + 1}, file=path, row=line)
        missing = [k for k in ("id", "matter", "accepted") if item.get(k) in (None, "")]
        if missing:
            raise InputError.of("plan_item_incomplete", {"n": index + 1, "missing": ", ".join(missing)},
                                file=path, row=line)
        pid = str(item["id"]).strip()
        dimension = str(item.get("dimension") or "")
        if dimension and dimension not in DIMENSIONS:
            raise InputError.of("plan_unknown_dimension", {"pid": pid, "dimension": dimension}, file=path,
                                row=line, column="dimension", expected=", ".join(DIMENSIONS))
        if pid in seen:
            duplicates.append(pid)
        seen[pid] = line
        plan.items.append(PlanItem(id=pid, matter=str(item["matter"]).strip(),
                                   accepted=_accepted(item["accepted"], path, line, pid), dimension=dimension,
                                   target=str(item.get("target") or ""), action=str(item.get("action") or ""),
                                   rationale=str(item.get("rationale") or ""), line=line))
    if duplicates:
        raise UsageError.of("plan_duplicate_ids", file=path, details=sorted(set(duplicates)))
    return plan
