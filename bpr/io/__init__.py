"""Everything that touches a file format, and nothing else.

Readers return domain objects (`Catalogue`, `EventLog`, `Bundle`, `ProcessModel`) and collect
recoverable oddities as `DataWarning`s; a file that cannot be read raises `bpr.errors.InputError`
naming the file, sheet, row and column.
"""

from __future__ import annotations

from pathlib import Path

from bpr.errors import InputError
from bpr.io.safety import existing_file

LOG_SUFFIXES = (".xes", ".xes.gz", ".csv", ".parquet", ".csv.gz", ".tsv")


def file_kind(path: str | Path) -> str:
    """'log' or 'catalogue': by extension, and for .xlsx and .csv by looking for a matter-name header."""
    path = existing_file(path)
    name = path.name.lower()
    if name.endswith((".csv", ".tsv")):  # a matter sheet saved as CSV, or (mostly) a log
        from bpr.io.matter_sheet import looks_like_catalogue

        try:
            return "catalogue" if looks_like_catalogue(path) else "log"
        except InputError:  # unreadable as a sheet: the log reader says why, with its own checks
            return "log"
    if name.endswith(LOG_SUFFIXES):
        return "log"
    if name.endswith(".xls"):  # an old binary workbook: a matter sheet (logs come as CSV or .xlsx)
        return "catalogue"
    if name.endswith((".xlsx", ".xlsm")):
        from bpr.io.matter_sheet import looks_like_catalogue

        return "catalogue" if looks_like_catalogue(path) else "log"
    raise InputError.of("file_unknown_type", file=path)


def read_catalogue(path: str | Path, **options):
    """Read a matter sheet (the bpr template or a province export) into a `Catalogue`."""
    from bpr.io.matter_sheet import read_catalogue as _read

    return _read(existing_file(path), **options)


def write_template(path: str | Path, catalogue=None) -> None:
    """Write the bpr matter-sheet template, empty or filled with `catalogue`."""
    from bpr.io.template import write_template as _write

    _write(path, catalogue)


def read_log(path: str | Path, mapping: dict[str, str] | None = None, timezone: str = "Asia/Shanghai",
             **options):
    """Read an event log (CSV, XLSX, XES, XES.gz, Parquet) into a canonical `EventLog`."""
    from bpr.io.eventlog_reader import read_log as _read

    return _read(existing_file(path), mapping=mapping or {}, timezone=timezone, **options)


def read_process_model(path: str | Path):
    """Read a specified process (process_models/*.yaml) into a `ProcessModel`."""
    from bpr.io.process_model import read_process_model as _read

    return _read(path)


def read_bundle(path: str | Path):
    """Read a 一件事 bundle (YAML: name, description, lead_department, members) into a `Bundle`."""
    from bpr.io.bundle_file import read_bundle as _read

    return _read(path)
