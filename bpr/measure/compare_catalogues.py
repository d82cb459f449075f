"""Two versions of a catalogue: what the yearly 清单动态调整 changed, per matter and in total.

    diff = compare_catalogues(old, new)          # two Catalogues (bpr.read_catalogue)
    diff.to_dict()                               # result.json, kind "compare", mode "catalogues"

Matters are matched by 实施编码, then (for those left) by exact name, so a matter whose code was
reissued is still followed. Per matched matter:
- materials removed / added (by name, after trimming spaces and full-width forms), and materials
  still listed but no longer submitted (newly 免提交 by data sharing or replaced by 告知承诺);
- the promised limit (承诺办结时限) in working days before and after: compressed when it fell;
- visits (到办事现场次数): cut when they fell;
- online depth (网上办理深度 I–IV): raised when it rose;
- steps removed / added (by name).
In total: matters added and removed, materials listed before/after, the sum of promised limits
over matters that have one in both versions and the compression ratio (Σbefore − Σafter) / Σbefore,
mean visits, how many matters had each kind of change, and 全程网办 (depth IV) counts.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bpr.i18n import t
from bpr.model.catalogue import Catalogue
from bpr.model.matter import Matter


def _norm(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


@dataclass
class MatterDiff:
    name: str
    code: str
    department: str
    materials_before: int
    materials_after: int
    materials_removed: list[str]
    materials_added: list[str]
    materials_no_longer_submitted: list[str]  # still listed, now 免提交 or 告知承诺
    limit_before: str  # promised limit as written
    limit_after: str
    limit_days_before: float | None
    limit_days_after: float | None
    limit_compressed: bool
    visits_before: int | None
    visits_after: int | None
    visits_cut: bool
    depth_before: int | None
    depth_after: int | None
    depth_raised: bool
    steps_removed: list[str]
    steps_added: list[str]

    @property
    def changed(self) -> bool:
        return bool(self.materials_removed or self.materials_added or self.materials_no_longer_submitted
                     or self.limit_days_before != self.limit_days_after or self.visits_before != self.visits_after
                     or self.depth_before != self.depth_after or self.steps_removed or self.steps_added)

    def to_dict(self) -> dict:
        return {**asdict(self), "changed": self.changed}


@dataclass
class CatalogueTotals:
    matters_before: int
    matters_after: int
    matters_added: int
    matters_removed: int
    matters_changed: int
    materials_before: int  # over all matters of each version
    materials_after: int
    materials_removed: int  # over matched matters
    materials_added: int
    materials_no_longer_submitted: int
    limit_matters: int  # matched matters with a promised limit in both versions
    limit_days_before: float
    limit_days_after: float
    limit_compression: float | None  # (Σbefore − Σafter) / Σbefore
    limits_compressed: int  # matters whose promised limit fell
    visits_before: float | None  # mean over matters with visits known
    visits_after: float | None
    visits_cut: int
    depth_raised: int
    full_online_before: int  # matters at depth IV (全程网办)
    full_online_after: int


@dataclass
class CatalogueDiff:
    before_source: str
    after_source: str
    matters: list[MatterDiff]
    added: list[dict]  # {name, code, department}
    removed: list[dict]
    totals: CatalogueTotals
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"kind": "compare", "mode": "catalogues", "source": f"{self.before_source} | {self.after_source}",
                "before_source": self.before_source, "after_source": self.after_source,
                "totals": asdict(self.totals), "matters_added": list(self.added),
                "matters_removed": list(self.removed), "matters": [m.to_dict() for m in self.matters]}

    def summary(self, lang: str = "zh") -> str:
        from bpr.i18n import tf

        s = self.totals
        return tf("cmp_catalogue_summary", lang, changed=s.matters_changed, added=s.matters_added,
                  removed=s.matters_removed, mb=s.materials_before, ma=s.materials_after,
                  compressed=s.limits_compressed, cut=s.visits_cut, raised=s.depth_raised)


def _match(old: Catalogue, new: Catalogue) -> tuple[list[tuple[Matter, Matter]], list[Matter], list[Matter]]:
    """(pairs, removed, added): by code first, then by name among the unmatched."""
    from collections import Counter

    pairs, used_new = [], set()
    old_codes, new_codes = Counter(m.code for m in old), Counter(m.code for m in new)
    new_by_code = {m.code: m for m in new if m.code and new_codes[m.code] == 1}
    left = []
    for m in old:
        # a code used once in each version identifies the matter (even renamed); a duplicated code
        # (a data error) does not, and the name decides below
        other = new_by_code.get(m.code) if m.code and old_codes[m.code] == 1 else None
        if other is not None and id(other) not in used_new:
            pairs.append((m, other))
            used_new.add(id(other))
        else:
            left.append(m)
    new_by_name: dict[str, list[Matter]] = {}
    for m in new:
        if id(m) not in used_new:
            new_by_name.setdefault(_norm(m.name), []).append(m)
    removed = []
    for m in left:
        candidates = new_by_name.get(_norm(m.name)) or []
        if candidates:
            other = candidates.pop(0)
            pairs.append((m, other))
            used_new.add(id(other))
        else:
            removed.append(m)
    added = [m for m in new if id(m) not in used_new]
    return pairs, removed, added


def _names(items) -> list[str]:
    return list(dict.fromkeys(_norm(i.name) for i in items))


def matter_diff(old: Matter, new: Matter, conversion_old, conversion_new) -> MatterDiff:
    before, after = _names(old.materials), _names(new.materials)
    submitted_before = {_norm(m.name) for m in old.materials if m.submitted}
    no_longer = [_norm(m.name) for m in new.materials if not m.submitted and _norm(m.name) in submitted_before]
    days_before = old.promised_limit.to_working_days(conversion_old)
    days_after = new.promised_limit.to_working_days(conversion_new)
    steps_before, steps_after = _names(old.steps), _names(new.steps)
    return MatterDiff(
        new.name, new.code or old.code, new.department or old.department, len(old.materials), len(new.materials),
        [n for n in before if n not in after], [n for n in after if n not in before], list(dict.fromkeys(no_longer)),
        old.promised_limit.raw, new.promised_limit.raw, days_before, days_after,
        days_before is not None and days_after is not None and days_after < days_before - 1e-9,
        old.visits, new.visits, old.visits is not None and new.visits is not None and new.visits < old.visits,
        old.online_depth, new.online_depth,
        old.online_depth is not None and new.online_depth is not None and new.online_depth > old.online_depth,
        [n for n in steps_before if n not in steps_after], [n for n in steps_after if n not in steps_before])


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def compare_catalogues(old: Catalogue, new: Catalogue) -> CatalogueDiff:
    """The diff of two catalogue versions (see the module docstring)."""
    pairs, removed, added = _match(old, new)
    diffs = [matter_diff(a, b, old.conversion, new.conversion) for a, b in pairs]
    limited = [d for d in diffs if d.limit_days_before is not None and d.limit_days_after is not None]
    before_sum = sum(d.limit_days_before for d in limited)
    after_sum = sum(d.limit_days_after for d in limited)
    totals = CatalogueTotals(
        matters_before=len(old), matters_after=len(new), matters_added=len(added), matters_removed=len(removed),
        matters_changed=sum(d.changed for d in diffs),
        materials_before=sum(len(m.materials) for m in old), materials_after=sum(len(m.materials) for m in new),
        materials_removed=sum(len(d.materials_removed) for d in diffs),
        materials_added=sum(len(d.materials_added) for d in diffs),
        materials_no_longer_submitted=sum(len(d.materials_no_longer_submitted) for d in diffs),
        limit_matters=len(limited), limit_days_before=before_sum, limit_days_after=after_sum,
        limit_compression=(before_sum - after_sum) / before_sum if before_sum else None,
        limits_compressed=sum(d.limit_compressed for d in diffs),
        visits_before=_mean([m.visits for m in old if m.visits is not None]),
        visits_after=_mean([m.visits for m in new if m.visits is not None]),
        visits_cut=sum(d.visits_cut for d in diffs), depth_raised=sum(d.depth_raised for d in diffs),
        full_online_before=sum(1 for m in old if m.full_online), full_online_after=sum(1 for m in new if m.full_online))
    brief = [{"name": m.name, "code": m.code, "department": m.department}
             for m in (*removed, *added)]
    return CatalogueDiff(old.source, new.source, diffs, brief[len(removed):], brief[:len(removed)], totals)


def compare_catalogue_files(old: str | Path, new: str | Path) -> CatalogueDiff:
    """Read both matter sheets (template or province export) and diff them."""
    import bpr.io

    return compare_catalogues(bpr.io.read_catalogue(old), bpr.io.read_catalogue(new))


def write_catalogue_diff(diff: CatalogueDiff, out: str | Path, lang: str = "zh") -> None:
    """DIR/result.json and DIR/catalogue_diff.csv (one row per matched or added/removed matter)."""
    from bpr.io.results import write_csv, write_json

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sep = "、" if lang == "zh" else "; "
    header = [t(k, lang) for k in ("matter_name", "matter_code", "department", "cmp_cat_status",
                                   "cmp_cat_materials_removed", "cmp_cat_materials_added",
                                   "cmp_cat_no_longer_submitted", "cmp_cat_limit_before", "cmp_cat_limit_after",
                                   "cmp_cat_visits_before", "cmp_cat_visits_after", "cmp_cat_depth_before",
                                   "cmp_cat_depth_after", "cmp_cat_steps_removed", "cmp_cat_steps_added")]
    rows = [[d.name, d.code, d.department, t("cmp_cat_changed" if d.changed else "cmp_cat_unchanged", lang),
             sep.join(d.materials_removed), sep.join(d.materials_added), sep.join(d.materials_no_longer_submitted),
             d.limit_before, d.limit_after, d.visits_before, d.visits_after, d.depth_before, d.depth_after,
             sep.join(d.steps_removed), sep.join(d.steps_added)] for d in diff.matters]
    rows += [[m["name"], m["code"], m["department"], t("cmp_cat_matter_added", lang), *[""] * 11] for m in diff.added]
    rows += [[m["name"], m["code"], m["department"], t("cmp_cat_matter_removed", lang), *[""] * 11]
             for m in diff.removed]
    write_csv(out / "catalogue_diff.csv", header, rows)
    write_json(out / "result.json", diff.to_dict())
