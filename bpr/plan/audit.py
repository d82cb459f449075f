"""`audit`: indicators, data-quality findings and four-reduction proposals for a catalogue. It
lives with the plan because it runs the proposals on top of the analysis (bpr.analyse.indicators,
bpr.analyse.rules).

result.json (kind "audit"):
- `indicators`: whole catalogue, English keys (see `Indicators`; formulas in `method`).
- `by_department`, `by_type`: lists of the same indicators plus `department` / `matter_type`.
- `matters`: per-matter inputs (`MatterIndicators`).
- `findings`: rule, severity, matter (name), code, field, value, message, message_en, row.
- `finding_counts`: {rule id: count}; `rules`: the rule set used (enabled, severity, params).
- `proposals`: from `bpr.plan.proposals.propose` (id, dimension, matter, target, action, evidence, saving).
- `warnings`: the catalogue's DataWarnings plus the audit's own (e.g. whitelist entries not found).
- `method`: formulas and conventions.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bpr.analyse.indicators import Indicators, MatterIndicators, compute_indicators, method_notes
from bpr.analyse.rules import Finding, RuleSet
from bpr.errors import BprError
from bpr.i18n import Note, field_label, rule_label, t
from bpr.io.results import write_csv
from bpr.io.safety import atomic_output, read_text_file
from bpr.model.catalogue import Catalogue
from bpr.model.timelimit import DEFAULT_CONVERSION, Conversion
from bpr.model.warning import DataWarning
from bpr.plan.proposals import propose
from bpr.plan.sharing import csv_rows, sharing_needs

MAX_WHITELIST = 8 << 20

#: the headline indicators, in the order tables and reports show them
HEADLINE = ("matters", "steps_total", "steps_mean", "materials_total", "materials_submitted",
            "materials_exempt", "material_exempt_rate", "immediate_rate", "compression_ratio",
            "legal_days_sum", "promised_days_sum", "avg_visits", "zero_visit_rate", "full_online_rate",
            "online_rate", "mobile_rate", "mail_rate", "materials_deferrable", "tolerance_rate")


@dataclass
class AuditResult:
    source: str
    indicators: Indicators
    by_department: dict[str, Indicators]
    by_type: dict[str, Indicators]
    matters: list[MatterIndicators]
    findings: list[Finding]
    proposals: list = field(default_factory=list)  # bpr.plan.proposals.Proposal
    warnings: list[DataWarning] = field(default_factory=list)
    rules: list[dict] = field(default_factory=list)
    method: dict[str, str] = field(default_factory=dict)
    whitelist: list[str] = field(default_factory=list)
    sharing_needs: list = field(default_factory=list)  # bpr.plan.sharing.ShareNeed: the 共享需求清单

    @property
    def finding_counts(self) -> dict[str, int]:
        return dict(Counter(f.rule for f in self.findings))

    def _parts(self) -> list[tuple[str, object]]:
        """(key, value) in result.json order; the long lists stay lists of objects until written."""
        return [
            ("kind", "audit"),
            ("source", self.source),
            ("indicators", self.indicators.to_dict()),
            ("by_department", [{"department": k, **v.to_dict()} for k, v in self.by_department.items()]),
            ("by_type", [{"matter_type": k, **v.to_dict()} for k, v in self.by_type.items()]),
            ("finding_counts", self.finding_counts),
            ("rules", self.rules),
            ("whitelist", self.whitelist),
            ("method", self.method),
            ("warnings", [w.to_dict() for w in self.warnings]),
            ("matters", self.matters),
            ("findings", self.findings),
            ("proposals", self.proposals),
            ("sharing_needs", self.sharing_needs),
        ]

    def to_dict(self) -> dict:
        return {key: [x.to_dict() for x in value] if key in _OBJECT_LISTS else value for key, value in self._parts()}

    def write_json(self, fh, batch: int = 5000) -> None:
        """result.json without holding it whole: long lists go out in batches (json's C encoder)."""
        fh.write("{")
        for i, (key, value) in enumerate(self._parts()):
            fh.write(("," if i else "") + json.dumps(key) + ":")
            if key not in _OBJECT_LISTS:
                fh.write(json.dumps(value, ensure_ascii=False, default=str))
                continue
            fh.write("[")
            for start in range(0, len(value), batch):
                chunk = json.dumps([x.to_dict() for x in value[start:start + batch]], ensure_ascii=False,
                                   default=str, separators=(",", ":"))
                fh.write(("," if start else "") + chunk[1:-1])
            fh.write("]")
        fh.write("}\n")


_OBJECT_LISTS = {"matters", "findings", "proposals", "sharing_needs"}


def read_whitelist(path: str | Path) -> list[str]:
    """Matters where zero visits is not suitable (不宜跑零次): one code or name a line, # comments."""
    text = read_text_file(path, MAX_WHITELIST)
    entries = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            entries.append(line)
    return entries


def audit(catalogue: Catalogue, rules: RuleSet | None = None, whitelist: Iterable[str] | None = None,
          conversion: Conversion = DEFAULT_CONVERSION, proposals: bool = True, licences=None,
          annual_cases: dict[str, float] | None = None) -> AuditResult:
    """Indicators (overall, by department, by type, per matter), rule findings, proposals and the
    共享需求清单 (`licences`: a `bpr.plan.LicenceCatalogue` with the local library; `annual_cases`:
    matter -> cases a year, see `bpr.analyse.volumes.annual_cases`)."""
    rules = rules or RuleSet()
    entries = list(dict.fromkeys(whitelist or []))
    warnings = list(catalogue.warnings)
    if entries:
        known = {k for m in catalogue.matters for k in (m.key, m.name, m.basic_code) if k}
        unknown = [e for e in entries if e not in known]
        if unknown:
            warnings.append(DataWarning.of("whitelist_unknown", {"n": len(unknown)},
                                           value="、".join(unknown[:20]), count=len(unknown)))
    matters, overall, by_department, by_type = compute_indicators(catalogue, conversion, set(entries))
    findings = rules.run(catalogue, conversion)
    method = method_notes(conversion)
    # the time proposals aim at the same ratio the compression_target rule checks
    ratio = next((r.params["max_ratio"] for r in rules.rules if r.id == "compression_target"), 0.5)
    found: list = []
    if not proposals:
        method["proposals"] = Note.of("note_proposals_not_requested").to_dict()
    else:
        try:
            found = list(propose(catalogue, conversion=conversion, time_ratio=ratio, constraints=rules.constraints,
                                 licences=licences))
        except BprError as exc:  # the indicators and findings stand on their own: keep them, say why none
            warnings.append(DataWarning.of("proposals_failed", {"reason": exc}))
    return AuditResult(source=catalogue.source, indicators=overall, by_department=by_department,
                       by_type=by_type, matters=matters, findings=findings, proposals=found, warnings=warnings,
                       rules=rules.describe(), method=method, whitelist=entries,
                       sharing_needs=sharing_needs(catalogue, licences, annual_cases))


def _cell(value):
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):  # e.g. saving {"materials": -1, "visits": 0} -> "materials=-1; visits=0"
        return "; ".join(f"{k}={_cell(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return "、".join(str(_cell(v)) for v in value)
    return value


_GROUP_KEYS = [k for k in Indicators.__dataclass_fields__ if k != "missing"]


def write_audit(result: AuditResult, out: str | Path, lang: str = "zh") -> list[Path]:
    """DIR/result.json and the CSV tables (UTF-8 with BOM for Excel, cells escaped, atomic)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def table(name: str, keys: list[str], rows: Iterable[Iterable]) -> None:
        path = out / name
        write_csv(path, [t(f"audit_{k}", lang) if f"audit_{k}" in _VOCAB_KEYS else k for k in keys], rows)
        written.append(path)

    overall = result.indicators.to_dict()
    table("indicators.csv", ["indicator", "name", "value"],
          ([k, t(f"audit_{k}", lang), _cell(overall[k])] for k in _GROUP_KEYS))
    for name, key, groups in (("by_department.csv", "department", result.by_department),
                              ("by_type.csv", "matter_type", result.by_type)):
        table(name, [key, *_GROUP_KEYS, "missing"],
              ([group, *(_cell(getattr(ind, k)) for k in _GROUP_KEYS), _cell(ind.missing)]
               for group, ind in groups.items()))
    matter_keys = list(MatterIndicators.__dataclass_fields__)
    table("matters.csv", matter_keys, ([_cell(getattr(m, k)) for k in matter_keys] for m in result.matters))
    # rule names, field paths and messages in the table's language (the ids stay in result.json)
    finding_keys = ["rule", "severity", "matter", "code", "row", "field", "value", "message"]
    table("findings.csv", finding_keys, ([rule_label(f.rule, lang), t(f"severity_{f.severity}", lang), f.matter, f.code,
                                          f.row, field_label(f.field, lang), f.value,
                                          f.message_en if lang == "en" else f.message] for f in result.findings))
    proposal_keys = ["id", "dimension", "matter", "target", "action", "evidence", "saving"]
    table("proposals.csv", proposal_keys,
          ([_cell(p.get(k)) for k in proposal_keys] for p in (x.to_dict() for x in result.proposals)))
    header, rows = csv_rows(result.sharing_needs, lang)
    path = out / "sharing_needs.csv"
    write_csv(path, header, rows)
    written.append(path)
    # data-quality warnings: headers of their own (实施编码 headed the warning code) and the message in `lang`
    warning_keys = ["code", "message", "file", "sheet", "cell", "row", "column", "value", "expected", "count"]
    path = out / "warnings.csv"
    write_csv(path, [t(f"warnings_col_{k}", lang) for k in warning_keys],
              ([w.text(lang) if k == "message" else getattr(w, k) for k in warning_keys] for w in result.warnings))
    written.append(path)
    with atomic_output(out / "result.json", "w", encoding="utf-8") as fh:
        result.write_json(fh)
    written.append(out / "result.json")
    return written


def _vocab_keys() -> set[str]:
    from bpr.i18n import VOCAB

    return set(VOCAB)


_VOCAB_KEYS = _vocab_keys()
