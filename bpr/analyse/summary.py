"""What is in a file: the counts `bpr inspect` shows."""

from __future__ import annotations

from bpr.model import Catalogue, EventLog


def summarise_log(log: EventLog) -> dict:
    """{"kind": "log", cases, events, activities, start, end, columns, warnings}."""
    start, end = log.start, log.end
    return {
        "kind": "log",
        "source": log.source,
        "cases": log.cases,
        "events": log.events,
        "activities": log.activities,
        "start": start.isoformat() if start is not None else None,
        "end": end.isoformat() if end is not None else None,
        "timezone": log.timezone,
        "columns": dict(log.columns),
        "warnings": [w.to_dict() for w in log.warnings],
    }


def summarise_catalogue(catalogue: Catalogue) -> dict:
    """{"kind": "catalogue", matters, materials, steps, departments, warnings}."""
    return {
        "kind": "catalogue",
        "source": catalogue.source,
        "matters": len(catalogue),
        "materials": sum(len(m.materials) for m in catalogue),
        "steps": sum(len(m.steps) for m in catalogue),
        "departments": catalogue.departments(),
        "warnings": [w.to_dict() for w in catalogue.warnings],
    }
