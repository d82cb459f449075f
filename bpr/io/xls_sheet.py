"""An old binary Excel workbook (.xls, BIFF8), read by `bpr.io.matter_sheet` as it reads an .xlsx.

Many provincial systems still export .xls. xlrd (BSD, read-only, .xls only since 2.0) parses it;
each sheet streams its rows as tuples of values (text, whole numbers as int, dates as datetime,
empty cells None) with merged cells already filled from their top-left cell, so the reader's
header search, fields and cell references work unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from bpr.errors import InputError
from bpr.io.safety import library_reason

MAX_XLS_BYTES = 256 << 20  # xlrd holds the whole file; province exports are a few MB


class XlsSheet:
    """One worksheet of an .xls, in the interface the matter-sheet reader uses."""

    def __init__(self, sheet, datemode: int) -> None:
        self._sheet, self._datemode, self.title = sheet, datemode, sheet.name
        self._merged = [(r0, r1, c0, c1) for r0, r1, c0, c1 in sheet.merged_cells]

    def _value(self, cell):
        import xlrd

        kind, value = cell.ctype, cell.value
        if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
            return None
        if kind == xlrd.XL_CELL_DATE:
            try:
                return xlrd.xldate.xldate_as_datetime(value, self._datemode)
            except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                return value
        if kind == xlrd.XL_CELL_NUMBER:
            return int(value) if float(value).is_integer() else value
        if kind == xlrd.XL_CELL_BOOLEAN:
            return bool(value)
        return value if str(value).strip() else None

    def iter_rows(self, max_row: int | None = None, values_only: bool = True) -> Iterator[tuple]:
        sheet = self._sheet
        for r in range(sheet.nrows if max_row is None else min(max_row, sheet.nrows)):
            row = [self._value(c) for c in sheet.row(r)]
            for r0, r1, c0, c1 in self._merged:  # a merged block's cells show its top-left value
                if r0 < r < r1 or (r == r0 and c1 - c0 > 1):
                    top = self._value(sheet.cell(r0, c0))
                    for c in range(c0, min(c1, len(row))):
                        if (r, c) != (r0, c0):
                            row[c] = top
            yield tuple(row)

    def reset_dimensions(self) -> None:
        """Nothing to reset: xlrd sizes the sheet from its cells."""


class XlsBook:
    """An .xls workbook with the sheets' names and a `close`, as openpyxl's read-only workbook."""

    def __init__(self, path: Path) -> None:
        import xlrd

        size = path.stat().st_size
        if size > MAX_XLS_BYTES:
            raise InputError.of("text_too_big", {"kib": size >> 10, "limit": MAX_XLS_BYTES >> 10}, file=path)
        try:
            self._book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
        except Exception as exc:  # xlrd raises XLRDError, CompDocError, struct errors … on damaged files
            raise InputError.of("xls_unreadable", {"reason": library_reason(exc)}, file=path) from None
        self.sheetnames = self._book.sheet_names()

    def __getitem__(self, name: str) -> XlsSheet:
        return XlsSheet(self._book.sheet_by_name(name), self._book.datemode)

    def close(self) -> None:
        self._book.release_resources()

