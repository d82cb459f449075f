"""Catalogue indicators reform offices compute: per matter, by department, by matter type, overall.

One pass over the matters builds a per-matter table (`matter_frame`); every aggregate is then a
vectorised sum/count over that table (`aggregate`), so 100,000 matters take well under a second
past the reading.

Missing values: a matter whose field is unknown (blank, unparseable, 无期限 for time sums) is
left out of BOTH the numerator and the denominator of the indicators that need that field, and
`missing[field]` counts how many matters were left out. Each rate below is therefore
"share among the matters where the sheet says".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields

import numpy as np
import pandas as pd

from bpr.i18n import Note
from bpr.model.catalogue import Catalogue
from bpr.model.material import Necessity
from bpr.model.matter import Channel, HandlingType, Matter
from bpr.model.timelimit import DEFAULT_CONVERSION, Conversion

#: the indicators whose formulas (vocabulary `formula_<key>`) go into result.json `method`
FORMULAS = ("matters", "steps_total", "steps_mean", "materials_total", "materials_submitted", "materials_exempt",
            "material_exempt_rate", "immediate_rate", "compression_ratio", "legal_days_sum", "promised_days_sum",
            "avg_visits", "zero_visit_rate", "full_online_rate", "online_rate", "mobile_rate", "mail_rate",
            "tolerance_rate", "materials_deferrable", "conversion", "missing")


#: numeric columns of the per-matter frame; booleans are 1.0/0.0 and NaN when unknown.
_COLUMNS = ("steps", "materials", "submitted", "exempt", "commitment", "immediate", "legal_days",
            "promised_days", "legal_paired", "promised_paired", "visits", "zero_visit", "whitelisted",
            "full_online", "online", "mobile", "mail", "deferrable", "tolerance")

#: indicator field -> per-matter column whose NaNs are counted as missing
_MISSING = {"steps": "steps", "materials": "materials", "immediate": "immediate", "legal_limit": "legal_days",
            "promised_limit": "promised_days", "visits": "visits", "online_depth": "full_online",
            "online": "online", "mobile": "mobile", "mail": "mail"}


@dataclass
class MatterIndicators:
    """The indicator inputs of one matter; None means the sheet does not say."""

    name: str
    code: str
    department: str
    matter_type: str
    steps: int | None  # None when no step is listed
    materials: int | None  # None when no material is listed
    materials_submitted: int
    materials_exempt: int
    immediate: bool | None
    legal_days: float | None
    promised_days: float | None
    visits: int | None
    whitelisted: bool  # on the 不宜跑零次 list
    full_online: bool | None
    online: bool | None
    mobile: bool | None
    mail: bool | None
    compression_ratio: float | None = None  # (法定 − 承诺) / 法定 of this matter, when both are days
    materials_deferrable: int = 0  # materials marked 容缺后补 (accepted while missing, supplied later)

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in _MATTER_FIELDS}


@dataclass
class Indicators:
    """Aggregated indicators over a set of matters (a department, a matter type, the catalogue)."""

    matters: int = 0
    steps_total: int = 0
    steps_mean: float | None = None
    materials_total: int = 0
    materials_submitted: int = 0
    materials_exempt: int = 0
    materials_commitment: int = 0  # of materials_exempt, those replaced by 告知承诺
    material_exempt_rate: float | None = None
    immediate_matters: int = 0
    immediate_rate: float | None = None
    legal_days_sum: float = 0.0
    promised_days_sum: float = 0.0
    compression_matters: int = 0
    compression_legal_days: float = 0.0
    compression_promised_days: float = 0.0
    compression_ratio: float | None = None
    visits_total: int = 0
    avg_visits: float | None = None
    zero_visit_matters: int = 0
    zero_visit_whitelisted: int = 0
    zero_visit_rate: float | None = None
    full_online_matters: int = 0
    full_online_rate: float | None = None
    online_matters: int = 0
    online_rate: float | None = None
    mobile_matters: int = 0
    mobile_rate: float | None = None
    mail_matters: int = 0
    mail_rate: float | None = None
    materials_deferrable: int = 0  # 容缺材料数: materials marked 容缺后补
    tolerance_matters: int = 0  # matters with at least one 容缺后补 material
    tolerance_rate: float | None = None  # 容缺受理事项率: tolerance_matters / matters that list materials
    missing: dict[str, int] = field(default_factory=dict)  # field -> matters left out for lack of it

    def to_dict(self) -> dict:
        return asdict(self)


_MATTER_FIELDS = tuple(f.name for f in fields(MatterIndicators))


def matter_indicators(matter: Matter, conversion: Conversion = DEFAULT_CONVERSION,
                      whitelisted: bool = False) -> MatterIndicators:
    """The per-matter inputs of every indicator (see the `formula_` entries of bpr.i18n for how each is decided)."""
    exempt = sum(1 for x in matter.materials if not x.submitted)
    promised = matter.promised_limit
    if promised.is_known:
        immediate = promised.is_immediate
    elif matter.handling_type is not None:
        immediate = matter.handling_type is HandlingType.IMMEDIATE
    else:
        immediate = None
    if matter.online_depth is not None:
        full_online = matter.online_depth >= 4
    else:
        full_online = False if matter.online is False else None
    if matter.online is not None:
        online = matter.online
    elif matter.online_depth is not None:
        online = matter.online_depth >= 2
    else:
        online = True if Channel.ONLINE in matter.channels else None
    mobile = matter.mobile if matter.mobile is not None else (True if Channel.MOBILE in matter.channels else None)
    mail = matter.mail if matter.mail is not None else (True if Channel.MAIL in matter.channels else None)
    legal_days, promised_days = matter.legal_limit.to_working_days(conversion), promised.to_working_days(conversion)
    return MatterIndicators(
        name=matter.name, code=matter.key, department=matter.department, matter_type=matter.matter_type,
        steps=len(matter.steps) or None, materials=len(matter.materials) or None,
        materials_submitted=len(matter.materials) - exempt, materials_exempt=exempt,
        immediate=immediate, legal_days=legal_days, promised_days=promised_days, visits=matter.visits,
        whitelisted=whitelisted, full_online=full_online, online=online, mobile=mobile, mail=mail,
        compression_ratio=(legal_days - promised_days) / legal_days if legal_days and promised_days is not None
        else None,
        materials_deferrable=sum(1 for x in matter.materials if x.necessity is Necessity.DEFERRABLE))


def _num(value) -> float:
    return np.nan if value is None else float(value)


def matter_frame(catalogue: Catalogue | Iterable[Matter], conversion: Conversion = DEFAULT_CONVERSION,
                 whitelist: set[str] | None = None) -> tuple[list[MatterIndicators], pd.DataFrame]:
    """Per-matter indicators, and the same as a numeric frame (NaN = unknown) for aggregation."""
    whitelist = whitelist or set()
    rows: list[MatterIndicators] = []
    commitment: list[int] = []
    for m in catalogue:
        listed = bool(whitelist) and (m.key in whitelist or m.name in whitelist or m.basic_code in whitelist)
        rows.append(matter_indicators(m, conversion, listed))
        commitment.append(sum(1 for x in m.materials if x.commitment and not x.exempt))
    cols: dict[str, list] = {c: [] for c in _COLUMNS}
    for r in rows:
        paired = r.legal_days is not None and r.promised_days is not None
        cols["steps"].append(_num(r.steps))
        cols["materials"].append(_num(r.materials))
        cols["submitted"].append(float(r.materials_submitted))
        cols["exempt"].append(float(r.materials_exempt))
        cols["immediate"].append(_num(r.immediate))
        cols["legal_days"].append(_num(r.legal_days))
        cols["promised_days"].append(_num(r.promised_days))
        cols["legal_paired"].append(_num(r.legal_days) if paired else np.nan)
        cols["promised_paired"].append(_num(r.promised_days) if paired else np.nan)
        cols["visits"].append(_num(r.visits))
        cols["zero_visit"].append(np.nan if r.visits is None or r.whitelisted else float(r.visits == 0))
        cols["whitelisted"].append(float(r.whitelisted))
        cols["full_online"].append(_num(r.full_online))
        cols["online"].append(_num(r.online))
        cols["mobile"].append(_num(r.mobile))
        cols["mail"].append(_num(r.mail))
        cols["deferrable"].append(float(r.materials_deferrable))
        cols["tolerance"].append(np.nan if r.materials is None else float(r.materials_deferrable > 0))
    cols["commitment"] = [float(c) for c in commitment]
    frame = pd.DataFrame({c: np.asarray(cols[c], dtype="float64") for c in _COLUMNS})
    frame["department"] = [r.department for r in rows]
    frame["matter_type"] = [r.matter_type for r in rows]
    return rows, frame


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else float(numerator) / float(denominator)


def _clean(value: float) -> float:
    """Round away float noise from sums of fractional working days (e.g. 30 natural days)."""
    return 0.0 if math.isnan(value) else round(float(value), 6)


def _indicators(sums: pd.Series, counts: pd.Series, matters: int) -> Indicators:
    """Indicators from column sums (NaN skipped) and counts of known values of one group."""
    legal_p, promised_p = float(sums["legal_paired"]), float(sums["promised_paired"])
    ind = Indicators(
        matters=matters,
        steps_total=int(sums["steps"]),
        steps_mean=_ratio(sums["steps"], counts["steps"]),
        materials_total=int(sums["submitted"] + sums["exempt"]),
        materials_submitted=int(sums["submitted"]),
        materials_exempt=int(sums["exempt"]),
        materials_commitment=int(sums["commitment"]),
        material_exempt_rate=_ratio(sums["exempt"], sums["submitted"] + sums["exempt"]),
        immediate_matters=int(sums["immediate"]),
        immediate_rate=_ratio(sums["immediate"], counts["immediate"]),
        legal_days_sum=_clean(sums["legal_days"]),
        promised_days_sum=_clean(sums["promised_days"]),
        compression_matters=int(counts["legal_paired"]),
        compression_legal_days=_clean(legal_p),
        compression_promised_days=_clean(promised_p),
        compression_ratio=None if legal_p == 0 else round((legal_p - promised_p) / legal_p, 12),
        visits_total=int(sums["visits"]),
        avg_visits=_ratio(sums["visits"], counts["visits"]),
        zero_visit_matters=int(sums["zero_visit"]),
        zero_visit_whitelisted=int(sums["whitelisted"]),
        zero_visit_rate=_ratio(sums["zero_visit"], counts["zero_visit"]),
        full_online_matters=int(sums["full_online"]),
        full_online_rate=_ratio(sums["full_online"], counts["full_online"]),
        online_matters=int(sums["online"]),
        online_rate=_ratio(sums["online"], counts["online"]),
        mobile_matters=int(sums["mobile"]),
        mobile_rate=_ratio(sums["mobile"], counts["mobile"]),
        mail_matters=int(sums["mail"]),
        mail_rate=_ratio(sums["mail"], counts["mail"]),
        materials_deferrable=int(sums["deferrable"]),
        tolerance_matters=int(sums["tolerance"]),
        tolerance_rate=_ratio(sums["tolerance"], counts["tolerance"]),
        missing={name: int(matters - counts[col]) for name, col in _MISSING.items() if matters - counts[col]},
    )
    return ind


def aggregate(frame: pd.DataFrame, by: str | None = None) -> Indicators | dict[str, Indicators]:
    """Indicators of the whole frame, or a dict group -> Indicators when `by` names a column.

    Vectorised: one groupby sum and one count over the numeric columns.
    """
    numeric = list(_COLUMNS)
    if by is None:
        return _indicators(frame[numeric].sum(skipna=True), frame[numeric].count(), len(frame))
    grouped = frame.groupby(by, sort=True, dropna=False)
    sums, counts, sizes = grouped[numeric].sum(), grouped[numeric].count(), grouped.size()
    return {str(key): _indicators(sums.loc[key], counts.loc[key], int(sizes.loc[key])) for key in sums.index}


def compute_indicators(catalogue: Catalogue, conversion: Conversion = DEFAULT_CONVERSION,
                       whitelist: set[str] | None = None):
    """(per-matter list, overall Indicators, by department, by matter type)."""
    rows, frame = matter_frame(catalogue, conversion, whitelist)
    return rows, aggregate(frame), aggregate(frame, "department"), aggregate(frame, "matter_type")


def method_notes(conversion: Conversion = DEFAULT_CONVERSION) -> dict[str, dict]:
    """key -> the formula in every language (`Note.to_dict`), the conversion filled in, for result.json `method`."""
    values = {"conversion": {"month": conversion.month, "year": conversion.year,
                             "natural_day": conversion.natural_day, "hours_per_day": conversion.hours_per_day}}
    return {k: Note(f"formula_{k}", values.get(k, {})).to_dict() for k in FORMULAS}
