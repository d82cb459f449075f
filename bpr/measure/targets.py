"""Reform targets: 双减半 (time limit and materials each −50%), 最多跑一次, 跑零次; configurable.

A targets file (YAML) may set any of:

    time_cut: 0.5        # 双减半: promised working days cut by at least 50%
    materials_cut: 0.5   # 双减半: submitted materials cut by at least 50%
    steps_cut: null      # optional: steps cut by at least this share
    max_visits: 1        # 最多跑一次: every matter at most this many visits
    zero_visits: true    # 跑零次: every matter 0 visits (reported, rarely met)

null switches a target off. Met is None when the figure is unknown (e.g. no promised limit).
The actual figure of a cut target is the share cut; of a visit target, the visits of the one
matter or bundle checked, or over a catalogue the share of matters that meet it (`measure`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from bpr.errors import InputError, UsageError
from bpr.i18n import t


@dataclass(frozen=True)
class Targets:
    time_cut: float | None = 0.5
    materials_cut: float | None = 0.5
    steps_cut: float | None = None
    max_visits: int | None = 1
    zero_visits: bool = True

    @classmethod
    def from_mapping(cls, data: dict, file: str | Path | None = None) -> Targets:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UsageError.of("measure_unknown_targets", file=file, details=unknown,
                                expected=", ".join(sorted(known)))
        for key, value in data.items():
            if value is None:
                continue
            if key == "zero_visits":
                ok, code = isinstance(value, bool), "measure_target_not_boolean"
            elif key == "max_visits":
                ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
                code = "measure_target_not_count"
            else:
                ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1
                code = "measure_target_not_share"
            if not ok:
                raise InputError.of(code, {"key": key, "value": value}, file=file, column=key)
        values = {k: v for k, v in data.items()}
        if values.get("zero_visits") is None and "zero_visits" in values:
            values["zero_visits"] = False
        return cls(**values)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def load_targets(path: str | Path) -> Targets:
    """Targets from a YAML file (keys as in `Targets`); bad values name the file and key."""
    from bpr.io.yaml_doc import YamlDoc

    path = Path(path)
    data = YamlDoc.load(path).data
    if data is None:
        return Targets()
    if isinstance(data, dict) and isinstance(data.get("targets"), dict):
        data = data["targets"]
    if not isinstance(data, dict):
        raise InputError.of("measure_targets_not_mapping", file=path, expected="time_cut: 0.5 …")
    return Targets.from_mapping(data, path)


@dataclass
class TargetResult:
    id: str  # time_cut, materials_cut, steps_cut, max_visits, zero_visits
    required: float
    actual: float | None
    met: bool | None
    measure: str = "cut"  # what `actual` is: "cut" (share cut), "visits", or "share" (of matters meeting it)

    def to_dict(self, lang: str = "zh") -> dict:
        return {"id": self.id, "label": t(f"target_{self.id}", lang), "label_en": t(f"target_{self.id}", "en"),
                "required": self.required, "actual": None if self.actual is None else round(self.actual, 4),
                "met": self.met, "measure": self.measure}


def _cut(before: float | None, after: float | None) -> float | None:
    if before is None or after is None or before <= 0:
        return None
    return (before - after) / before


def check_targets(targets: Targets, before, after, visits_after: list[int | None] | None = None) -> list[TargetResult]:
    """Targets for one scope. `before`/`after` are `Figures`; `visits_after` lists the visits of each
    matter in the scope (for 最多跑一次/跑零次 over a bundle or catalogue; a single matter uses after.visits)."""
    out = []
    for key, field_name in (("time_cut", "promised_days"), ("materials_cut", "materials"), ("steps_cut", "steps")):
        required = getattr(targets, key)
        if required is None:
            continue
        cut = _cut(getattr(before, field_name), getattr(after, field_name))
        out.append(TargetResult(key, required, cut, None if cut is None else cut >= required - 1e-9))
    visits = visits_after if visits_after is not None else [after.visits]
    known = [v for v in visits if v is not None]
    for key, limit in (("max_visits", targets.max_visits), ("zero_visits", 0 if targets.zero_visits else None)):
        if limit is None:
            continue
        if not known:
            out.append(TargetResult(key, limit, None, None, "visits"))
        elif len(visits) == 1:
            out.append(TargetResult(key, limit, float(known[0]), known[0] <= limit, "visits"))
        else:
            share = sum(1 for v in known if v <= limit) / len(known)
            out.append(TargetResult(key, limit, share, share >= 1 - 1e-9, "share"))
    return out
