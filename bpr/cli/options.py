"""Options shared by several commands."""

from __future__ import annotations

import click

from bpr.errors import UsageError
from bpr.model.eventlog import ROLES

lang_option = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                           help="Language of labels and text.")

map_option = click.option(
    "--map", "mapping", metavar="ROLE=COLUMN,...",
    help="Say which column holds what, e.g. --map case=办件编号,activity=环节名称,timestamp=办结时间. "
         f"Roles: {', '.join(ROLES)}.")


since_option = click.option(
    "--since", default=None, metavar="DATE",
    help="Only the cases that started on or after DATE (e.g. 2024-07-01, in --timezone): the process as it is now, "
         "when it has changed.")


def _set_max_bad_rows(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    from bpr.io import eventlog_reader

    if value is not None:
        try:
            eventlog_reader.bad_row_limit(value, 100)
        except UsageError:
            raise click.BadParameter(f"{value!r} is not a share or a count; expected e.g. 5%, 0.05 or 200") from None
    # set on every run (back to the default when not given): commands may run in one process
    eventlog_reader.MAX_BAD_ROWS = value or eventlog_reader.DEFAULT_MAX_BAD_ROWS


max_bad_rows_option = click.option(
    "--max-bad-rows", metavar="SHARE|N", callback=_set_max_bad_rows, expose_value=False, is_eager=False,
    help="Stop when more events than this have an unreadable completion time: a share (5%, the default) "
         "or a number of events (200).")


class MemorySize(click.ParamType):
    """A memory size such as 1GB, 512MB or 2.5GiB (what DuckDB's memory_limit takes), at least
    `minimum_mb` (DuckDB cannot even scan a file in less)."""

    name = "SIZE"
    _UNITS = {"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "KIB": 1024, "MIB": 1024 ** 2, "GIB": 1024 ** 3,
              "TIB": 1024 ** 4}

    def __init__(self, minimum_mb: int = 100) -> None:
        self.minimum_mb = minimum_mb

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        import re

        text = str(value).strip().replace(" ", "")
        match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT]i?B)", text, flags=re.IGNORECASE)
        if not match:
            self.fail(f"{value!r} is not a memory size; expected a number and a unit, e.g. 1GB, 512MB, 2GiB",
                      param, ctx)
        size = float(match[1]) * self._UNITS[match[2].upper()]
        if size < self.minimum_mb * 1e6:
            self.fail(f"{value!r} is too small; expected at least {self.minimum_mb}MB", param, ctx)
        return f"{match[1]}{match[2].upper().replace('IB', 'iB')}"


force_option = click.option("--force", is_flag=True,
                            help="Replace the -o folder even when it holds another command's result.")
