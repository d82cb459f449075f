"""One builder per result kind: result.json dict + language -> `Report`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bpr.report.builders import audit, compare, discover, plan, simulate
from bpr.report.document import Report

BUILDERS: dict[str, Callable[[dict, str, Path | None], Report]] = {
    "apply": plan.build_apply,
    "audit": audit.build,
    "bundle": plan.build_bundle,
    "compare": compare.build,  # issue 14
    "discover": discover.build,
    "propose": plan.build_propose,
    "simulate": simulate.build,
}
