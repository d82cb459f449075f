"""Case volumes from an event log: how many applications a matter receives a year, for the
共享需求清单 (materials saved a year) and anything else that weighs matters by demand."""

from __future__ import annotations

import pyarrow.compute as pc

from bpr.model.eventlog import EventLog

DAYS_A_YEAR = 365.0


def annual_cases(log: EventLog) -> dict[str, float]:
    """matter (the log's 实施编码 / matter column) -> cases a year: distinct cases of the matter
    × 365 / the log's span in days (first to last event; at least one day). {} when the log has
    no matter column or no events."""
    if not log.events or not log.has("matter"):
        return {}
    start, end = log.start, log.end
    span = max((end - start).total_seconds() / 86400.0, 1.0) if start is not None and end is not None else 1.0
    table = log.table.select(["case", "matter"]).filter(pc.is_valid(log.table["matter"]))
    firsts = table.group_by(["matter"]).aggregate([("case", "count_distinct")])
    return {str(m): round(n * DAYS_A_YEAR / span, 1)
            for m, n in zip(firsts["matter"].to_pylist(), firsts["case_count_distinct"].to_pylist(), strict=True)}
