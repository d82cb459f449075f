"""The rule machinery: a `Rule` is a small declarative object; checking it yields `Finding`s."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, NamedTuple

from bpr.model.catalogue import Catalogue
from bpr.model.matter import Matter
from bpr.model.timelimit import DEFAULT_CONVERSION, Conversion


class Severity(StrEnum):
    ERROR = "error"  # the sheet contradicts itself or a binding rule
    WARNING = "warning"  # very likely wrong or against reform policy
    INFO = "info"  # worth a look; a lever for the four reductions


class Hit(NamedTuple):
    """What a check found: the field, the offending value, and (catalogue rules) which matter."""

    field: str
    value: Any
    matter: Matter | None = None


@dataclass(frozen=True)
class Finding:
    """One rule violation with its evidence (matter name, code, field, value, sheet row)."""

    rule: str
    severity: str
    matter: str
    code: str
    field: str
    value: str
    message: str
    message_en: str
    row: int | None = None

    def to_dict(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "matter": self.matter, "code": self.code,
                "field": self.field, "value": self.value, "message": self.message, "message_en": self.message_en,
                "row": self.row}


MatterCheck = Callable[[Matter, Mapping[str, float], Conversion], Iterable[Hit]]
CatalogueCheck = Callable[[Catalogue, Mapping[str, float], Conversion], Iterable[Hit]]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class Rule:
    """A data-quality rule: id, severity, zh/en message templates, parameters with defaults, a check.

    Messages may use `{value}` and any parameter name, e.g. "承诺时限为法定时限的 {value}，高于 {max_ratio}".
    `scope` is "matter" (check(matter)) or "catalogue" (check(catalogue), e.g. duplicate codes).
    """

    id: str
    severity: Severity
    message_zh: str
    message_en: str
    test: MatterCheck | CatalogueCheck = field(repr=False, compare=False)
    params: Mapping[str, float] = field(default_factory=dict)
    scope: str = "matter"
    enabled: bool = True
    source: str = ""  # where the rule comes from (DOMAIN list, GB/T 39046, a State Council notice)

    def configured(self, enabled: bool | None = None, severity: Severity | None = None,
                   **params: float) -> Rule:
        """A copy with parameters/severity/on-off changed (the rule objects themselves never change)."""
        changes: dict[str, Any] = {}
        if enabled is not None:
            changes["enabled"] = enabled
        if severity is not None:
            changes["severity"] = Severity(severity)
        if params:
            changes["params"] = {**self.params, **params}
        return replace(self, **changes)

    def _finding(self, matter: Matter, hit: Hit) -> Finding:
        value = _text(hit.value)
        return Finding(self.id, str(self.severity), matter.name, matter.key, hit.field, value,
                       self.message_zh.format(value=value, **self.params),
                       self.message_en.format(value=value, **self.params), matter.source_row)

    def check(self, target: Matter | Catalogue, conversion: Conversion = DEFAULT_CONVERSION) -> list[Finding]:
        """Findings for one matter (matter rules) or a whole catalogue (catalogue rules)."""
        if self.scope == "catalogue":
            return [self._finding(hit.matter, hit) for hit in self.test(target, self.params, conversion)]
        return [self._finding(target, hit) for hit in self.test(target, self.params, conversion)]

    def describe(self) -> dict:
        return {"id": self.id, "severity": str(self.severity), "scope": self.scope, "enabled": self.enabled,
                "params": dict(self.params), "message": self.message_zh, "message_en": self.message_en,
                "source": self.source}
