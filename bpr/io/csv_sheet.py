"""A matter sheet saved as CSV, read as a workbook of one sheet by `bpr.io.matter_sheet`.

Province systems and Excel's 另存为 CSV write GBK on a Chinese Windows, UTF-8 elsewhere (with or
without a BOM), separated by commas, semicolons or tabs. The sheet streams its rows as tuples of
text (an empty cell is None), so the matter-sheet reader finds the header, the fields and the
warnings' cell references (column letter and row, as Excel shows the file) as for an .xlsx.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path

from bpr.errors import InputError
from bpr.io.safety import library_reason

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
MAX_CSV_BYTES = 512 << 20  # as one .xlsx sheet may hold (bpr.io.safety.MAX_XLSX_MEMBER)
_SEPARATORS = (",", ";", "\t", "|")


class CsvSheet:
    """The rows of a CSV file, in the worksheet interface the matter-sheet reader uses."""

    def __init__(self, path: Path) -> None:
        from bpr.io.eventlog_reader import ENCODING_SAMPLE, detect_encoding

        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise InputError.of("text_too_big", {"kib": size >> 10, "limit": MAX_CSV_BYTES >> 10}, file=path)
        self.path, self.title = path, path.stem
        with path.open("rb") as fh:
            sample = fh.read(ENCODING_SAMPLE)
        self.encoding = "utf-8-sig" if (found := detect_encoding(sample)) == "utf-8" else found
        head = "\n".join(sample.decode(self.encoding, errors="ignore").splitlines()[:10])  # a title row may come first
        self.delimiter = "\t" if path.suffix.lower() == ".tsv" else max(_SEPARATORS, key=head.count)

    def iter_rows(self, max_row: int | None = None, values_only: bool = True) -> Iterator[tuple]:
        with self.path.open(encoding=self.encoding, errors="replace", newline="") as fh:
            rows = csv.reader(fh, delimiter=self.delimiter)
            for i in itertools.count() if max_row is None else range(max_row):
                try:
                    row = next(rows)
                except StopIteration:
                    return
                except csv.Error as exc:  # a cell past the field limit, a broken quote at the end …
                    raise InputError.of("csv_unreadable", {"reason": library_reason(exc)}, file=self.path,
                                        row=i + 1) from None
                yield tuple(cell if cell.strip() else None for cell in row)

    def reset_dimensions(self) -> None:
        """Nothing to reset: a CSV has no declared dimension."""


class CsvBook:
    """A CSV file as a workbook with one sheet, named after the file."""

    def __init__(self, path: Path) -> None:
        self.sheet = CsvSheet(path)
        self.sheetnames = [self.sheet.title]

    def __getitem__(self, name: str) -> CsvSheet:
        return self.sheet

    def close(self) -> None:
        """Nothing held open between reads."""
