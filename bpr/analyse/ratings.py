"""好差评 and channels in an event log: where applicants are unhappy, and how they apply.

    result = analyse_ratings(engine, "events", PerformanceOptions(), "Asia/Shanghai")
    result.to_dict()                      # result.json["ratings"] of discover and compare

The log's `rating` role (评价等级 / 满意度 / 好差评) is read on the five-point scale of 国办发〔2019〕51号:
非常满意 5, 满意 4, 基本满意 3, 不满意 2, 非常不满意 1; 好评 5, 中评 3, 差评 1; digits 1-5 (also
"4星", "4分"). A case's rating is that of its latest rated event (a later evaluation supersedes);
a **差评** is 1 or 2. Values off the scale become a data-quality warning and leave the case unrated.

- `summary`: cases, rated cases, 差评 cases and the 差评率 (of rated cases), mean score;
- `by[matter | department | step | handler]`: per value, the rated cases that went through it (a
  handler's cases are those with an event of theirs), their 差评 cases and 差评率, its 95% Wilson
  interval and the lift over the overall 差评率;
- `cross[overdue | corrections | extra_visits]`: 差评 cases cross-tabulated with the case being
  overdue (promised limit known), sent back for 补正 (a send-back event, `PerformanceOptions`
  rules), or needing more trips than stated in the catalogue (else more than one);
- `channels`: the channel mix (a case's channel is that of its first event with one) with cases,
  share, median working days and hours, and 差评率 per channel;
- `rectification` (整改清单): the steps, and the handlers at a step (posts, e.g. one counter clerk
  at 受理), whose 95% Wilson interval lies above the overall 差评率 (a handler's also above, and
  at least 1.5 times, the rate of the step's other cases; at least MIN_RATED rated cases), worst first; a step names its worst handler, and each line the factors (补正, overdue,
  extra visits, a handler) under which its 差评率 is at least 1.5 times what it is without them.
All counts are SQL per case on the engine (DuckDB or Spark), the breakdown pandas over those rows.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bpr.analyse.case_rows import case_rows_query
from bpr.analyse.engine import Engine, quote
from bpr.analyse.performance import PerformanceOptions, prepare
from bpr.analyse.queries import _valid
from bpr.i18n import Note, t
from bpr.model.warning import DataWarning

#: rating text (normalised: NFKC, lower case, no spaces) -> score 1..5
SCALE: dict[str, int] = {
    "非常满意": 5, "很满意": 5, "满意": 4, "比较满意": 4, "基本满意": 3, "一般": 3, "不满意": 2,
    "不太满意": 2, "非常不满意": 1, "很不满意": 1, "好评": 5, "中评": 3, "差评": 1,
    "verysatisfied": 5, "satisfied": 4, "neutral": 3, "dissatisfied": 2, "verydissatisfied": 1,
    "good": 5, "bad": 1,
}
_NUMBER = re.compile(r"^([1-5])(?:\.0+)?(?:星|分|stars?)?$")
#: a 差评 is a score of at most BAD
BAD = 2
#: a group needs this many rated cases for a rate worth ranking (整改清单, worst handler)
MIN_RATED = 20
#: a factor "drives" a step's 差评 when its 差评率 with the factor is this many times that without
FACTOR = 1.5
Z95 = 1.959963984540054
GROUPS = ("matter", "department", "step", "handler")
FACTORS = ("overdue", "corrections", "extra_visits")


def score(value: object) -> int | None:
    """The 1-5 score of a rating text, None when it is off the scale."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)).strip().lower())
    if text in SCALE:
        return SCALE[text]
    m = _NUMBER.match(text)
    return int(m.group(1)) if m else None


def wilson(bad: int, n: int) -> tuple[float | None, float | None]:
    """95% Wilson score interval of bad/n."""
    if n == 0:
        return None, None
    p = bad / n
    centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / (1 + Z95 ** 2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class RatingSummary:
    cases: int
    rated: int
    bad: int
    bad_rate: float | None  # 差评 / rated
    rated_share: float | None  # rated / cases
    mean_score: float | None


@dataclass
class GroupRate:
    name: str
    rated: int
    bad: int
    bad_rate: float | None
    ci_low: float | None
    ci_high: float | None
    lift: float | None  # bad_rate / overall


@dataclass
class Cross:
    """差评 crossed with a case factor: rated cases and 差评 with and without it."""

    factor: str
    with_rated: int
    with_bad: int
    without_rated: int
    without_bad: int
    with_rate: float | None
    without_rate: float | None
    ratio: float | None  # with_rate / without_rate
    share_of_bad: float | None  # of all 差评 cases, the share with the factor


@dataclass
class ChannelFigures:
    channel: str
    cases: int
    share: float
    median_days: float | None
    median_hours: float | None
    rated: int
    bad_rate: float | None


@dataclass
class RectifyItem:
    """One line of the 整改清单: a step (or one handler at a step) rated worse than overall."""

    step: str
    handler: str | None  # None: the step as a whole
    rated: int
    bad: int
    bad_rate: float
    ci_low: float
    lift: float
    worst_handler: str | None
    worst_handler_rate: float | None
    factors: list[str]  # overdue / corrections / extra_visits / handler


@dataclass
class RatingResult:
    has_rating: bool
    has_channel: bool
    summary: RatingSummary
    by: dict[str, list[GroupRate]] = field(default_factory=dict)
    cross: list[Cross] = field(default_factory=list)
    channels: list[ChannelFigures] = field(default_factory=list)
    rectification: list[RectifyItem] = field(default_factory=list)
    scale: dict[str, int] = field(default_factory=dict)  # values met -> score
    notes: list[Note] = field(default_factory=list)
    warnings: list[DataWarning] = field(default_factory=list)
    name = "ratings"

    def to_dict(self) -> dict:
        return {"has_rating": self.has_rating, "has_channel": self.has_channel, "summary": asdict(self.summary),
                "by": {k: [asdict(g) for g in v] for k, v in self.by.items()},
                "cross": [asdict(c) for c in self.cross], "channels": [asdict(c) for c in self.channels],
                "rectification": [asdict(r) for r in self.rectification], "scale": dict(self.scale),
                "bad_at_most": BAD, "min_rated": MIN_RATED,
                "notes": [n.to_dict() for n in self.notes], "warnings": [w.to_dict() for w in self.warnings]}

    def tables(self, lang: str = "zh") -> dict[str, tuple[list[str], list[list]]]:
        out: dict[str, tuple[list[str], list[list]]] = {}
        if self.has_rating:
            header = [t(k, lang) for k in ("rt_group", "rt_name", "rt_rated", "rt_bad", "rt_bad_rate", "rc_ci",
                                           "rt_lift")]
            out["ratings_by"] = (header, [[t(f"rt_by_{k}", lang), g.name, g.rated, g.bad, g.bad_rate,
                                           f"{g.ci_low:.3f}-{g.ci_high:.3f}" if g.ci_low is not None else "", g.lift]
                                          for k, rows in self.by.items() for g in rows])
            header = [t(k, lang) for k in ("rt_factor", "rt_with_rated", "rt_with_bad", "rt_with_rate",
                                           "rt_without_rated", "rt_without_bad", "rt_without_rate", "rt_ratio",
                                           "rt_share_of_bad")]
            out["ratings_cross"] = (header, [[t(f"rt_factor_{c.factor}", lang), c.with_rated, c.with_bad, c.with_rate,
                                              c.without_rated, c.without_bad, c.without_rate, c.ratio, c.share_of_bad]
                                             for c in self.cross])
            header = [t(k, lang) for k in ("step_name", "rt_by_handler", "rt_rated", "rt_bad", "rt_bad_rate",
                                           "rt_lift", "rt_worst_handler", "rt_worst_handler_rate", "rt_factors")]
            out["rectification"] = (header, [[r.step, r.handler or "", r.rated, r.bad, r.bad_rate, r.lift,
                                              r.worst_handler or "",
                                              r.worst_handler_rate, "、".join(t(f"rt_factor_{f}", lang)
                                                                             for f in r.factors)]
                                             for r in self.rectification])
        if self.has_channel:
            header = [t(k, lang) for k in ("rt_channel", "cmp_cases", "rt_share", "cmp_m_median_days",
                                           "cmp_m_median_hours", "rt_rated", "rt_bad_rate")]
            out["channels"] = (header, [[c.channel, c.cases, c.share, c.median_days, c.median_hours, c.rated,
                                         c.bad_rate] for c in self.channels])
        return out


# ---------------------------------------------------------------------------------------------
# per-case rows (SQL)


def case_frame(engine: Engine, table: str, options: PerformanceOptions, timezone: str) -> pd.DataFrame:
    """One row per case: case, matter, first_us, hours, days, rework, visits, on_time, corrections
    (a send-back event), channel (of the first event with one), rating (text of the latest rated event)."""
    setup = prepare(engine, table, options, timezone)
    try:
        rows = engine.sql(f"""
WITH rt_base AS ({case_rows_query(table, options, setup)}),
rt_ev AS ({_valid(table)}),
rt_rated AS (
    SELECT "case", rating, row_number() OVER (PARTITION BY "case" ORDER BY "timestamp" DESC, "row" DESC) AS rn
    FROM rt_ev WHERE rating IS NOT NULL
),
rt_channel AS (
    SELECT "case", channel, row_number() OVER (PARTITION BY "case" ORDER BY "timestamp", "row") AS rn
    FROM rt_ev WHERE channel IS NOT NULL
),
rt_sb AS (SELECT "case", max(sb) AS corrections FROM ({setup.rework_query}) AS rw GROUP BY "case")
SELECT rt_base.*, rt_sb.corrections AS corrections, rt_channel.channel AS channel, rt_rated.rating AS rating
FROM rt_base
LEFT JOIN rt_sb ON rt_sb."case" = rt_base."case"
LEFT JOIN rt_channel ON rt_channel."case" = rt_base."case" AND rt_channel.rn = 1
LEFT JOIN rt_rated ON rt_rated."case" = rt_base."case" AND rt_rated.rn = 1
ORDER BY rt_base."case\"""")
    finally:
        for name in setup.tables:
            engine.drop(name)
    frame = pd.DataFrame({name: rows.column(name).to_pylist() for name in rows.column_names})
    frame["hours"] = (frame["last_us"] - frame["first_us"]) / 3.6e9
    frame["days"] = pd.to_numeric(frame["working_days"], errors="coerce")
    frame["corrections"] = frame["corrections"].fillna(0).astype(int) > 0
    frame["visits"] = pd.to_numeric(frame["visits"], errors="coerce")
    if frame["channel"].isna().all() and not (frame["visits"] > 0).any():
        frame["visits"] = np.nan  # no channel and no on-site step: visits are unknown, not zero
    frame["on_time"] = frame["on_time"].map(lambda v: None if v is None or pd.isna(v) else bool(v))
    return frame


def members(engine: Engine, table: str) -> pd.DataFrame:
    """Distinct (case, activity, resource, department) of the view `table`."""
    rows = engine.sql(f'SELECT DISTINCT "case", activity, resource, department FROM ({_valid(table)}) AS ev')
    return pd.DataFrame({name: rows.column(name).to_pylist() for name in rows.column_names})


def _present(engine: Engine, table: str) -> dict[str, int]:
    row = engine.sql(f"SELECT count(rating) AS rating, count(channel) AS channel FROM {quote(table)}").to_pylist()[0]
    return {k: int(v or 0) for k, v in row.items()}


# ---------------------------------------------------------------------------------------------
# the breakdown (pandas)


def _rate(bad: int, n: int) -> float | None:
    return bad / n if n else None


def _groups(cases: pd.DataFrame, pairs: pd.DataFrame, column: str, overall: float | None) -> list[GroupRate]:
    """Per value of `column` in `pairs` (case, value): rated cases with it, 差评, rate, interval, lift."""
    pairs = pairs.dropna(subset=[column]).drop_duplicates(["case", column])
    joined = pairs.merge(cases[["case", "bad"]], on="case")
    out = []
    for name, group in joined.groupby(column, sort=True):
        n, bad = len(group), int(group["bad"].sum())
        low, high = wilson(bad, n)
        rate = _rate(bad, n)
        out.append(GroupRate(str(name), n, bad, rate, low, high,
                             None if rate is None or not overall else rate / overall))
    return sorted(out, key=lambda g: (-(g.bad_rate or 0), -g.rated, g.name))


def _cross(cases: pd.DataFrame, factor: str, flag: pd.Series) -> Cross | None:
    known = flag.notna()
    if not known.any():
        return None
    flag = flag[known].astype(bool)
    bad = cases.loc[known, "bad"].astype(bool)
    wr, wb = int(flag.sum()), int((flag & bad).sum())
    nr, nb = int((~flag).sum()), int((~flag & bad).sum())
    with_rate, without_rate = _rate(wb, wr), _rate(nb, nr)
    return Cross(factor, wr, wb, nr, nb, with_rate, without_rate,
                 None if with_rate is None or not without_rate else with_rate / without_rate,
                 _rate(wb, wb + nb))


def _factor_flags(cases: pd.DataFrame, stated_visits: dict[str, int]) -> dict[str, pd.Series]:
    stated = cases["matter"].map(lambda m: stated_visits.get(m, 1) if m is not None else 1)
    return {"overdue": cases["on_time"].map(lambda v: None if v is None or pd.isna(v) else not v),
            "corrections": cases["corrections"].astype(object),
            "extra_visits": (cases["visits"] > stated).where(cases["visits"].notna(), None)}


def _channels(cases: pd.DataFrame) -> list[ChannelFigures]:
    known = cases.dropna(subset=["channel"])
    out = []
    for name, group in known.groupby("channel", sort=True):
        rated = group[group["score"].notna()]
        out.append(ChannelFigures(str(name), len(group), len(group) / len(known),
                                  _median(group["days"]), _median(group["hours"]), len(rated),
                                  _rate(int(rated["bad"].sum()), len(rated))))
    return sorted(out, key=lambda c: (-c.cases, c.channel))


def _median(values: pd.Series) -> float | None:
    values = pd.to_numeric(values, errors="coerce").dropna()
    return float(np.median(values)) if len(values) else None


def _drivers(here: pd.DataFrame, flags: dict[str, pd.Series]) -> list[str]:
    """The factors under which the 差评率 of the cases `here` is at least FACTOR times that without."""
    found = []
    for factor, flag in flags.items():
        c = _cross(here, factor, flag[here.index])
        if c and c.with_rated >= 5 and c.with_rate is not None and (
                (c.without_rate == 0 and c.with_rate > 0) or (c.ratio is not None and c.ratio >= FACTOR)):
            found.append(factor)
    return found


def _rectification(cases: pd.DataFrame, pairs: pd.DataFrame, steps: list[GroupRate], overall: float,
                   flags: dict[str, pd.Series]) -> list[RectifyItem]:
    """Steps, and handlers at a step, whose 差评率 lies significantly above `overall`, worst first."""
    items = []
    for step in steps:
        on_step = pairs[pairs["activity"] == step.name]
        here = cases[cases["case"].isin(set(on_step["case"]))]
        handlers = [h for h in _groups(here, on_step[["case", "resource"]], "resource", step.bad_rate)
                    if h.rated >= MIN_RATED]
        worst = handlers[0] if len(handlers) > 1 else None
        if step.rated >= MIN_RATED and step.ci_low is not None and step.ci_low > overall:
            factors = _drivers(here, flags)
            if worst is not None:
                others = here[~here["case"].isin(set(on_step.loc[on_step["resource"] == worst.name, "case"]))]
                rest = _rate(int(others["bad"].sum()), len(others))
                if rest is not None and worst.bad_rate is not None and (
                        (rest == 0 and worst.bad_rate > 0) or (rest and worst.bad_rate / rest >= FACTOR)):
                    factors.append("handler")
            items.append(RectifyItem(step.name, None, step.rated, step.bad, step.bad_rate or 0.0, step.ci_low,
                                     step.bad_rate / overall if step.bad_rate else 0.0,
                                     worst.name if worst else None, worst.bad_rate if worst else None, factors))
        if len(handlers) < 2:
            continue
        for h in handlers:  # a post (step and handler) rated worse than overall and than the step's other cases
            ids = set(on_step.loc[on_step["resource"] == h.name, "case"])
            mine, others = here[here["case"].isin(ids)], here[~here["case"].isin(ids)]
            rest = _rate(int(others["bad"].sum()), len(others))
            if h.ci_low is None or h.ci_low <= max(overall, rest or 0.0) or (rest and h.bad_rate < FACTOR * rest):
                continue
            items.append(RectifyItem(step.name, h.name, h.rated, h.bad, h.bad_rate or 0.0, h.ci_low,
                                     (h.bad_rate or 0.0) / overall, None, None, _drivers(mine, flags)))
    return sorted(items, key=lambda r: (-r.bad_rate, -r.rated, r.step, r.handler or ""))


def breakdown(frame: pd.DataFrame, pairs: pd.DataFrame, stated_visits: dict[str, int] | None = None,
              has_rating: bool = True, has_channel: bool = True, source: str | None = None) -> RatingResult:
    """The rating and channel figures of the per-case rows `frame` (`case_frame`) and the
    case-step-handler-department rows `pairs` (`members`)."""
    frame = frame.copy()
    values = frame["rating"].dropna().astype(str)
    scores = {v: score(v) for v in sorted(set(values))}
    frame["score"] = frame["rating"].map(lambda v: None if v is None else scores.get(str(v)))
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    warnings = []
    off = [v for v, s in scores.items() if s is None]
    if off:
        n = int(values.isin(off).sum())
        warnings.append(DataWarning.of("rating_off_scale", {"n": n}, file=source, value=", ".join(off[:5]),
                                       expected=t("rt_scale_expected", "en"), count=n))
    rated = frame[frame["score"].notna()].copy()
    rated["bad"] = rated["score"] <= BAD
    frame["bad"] = frame["score"] <= BAD
    n, bad = len(rated), int(rated["bad"].sum())
    summary = RatingSummary(len(frame), n, bad, _rate(bad, n), _rate(n, len(frame)),
                            float(rated["score"].mean()) if n else None)
    result = RatingResult(has_rating and n > 0, has_channel and frame["channel"].notna().any(), summary,
                          scale={v: s for v, s in scores.items() if s is not None}, warnings=warnings)
    if result.has_channel:
        result.channels = _channels(frame)
    else:
        result.notes.append(Note.of("note_ratings_no_channel"))
    if not result.has_rating:
        result.notes.append(Note.of("note_ratings_no_rating"))
        return result
    overall = summary.bad_rate
    pairs = pairs[pairs["case"].isin(set(rated["case"]))]
    matter_pairs = rated[["case", "matter"]]
    result.by = {"matter": _groups(rated, matter_pairs, "matter", overall),
                 "department": _groups(rated, pairs[["case", "department"]], "department", overall),
                 "step": _groups(rated, pairs[["case", "activity"]], "activity", overall),
                 "handler": _groups(rated, pairs[["case", "resource"]], "resource", overall)}
    result.by = {k: v for k, v in result.by.items() if v}
    flags = _factor_flags(rated, stated_visits or {})
    result.cross = [c for f in FACTORS if (c := _cross(rated, f, flags[f])) is not None]
    if overall:
        result.rectification = _rectification(rated, pairs, result.by.get("step", []), overall, flags)
    return result


def analyse_ratings(engine: Engine, table: str = "events", options: PerformanceOptions | None = None,
                    timezone: str = "Asia/Shanghai", source: str | None = None) -> RatingResult:
    """好差评 and channel figures of the view `table` (see the module docstring)."""
    options = options or PerformanceOptions()
    present = _present(engine, table)
    frame = case_frame(engine, table, options, timezone)
    pairs = members(engine, table) if present["rating"] else pd.DataFrame(
        columns=["case", "activity", "resource", "department"])
    return breakdown(frame, pairs, dict(options.stated_visits), present["rating"] > 0, present["channel"] > 0,
                     source)


# ---------------------------------------------------------------------------------------------
# the hook `bpr discover` runs (bpr.analyse.discover.EXTRA_MODULES)


def rating_analysis(options: PerformanceOptions | None = None):
    """The discover analysis `ratings`, configured (catalogue visits and limits, calendar)."""

    def ratings(engine: Engine, table: str, context: Any) -> RatingResult:
        if not any(_present(engine, table).values()):  # nothing to break down: say so, skip the queries
            core = getattr(context, "core", None)  # the core counted the cases of the same view
            cases = core.cases if core is not None else engine.sql(
                f'SELECT count(DISTINCT "case") AS n FROM ({_valid(table)}) AS ev').to_pylist()[0]["n"]
            return RatingResult(False, False, RatingSummary(int(cases), 0, 0, None, 0.0, None),
                                notes=[Note.of("note_ratings_none")])
        return analyse_ratings(engine, table, options, getattr(context, "timezone", "Asia/Shanghai"),
                               getattr(context, "source", None))

    ratings.name = "ratings"  # type: ignore[attr-defined]
    return ratings


ANALYSES = [rating_analysis()]
