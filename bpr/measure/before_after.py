"""Before/after figures per matter, per bundle and for the catalogue.

Figures of one matter:
- steps: number of handling steps; materials: materials the applicant still submits
  (`Material.submitted`: not exempt through data sharing, not replaced by a commitment);
- promised_days: 承诺办结时限 in working days (None for 无期限/unknown);
- critical_path_days: longest path through the step graph by step working days;
- visits: 到办事现场次数 (or the number of visit causes when the sheet does not say).
The catalogue sums its matters; a day or visit sum runs over the matters known both before and
after, so a missing limit never looks like a cut. A bundle compares separate handling of its
members before the plan with the members handled as one thing after it (`analyse_bundle`). cut = before − after, cut_pct = cut / before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bpr.i18n import t
from bpr.measure.bundle import analyse_bundle
from bpr.measure.figures import FIELDS, Figures, _round, figures, measure_label
from bpr.measure.targets import TargetResult, Targets, check_targets
from bpr.model import Catalogue
from bpr.model.timelimit import DEFAULT_CONVERSION, Conversion


@dataclass
class Comparison:
    """Before and after of one scope (a matter, a bundle or the catalogue)."""

    scope: str  # matter | bundle | catalogue
    name: str
    code: str = ""
    before: Figures = field(default_factory=Figures)
    after: Figures = field(default_factory=Figures)
    targets: list[TargetResult] = field(default_factory=list)
    matters: int = 1

    def cut(self) -> dict:
        return {k: _round(None if getattr(self.before, k) is None or getattr(self.after, k) is None
                          else getattr(self.before, k) - getattr(self.after, k)) for k in FIELDS}

    def cut_pct(self) -> dict:
        out = {}
        for k in FIELDS:
            b, a = getattr(self.before, k), getattr(self.after, k)
            out[k] = None if b is None or a is None or b == 0 else round((b - a) / b * 100, 2)
        return out

    def to_dict(self, lang: str = "zh") -> dict:
        return {"scope": self.scope, "name": self.name, "code": self.code, "matters": self.matters,
                "before": self.before.to_dict(), "after": self.after.to_dict(), "cut": self.cut(),
                "cut_pct": self.cut_pct(), "targets": [r.to_dict(lang) for r in self.targets]}

    def rows(self, lang: str | None = None) -> list[list]:
        """CSV rows: scope, name, code, measure, before, after, cut, cut %; with `lang`, the scope
        and the measure are words in that language (事项 / 材料数), else their keys."""
        cut, pct = self.cut(), self.cut_pct()
        scope = t(f"ba_scope_{self.scope}", lang) if lang else self.scope
        return [[scope, self.name, self.code, measure_label(k, lang), _round(getattr(self.before, k)),
                 _round(getattr(self.after, k)), cut[k], pct[k]] for k in FIELDS]


def _sum(pairs: list[tuple[Figures, Figures]]) -> tuple[Figures, Figures]:
    before, after = Figures(), Figures()
    for k in FIELDS:
        known = [(getattr(b, k), getattr(a, k)) for b, a in pairs
                 if getattr(b, k) is not None and getattr(a, k) is not None]
        setattr(before, k, sum(b for b, _ in known) if known else None)
        setattr(after, k, sum(a for _, a in known) if known else None)
    return before, after


@dataclass
class BeforeAfter:
    matters: list[Comparison] = field(default_factory=list)
    bundles: list[Comparison] = field(default_factory=list)
    catalogue: Comparison | None = None
    target_settings: Targets = field(default_factory=Targets)

    def to_dict(self, lang: str = "zh") -> dict:
        return {"targets": self.target_settings.to_dict(),
                "catalogue": self.catalogue.to_dict(lang) if self.catalogue else None,
                "bundles": [c.to_dict(lang) for c in self.bundles],
                "matters": [c.to_dict(lang) for c in self.matters]}

    def rows(self, lang: str | None = None) -> list[list]:
        out = []
        for c in ([self.catalogue] if self.catalogue else []) + self.bundles + self.matters:
            out.extend(c.rows(lang))
        return out


def compare(before: Catalogue, after: Catalogue, targets: Targets | None = None, bundles=(),
            conversion: Conversion = DEFAULT_CONVERSION) -> BeforeAfter:
    """Before/after of two states of one catalogue (matters matched by position: `apply` keeps order).

    `bundles` are `bpr.model.Bundle`s; each is measured as the sum of its member matters.
    """
    targets = targets or Targets()
    if len(before.matters) != len(after.matters):
        raise ValueError("before and after catalogues differ in length; compare states of one catalogue")
    result = BeforeAfter(target_settings=targets)
    pairs = []
    for b, a in zip(before.matters, after.matters, strict=True):
        fb, fa = figures(b, conversion), figures(a, conversion)
        pairs.append((fb, fa))
        result.matters.append(Comparison("matter", b.name, b.key, fb, fa, check_targets(targets, fb, fa)))
    for bundle in bundles:
        members = bundle.resolve(before)
        fb = analyse_bundle(bundle, before, conversion=conversion).before  # separate handling, as is
        fa = analyse_bundle(bundle, after, conversion=conversion).after  # one thing, after the plan
        result.bundles.append(Comparison("bundle", bundle.name, "", fb, fa,
                                         check_targets(targets, fb, fa, [fa.visits]), matters=len(members)))
    fb, fa = _sum(pairs)
    result.catalogue = Comparison("catalogue", before.source or "catalogue", "", fb, fa,
                                  check_targets(targets, fb, fa, [a.visits for _, a in pairs]),
                                  matters=len(pairs))
    return result
