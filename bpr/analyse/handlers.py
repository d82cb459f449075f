"""Who handles each step: the most frequent handlers (resource column) of every activity in a log,
for the process map's step detail (`bpr serve`).

    >>> from bpr.analyse.handlers import step_handlers
    >>> step_handlers(bpr.io.read_log("samples/logs/food_licence.csv"))["受理"][:1]   # doctest: +SKIP
    [{'handler': '窗口A01 张敏', 'events': 612, 'share': 0.21}]
"""

from __future__ import annotations

from bpr.model.eventlog import EventLog


def step_handlers(log: EventLog, top: int = 5) -> dict[str, list[dict]]:
    """Per activity, its `top` handlers by number of events (ties by name), with their share of the
    activity's events that name a handler; {} when the log has no handler (resource) column."""
    if not log.has("resource"):
        return {}
    frame = log.to_pandas()[["activity", "resource"]].dropna()
    frame = frame[frame["resource"].astype(str).str.strip() != ""]
    found: dict[str, list[dict]] = {}
    for activity, group in frame.groupby("activity", sort=True):
        counts = group["resource"].astype(str).value_counts()
        total = int(counts.sum())
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        found[str(activity)] = [{"handler": name, "events": int(n), "share": round(n / total, 4)} for name, n in ranked]
    return found
