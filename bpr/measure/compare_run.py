"""`bpr compare` as one call: pick the comparison from the inputs, run it, write the result folder.

    result = run_compare(["办件.csv"], "out/compare", at=date(2024, 7, 1), catalogue="清单.xlsx")

- one log: split at `at`, or at the date change-point detection finds (`compare_logs.compare_log`);
- two logs: before and after (`compare_logs.compare_logs`);
- with `predicted` (a `bpr simulate --plan` folder): plan vs reality (`compare_predicted`);
- two matter sheets: the catalogue diff (`compare_catalogues.compare_catalogues`).
The folder gets result.json (kind "compare") and CSV tables with headers in `lang`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from bpr.errors import UsageError
from bpr.i18n import t
from bpr.measure.compare_logs import MEASURES, CompareResult
from bpr.progress import note


def _performance_options(catalogue: str | None, calendar: str | None):
    import bpr.io
    from bpr.analyse.performance import PerformanceOptions
    from bpr.io.calendar_file import read_work_calendar

    kwargs: dict[str, Any] = {}
    if calendar:
        kwargs["calendar"] = read_work_calendar(calendar)
    if catalogue:
        return PerformanceOptions.from_catalogue(bpr.io.read_catalogue(catalogue), **kwargs)
    return PerformanceOptions(**kwargs)


def run_compare(inputs: list[str], out: str | Path, at: dt.date | None = None, window: int | None = None,
                catalogue: str | None = None, calendar: str | None = None, predicted: str | None = None,
                engine: str = "duckdb", engine_options: dict | None = None, mapping: dict | None = None,
                timezone: str = "Asia/Shanghai", resamples: int = 2000, seed: int = 20240314,
                lang: str = "zh", force: bool = False) -> Any:
    """Run the comparison the inputs ask for and write it to `out` (a result folder, written
    atomically: see bpr.io.result_folder); returns the result."""
    import bpr.io
    from bpr.analyse.engine import make_engine
    from bpr.io.result_folder import result_folder
    from bpr.io.safety import existing_file
    from bpr.measure.compare_logs import compare_log, compare_logs

    if not inputs or len(inputs) > 2:
        raise UsageError.of("compare_needs_logs")
    kinds = [bpr.io.file_kind(p) for p in inputs]
    if len(inputs) == 2 and kinds == ["catalogue", "catalogue"]:
        if predicted is not None:
            raise UsageError.of("compare_predicted_needs_log")
        from bpr.measure.compare_catalogues import compare_catalogue_files, write_catalogue_diff

        with result_folder(out, "compare", force) as folder:
            diff = compare_catalogue_files(inputs[0], inputs[1])
            write_catalogue_diff(diff, folder, lang)
        return diff
    if "catalogue" in kinds:
        raise UsageError.of("compare_needs_logs")
    if len(inputs) == 2 and (at is not None or window is not None):
        raise UsageError.of("compare_two_logs_no_date")
    if predicted is not None:
        from bpr.measure.compare_predicted import read_simulation

        read_simulation(predicted)  # a bad folder fails before the log is read
    for path in inputs:
        existing_file(path)  # before a Spark JVM starts
    with result_folder(out, "compare", force) as folder:
        options = _performance_options(catalogue, calendar)
        with make_engine(engine, **(engine_options or {})) as runner:
            if len(inputs) == 1:
                result = compare_log(inputs[0], at=at, engine=runner, options=options, mapping=mapping,
                                     timezone=timezone, resamples=resamples, seed=seed, window=window)
            else:
                result = compare_logs(inputs[0], inputs[1], engine=runner, options=options, mapping=mapping,
                                      timezone=timezone, resamples=resamples, seed=seed)
        add_extras(result, predicted)
        write_compare(result, folder, lang)
    return result


def add_extras(result: CompareResult, predicted: str | None = None) -> None:
    """Trends (one log split at a date) and, with `predicted` (a `bpr simulate --plan` folder), the
    prediction beside the observed after side."""
    if result.cases is not None and result.at is not None:
        from bpr.measure.compare_trends import monthly_trends

        result.extra["trends"] = monthly_trends(result.cases, result.timezone, result.at)
    if predicted is not None:
        from bpr.measure.compare_predicted import predicted_vs_observed

        result.extra["predicted"] = predicted_vs_observed(result, predicted)


def write_compare(result: CompareResult, out: str | Path, lang: str = "zh") -> None:
    """DIR/result.json, compare_measures.csv, compare_steps.csv (and trends.csv with trends)."""
    from bpr.io.results import write_csv, write_json

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    note(f"writing {out}")
    write_csv(out / "compare_measures.csv",
              [t(k, lang) for k in ("cmp_measure", "cmp_before", "cmp_after", "cmp_diff", "cmp_ci_low",
                                    "cmp_ci_high", "cmp_significant")],
              ([t(f"cmp_m_{m}", lang), c.before, c.after, c.diff, c.ci_low, c.ci_high,
                t("cmp_yes" if c.significant else "cmp_no", lang)]
               for m in MEASURES if (c := result.change[m])))
    names = sorted({s.activity for s in result.before.steps} | {s.activity for s in result.after.steps})
    wait = {(side, s.activity): s.median_wait_hours for side, fig in (("b", result.before), ("a", result.after))
            for s in fig.steps}
    write_csv(out / "compare_steps.csv",
              [t(k, lang) for k in ("step_name", "cmp_share_before", "cmp_share_after", "cmp_wait_before",
                                    "cmp_wait_after", "cmp_step_status")],
              ([n, result.before.share(n), result.after.share(n), wait.get(("b", n)), wait.get(("a", n)),
                t("cmp_removed", lang) if n in result.steps_removed else
                t("cmp_added", lang) if n in result.steps_added else ""] for n in names))
    for value in result.extra.values():
        for name, (header, rows) in (value.tables(lang) if hasattr(value, "tables") else {}).items():
            write_csv(out / f"{name}.csv", header, rows)
    write_json(out / "result.json", result.to_dict())
