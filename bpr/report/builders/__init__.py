"""One builder per result kind: result.json dict + language -> `Report`."""

from __future__ import annotations

from collections.abc import Callable

from bpr.report.builders import audit, discover, simulate
from bpr.report.document import Report

BUILDERS: dict[str, Callable[[dict, str], Report]] = {
    "audit": audit.build,
    "discover": discover.build,
    "simulate": simulate.build,
}
