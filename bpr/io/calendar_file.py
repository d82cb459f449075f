"""Read a user-supplied holiday calendar (for years chinese-calendar does not cover yet)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from bpr.errors import InputError
from bpr.io.safety import read_text_file
from bpr.io.yaml_doc import YamlDoc
from bpr.model.calendar import WorkCalendar

_HOLIDAY = {"holiday", "假", "休", "节假日", "休息日", "放假"}
_WORKDAY = {"workday", "班", "工作日", "调休上班", "补班"}


def read_work_calendar(path: str | Path, **kwargs) -> WorkCalendar:
    """A WorkCalendar with the extra holidays/workdays of a CSV (`date,type`) or YAML
    (`holidays: [...]`, `workdays: [...]`) file; `kwargs` go to WorkCalendar (office_hours)."""
    holidays, workdays = read_calendar_file(path)
    return WorkCalendar(extra_holidays=holidays, extra_workdays=workdays, **kwargs)


def read_calendar_file(path: str | Path) -> tuple[set[dt.date], set[dt.date]]:
    """Return (holidays, workdays) from CSV `date,type` rows or YAML `holidays:`/`workdays:` lists."""
    path = Path(path)  # both readers below check it names a file
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    if path.suffix.lower() in {".yaml", ".yml"}:
        data = YamlDoc.load(path).data or {}
        if not isinstance(data, dict):
            raise InputError.of("calendar_not_mapping", file=path)
        for key, target in (("holidays", holidays), ("workdays", workdays)):
            for i, value in enumerate(data.get(key) or []):
                target.add(_date(value, path, f"{key}[{i}]"))
        return holidays, workdays
    for row_no, row in enumerate(csv.DictReader(io.StringIO(read_text_file(path), newline="")), start=2):
        kind = (row.get("type") or "").strip().lower()
        day = _date(row.get("date"), path, f"row {row_no}")
        if kind in _HOLIDAY:
            holidays.add(day)
        elif kind in _WORKDAY:
            workdays.add(day)
        else:
            raise InputError.of("calendar_day_type", {"value": repr(kind)}, file=path, row=row_no, column="type")
    return holidays, workdays


def _date(value: object, path: Path, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError.of("calendar_not_date", {"where": where, "value": repr(value)}, file=path,
                           expected="YYYY-MM-DD") from None
