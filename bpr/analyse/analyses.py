"""The extra analyses `discover` runs beside the process graph, configured in one place:
performance (`bpr.analyse.performance`), 好差评 and channels (`bpr.analyse.ratings`) and
conformance (`bpr.analyse.conformance`); and the CSV tables their results write."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bpr.analyse.conformance import Spec, conformance_analyses
from bpr.analyse.performance import PerformanceOptions, performance_analyses
from bpr.analyse.ratings import rating_analysis
from bpr.io.results import write_csv
from bpr.model.calendar import WorkCalendar


def discover_analyses(catalogue: Iterable | None = None, specs: Iterable | None = None,
                      calendar: WorkCalendar | None = None, **options: Any) -> list:
    """Every extra analysis for `discover(..., analyses=...)`, configured: promised limits and stated
    visits from `catalogue`, conformance against `specs` (ProcessModels, Matters or Specs), the
    working-day `calendar`; further `PerformanceOptions` fields as keywords."""
    if calendar is not None:
        options["calendar"] = calendar
    config = PerformanceOptions.from_catalogue(catalogue, **options) if catalogue is not None \
        else PerformanceOptions(**options)
    found = performance_analyses(config)
    found.append(rating_analysis(config))
    spec_list = [s if isinstance(s, Spec) else Spec.of(s) for s in (specs or [])]
    if spec_list:
        found += conformance_analyses(spec_list)
    return found


def write_tables(extra: Mapping[str, Any], out: Any, lang: str | None = None) -> list[str]:
    """Write the CSV tables of the extra results (those with a `tables()` method) into the folder
    `out`: UTF-8 with BOM for Excel, cells escaped, each file atomically, headers in `lang` when
    given. Returns the file names."""
    written = []
    for value in extra.values():
        if not hasattr(value, "tables"):
            continue
        # a result that names its own columns (ratings) takes the language; the others give keys
        own = "lang" in inspect.signature(value.tables).parameters
        for name, (header, rows) in (value.tables(lang or "zh") if own else value.tables()).items():
            written.append(write_csv(Path(out) / f"{name}.csv", header, rows, lang=None if own else lang).name)
    return written
