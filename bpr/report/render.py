"""Render a saved result folder (its result.json) into HTML, Excel and Word reports."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from bpr.errors import InputError, UsageError
from bpr.i18n import tf
from bpr.io.safety import safe_filename
from bpr.progress import note
from bpr.report.document import Report

FORMATS = ("html", "xlsx", "docx")


def load_result(result_dir: str | Path) -> dict:
    """The result.json of a folder written by audit, propose, apply, bundle, discover or simulate."""
    path = Path(result_dir)
    if path.is_dir():
        path = path / "result.json"
    if not path.is_file():
        raise InputError.of("report_no_result", file=path)
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError.of("report_not_json", {"error": str(exc)}, file=path) from None
    if not isinstance(result, dict):
        raise InputError.of("report_not_a_result", file=path)
    return result


def result_kind(result: dict) -> str:
    """What produced a result: its `kind`, or recognised from its keys for older folders."""
    if isinstance(result.get("kind"), str):
        return result["kind"]
    keys = set(result)
    for kind, marker in (("simulate", "scenarios"), ("discover", "dfg"), ("bundle", "bundle"),
                         ("apply", "before_after"), ("audit", "indicators"), ("propose", "proposals")):
        if marker in keys:
            return kind
    raise InputError.of("report_unknown_kind")


def build_report(result: dict, lang: str = "zh", folder: Path | None = None, unit: str | None = None) -> Report:
    """The `Report` for a loaded result; `folder` holds the files written beside result.json.
    `unit` is the issuing unit on the cover (by default the one the data names, if any); the date
    is when result.json was written."""
    from bpr.report.builders import BUILDERS

    kind = result_kind(result)
    if kind not in BUILDERS:
        raise UsageError.of("report_no_builder", {"kind": kind}, expected=", ".join(sorted(BUILDERS)))
    report = BUILDERS[kind](result, lang, folder)
    if unit:
        report.unit = unit
    elif not report.unit:
        report.unit = default_unit(result)
    if not report.date:
        made = folder / "result.json" if folder else None
        report.date = cover_date(date.fromtimestamp(made.stat().st_mtime) if made and made.is_file() else date.today(), lang)
    return report


def default_unit(result: dict) -> str:
    """The issuing unit the data names: a bundle's lead department, or the one department of a
    catalogue whose matters all belong to it; otherwise none (give --unit)."""
    bundle = result.get("bundle") or {}
    if bundle.get("lead_department"):
        return str(bundle["lead_department"])
    departments = {d.get("department") for d in result.get("by_department") or [] if d.get("department")}
    return departments.pop() if len(departments) == 1 else ""


def cover_date(day: date, lang: str = "zh") -> str:
    """2026年12月4日 / 2026-12-04."""
    return tf("report_date_format", lang, y=day.year, m=day.month, d=day.day)


def write_report(report: Report, out_dir: str | Path, formats: tuple[str, ...] = FORMATS,
                 stem: str | None = None) -> list[Path]:
    """Write `report` in each format into `out_dir`; returns the paths (each written atomically)."""
    from bpr.report.excel import write_xlsx
    from bpr.report.html import write_html
    from bpr.report.word import write_docx

    writers = {"html": write_html, "xlsx": write_xlsx, "docx": write_docx}
    unknown = [f for f in formats if f not in writers]
    if unknown:
        raise UsageError.of("report_unknown_format", details=unknown, expected=", ".join(FORMATS))
    out = Path(out_dir)
    stem = safe_filename(stem or report.title, default="report")
    paths = []
    for f in formats:
        note(f"writing {stem}.{f}")
        paths.append(writers[f](report, out / f"{stem}.{f}"))
    return paths


def render(result_dir: str | Path, out_dir: str | Path, lang: str = "zh",
           formats: tuple[str, ...] = FORMATS, force: bool = False, unit: str | None = None) -> list[Path]:
    """Load result.json from `result_dir`, build its report (`unit`: the issuing unit on the
    cover), write it in `formats` to `out_dir` (a report folder, replaced as a whole when the
    report is complete; see bpr.io.result_folder). A result folder whose manifest is missing or
    does not match its files is refused."""
    from bpr.io.result_folder import check_complete, result_folder
    from bpr.io.result_schema import check_result

    folder = Path(result_dir) if Path(result_dir).is_dir() else Path(result_dir).parent
    result = load_result(result_dir)
    check_complete(folder, result)
    if Path(out_dir).resolve() == folder.resolve():
        raise UsageError.of("report_out_is_result", file=out_dir)
    check_result(result, result_kind(result), folder / "result.json")
    report = build_report(result, lang, folder, unit)
    with result_folder(out_dir, "report", force) as tmp:
        written = write_report(report, tmp, formats)
    return [Path(out_dir) / p.name for p in written]
