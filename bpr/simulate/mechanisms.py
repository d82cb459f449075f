"""Mechanisms a first-order queueing model lacks, detected in the log by measurement (issue 19).

Each is a small declarative rule (`MechanismRule`: id, zh/en message from the vocabulary,
thresholds, a check) in the style of bpr.analyse.rules. A check reads the discovery frame (one row
per event, see `discovery.discover_model`) and returns `Mechanism`s: the step, the evidence
(numbers a reader can check) and the parameters the model uses when it models the mechanism:

- batched: a step whose completions fall on one weekday far more often than the events that
  enable it (e.g. 审批 signed once a week): released at that weekday's batch times;
- batched_slots: a step released in a few fixed slots of the week (weekday and time window, e.g. a
  payment run on Monday and Thursday nights) that no single weekday dominates: released at the next
  slot; slots are windows of hours of the week, so a run past midnight stays in one slot;
- batched_monthly: the same on a few days of the month (a monthly committee meeting);
- scheduled_wait: a step whose wait has a near-constant calendar length independent of the
  working calendar and the queue (a statutory 公示期): a fixed calendar delay, then the next opening;
- attribute_branching: the step after a step differs strongly by a case attribute (办理渠道,
  实施编码): routing conditioned on the attribute, sampled per case with the observed mix;
- long_tail: a step's wait whose tail a fitted lognormal clips: the empirical distribution;
- history_routing: the step after a step depends on which once-per-case steps (milestones: a trip
  started, a trip ended) the case has already been through, as when two threads of one case
  interleave (a trip and its paperwork): routing conditioned on that set, so that every case still
  goes through each milestone once, where a first-order chain lets a share of cases skip it;
- previous_routing: the step after a step depends on the step before it (a file sent back for
  correction, 补正, returns to the step that sent it back): routing conditioned on the previous step;
- previous_wait: a step's wait depends on the step before it (the applicant's 补正材料 takes longer
  after 受理 than after a review): the wait drawn per previous step;
- joint_work: a step's wait and its work are not independent (a clerk who leaves a file overnight
  leaves it both waiting and half-done, where the others are picked up and done at once): drawn
  together, from their observed pairs' ranks (an empirical copula) through each one's distribution;
- anchored_wait: a step whose start is fixed from an earlier event, not queued behind the previous
  one (a trip date set at the permit's submission, an inspection booked at review): the later a
  case reaches the step's previous event, the less it waits, and its time from that earlier event
  (the anchor) varies less than its time from the previous event: the step starts a drawn number of
  days (calendar days, or the weekdays it takes place: whichever the dates were booked in) after the
  anchor's date, on a weekday it takes place, at a drawn time of day (all as observed), or when the
  previous step ends if that is later.

- parallel: steps run side by side (并联审批: several departments review the same file at once):
  once-per-case steps found in either order, each order in at least a fifth of the cases that
  hold both, next to each other in the case: one node running them all, continuing when all are
  done, each member's wait counted from the step before the group (not from a sibling's end).

A rule that finds nothing leaves the model as it was: mechanisms are modelled only when detected.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
from scipy import stats

from bpr.i18n import LANGS, t, tf
from bpr.simulate.model import END, group_name

#: attributes of the canonical log that belong to a case, not to one event
CASE_ATTRIBUTES = ("channel", "matter")
QUANTILE_POINTS = 21
LEAD_BIN_H = 12  # batching: hours of lead time per bin of the skip distribution
MONTH_LEAD_BIN_H = 72  # monthly batches: the same, per three days
SLOT_WIDTH_H = 3  # batch slots: hours of the week per slot
MAX_SLOTS = 3  # batch slots: at most this many a week (more is a daily rhythm, not a weekly batch)
WEEK_H = 168
SLOT_EDGE = 0.25  # a slot starts at its first hour holding this share of its busiest hour


@dataclass
class Mechanism:
    """One mechanism found: which rule, which step, the evidence and the model's parameters."""

    id: str
    step: str
    evidence: dict
    params: dict = field(default_factory=dict)

    def text(self, lang: str = "zh") -> str:
        """The message `mech_<id>` in `lang`: the evidence, with weekdays, attributes and the end
        of a case in that language's words."""
        values = dict(self.evidence)
        if "weekday" in values:
            values["weekday"] = t(f"weekday_{values['weekday']}", lang)
        if "slots" in values:
            values["slots"] = t("mech_list_sep", lang).join(
                f"{t(f'weekday_{d}', lang)} {hours}" for d, hours in values["slots"])
        if "slot_shares" in values:
            values["slot_shares"] = "/".join(str(x) for x in values["slot_shares"])
        if "attribute" in values:
            values["attribute"] = t(f"role_{values['attribute']}", lang)
        if values.get("next") == END:
            values["next"] = t("sim_case_end", lang)
        for key in ("anchor", "previous"):
            if values.get(key) == CASE_START:
                values[key] = t("sim_case_start", lang)
        if "members" in values:
            values["members"] = t("mech_list_sep", lang).join(f"“{m}”" if lang == "zh" else f"'{m}'"
                                                                for m in values["members"])
        if self.id == "anchored_wait":
            values["slope_abs"] = round(-float(values["slope"]), 2)
        return tf(f"mech_{self.id}", lang, step=self.step, **values)

    def to_dict(self) -> dict:
        return {"id": self.id, "step": self.step, "evidence": self.evidence, "params": self.params,
                **{lang: self.text(lang) for lang in LANGS}}

    @classmethod
    def from_dict(cls, data: dict) -> Mechanism:
        return cls(data["id"], data["step"], dict(data.get("evidence") or {}), dict(data.get("params") or {}))


Check = Callable[[pd.DataFrame, Mapping[str, float]], list[Mechanism]]


@dataclass(frozen=True)
class MechanismRule:
    """A detector: `check(frame, params)` returns what it found; messages are vocabulary keys
    `mech_<id>` (zh and en) filled with the evidence."""

    id: str
    check: Check = field(repr=False, compare=False)
    params: Mapping[str, float] = field(default_factory=dict)

    def run(self, frame: pd.DataFrame) -> list[Mechanism]:
        return self.check(frame, self.params)


def _quantiles(values: np.ndarray) -> list[float]:
    return [round(float(q), 4) for q in np.quantile(values, np.linspace(0, 1, QUANTILE_POINTS))]


def check_batched(frame: pd.DataFrame, params: Mapping[str, float]) -> list[Mechanism]:
    """Completions concentrated on one weekday: at least `min_share` of the step's completions,
    and at least `min_ratio` times as concentrated as the events that enable it (the case's
    previous events, on their own busiest weekday), so that a step merely following a batched one,
    or a log whose work all happens on few days, does not count; and releases in at least
    `min_weeks_share` of the weeks the step spans (a weekly rhythm, not a few dates)."""
    rows = frame[frame["pos"] > 0]
    found = []
    for step, g in rows.groupby("activity", sort=True):
        if len(g) < params["min_events"]:
            continue
        weekday = g["timestamp"].dt.weekday
        shares = weekday.value_counts(normalize=True)
        day, share = int(shares.index[0]), float(shares.iloc[0])
        baseline = float(g["prev_end"].dt.weekday.value_counts(normalize=True).iloc[0])
        if share < params["min_share"] or share < params["min_ratio"] * baseline:
            continue
        on_day = g[weekday == day]
        # a weekly rhythm repeats: most weeks of the step's span have a release (a monthly meeting
        # on a few dates that happen to share a weekday does not)
        weeks = on_day["timestamp"].dt.to_period("W").nunique()
        span = (g["timestamp"].max() - g["timestamp"].min()).days // 7 + 1
        if weeks < params["min_weeks_share"] * span:
            continue
        tod = (on_day["timestamp"] - on_day["timestamp"].dt.normalize()).dt.total_seconds().to_numpy() / 3600
        # weeks skipped: whole weeks between the first batch time after enabling and the release
        enabled = on_day["prev_end"]
        base = enabled.dt.normalize() + pd.to_timedelta((day - enabled.dt.weekday) % 7, unit="D") + pd.to_timedelta(tod, unit="h")
        base = base.where(base >= enabled, base + pd.Timedelta(days=7))
        skips = np.clip(np.round((on_day["timestamp"] - base).dt.total_seconds() / (7 * 86400)), 0, 52).astype(int)
        counts = np.bincount(skips, minlength=1)
        # whether a batch is missed depends on how soon it comes after enabling (work not done in
        # time): the skip distribution per LEAD_BIN_H hours of lead time
        lead_bin = ((base - enabled).dt.total_seconds() / 3600 // LEAD_BIN_H).clip(0, 168 // LEAD_BIN_H).astype(int)
        by_lead = []
        for b in range(168 // LEAD_BIN_H + 1):
            c = np.bincount(skips[lead_bin.to_numpy() == b], minlength=1)
            by_lead.append([round(float(x / c.sum()), 4) for x in c] if c.sum() >= 5 else [])
        lo, hi = np.percentile(tod, [10, 90])
        found.append(Mechanism("batched", str(step), {
            "share": round(100 * share, 1), "baseline": round(100 * baseline, 1), "events": len(g),
            "hours": f"{_clock(lo)}–{_clock(hi)}", "weekday": day, "weeks_share": round(100 * weeks / span, 1)},
            {"weekday": day, "share": round(share, 4), "time_of_day": _quantiles(tod),
             "skip_weeks": [round(float(c / counts.sum()), 4) for c in counts],
             "lead_bin_hours": LEAD_BIN_H, "skip_weeks_by_lead": by_lead}))
    return found


def hour_of_week(ts: pd.Series) -> np.ndarray:
    """Hours since Monday 00:00 (float)."""
    return ((ts - ts.dt.normalize()).dt.total_seconds().to_numpy() / 3600 + 24 * ts.dt.dayofweek.to_numpy())


def busiest_slots(hours: np.ndarray, width: int, count: int | None = None, min_share: float = 0.0) -> list[tuple[int, float]]:
    """Greedy: the `width`-hour windows of the week (start hour, share) holding the most of `hours`
    (of windows holding as many, the one starting latest; then moved to start at its first hour
    holding SLOT_EDGE of its busiest one),
    each disjoint from those before; `count` of them, or while each holds at least `min_share`
    (at most MAX_SLOTS)."""
    bins = np.bincount(np.floor(hours).astype(int) % WEEK_H, minlength=WEEK_H).astype(float)
    whole, n, out = bins.copy(), max(bins.sum(), 1.0), []
    index = (np.arange(WEEK_H)[:, None] + np.arange(width)[None, :]) % WEEK_H
    while len(out) < (count or MAX_SLOTS):
        sums = bins[index].sum(axis=1)
        s = WEEK_H - 1 - int(np.argmax(sums[::-1]))  # of equal windows the latest: it starts at the first release
        if count is None and sums[s] < min_share * n:
            break
        taken = bins[index[s]]
        bins[index[s]] = 0
        # the slot starts at its first hour with a release burst (stray releases before it do not count)
        s = int((s + int(np.argmax(taken >= SLOT_EDGE * taken.max()))) % WEEK_H)
        out.append((s, float(whole[index[s]].sum() / n)))
    return out


def slot_of(hours: np.ndarray, starts: list[int], width: int) -> np.ndarray:
    """Index of the slot (start hours of the week, `width` wide) each hour of the week falls in, -1 if none."""
    out = np.full(len(hours), -1)
    for j, s in enumerate(starts):
        out[((hours - s) % WEEK_H < width) & (out < 0)] = j
    return out


def slot_count(x: np.ndarray, starts: list[int]) -> np.ndarray:
    """Slot starts at or before `x` (hours since a Monday 00:00), up to a constant."""
    return sum(np.floor((x - s) / WEEK_H) for s in starts)


def in_batch_slots(ts: pd.Series, params: Mapping) -> np.ndarray:
    """Whether each completion of a slot-batched step (its `params`) was released in a slot."""
    return slot_of(hour_of_week(ts), list(params["slots"]), int(params["width_h"])) >= 0


def check_batched_slots(frame: pd.DataFrame, params: Mapping[str, float]) -> list[Mechanism]:
    """Completions released in a few fixed slots of the week (`SLOT_WIDTH_H`-hour windows of the
    hours of the week, so that a run past midnight is one slot, not two weekdays): the slots holding at least `min_slot_share`
    each (at most MAX_SLOTS) hold at least `min_share` of them together, at least `min_ratio` times
    as many as the enabling events hold in their own as many busiest slots; every slot has a
    release in at least `min_weeks_share` of the weeks its central 90% of completions span (a
    weekly rhythm, not a monthly meeting). Steps the one-weekday rule (check_batched) finds are left to it."""
    rows = frame[frame["pos"] > 0]
    weekly = {m.step for m in check_batched(frame, BATCHED)}
    width = SLOT_WIDTH_H
    found = []
    for step, g in rows.groupby("activity", sort=True):
        if len(g) < params["min_events"] or str(step) in weekly:
            continue
        g = g[g["prev_end"].notna()]
        released = g["timestamp"]
        how = hour_of_week(released)
        slots = busiest_slots(how, width, min_share=params["min_slot_share"])
        if not slots:
            continue
        share = sum(x for _, x in slots)
        baseline = sum(x for _, x in busiest_slots(hour_of_week(g["prev_end"]), width, count=len(slots)))
        if share < params["min_share"] or share < params["min_ratio"] * baseline:
            continue
        starts = sorted(s for s, _ in slots)
        slot = slot_of(how, starts, width)
        # weeks of the step's central 90% of completions (a training window's few late cases do not
        # stretch it) with a release in each slot
        lo, hi = released.quantile([0.05, 0.95])
        span = (hi - lo).days // 7 + 1
        central = released.between(lo, hi).to_numpy()
        weeks = [released[(slot == j) & central].dt.to_period("W").nunique() for j in range(len(starts))]
        if min(weeks) < params["min_weeks_share"] * span:
            continue
        inside = slot >= 0
        # hours since a Monday: the slot occurrence each release belongs to, and the completion's offset in it
        epoch = pd.Timestamp("2000-01-03")
        at = (g["timestamp"] - epoch).dt.total_seconds().to_numpy()[inside] / 3600
        j = slot[inside]
        occ = at - (how[inside] - np.asarray(starts)[j]) % WEEK_H
        offset = at - occ
        enabled = (g["prev_end"] - epoch).dt.total_seconds().to_numpy()[inside] / 3600
        # slots missed: slot occurrences (at the release's own offset) after enabling before the release
        first = np.min([s + WEEK_H * np.ceil((enabled - offset - s) / WEEK_H) for s in starts], axis=0)
        skips = np.clip(np.round(slot_count(occ, starts) - slot_count(first, starts)), 0, 3 * 52).astype(int)
        lead_bin = np.clip((first + offset - enabled) // LEAD_BIN_H, 0, WEEK_H // LEAD_BIN_H).astype(int)
        by_lead = []
        for b in range(WEEK_H // LEAD_BIN_H + 1):
            c = np.bincount(skips[lead_bin == b], minlength=1)
            by_lead.append([round(float(x / c.sum()), 4) for x in c] if c.sum() >= 5 else [])
        counts = np.bincount(skips, minlength=1)
        shown = [[s // 24, f"{_clock(s % 24)}–{_clock((s + width) % 24)}"] for s in starts]
        found.append(Mechanism("batched_slots", str(step), {
            "share": round(100 * share, 1), "baseline": round(100 * baseline, 1), "events": len(g),
            "slots": shown, "slot_shares": [round(100 * float((slot == k).mean()), 1) for k in range(len(starts))],
            "weeks_share": round(100 * min(weeks) / span, 1)},
            {"period": "slots", "slots": starts, "width_h": width, "share": round(float(inside.mean()), 4),
             "offsets": [_quantiles(offset[j == k]) for k in range(len(starts))],
             "skip_weeks": [round(float(c / counts.sum()), 4) for c in counts],
             "lead_bin_hours": LEAD_BIN_H, "skip_weeks_by_lead": by_lead}))
    return found


def next_slot_release(began: float, origin: dt.date, starts: list[int], offset, skip_slots) -> float:
    """Simulation hour of the slot batch that releases a case ready at `began`: slot occurrences
    (weekly `starts`, hours since Monday 00:00) each at a drawn `offset(k)` after its start (k: the
    slot's index); the first at or after `began` is the base, `skip_slots(lead hours)` more are missed."""
    shift = origin.weekday() * 24  # simulation hour 0 is `origin`'s midnight
    x = began + shift
    week = int(x // WEEK_H) - 1
    occurrences = ((week + w) * WEEK_H + s for w in range(10**6) for s in sorted(starts))
    order = {s: k for k, s in enumerate(starts)}
    for occ in occurrences:
        release = occ + offset(order[int(occ % WEEK_H)])
        if release >= x:
            break
    for _ in range(int(skip_slots(release - x))):
        occ = next(occurrences)
        release = max(release, occ + offset(order[int(occ % WEEK_H)]))
    return release - shift


def check_batched_monthly(frame: pd.DataFrame, params: Mapping[str, float]) -> list[Mechanism]:
    """Completions concentrated on a few days of the month (a monthly committee meeting, moved to
    the next working day when it falls on a closed one): at least `min_share` of them within a
    `window_days` window of days of the month, and at least `min_ratio` times as concentrated as
    the events that enable it in their own best window."""
    rows = frame[frame["pos"] > 0]
    width = int(params["window_days"])
    found = []

    def best_window(days: pd.Series) -> tuple[int, float]:
        counts = np.bincount(days.to_numpy(), minlength=32)[1:32]
        sums = [counts[d:d + width].sum() for d in range(31 - width + 1)]
        d = int(np.argmax(sums))
        return d + 1, float(sums[d] / max(len(days), 1))

    for step, g in rows.groupby("activity", sort=True):
        if len(g) < params["min_events"]:
            continue
        day, share = best_window(g["timestamp"].dt.day)
        _, baseline = best_window(g["prev_end"].dt.day)
        if share < params["min_share"] or share < params["min_ratio"] * baseline:
            continue
        inside = g[g["timestamp"].dt.day.between(day, day + width - 1)]
        tod = (inside["timestamp"] - inside["timestamp"].dt.normalize()).dt.total_seconds().to_numpy() / 3600
        enabled = inside["prev_end"].reset_index(drop=True)
        first = pd.Series([pd.Timestamp(_month_day(e.date(), day, 0)) for e in enabled]) + pd.to_timedelta(tod, unit="h")
        later = pd.Series([pd.Timestamp(_month_day(e.date(), day, 1)) for e in enabled]) + pd.to_timedelta(tod, unit="h")
        base = first.where(first >= enabled, later)
        released = inside["timestamp"].reset_index(drop=True)
        skips = np.clip(np.round((released - base).dt.total_seconds() / (30.44 * 86400)), 0, 24).astype(int).to_numpy()
        lead_bin = ((base - enabled).dt.total_seconds() / 3600 // MONTH_LEAD_BIN_H).clip(0, 744 // MONTH_LEAD_BIN_H)
        lead_bin = lead_bin.astype(int).to_numpy()
        by_lead = []
        for b in range(744 // MONTH_LEAD_BIN_H + 1):
            c = np.bincount(skips[lead_bin == b], minlength=1)
            by_lead.append([round(float(x / c.sum()), 4) for x in c] if c.sum() >= 5 else [])
        counts = np.bincount(skips, minlength=1)
        found.append(Mechanism("batched_monthly", str(step), {
            "share": round(100 * share, 1), "baseline": round(100 * baseline, 1), "events": len(g),
            "day": day, "last_day": day + width - 1},
            {"period": "month", "day": day, "last_day": day + width - 1, "share": round(float(len(inside) / len(g)), 4),
             "time_of_day": _quantiles(tod), "skip_weeks": [round(float(c / counts.sum()), 4) for c in counts],
             "lead_bin_hours": MONTH_LEAD_BIN_H, "skip_weeks_by_lead": by_lead}))
    return found


def _month_day(date: dt.date, day: int, months_ahead: int) -> dt.date:
    """`day` of the month `months_ahead` after `date`'s (the month's last day when it is shorter)."""
    import calendar

    index = date.year * 12 + date.month - 1 + months_ahead
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day, calendar.monthrange(year, month + 1)[1]))


def next_monthly_release(began: float, origin: dt.date, day: int, time_of_day: float, months_ahead: int = 0) -> float:
    """Simulation hour of the monthly batch on `day` at `time_of_day` that releases a case ready at
    `began`, `months_ahead` months after the first one at or after `began`."""
    date = origin + dt.timedelta(days=int(began // 24))
    ahead = 0 if ((_month_day(date, day, 0) - origin).days * 24 + time_of_day) >= began else 1
    return (_month_day(date, day, ahead + months_ahead) - origin).days * 24 + time_of_day


def _clock(hours: float) -> str:
    minutes = int(round(hours * 60))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def check_scheduled_wait(frame: pd.DataFrame, params: Mapping[str, float]) -> list[Mechanism]:
    """A wait (clock hours from the enabling event to the work) of near-constant calendar length:
    at least `min_share` of the waits within ±max(`tolerance` × median, `min_tolerance_h`) of
    their median, a median of at least `min_hours`, and that window at least `spike` times as
    full as the two windows of four times its width around it (a fixed term, not a smooth spread)."""
    found = []
    for step, g in frame.dropna(subset=["delay_clock"]).groupby("activity", sort=True):
        waits = g["delay_clock"].to_numpy()
        if len(waits) < params["min_events"]:
            continue
        median = float(np.median(waits))
        if median < params["min_hours"]:
            continue
        tol = max(params["tolerance"] * median, params["min_tolerance_h"])
        near = np.abs(waits - median) <= tol
        flank = (np.abs(waits - median) > tol) & (np.abs(waits - median) <= 5 * tol)
        share = float(near.mean())
        if share < params["min_share"] or share < params["spike"] * float(flank.mean()):
            continue
        fixed = float(np.median(waits[near]))
        found.append(Mechanism("scheduled_wait", str(step), {
            "days": round(fixed / 24, 2), "share": round(100 * share, 1), "events": len(waits),
            "tolerance_h": round(tol, 1)}, {"fixed_hours": round(fixed, 4)}))
    return found


def case_attributes(frame: pd.DataFrame, min_consistent: float = 0.95, max_values: int = 20,
                    min_cases: int = 5) -> pd.DataFrame:
    """One row per case: the case-level attributes among CASE_ATTRIBUTES that the log carries
    (the case's first non-empty value; an attribute that varies within more than 5 % of cases is
    an event attribute and left out). Values seen in fewer than `min_cases` cases become ""."""
    out = pd.DataFrame(index=pd.Index(frame["case"].unique(), name="case"))
    for name in CASE_ATTRIBUTES:
        if name not in frame or frame[name].notna().mean() < 0.5:
            continue
        col = frame.dropna(subset=[name]).groupby("case")[name]
        if (col.nunique() <= 1).mean() < min_consistent:
            continue
        value = col.first().reindex(out.index).fillna("").astype(str)
        counts = value.value_counts()
        value = value.where(value.map(counts) >= min_cases, "")
        if 2 <= value[value != ""].nunique() <= max_values:
            out[name] = value
    return out


def _dependence(table: pd.DataFrame, params: Mapping[str, float]) -> tuple[float, float] | None:
    """(Cramér's V, p) of a chi-square test of the contingency `table` (rows: a condition, columns:
    the next step), when p < `max_p` and V ≥ `min_v`; None otherwise or under two rows or columns."""
    if table.shape[0] < 2 or table.shape[1] < 2:
        return None
    chi2, p, _, _ = stats.chi2_contingency(table.to_numpy(), correction=False)
    v = math.sqrt(chi2 / (table.to_numpy().sum() * (min(table.shape) - 1)))
    return (v, p) if p < params["max_p"] and v >= params["min_v"] else None


def check_attribute_branching(frame: pd.DataFrame, params: Mapping[str, float]) -> list[Mechanism]:
    """The next step depends on a case attribute: a chi-square test of attribute value × next
    step (p < `max_p`) with Cramér's V at least `min_v`, on a step with `min_events` events and
    two or more next steps. The attribute with the largest V wins a step."""
    attrs = case_attributes(frame)
    if attrs.empty or not len(attrs.columns):
        return []
    found = []
    for step, g in frame.groupby("activity", sort=True):
        if len(g) < params["min_events"] or g["next"].nunique() < 2:
            continue
        best = None
        for name in attrs.columns:
            value = attrs[name].reindex(g["case"]).to_numpy()
            table = pd.crosstab(value, g["next"].to_numpy())
            table = table.loc[table.index != ""]
            table = table.loc[:, table.sum(axis=0) > 0]
            if (found_vp := _dependence(table, params)) and (best is None or found_vp[0] > best[0]):
                best = (*found_vp, name, table)
        if best is None:
            continue
        v, p, name, table = best
        conditional = table.div(table.sum(axis=1), axis=0)
        marginal = table.sum(axis=0) / table.to_numpy().sum()
        value, nxt = (conditional - marginal).stack().idxmax()
        others = table.drop(index=value)
        found.append(Mechanism("attribute_branching", str(step), {
            "attribute": name, "value": str(value), "next": str(nxt),
            "share": round(100 * float(conditional.loc[value, nxt]), 1),
            "others": round(100 * float(others[nxt].sum() / max(others.to_numpy().sum(), 1)), 1),
            "cramers_v": round(v, 3), "p_value": float(f"{p:.3g}"), "events": int(table.to_numpy().sum())},
            {"attribute": name, "by_value": {str(k): {str(n): round(float(x), 6) for n, x in row.items() if x > 0}
                                             for k, row in conditional.iterrows()}}))
    return found


def check_long_tail(frame: pd.DataFrame, params: Mapping[str, float]) -> list[Mechanism]:
    """A long-tailed wait (working hours; the waits that are not zero): its p95 at least
    `tail_ratio` times its median, and a lognormal fitted to it clips the p95 by more than
    `max_miss` (relative). Needs `min_events` such waits."""
    found = []
    for step, g in frame.dropna(subset=["delay"]).groupby("activity", sort=True):
        waits = g["delay"].to_numpy()
        positive = waits[waits > 1e-9]
        if len(positive) < params["min_events"]:
            continue
        median, p95 = float(np.median(positive)), float(np.percentile(positive, 95))
        if p95 < params["tail_ratio"] * median:
            continue
        shape, _, scale = stats.lognorm.fit(positive, floc=0.0)
        fitted = float(stats.lognorm.ppf(0.95, shape, 0.0, scale))
        if fitted >= (1 - params["max_miss"]) * p95:
            continue
        found.append(Mechanism("long_tail", str(step), {
            "median_h": round(median, 1), "p95_h": round(p95, 1), "fitted_p95_h": round(fitted, 1),
            "ratio": round(p95 / median, 1), "events": len(positive)}, {}))
    return found


def check_parallel(frame: pd.DataFrame, params: Mapping[str, float]) -> list[Mechanism]:
    """Groups of steps that run side by side: steps each done at most once in `min_once` of the
    cases holding them, every pair of a group held once by at least `min_events` cases and done in
    either order, each order in at least `min_order` of them (a fixed order is a sequence); and the
    group's steps, in the cases holding two or more of them, next to each other (no other step in
    between) in at least `min_contiguous` of those cases (one fork, one join). Groups are the
    largest sets of pairwise such steps (maximal cliques, largest first, disjoint), at most
    `max_members` steps each."""
    per_case = frame.groupby(["case", "activity"], sort=False).size()
    held = per_case.groupby(level="activity").agg(["size", lambda x: float((x == 1).mean())])
    held.columns = ["cases", "once"]
    steps = sorted(held.index[(held["cases"] >= params["min_events"]) & (held["once"] >= params["min_once"])])
    if len(steps) < 2:
        return []
    first = (frame[frame["activity"].isin(steps)].groupby(["case", "activity"], sort=False)["pos"].min()
             .unstack().reindex(columns=steps))
    once = (per_case.unstack().reindex(index=first.index, columns=steps) == 1).to_numpy()
    pos = first.to_numpy(dtype=float)
    both = once.T.astype(np.int64) @ once.astype(np.int64)  # cases holding each pair once
    pairs = {}
    for i, a in enumerate(steps):
        # per later step: the cases holding both once in which `a` comes first
        before = ((pos[:, [i]] < pos) & once[:, [i]] & once).sum(axis=0)
        for j in range(i + 1, len(steps)):
            if both[i, j] < params["min_events"]:
                continue
            a_first = float(before[j] / both[i, j])
            if min(a_first, 1 - a_first) >= params["min_order"]:
                pairs[(a, steps[j])] = (int(both[i, j]), a_first)
    graph = nx.Graph(list(pairs))
    found, used = [], set()
    for clique in sorted(nx.find_cliques(graph), key=lambda c: (-len(c), sorted(c))):
        members = [m for m in sorted(clique, key=lambda m: (-held.loc[m, "cases"], m)) if m not in used]
        members = members[:int(params["max_members"])]
        if len(members) < 2:
            continue
        block = first[members]  # each case's first position of each member
        multi = block.notna().sum(axis=1) >= 2
        span = block[multi].max(axis=1) - block[multi].min(axis=1) + 1
        contiguous = float((span == block[multi].notna().sum(axis=1)).mean())
        if contiguous < params["min_contiguous"]:
            continue
        used.update(members)
        any_held = block.notna().any(axis=1)
        share = {m: round(float(block.loc[any_held, m].notna().mean()), 6) for m in members}
        shares = [pairs[tuple(sorted((a, b)))][1] for k, a in enumerate(members) for b in members[k + 1:]]
        order = min(min(x, 1 - x) for x in shares)
        found.append(Mechanism("parallel", group_name(members), {
            "members": members, "order_share": round(100 * order, 1), "contiguous": round(100 * contiguous, 1),
            "cases": int(multi.sum())}, {"members": members, "member_probability": share}))
    return found


#: history routing: at most this many milestones (2**6 states of a case's history per step)
MAX_MILESTONES = 6


def milestones(frame: pd.DataFrame, params: Mapping[str, float]) -> list[str]:
    """The once-per-case steps: in at least `min_presence` of the cases and at most once in at
    least `min_once` of the cases that have them; the most frequent first, at most MAX_MILESTONES."""
    per = frame.groupby(["case", "activity"], sort=False).size()
    by_step = per.groupby(level=1)
    presence = by_step.size() / max(frame["case"].nunique(), 1)
    once = (per <= 1).groupby(level=1).mean()
    names = [str(a) for a in presence.sort_values(ascending=False, kind="stable").index
             if presence[a] >= params["min_presence"] and once[a] >= params["min_once"]]
    return names[:MAX_MILESTONES]


def history_states(frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Per event, the milestones its case has been through up to and including it, as bits (bit k:
    `names[k]`); the frame's rows are in each case's event order."""
    state = np.zeros(len(frame), dtype=np.int64)
    activity = frame["activity"].astype(str)
    for k, name in enumerate(names):
        done = (activity == name).groupby(frame["case"].to_numpy(), sort=False).cummax().to_numpy()
        state |= done.astype(np.int64) << k
    return state


def step_rows(frame: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    """Each step with the positions of its rows in the frame, steps in sorted order."""
    return sorted(pd.Series(np.arange(len(frame))).groupby(frame["activity"].astype(str).to_numpy()).indices.items())


def check_history_routing(frame: pd.DataFrame, params: Mapping[str, float]) -> list[Mechanism]:
    """The next step depends on the case's history: on the set of milestones (`milestones`) the
    case has been through. Per step with `min_events` events: a chi-square test of history state ×
    next step, over the states with `min_state_events` events each (p < `max_p`), with Cramér's V
    at least `min_v`. The model routes a case in such a state by that state's shares; a case in a
    rarer state by the step's overall shares. The evidence names the milestone whose having been
    done or not changes another next step's share the most. Steps whose routing a case attribute
    explains (check_attribute_branching) are left to it: an earlier branch taken by the attribute
    is a history that only mirrors the attribute."""
    names = milestones(frame, params)
    if not names:
        return []
    by_attribute = {m.step for m in check_attribute_branching(frame, ATTRIBUTE_BRANCHING)}
    state = history_states(frame, names)
    nxt = frame["next"].astype(str).to_numpy()
    found = []
    for step, idx in step_rows(frame):
        if len(idx) < params["min_events"] or step in by_attribute:
            continue
        table = pd.crosstab(state[idx], nxt[idx])
        table = table.loc[table.sum(axis=1) >= params["min_state_events"]]
        table = table.loc[:, table.sum(axis=0) > 0]
        if (found_vp := _dependence(table, params)) is None:
            continue
        v, p = found_vp
        conditional = table.div(table.sum(axis=1), axis=0)
        kept = np.isin(state[idx], table.index.to_numpy())
        best = None  # (difference, milestone, next, share with, share without)
        for k, name in enumerate(names):
            has = ((state[idx][kept] >> k) & 1).astype(bool)
            if has.all() or not has.any():
                continue
            for target in table.columns:
                if target == name:  # a step done once is not done again: true, and says nothing
                    continue
                hit = nxt[idx][kept] == target
                with_, without = float(hit[has].mean()), float(hit[~has].mean())
                if best is None or abs(with_ - without) > best[0]:
                    best = (abs(with_ - without), name, str(target), with_, without)
        if best is None:
            continue
        _, name, target, with_, without = best
        found.append(Mechanism("history_routing", str(step), {
            "milestone": name, "next": target, "share": round(100 * with_, 1), "others": round(100 * without, 1),
            "cramers_v": round(v, 3), "p_value": float(f"{p:.3g}"), "events": int(table.to_numpy().sum()),
            "states": int(table.shape[0])},
            {"milestones": names, "by_state": {str(int(k)): {str(n): round(float(x), 6) for n, x in row.items() if x > 0}
                                               for k, row in conditional.iterrows()}}))
    return found


def previous_steps(frame: pd.DataFrame) -> np.ndarray:
    """Per event, the case's step before it (CASE_START for its first); the frame's rows are in each
    case's event order."""
    activity = frame["activity"].astype(str)
    return activity.groupby(frame["case"].to_numpy(), sort=False).shift(1).fillna(CASE_START).to_numpy()


def check_previous_wait(frame: pd.DataFrame, params: Mapping[str, float]) -> list[Mechanism]:
    """A step's wait depends on the step before (补正材料 takes the applicant longer after 受理 than
    after a review: other materials are missing): per step, among the previous steps with
    `min_state_events` waits each, one whose waits differ from the step's other waits (Mann–Whitney
    p < `max_p`) with medians at least `min_ratio` times apart. The model draws the wait from the
    previous step's own distribution, for each such previous step; from the step's overall one
    otherwise."""
    previous = previous_steps(frame)
    delay = frame["delay"].to_numpy(dtype=float)
    found = []
    for step, idx in step_rows(frame):
        idx = idx[np.isfinite(delay[idx])]
        if len(idx) < params["min_events"]:
            continue
        prev, waits = previous[idx], delay[idx]
        names, counts = np.unique(prev, return_counts=True)
        kept = names[counts >= params["min_state_events"]]
        if len(kept) < 2:
            continue
        best = None  # (ratio, previous, its median, the others' median, p)
        for name in kept:
            mine, others = waits[prev == name], waits[prev != name]
            a, b = float(np.median(mine)), float(np.median(others))
            ratio = max(a, b) / max(min(a, b), 1e-6)
            if max(a, b) <= 1e-6 or ratio < params["min_ratio"]:
                continue
            p = float(stats.mannwhitneyu(mine, others).pvalue)
            if p < params["max_p"] and (best is None or ratio > best[0]):
                best = (ratio, str(name), a, b, p)
        if best is None:
            continue
        _, name, a, b, p = best
        found.append(Mechanism("previous_wait", str(step), {
            "previous": name, "median_h": round(a, 1), "others_h": round(b, 1), "p_value": float(f"{p:.3g}"),
            "events": len(idx)}, {"previous": sorted(str(x) for x in kept)}))
    return found


def kaplan_meier(times: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Kaplan–Meier estimate of a duration's distribution from `times`, some of them only
    known to be longer (`observed` False: censored there): the distinct observed times and the
    share of durations at or below each (F = 1 − S; short of 1 when the longest times are censored)."""
    order = np.lexsort((~observed, times))  # at a tie, the events before the censored
    t, e = times[order], observed[order]
    survival = np.cumprod(np.where(e, 1.0 - 1.0 / (len(t) - np.arange(len(t))), 1.0))
    idx = np.flatnonzero(e)
    last = idx[np.r_[t[idx][1:] != t[idx][:-1], True]] if len(idx) else idx  # each time's last event
    return t[last], 1.0 - survival[last]


#: quantiles kept of a wait that races a deadline (evenly spaced probabilities, 0 to LATENT_TOP)
LATENT_POINTS, LATENT_TOP = 41, 0.995


def latent_quantiles(observed: np.ndarray, censored: np.ndarray, t: np.ndarray, f: np.ndarray) -> list[float]:
    """Quantiles of a wait seen only where it ended before a deadline (`observed`; `censored`: the
    deadlines it had not ended by), from its Kaplan–Meier estimate (`t`, `f`) as far as that goes and,
    beyond, from a lognormal fitted to the same censored data (maximum likelihood), conditioned on
    lasting past the estimate's end: what the deadline hides is what a faster applicant would cut."""
    probs = np.linspace(0.0, LATENT_TOP, LATENT_POINTS)
    end = float(f[-1]) if len(f) else 0.0
    out = np.interp(np.minimum(probs, end), np.r_[0.0, f], np.r_[0.0, t])
    if end < LATENT_TOP:
        beyond, last = probs > end, float(t[-1]) if len(t) else 0.0
        try:
            fitted = stats.lognorm.fit(stats.CensoredData(uncensored=observed[observed > 0], right=censored[censored > 0]),
                                       floc=0)
            tail = stats.lognorm(fitted[0], scale=fitted[2])
            start = float(tail.cdf(last))
            out[beyond] = np.maximum(tail.ppf(start + (probs[beyond] - end) / (1 - end) * (1 - start)), last)
        except (ValueError, RuntimeError, FloatingPointError):  # no fit: later than every deadline seen
            out[beyond] = 2 * float(np.max(censored, initial=last))
    return [round(float(v), 3) for v in out]


def check_deadline(frame: pd.DataFrame, params: Mapping[str, float]) -> list[Mechanism]:
    """A step that comes when another is late (a reminder, 催办, when the applicant's 补正 has not come
    in time; a file closed when the deadline passes): after step P, the case goes either to the awaited
    step Y or to the deadline step X, and X's calendar wait starts where Y's waits end: X's P10 at least
    `min_hours`, at most `max_late` of Y's waits beyond it but Y's P90 at least `min_reach` of it (Y's
    waits cut by the deadline, not merely shorter, as a quick decision beside a monthly review is), and
    X's waits as narrow as a term (P90 − P10 at most `max_spread` times the P10) where a slower
    alternative's would spread.
    Which of the two a case takes is then a race, not a draw: the deadline (X's wait) against Y's
    wait had there been no deadline, estimated by Kaplan–Meier from Y's waits (observed) and X's
    (censored: Y had not come by then). Per (P, X), the Y with the most cases."""
    previous = previous_steps(frame)
    gap = ((frame["timestamp"] - frame["prev_end"]).dt.total_seconds() / 3600).to_numpy(dtype=float)
    activity = frame["activity"].astype(str).to_numpy()
    ok = np.isfinite(gap) & (previous != CASE_START)
    pairs = pd.DataFrame({"after": previous[ok], "step": activity[ok], "gap": gap[ok]})
    pairs = pairs[pairs["after"] != pairs["step"]]
    found = []
    for after, g in pairs.groupby("after", sort=True):
        counts = g["step"].value_counts()
        steps = [str(x) for x in counts.index[counts >= params["min_state_events"]]]
        by_step = {x: g.loc[g["step"] == x, "gap"].to_numpy() for x in steps}
        best: dict[str, tuple] = {}
        for x, xg in by_step.items():
            floor = float(np.percentile(xg, 10))
            for y, yg in by_step.items():
                if y == x:
                    continue
                if (floor < params["min_hours"] or float(np.percentile(xg, 90)) - floor > params["max_spread"] * floor
                        or float(np.mean(yg > floor)) > params["max_late"]
                        or float(np.percentile(yg, 90)) < params["min_reach"] * floor):
                    continue
                if x not in best or len(yg) > best[x][1]:
                    best[x] = (y, len(yg), xg, yg, floor)
        for x, (y, _, xg, yg, floor) in sorted(best.items()):
            t, f = kaplan_meier(np.r_[yg, xg], np.r_[np.ones(len(yg), bool), np.zeros(len(xg), bool)])
            latent = latent_quantiles(yg, xg, t, f)
            # of the awaited waits had there been no deadline, the share within the deadline's median
            in_time = float(np.interp(np.median(xg), latent, np.linspace(0.0, LATENT_TOP, LATENT_POINTS)))
            found.append(Mechanism("deadline", x, {
                "after": str(after), "awaited": y, "floor_h": round(floor, 1),
                "awaited_p90_h": round(float(np.percentile(yg, 90)), 1), "late": round(100 * len(xg) / (len(xg) + len(yg)), 1),
                "in_time": round(100 * in_time, 1), "events": len(xg) + len(yg)},
                {"after": str(after), "awaited": y, "latent": latent, "deadline": _quantiles(xg)}))
    return found


#: at most this many (wait, work) rank pairs kept for a step's empirical copula, evenly spaced in
#: the order of their sum: a random subset can move the sum's P90 where a marginal is steep
COPULA_POINTS = 500


def pseudo_observations(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ranks scaled into (0, 1), (rank − 0.5) / n, ties broken at random: a tie of many zero waits
    spreads over the share of zeros, which the marginal's quantile function maps back to zero."""
    order = np.lexsort((rng.random(len(values)), values))
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return (ranks + 0.5) / len(values)


def check_joint_work(frame: pd.DataFrame, params: Mapping[str, float]) -> list[Mechanism]:
    """A step's wait and work (working hours, as discovery splits the gap before each event) depend
    on each other. The statistic is how far the quantiles of their sum (`quantiles`, the figures a
    cycle time feels; log ratio, values under `floor_h` counted as `floor_h`) lie from those of
    the same waits and works paired at random: a permutation test (`permutations` shufflings,
    seeded; p < `max_p`), the largest ratio at least `min_ratio`. Needs `min_events` events whose
    wait and work both vary (the test on at most `max_test_events` of them, drawn at random). The
    model draws the pair from the observed pairs' ranks (at most COPULA_POINTS of them); the evidence
    gives the quantile that moves most."""
    rng = np.random.default_rng(0)
    delay, work = frame["delay"].to_numpy(dtype=float), frame["processing"].to_numpy(dtype=float)
    qs, floor = list(params["quantiles"]), float(params["floor_h"])
    found = []
    for step, idx in step_rows(frame):
        idx = idx[np.isfinite(delay[idx]) & np.isfinite(work[idx])]
        if len(idx) < params["min_events"]:
            continue
        d, w = delay[idx], work[idx]
        if np.ptp(d) <= 1e-9 or np.ptp(w) <= 1e-9:
            continue
        n_perm = int(params["permutations"])
        # the test on at most `max_test_events` of them (a random subset: the shufflings hold
        # permutations × events numbers, and a large log's step has hundreds of thousands)
        sub = np.sort(rng.choice(len(d), int(params["max_test_events"]), replace=False)) \
            if len(d) > params["max_test_events"] else slice(None)
        ds, ws = d[sub], w[sub]
        shuffled = rng.permuted(np.tile(ws, (n_perm, 1)), axis=1)
        apart = np.log(np.maximum(np.percentile(ds + shuffled, qs, axis=1), floor))  # quantile × shuffling
        centre = np.median(apart, axis=1)
        real = np.log(np.maximum(np.percentile(ds + ws, qs), floor))
        gaps = np.abs(real - centre)
        distance = float(gaps.max())
        if distance < math.log(params["min_ratio"]):
            continue
        p = (1 + int((np.abs(apart - centre[:, None]).max(axis=0) >= distance).sum())) / (1 + n_perm)
        if p >= params["max_p"]:
            continue
        k = int(np.argmax(gaps))
        keep = np.argsort(d + w, kind="stable")[np.unique(np.linspace(0, len(idx) - 1, COPULA_POINTS).round().astype(int))]
        copula = np.column_stack([pseudo_observations(d, rng), pseudo_observations(w, rng)])[np.sort(keep)]
        found.append(Mechanism("joint_work", str(step), {
            "quantile": int(qs[k]), "real_h": round(float(np.percentile(ds + ws, qs[k])), 2),
            "apart_h": round(float(np.exp(centre[k])), 2), "p_value": round(p, 4), "permutations": n_perm,
            "events": len(idx)},
            {"copula": [[round(float(a), 4), round(float(b), 4)] for a, b in copula]}))
    return found


def check_previous_routing(frame: pd.DataFrame, params: Mapping[str, float]) -> list[Mechanism]:
    """The next step depends on the step before: a file sent back for correction (补正) returns to
    the step that sent it back, which a first-order chain cannot know. Per step with `min_events`
    events: a chi-square test of previous step × next step, over the previous steps with
    `min_state_events` events each (p < `max_p`), with Cramér's V at least `min_v`. The model
    routes a case coming from such a previous step by that previous step's shares, a case coming
    from a rarer one by the step's overall shares. The evidence names the previous step whose cases
    go on most differently from the others."""
    previous = previous_steps(frame)
    nxt = frame["next"].astype(str).to_numpy()
    found = []
    for step, idx in step_rows(frame):
        if len(idx) < params["min_events"]:
            continue
        table = pd.crosstab(previous[idx], nxt[idx])
        table = table.loc[table.sum(axis=1) >= params["min_state_events"]]
        table = table.loc[:, table.sum(axis=0) > 0]
        if (found_vp := _dependence(table, params)) is None:
            continue
        v, p = found_vp
        conditional = table.div(table.sum(axis=1), axis=0)
        counts = table.sum(axis=1)
        best = None  # (difference, previous, next, share, share of the others)
        for prev in table.index:
            others = table.drop(index=prev)
            for target in table.columns:
                share = float(conditional.loc[prev, target])
                rest = float(others[target].sum() / max(others.to_numpy().sum(), 1))
                if best is None or abs(share - rest) > best[0]:
                    best = (abs(share - rest), str(prev), str(target), share, rest)
        _, prev, target, share, rest = best
        found.append(Mechanism("previous_routing", str(step), {
            "previous": prev, "next": target, "share": round(100 * share, 1), "others": round(100 * rest, 1),
            "cramers_v": round(v, 3), "p_value": float(f"{p:.3g}"), "events": int(table.to_numpy().sum())},
            {"by_previous": {str(k): {str(n): round(float(x), 6) for n, x in row.items() if x > 0}
                             for k, row in conditional.iterrows()},
             "counts": {str(k): int(c) for k, c in counts.items()}}))
    return found


#: the anchor "case start" of an anchored wait (the case's arrival: its first event)
CASE_START = "__start__"
#: dense (case × activity) first-occurrence tables beyond this many cells keep the most frequent activities
MAX_ANCHOR_CELLS = 20_000_000
SLOPE_SAMPLE = 1000  # anchored waits: Theil–Sen slope on at most this many evenly spaced waits


def _anchor_tables(frame: pd.DataFrame, min_cases: int) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray, np.ndarray,
                                                               pd.Timestamp]:
    """Case codes per row, candidate anchor activities, and per case × candidate the position and
    hour (since the midnight before the log's first event) of the activity's first occurrence (NaN when absent); the
    case's start hour (its first event's start, else its completion)."""
    origin = frame["timestamp"].min().normalize()  # a midnight: hours // 24 are local dates
    case_code, case_names = pd.factorize(frame["case"])
    hours = ((frame["timestamp"] - origin).dt.total_seconds() / 3600).to_numpy()
    began = frame["start"].where(frame["start"].notna(), frame["timestamp"]) if "start" in frame else frame["timestamp"]
    began_h = ((began - origin).dt.total_seconds() / 3600).to_numpy()
    pos = frame["pos"].to_numpy()
    start_h = np.full(len(case_names), np.nan)
    first = pos == 0
    start_h[case_code[first]] = np.minimum(began_h[first], hours[first])
    per_case = frame.groupby([case_code, frame["activity"].to_numpy()]).size().groupby(level=1).size()
    names = [str(a) for a in per_case[per_case >= min_cases].sort_values(ascending=False, kind="stable").index]
    names = names[:max(1, MAX_ANCHOR_CELLS // max(len(case_names), 1))]
    col = {a: i for i, a in enumerate(names)}
    act_col = frame["activity"].map(col).to_numpy()
    keep = ~pd.isna(act_col)
    first_pos = np.full((len(case_names), len(names)), np.inf)
    first_h = np.full((len(case_names), len(names)), np.nan)
    r, c = case_code[keep], act_col[keep].astype(int)
    np.minimum.at(first_pos, (r, c), pos[keep])
    hit = pos[keep] == first_pos[r, c]
    first_h[r[hit], c[hit]] = hours[keep][hit]
    return case_code, names, first_pos, first_h, start_h, origin


def check_anchored_wait(frame: pd.DataFrame, params: Mapping[str, float]) -> list[Mechanism]:
    """A wait fixed from an earlier event (the anchor: the case's start or the first occurrence of
    an earlier step) rather than queued behind the previous event. For a step with `min_events`
    waits (previous event → estimated start of the work, clock hours) and an anchor that precedes
    its previous event in at least `min_coverage` of them, with x = anchor → previous event and
    g = the wait, both taken relative to the mean of cases with the same previous step:
    - the interquartile range of anchor → start (x + g) no wider than `max_spread` times that of
      g, and its median at least `min_hours` (a date fixed days ahead, not a hand-over);
    - Spearman's rank correlation of g and x at most `max_rho`, with p below `max_p`;
    - the Theil–Sen slope of g on x at most `max_slope` (−0.5: each hour spent before the step
      takes at least half an hour off its wait; a queued wait does not care, slope 0). In
      variances the first and this test are one: var(x + g) < var(g) exactly when the least-squares
      slope is below −½; the robust slope is not flattened by the cases that reach the step after
      their date (they start at once, slope 0), nor by a few very long x.
    Of the anchors that pass, the earliest wins (the case's start first), unless a later one's
    anchor → start times are narrower by more than `later_margin` (relative)."""
    rows_mask = (frame["pos"] > 0).to_numpy() & frame["delay_clock"].notna().to_numpy()
    if rows_mask.sum() < params["min_events"]:
        return []
    case_code, names, first_pos, first_h, start_h, origin = _anchor_tables(frame, int(params["min_events"]))
    pos = frame["pos"].to_numpy()
    prev_h = ((frame["prev_end"] - origin).dt.total_seconds() / 3600).to_numpy()
    wait = frame["delay_clock"].to_numpy()
    prev_act = frame.groupby("case", sort=False)["activity"].shift(1).astype(str).to_numpy()
    activity = frame["activity"].astype(str).to_numpy()
    rows_of = pd.Series(np.flatnonzero(rows_mask)).groupby(activity[rows_mask]).indices
    rows_at = np.flatnonzero(rows_mask)
    found = []
    for step in sorted(rows_of):
        idx = rows_at[rows_of[step]]
        if len(idx) < params["min_events"]:
            continue
        cases, g, before = case_code[idx], wait[idx], prev_h[idx]
        groups = pd.factorize(prev_act[idx])[0]
        candidates = [(CASE_START, start_h[cases])]
        coverage = (first_pos[cases] < pos[idx][:, None] - 1).mean(axis=0)  # strictly before the previous event
        for j in np.flatnonzero(coverage >= params["min_coverage"]):
            if names[j] != step:
                at = np.where(first_pos[cases, j] < pos[idx] - 1, first_h[cases, j], np.nan)
                candidates.append((names[j], at))
        best = None
        candidates.sort(key=lambda c: -np.nanmedian(before - c[1]) if np.isfinite(before - c[1]).any() else 0.0)
        for anchor, at in candidates:
            x = before - at
            ok = np.isfinite(x) & (x > 0)
            if ok.sum() < params["min_events"] or ok.mean() < params["min_coverage"]:
                continue
            xo, go, grp = x[ok], g[ok], groups[ok]
            offset = xo + go
            iqr_anchor = float(np.subtract(*np.percentile(offset, [75, 25])))
            iqr_prev = float(np.subtract(*np.percentile(go, [75, 25])))
            if iqr_anchor > params["max_spread"] * iqr_prev or np.median(offset) < params["min_hours"]:
                continue
            xc = xo - _group_mean(xo, grp)
            gc = go - _group_mean(go, grp)
            if np.ptp(xc) <= 1e-9 or np.ptp(gc) <= 1e-9:  # a constant has no rank correlation
                continue
            rho, p = stats.spearmanr(xc, gc)
            if not (rho <= params["max_rho"] and p < params["max_p"]):
                continue
            every = np.linspace(0, len(xc) - 1, min(len(xc), SLOPE_SAMPLE)).astype(int)  # O(n²) pairs: a sample
            slope = float(stats.theilslopes(gc[every], xc[every]).slope)
            if slope > params["max_slope"]:
                continue
            # the earliest anchor that explains the wait, unless a later one is clearly narrower
            if best is None or iqr_anchor < (1 - params["later_margin"]) * best[0]:
                best = (iqr_anchor, iqr_prev, anchor, slope, float(rho), float(p), offset, before[ok] + go, go,
                        int(ok.sum()))
        if best is None:
            continue
        iqr_anchor, iqr_prev, anchor, slope, rho, p, offset, began, go_best, n = best
        # an appointment is a date and a time of day: the days from the anchor's date to the
        # start's, and the start's time of day. A case that started on the day its previous step
        # ended, or the next, may have reached the step after its date: its date is only known to
        # be no later (left-censored), and the days are estimated as such (Kaplan–Meier)
        start_day = np.floor(began / 24).astype(int)
        censored = start_day - np.floor((began - go_best) / 24) <= 1
        exact = ~censored if (~censored).sum() >= params["min_events"] else np.ones(len(began), dtype=bool)
        time_of_day = began[exact] % 24
        # days counted on the weekdays the step takes place (an inspection on working days, a trip
        # on any day): a date that falls on a weekend is the next such day, as when it was booked
        weekday = (origin.weekday() + start_day[exact]) % 7
        share = np.bincount(weekday, minlength=7) / len(weekday)
        weekdays = [d for d in range(7) if share[d] >= params["min_weekday_share"]]
        # booked in calendar days or in the step's days: the count that varies less (relative to
        # its mean) among the exact dates; the other adds the anchor's weekday as noise
        anchor_day = np.floor((began - offset) / 24).astype(int)
        counted = {}
        for name, count in (("calendar", list(range(7))), ("weekdays", weekdays)):
            days = step_days(anchor_day, start_day, origin.weekday(), count)
            exact_days = days[exact].astype(float)
            counted[name] = (float(np.std(exact_days) / max(np.mean(exact_days), 1e-9)), count, days)
        _, count, days = min(counted.values(), key=lambda c: c[0])
        # a date that fell on a day the step does not take place moved to the next one: an exact
        # start after k such days was booked for one of the k + 1 days up to it (equal weights)
        rolled = np.zeros(len(days), dtype=int)
        if len(count) == 7:
            while True:
                more = exact & (days - rolled > 0) & ~np.isin((origin.weekday() + start_day - rolled - 1) % 7, weekdays)
                if not more.any() or rolled.max() >= 6:
                    break
                rolled += more
        found.append(Mechanism("anchored_wait", str(step), {
            "anchor": anchor, "slope": round(slope, 3), "rho": round(rho, 3), "p_value": float(f"{p:.3g}"),
            "iqr_anchor_h": round(iqr_anchor, 1), "iqr_prev_h": round(iqr_prev, 1),
            "median_days": round(float(np.median(offset)) / 24, 1), "events": n,
            "late_share": round(100 * float(censored.mean()), 1)},
            {"anchor": anchor, "days": {str(k): round(v, 6) for k, v in left_censored_masses(days, censored, rolled).items()},
             "count_weekdays": count, "weekdays": weekdays, "time_of_day": _quantiles(time_of_day)}))
    return found


def step_days(first: np.ndarray, last: np.ndarray, weekday0: int, weekdays: list[int]) -> np.ndarray:
    """Days in (first, last] (day numbers, day 0 a `weekday0`) whose weekday is among `weekdays`."""
    lo = int(min(first.min(), last.min()))
    span = np.arange(lo, int(max(first.max(), last.max())) + 1)
    cum = np.cumsum(np.isin((weekday0 + span) % 7, weekdays))
    return cum[last - lo] - cum[first - lo]


def day_after(day: int, count: int, weekday0: int, weekdays: list[int]) -> int:
    """The day `count` days among `weekdays` after `day` (day 0 a `weekday0`; `day` when 0)."""
    if count <= 0 or not weekdays:
        return day
    weeks, rest = divmod(count - 1, len(weekdays))
    day += 7 * weeks
    while True:
        day += 1
        if (weekday0 + day) % 7 in weekdays:
            if rest == 0:
                return day
            rest -= 1


def left_censored_masses(values: np.ndarray, censored: np.ndarray, spread: np.ndarray | None = None) -> dict[int, float]:
    """Probability of each value of an integer variable observed as `values`, where a censored
    observation only says the variable is at most that value: the Kaplan–Meier estimator on the
    reversed axis (from the largest value down, each value takes the share of what is left that its
    exact observations have among the observations no larger). An exact observation with
    `spread` k counts 1/(k + 1) at each of its value and the k values below. Mass left below the
    smallest exact observation goes to the smallest value seen."""
    values = np.asarray(values, dtype=int)
    censored = np.asarray(censored, dtype=bool)
    spread = np.zeros(len(values), dtype=int) if spread is None else np.asarray(spread, dtype=int)
    at, weight, exact = [values[censored]], [np.ones(int(censored.sum()))], [np.zeros(int(censored.sum()), dtype=bool)]
    for k in np.unique(spread[~censored]):
        v = values[~censored & (spread == k)]
        for j in range(int(k) + 1):
            at.append(v - j)
            weight.append(np.full(len(v), 1 / (k + 1)))
            exact.append(np.ones(len(v), dtype=bool))
    at_all, w_all, ex_all = np.concatenate(at), np.concatenate(weight), np.concatenate(exact)
    out: dict[int, float] = {}
    left = 1.0
    for v in np.unique(at_all)[::-1]:
        d = float(w_all[(at_all == v) & ex_all].sum())
        if d > 0:
            at_risk = float(w_all[at_all <= v].sum())
            out[int(v)] = left * d / at_risk
            left *= 1 - d / at_risk
    if left > 1e-12:
        low = int(at_all.min())
        out[low] = out.get(low, 0.0) + left
    return dict(sorted(out.items()))


def _group_mean(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each value's group mean."""
    sums = np.bincount(groups, weights=values)
    counts = np.bincount(groups)
    return np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)[groups]


BATCHED = {"min_events": 30, "min_share": 0.5, "min_ratio": 2.0, "min_weeks_share": 0.5}
ATTRIBUTE_BRANCHING = {"min_events": 50, "max_p": 1e-6, "min_v": 0.3}
RULES: tuple[MechanismRule, ...] = (
    MechanismRule("batched", check_batched, BATCHED),
    MechanismRule("batched_slots", check_batched_slots, {"min_events": 50, "min_slot_share": 0.1, "min_share": 0.6,
                                                         "min_ratio": 2.5, "min_weeks_share": 0.5}),
    MechanismRule("batched_monthly", check_batched_monthly, {"min_events": 30, "min_share": 0.5, "min_ratio": 2.0,
                                                             "window_days": 3}),
    MechanismRule("scheduled_wait", check_scheduled_wait, {"min_events": 30, "min_hours": 48.0, "tolerance": 0.02,
                                                           "min_tolerance_h": 1.0, "min_share": 0.5, "spike": 3.0}),
    MechanismRule("attribute_branching", check_attribute_branching, ATTRIBUTE_BRANCHING),
    MechanismRule("parallel", check_parallel, {"min_events": 50, "min_once": 0.85, "min_order": 0.2,
                                               "min_contiguous": 0.8, "max_members": 4}),
    MechanismRule("long_tail", check_long_tail, {"min_events": 50, "tail_ratio": 5.0, "max_miss": 0.25}),
    MechanismRule("history_routing", check_history_routing, {"min_events": 50, "min_presence": 0.5,
                                                             "min_once": 0.98, "min_state_events": 30,
                                                             "max_p": 1e-6, "min_v": 0.3}),
    MechanismRule("previous_routing", check_previous_routing, {"min_events": 50, "min_state_events": 30,
                                                               "max_p": 1e-6, "min_v": 0.3}),
    MechanismRule("previous_wait", check_previous_wait, {"min_events": 50, "min_state_events": 30, "max_p": 1e-6,
                                                         "min_ratio": 1.25}),
    MechanismRule("joint_work", check_joint_work, {"min_events": 50, "permutations": 199, "max_p": 0.01,
                                                   "min_ratio": 1.25, "quantiles": (50, 75, 90, 95),
                                                   "floor_h": 0.05, "max_test_events": 5000}),
    MechanismRule("deadline", check_deadline, {"min_state_events": 30, "min_hours": 24.0, "max_spread": 1.0,
                                               "max_late": 0.1, "min_reach": 0.5}),
    MechanismRule("anchored_wait", check_anchored_wait, {"min_events": 50, "min_coverage": 0.8, "max_slope": -0.5,
                                                         "max_rho": -0.2, "max_p": 1e-6, "max_spread": 1.0,
                                                         "min_hours": 24.0, "later_margin": 0.05,
                                                         "min_weekday_share": 0.02}),
)
MECHANISM_IDS = tuple(r.id for r in RULES)
#: rules that route a step's cases (not modelled at a parallel group's member: the group routes)
ROUTING_RULES = ("attribute_branching", "history_routing", "previous_routing")


def detect(frame: pd.DataFrame, enabled: bool | set[str] | frozenset[str] = True,
           rules: tuple[MechanismRule, ...] = RULES) -> list[Mechanism]:
    """The mechanisms the enabled rules (all with True, none with False, else those ids) find."""
    if enabled is False:
        return []
    return [m for rule in rules if enabled is True or rule.id in enabled for m in rule.run(frame)]


def next_release(began: float, origin: dt.date, weekday: int, time_of_day: float) -> float:
    """Simulation hour of the first batch at or after `began` (hours since `origin`'s midnight):
    the next `weekday` at `time_of_day` (hours)."""
    day = int(began // 24)
    ahead = (weekday - (origin + dt.timedelta(days=day)).weekday()) % 7
    release = (day + ahead) * 24 + time_of_day
    return release if release >= began else release + 7 * 24
