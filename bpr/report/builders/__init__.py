"""One builder per result kind: result.json dict + language -> `Report`."""

from __future__ import annotations

from collections.abc import Callable

from bpr.report.document import Report

BUILDERS: dict[str, Callable[[dict, str], Report]] = {}
