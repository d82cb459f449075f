"""Result folders: result.json and CSV tables, written atomically and safe to open in Excel."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable
from pathlib import Path

from bpr.io.safety import atomic_output, escape_cell


def dataclass_table(cls: type, items: Iterable) -> tuple[list[str], list[list]]:
    """(header, rows) of a CSV table of dataclass instances of `cls`: one column per field."""
    header = list(cls.__dataclass_fields__)
    return header, [[getattr(item, name) for name in header] for item in items]


def write_csv(path: str | Path, header: list[str], rows: Iterable[Iterable], lang: str | None = None) -> Path:
    """UTF-8 with BOM (Excel opens it as UTF-8); None as an empty cell; formula-like text escaped.
    With `lang`, header keys become column names in that language (bpr.i18n.csv_label)."""
    path = Path(path)
    if lang:
        from bpr.i18n import csv_label

        header = [csv_label(str(key), lang, path.name.removesuffix(".csv")) for key in header]
    with atomic_output(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow([escape_cell("" if v is None else v) for v in row])
    return path


def finite(data: object) -> object:
    """`data` with every NaN or infinite float (a figure of no case: the median of a split whose
    replications simulated none) as None, so the JSON is standard (null, not NaN)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [finite(v) for v in data]
    return data


def write_json(path: str | Path, data: dict) -> Path:
    """Pretty, UTF-8, standard JSON (Chinese kept readable; NaN and infinities as null); dates
    and other objects as strings."""
    path = Path(path)
    with atomic_output(path, "w", encoding="utf-8") as fh:
        json.dump(finite(data), fh, ensure_ascii=False, indent=1, default=str, allow_nan=False)
    return path
