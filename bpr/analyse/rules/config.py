"""A rule set: the registry with some rules switched off or re-parameterised by a YAML file.

```yaml
disable: [material_no_basis, missing_result_name]   # switch rules off by id
rules:                                              # per rule: enabled, severity, parameters
  compression_target: {max_ratio: 0.6}
  visits_over_target: {severity: info, max_visits: 0}
  paper_copies: false                               # shorthand for enabled: false
constraints:                                        # domain limits on proposals (constraints.py)
  physical_result: {vocabulary: [出入境通行证]}     # words added to its vocabulary
  commitment_public_safety: false                   # switched off
```
Unknown rule or constraint ids and unknown parameter names are a `UsageError` listing them (a typo
must not silently leave a rule on). `disable` may also name constraints.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bpr.analyse.rules.base import Finding, Rule, Severity
from bpr.analyse.rules.constraints import CONSTRAINT_REGISTRY, ConstraintSet
from bpr.analyse.rules.definitions import RULES
from bpr.errors import InputError, UsageError
from bpr.model.catalogue import Catalogue
from bpr.model.timelimit import DEFAULT_CONVERSION, Conversion

MAX_RULES_FILE = 1 << 20

#: id -> Rule, in the order findings are reported
REGISTRY: dict[str, Rule] = {rule.id: rule for rule in RULES}


@dataclass
class RuleSet:
    """The rules an audit runs (all of the registry, each possibly re-configured)."""

    rules: list[Rule] = field(default_factory=lambda: list(RULES))
    constraints: ConstraintSet = field(default_factory=ConstraintSet)

    @property
    def enabled(self) -> list[Rule]:
        return [r for r in self.rules if r.enabled]

    def get(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def configure(self, settings: dict) -> RuleSet:
        """A new set with `settings` ({id: {enabled, severity, param: value}}) applied."""
        unknown = sorted(set(settings) - {r.id for r in self.rules})
        if unknown:
            raise UsageError.of("rules_unknown_ids", details=unknown, expected=", ".join(r.id for r in self.rules))
        rules = []
        for rule in self.rules:
            if rule.id in settings:
                rule = _apply(rule, settings[rule.id])
            rules.append(rule)
        return RuleSet(rules, self.constraints)

    def run(self, catalogue: Catalogue, conversion: Conversion = DEFAULT_CONVERSION) -> list[Finding]:
        """All findings: matter rules matter by matter (catalogue order), then catalogue rules."""
        matter_rules = [r for r in self.enabled if r.scope == "matter"]
        findings: list[Finding] = []
        for matter in catalogue.matters:
            for rule in matter_rules:
                findings.extend(rule.check(matter, conversion))
        for rule in self.enabled:
            if rule.scope == "catalogue":
                findings.extend(rule.check(catalogue, conversion))
        return findings

    def describe(self) -> list[dict]:
        return [r.describe() for r in self.rules]


def _apply(rule: Rule, setting: object) -> Rule:
    if isinstance(setting, bool):
        return rule.configured(enabled=setting)
    if setting is None:
        return rule
    if not isinstance(setting, dict):
        raise UsageError.of("rules_setting_not_mapping", {"rule": rule.id},
                            expected=", ".join(["enabled", "severity", *rule.params]))
    setting = dict(setting)
    enabled = setting.pop("enabled", None)
    severity = setting.pop("severity", None)
    unknown = sorted(set(setting) - set(rule.params))
    if unknown:
        raise UsageError.of("rules_unknown_params", {"rule": rule.id}, details=unknown,
                            expected=", ".join(["enabled", "severity", *rule.params]))
    if enabled is not None and not isinstance(enabled, bool):
        raise UsageError.of("rules_enabled_not_boolean", {"rule": rule.id}, expected="true/false")
    if severity is not None and severity not in {s.value for s in Severity}:
        raise UsageError.of("rules_unknown_severity", {"rule": rule.id, "severity": severity},
                            expected="error, warning, info")
    for name, value in setting.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UsageError.of("rules_param_not_number",
                                {"rule": rule.id, "name": name, "value": value, "default": rule.params[name]})
    return rule.configured(enabled=enabled, severity=severity, **{k: float(v) for k, v in setting.items()})


def settings_from_yaml(data: object, path: str | Path = "rules file") -> dict:
    """{id: setting} from the parsed YAML (`disable` list and `rules` mapping)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError.of("rules_not_mapping", file=path)
    unknown_keys = sorted(set(data) - {"disable", "rules", "constraints"})
    if unknown_keys:
        raise UsageError.of("rules_unknown_keys", file=path, details=[str(k) for k in unknown_keys],
                            expected="disable, rules, constraints")
    settings: dict = {}
    disable = data.get("disable") or []
    if isinstance(disable, str):
        disable = [disable]
    if not isinstance(disable, list):
        raise UsageError.of("rules_disable_not_list", file=path)
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        raise UsageError.of("rules_rules_not_mapping", file=path)
    disable = [x for x in disable if str(x) not in CONSTRAINT_REGISTRY]  # constraints: see constraint_settings
    unknown = sorted({str(x) for x in disable} - REGISTRY.keys() | {str(x) for x in rules} - REGISTRY.keys())
    if unknown:
        raise UsageError.of("rules_file_unknown_ids", {"known": ", ".join(REGISTRY)}, file=path, details=unknown)
    for rule_id, setting in rules.items():
        settings[str(rule_id)] = setting
    for rule_id in disable:
        current = settings.get(str(rule_id))
        settings[str(rule_id)] = {**current, "enabled": False} if isinstance(current, dict) else False
    return settings


def constraint_settings(data: object, path: str | Path = "rules file") -> dict:
    """{constraint id: {enabled, vocabulary}} from the parsed YAML (`constraints` mapping, and
    constraint ids in `disable`). An unknown id or key is a UsageError naming it."""
    if not isinstance(data, dict):
        return {}
    section = data.get("constraints") or {}
    if not isinstance(section, dict):
        raise UsageError.of("constraints_not_mapping", file=path)
    known = ", ".join(CONSTRAINT_REGISTRY)
    unknown = sorted(str(k) for k in section if str(k) not in CONSTRAINT_REGISTRY)
    if unknown:
        raise UsageError.of("constraints_unknown_ids", {"known": known}, file=path, details=unknown)
    settings: dict = {}
    for cid, setting in section.items():
        if setting is None or isinstance(setting, bool):
            settings[str(cid)] = {} if setting is None else {"enabled": setting}
            continue
        if not isinstance(setting, dict):
            raise UsageError.of("constraints_setting_not_mapping", {"constraint": cid},
                                file=path, expected="enabled, vocabulary")
        bad = sorted(str(k) for k in setting if k not in ("enabled", "vocabulary"))
        if bad:
            raise UsageError.of("constraints_unknown_keys", {"constraint": cid}, file=path, details=bad,
                                expected="enabled, vocabulary")
        enabled, vocabulary = setting.get("enabled"), setting.get("vocabulary") or []
        if enabled is not None and not isinstance(enabled, bool):
            raise UsageError.of("rules_enabled_not_boolean", {"rule": cid}, file=path, expected="true/false")
        if isinstance(vocabulary, str):
            vocabulary = [vocabulary]
        if not isinstance(vocabulary, list) or not all(isinstance(w, str) for w in vocabulary):
            raise UsageError.of("constraints_vocabulary_not_list", {"constraint": cid}, file=path)
        settings[str(cid)] = {"enabled": enabled, "vocabulary": [w.strip() for w in vocabulary if w.strip()]}
    disable = data.get("disable") or []
    for cid in [disable] if isinstance(disable, str) else disable if isinstance(disable, list) else []:
        if str(cid) in CONSTRAINT_REGISTRY:
            settings.setdefault(str(cid), {})["enabled"] = False
    return settings


def load_rules(path: str | Path | None = None, base: RuleSet | None = None) -> RuleSet:
    """The default rule set, configured by the YAML file at `path` when given."""
    base = base or RuleSet()
    if path is None:
        return base
    from bpr.io.yaml_doc import YamlDoc

    path = Path(path)
    data = YamlDoc.load(path, max_bytes=MAX_RULES_FILE).data
    try:
        configured = base.configure(settings_from_yaml(data, path))
        configured.constraints = base.constraints.configure(constraint_settings(data, path))
        return configured
    except UsageError as exc:
        exc.file = exc.file or path
        raise


def all_rules() -> Iterable[Rule]:
    return list(RULES)
