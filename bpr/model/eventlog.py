"""The canonical event log: one row per event, columns named by role.

Readers (bpr.io) map whatever columns a file has onto these roles. The table is Arrow so that
DuckDB and Spark read it without copying through pandas. Rows are ordered by case, timestamp,
then original row: the order pm4py uses, so every count agrees with pm4py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from bpr.model.warning import DataWarning

if TYPE_CHECKING:  # pandas is imported where it is used: every command starts faster without it
    import pandas as pd

#: role -> meaning. `timestamp` is when the event (step) completed; `start` is optional.
ROLES: dict[str, str] = {
    "case": "case id (办件编号)",
    "activity": "activity / step name (环节名称)",
    "timestamp": "completion time (环节结束时间)",
    "start": "start time (环节开始时间), optional",
    "resource": "who handled it (环节处理人)",
    "department": "handling department (办理部门)",
    "channel": "channel (办理渠道: 窗口/网上/移动端/邮寄)",
    "action": "business action (业务动作: 通过/退回/其他)",
    "matter": "matter code (实施编码)",
    "rating": "service rating (好差评/满意度: 非常满意…非常不满意, 好评/差评, 1–5), optional",  # issue 14
}
REQUIRED_ROLES = ("case", "activity", "timestamp")

SCHEMA = pa.schema([
    ("case", pa.string()),
    ("activity", pa.string()),
    ("timestamp", pa.timestamp("us", tz="UTC")),
    ("start", pa.timestamp("us", tz="UTC")),
    ("resource", pa.string()),
    ("department", pa.string()),
    ("channel", pa.string()),
    ("action", pa.string()),
    ("matter", pa.string()),
    ("rating", pa.string()),  # issue 14: 好差评 as written; bpr.analyse.ratings reads the scale
    ("row", pa.int64()),  # position of the event in the source file, 0-based
])

#: canonical role -> pm4py / XES column name
PM4PY_COLUMNS = {
    "case": "case:concept:name",
    "activity": "concept:name",
    "timestamp": "time:timestamp",
    "start": "start_timestamp",
    "resource": "org:resource",
    "department": "org:group",
}


@dataclass
class EventLog:
    """An event log in canonical form, with where it came from and what was odd about it."""

    table: pa.Table
    source: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # role -> column name in the source
    warnings: list[DataWarning] = field(default_factory=list)
    timezone: str = "Asia/Shanghai"  # how naive local times were read; also used for calendars

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, source: str = "", columns: dict[str, str] | None = None,
                   warnings: list[DataWarning] | None = None, timezone: str = "Asia/Shanghai") -> EventLog:
        """Build from a frame whose columns are already roles (case, activity, timestamp, ...).

        Timestamps must be timezone-aware; missing optional roles become nulls. Sorts into
        canonical order.
        """
        import pandas as pd

        frame = frame.copy()
        if "row" not in frame:
            frame["row"] = range(len(frame))
        for name in SCHEMA.names:
            if name not in frame:
                frame[name] = None
        for name in ("timestamp", "start"):
            frame[name] = pd.to_datetime(frame[name], utc=True).astype("datetime64[us, UTC]")
        for name in ("case", "activity", "resource", "department", "channel", "action", "matter", "rating"):
            col = frame[name]
            frame[name] = col.where(col.isna(), col.astype(str))
        frame = frame.sort_values(["case", "timestamp", "row"], kind="stable")
        table = pa.Table.from_pandas(frame[SCHEMA.names], schema=SCHEMA, preserve_index=False)
        return cls(table, source, dict(columns or {}), list(warnings or []), timezone)

    @property
    def events(self) -> int:
        return self.table.num_rows

    @property
    def cases(self) -> int:
        return pc.count_distinct(self.table["case"]).as_py()

    @property
    def activities(self) -> int:
        return pc.count_distinct(self.table["activity"]).as_py()

    @property
    def start(self) -> pd.Timestamp | None:
        import pandas as pd

        value = pc.min(self.table["timestamp"]).as_py()
        return None if value is None else pd.Timestamp(value)

    @property
    def end(self) -> pd.Timestamp | None:
        import pandas as pd

        value = pc.max(self.table["timestamp"]).as_py()
        return None if value is None else pd.Timestamp(value)

    def cases_since(self, moment: datetime) -> EventLog:
        """The cases whose first event is at or after `moment` (time-zone aware), whole and in
        the same order: a model of the recent process when the old one has changed."""
        firsts = self.table.group_by("case").aggregate([("timestamp", "min")])
        recent = firsts.filter(pc.greater_equal(firsts["timestamp_min"], pa.scalar(moment, pa.timestamp("us", "UTC"))))
        table = self.table.filter(pc.is_in(self.table["case"], value_set=recent["case"]))
        return EventLog(table, self.source, dict(self.columns), list(self.warnings), self.timezone)

    def has(self, role: str) -> bool:
        """Does the log carry this optional role (a column with at least one value)?"""
        return role in self.table.column_names and self.table[role].null_count < self.table.num_rows

    def to_pandas(self) -> pd.DataFrame:
        return self.table.to_pandas()

    def to_pm4py(self) -> pd.DataFrame:
        """A DataFrame with pm4py's standard column names, ready for pm4py.discover_* calls."""
        frame = self.table.to_pandas()
        keep = [r for r in PM4PY_COLUMNS if r in REQUIRED_ROLES or self.has(r)]
        return frame[keep].rename(columns=PM4PY_COLUMNS).reset_index(drop=True)
