"""Read a matter sheet (事项清单): bpr's own template or a messy province export -> `Catalogue`.
An .xlsx, an old .xls (`bpr.io.xls_sheet`), or the same saved as CSV (`bpr.io.csv_sheet`).

How a workbook is understood:
- each sheet's header row is looked for among its first 10 rows (title rows sit above it); the
  row whose cells name the most fields of one sheet kind wins. Kinds: matters (needs a
  matter-name column), steps (环节名称), materials (材料名称). Steps and materials sheets are tied
  to their matter by 实施编码 (or 基本编码) or 事项名称.
- a sheet with no such header but matter fields named down its first or second column (a 办事指南
  written one field a row) is one matter: each label's value is the first filled cell to its right.
- merged cells are filled with their top-left value (department cells merged down a column).
  Read-only openpyxl worksheets do not expose merges, so the `<mergeCell ref=…>` elements are
  read from the sheet's XML with a streaming byte scan.
- every unreadable cell becomes a `DataWarning` with its cell reference ("F12"), the raw value and
  what was expected; the field stays unknown and reading goes on. Unknown headers and duplicate
  实施编码 are warnings too.
- a workbook without a sheet that has a matter-name column is an `InputError` listing the headers
  found. The file passes `bpr.io.safety.check_xlsx` (zip bombs, truncation) before openpyxl.

Speed: the workbook is opened by openpyxl in read-only mode (sheet names, shared strings, date
styles, first rows); data rows are then streamed from the sheet XML by `fast_rows` (lxml iterparse,
about twice as fast as openpyxl's cell objects), one pass per sheet; each column gets a cached
parser, so repeated spellings cost a dictionary lookup.
"""

from __future__ import annotations

import copy
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from openpyxl.utils import get_column_letter, range_boundaries

from bpr.errors import InputError
from bpr.io import cells
from bpr.io.columns import names_log_columns
from bpr.io.csv_sheet import CSV_SUFFIXES, CsvBook
from bpr.io.headers import (
    KEY_FIELD,
    MATERIALS,
    MATTER_HEADERS,
    MATTERS,
    STEPS,
    header_label,
    is_ignored,
    match_header,
)
from bpr.io.safety import check_xlsx, is_old_excel, library_reason
from bpr.io.xls_sheet import XlsBook
from bpr.model.catalogue import Catalogue
from bpr.model.material import Material
from bpr.model.matter import Matter
from bpr.model.step import Step
from bpr.model.timelimit import DEFAULT_CONVERSION, Conversion, TimeLimit, Unit
from bpr.model.warning import DataWarning

HEADER_SEARCH_ROWS = 10
#: formula cells without a cached value warned one by one; the rest in one line
MAX_FORMULA_WARNINGS = 50
INSTRUCTION_SHEETS = ("填写说明", "说明", "instructions", "readme")
_EMPTY = object()  # a blank cell (None or only spaces)

EXPECT_BOOL = "是/否（√/×、支持/不支持、Y/N）"
EXPECT_LIMIT = "办结时限，如 20个工作日、20、即办、3个月、1年、无"
EXPECTED = {
    "bool": EXPECT_BOOL,
    "depth": "网上办理深度：Ⅰ–Ⅳ级、一级–四级、1–4 或 全程网办",
    "visits": "到现场次数，如 0次、1、最多跑一次、零跑动",
    "handling": "办件类型：即办件或承诺件（1 或 2）",
    "channels": "办理形式：窗口办理、网上办理、移动端、快递申请（或代码 1–4）",
    "source": "来源渠道：申请人自备、政府部门核发、其他（或代码 10、20、99）",
    "form": "材料形式：纸质、电子或纸质和电子",
    "kind": "材料类型：原件、复印件或原件和复印件",
    "necessity": "材料必要性：必要、非必要或容缺后补",
    "int": "整数，如 1 或 2份",
    "unit": "单位：工作日、自然日、月、年",
    "limit": EXPECT_LIMIT,
}


def _cached(fn: Callable[[object], object]) -> Callable[[object], object]:
    """Wrap a cell parser: blank text -> _EMPTY, results cached per distinct value."""

    @lru_cache(maxsize=16384)
    def parse(value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return _EMPTY
        return fn(value)

    return parse


def _text(value: object) -> object:
    out = cells.text(value)
    return out if out else _EMPTY


_LIMIT_RAW = _cached(lambda v: v)  # limits are parsed after the row's unit column is known

#: field -> (parser, expected-key); fields absent here are plain text
_MATTER_PARSERS: dict[str, tuple[Callable, str | None]] = {
    "legal_limit": (_LIMIT_RAW, None),
    "promised_limit": (_LIMIT_RAW, None),
    "legal_limit_unit": (_cached(cells.parse_unit), "unit"),
    "promised_limit_unit": (_cached(cells.parse_unit), "unit"),
    "handling_type": (_cached(cells.parse_handling), "handling"),
    "channels": (_cached(cells.parse_channels), "channels"),
    "online": (_cached(cells.parse_bool), "bool"),
    "mobile": (_cached(cells.parse_bool), "bool"),
    "mail": (_cached(cells.parse_bool), "bool"),
    "fee": (_cached(cells.parse_bool), "bool"),
    "online_payment": (_cached(cells.parse_bool), "bool"),
    "e_licence": (_cached(cells.parse_bool), "bool"),
    "online_depth": (_cached(cells.parse_depth), "depth"),
    "visits": (_cached(cells.parse_visits), "visits"),
    "co_departments": (_cached(cells.parse_text_list), None),
    "steps": (_cached(cells.parse_step_list), None),
    "materials": (_cached(cells.parse_material_list), None),
}
_STEP_PARSERS: dict[str, tuple[Callable, str | None]] = {
    "order": (_cached(cells.parse_int), "int"),
    "limit": (_LIMIT_RAW, None),
    "on_site": (_cached(cells.parse_bool), "bool"),
    "after": (_cached(cells.parse_text_list), None),
}
_MATERIAL_PARSERS: dict[str, tuple[Callable, str | None]] = {
    "source": (_cached(cells.parse_source), "source"),
    "form": (_cached(cells.parse_form), "form"),
    "kind": (_cached(cells.parse_kind), "kind"),
    "copies": (_cached(cells.parse_int), "int"),
    "necessity": (_cached(cells.parse_necessity), "necessity"),
    "exempt": (_cached(cells.parse_bool), "bool"),
    "commitment": (_cached(cells.parse_bool), "bool"),
}
_PARSERS = {MATTERS: _MATTER_PARSERS, STEPS: _STEP_PARSERS, MATERIALS: _MATERIAL_PARSERS}


@dataclass
class Column:
    index: int  # 0-based
    field: str
    header: str
    unit: Unit | None
    parse: Callable[[object], object]
    expected: str | None

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)


@dataclass
class SheetLayout:
    """Where a sheet's header is and which column holds which field."""

    name: str
    kind: str
    header_row: int  # 1-based
    columns: list[Column] = field(default_factory=list)
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (0-based index, header)
    width: int = 0
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    #: a 办事指南 written one field a row: its header and value as one virtual row each, and where
    #: each field's value cell really is (column letter, row) for the warnings
    guide_rows: list[tuple] | None = None
    cells: dict[str, tuple[str, int]] = field(default_factory=dict)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.field == name), None)


def _match_cell(head: list[tuple], i: int, j: int, kind: str):
    """The field header cell (i, j) names; under a group header (row i-1, merged across its
    columns and filled), the two are also tried joined: 办结时限 over 法定 -> 法定办结时限."""
    value = head[i][j]
    if not isinstance(value, str):
        return None
    match = match_header(value, kind)
    if match is None and i > 0 and j < len(head[i - 1]):
        parent = head[i - 1][j]
        if isinstance(parent, str) and parent.strip() and parent != value:
            match = match_header(value + parent, kind) or match_header(parent + value, kind)
    return match


def _layout(name: str, head: list[tuple], min_score: int = 2) -> SheetLayout | None:
    """The best header row among `head` and the kind of sheet it announces (None: not a sheet
    bpr reads). Score = number of distinct fields a row names; the key field must be among them."""
    best: tuple[int, int, str] | None = None  # (score, -row, kind)
    for i, row in enumerate(head):
        for kind in (MATTERS, MATERIALS, STEPS):
            fields = {m.field for j in range(len(row)) if (m := _match_cell(head, i, j, kind))}
            if KEY_FIELD[kind] not in fields:
                continue
            score = len(fields)
            if score >= min_score and (best is None or (score, -i) > best[:2]):
                best = (score, -i, kind)
    if best is None:
        return None
    row_index, kind = -best[1], best[2]
    header = head[row_index]
    layout = SheetLayout(name, kind, row_index + 1, width=len(header))
    parsers = _PARSERS[kind]
    taken: set[str] = set()
    for j, value in enumerate(header):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        match = _match_cell(head, row_index, j, kind)
        if match is None or match.field in taken:
            if not is_ignored(value):
                layout.unknown.append((j, header_label(value)))
            continue
        taken.add(match.field)
        parse, expected = parsers.get(match.field, (_text, None))
        layout.columns.append(Column(j, match.field, header_label(value), match.unit, parse,
                                     EXPECTED.get(expected) if expected else None))
    return layout


def _field_rows(rows: list[tuple]) -> list[tuple[str, str, object, int, int]]:
    """The matter fields named down one of the first two columns (a 办事指南 laid out as field /
    value rows, one matter a sheet): (field, label, value, value column, row) each, the value the
    first filled cell to the label's right; [] unless they include the name and two more fields."""
    for j in range(2):
        found: dict[str, tuple[str, str, object, int, int]] = {}
        for i, row in enumerate(rows):
            if j < len(row) and isinstance(row[j], str) and (m := match_header(row[j], MATTERS)) \
                    and m.field not in found:
                k = next((k for k in range(j + 1, len(row)) if row[k] is not None and row[k] != row[j]), None)
                found[m.field] = (m.field, header_label(row[j]), None if k is None else row[k], k or j + 1, i + 1)
        if "name" in found and len(found) >= 3:
            return list(found.values())
    return []


def _guide(name: str, rows: list[tuple]) -> SheetLayout | None:
    """A 办事指南 sheet (`_field_rows`) as the layout of one matter: its labels as a virtual header
    row and their values as the data row below, each field's real cell kept for the warnings."""
    fields = [f for f in _field_rows(rows) if f[2] is not None]
    if not any(f[0] == "name" for f in fields):
        return None
    header, values = tuple(f[1] for f in fields), tuple(f[2] for f in fields)
    layout = _layout(name, [header, values], min_score=1)
    if layout is None or layout.kind != MATTERS:
        return None
    layout.guide_rows = [header, values]
    layout.cells = {field_name: (get_column_letter(col + 1), row) for field_name, _, _, col, row in fields}
    return layout


def _headers_found(head: list[tuple]) -> list[str]:
    """The texts of the row that looks most like a header (most non-empty text cells)."""
    rows = [[header_label(v) for v in row if v is not None and str(v).strip()] for row in head]
    return max(rows, key=len, default=[])


# --- merged cells -----------------------------------------------------------------------------
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]{1,3}\d+:[A-Za-z]{1,3}\d+)"')


def merged_ranges(path: Path, member: str) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of each merged range of a sheet, 1-based, read by
    streaming the member's XML and scanning for `<mergeCell ref="…">` (no DOM, bounded memory)."""
    found: dict[int, bytes] = {}
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        offset, tail = 0, b""
        while chunk := fh.read(1 << 20):
            buf = tail + chunk
            base = offset - len(tail)
            if b"mergeCell" in buf:
                for m in _MERGE_REF.finditer(buf):
                    found[base + m.start()] = m.group(1)
            offset += len(chunk)
            tail = buf[-256:]
    out = []
    for ref in found.values():
        try:
            out.append(range_boundaries(ref.decode("ascii")))
        except ValueError:
            continue
    return [r for r in out if (r[2] - r[0]) + (r[3] - r[1]) > 0]


def _filled(rows: Iterable[tuple], ranges: list[tuple[int, int, int, int]], width: int) -> Iterator[tuple]:
    """Rows with every merged cell holding its range's top-left value (only active ranges are
    kept, so a huge declared range costs nothing until its rows are read)."""
    if not ranges:
        yield from rows
        return
    starts: dict[int, list[tuple[int, int, int, int]]] = {}
    for r in ranges:
        if r[0] <= width:
            starts.setdefault(r[1], []).append(r)
    active: list[tuple[tuple[int, int, int, int], object]] = []
    for rownum, row in enumerate(rows, start=1):
        if active:
            active = [a for a in active if a[0][3] >= rownum]
        new = starts.get(rownum)
        if not active and not new:
            yield row
            continue
        values = list(row)
        if len(values) < width:
            values.extend([None] * (width - len(values)))
        for r in new or ():
            active.append((r, values[r[0] - 1]))
        for (min_col, min_row, max_col, _), value in active:
            for c in range(min_col - 1, min(max_col, width)):
                if rownum != min_row or c != min_col - 1:
                    values[c] = value
        yield tuple(values)


# --- fast row values --------------------------------------------------------------------------
def fast_rows(path: Path, member: str, shared: list[str], date_styles: set[int] | frozenset = frozenset(),
              epoch=None, sheet: str | None = None, uncached: list | None = None) -> Iterator[tuple]:
    """The values of every row of a sheet, like openpyxl's `iter_rows(values_only=True)` on a
    read-only sheet (missing rows -> (), rows as long as their last cell), about twice as fast:
    lxml iterparse over the sheet XML, entities not resolved, each row freed once read.

    A formula without a cached value (a workbook written by a script, never opened in Excel) reads
    as the text it would show when that is known (`cells.formula_display`: HYPERLINK), else blank;
    each such cell is appended to `uncached` as (row, column index, formula, shown text or None)."""
    from lxml import etree
    from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900

    epoch = epoch or CALENDAR_WINDOWS_1900
    try:
        yield from _rows_of(path, member, shared, date_styles, epoch, uncached)
    except (etree.LxmlError, zipfile.BadZipFile, EOFError, IndexError, ValueError) as exc:
        raise InputError.of("sheet_xml_unreadable", {"reason": f"{type(exc).__name__}: {exc}"}, file=path,
                            sheet=sheet) from None


def _rows_of(path: Path, member: str, shared: list[str], date_styles, epoch,
             uncached: list | None = None) -> Iterator[tuple]:
    from lxml import etree
    from openpyxl.utils import column_index_from_string
    from openpyxl.utils.datetime import from_excel

    columns: dict[str, int] = {}
    expected = 1
    v_tag = is_tag = t_tag = f_tag = ""
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        for _, row in etree.iterparse(fh, events=("end",), tag="{*}row", resolve_entities=False, no_network=True,
                                      huge_tree=True):
            if not v_tag:
                ns = row.tag[:-3]
                v_tag, is_tag, t_tag, f_tag = ns + "v", ns + "is", ns + "t", ns + "f"
            ref = row.get("r")
            rownum = int(ref) if ref else expected
            while expected < rownum:
                yield ()
                expected += 1
            values: list = []
            for c in row:
                ref = c.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    index = columns.get(letters)
                    if index is None:
                        index = columns[letters] = column_index_from_string(letters) - 1
                    if index > len(values):
                        values.extend([None] * (index - len(values)))
                kind = c.get("t")
                value = None
                if kind == "inlineStr":
                    inline = c.find(is_tag)
                    if inline is not None:
                        value = "".join(x.text or "" for x in inline.iter(t_tag))
                else:
                    v = c.find(v_tag)
                    text = v.text if v is not None else None
                    if text is None and (formula := c.find(f_tag)) is not None:
                        value = cells.formula_display(formula.text or "")
                        if uncached is not None:
                            uncached.append((rownum, len(values), formula.text or "", value))
                    elif text is not None:
                        if kind == "s":
                            value = shared[int(text)]
                        elif kind is None or kind == "n":
                            try:
                                value = int(text)
                            except ValueError:
                                value = float(text)
                            style = c.get("s")
                            if style and date_styles and int(style) in date_styles:
                                value = from_excel(value, epoch)
                        elif kind == "b":
                            value = text == "1"
                        else:  # str (formula result), e (error), d (ISO date)
                            value = text
                values.append(value)
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]
            expected = rownum + 1
            yield tuple(values)


# --- reading ---------------------------------------------------------------------------------
class _Reader:
    def __init__(self, path: Path, conversion: Conversion) -> None:
        self.path = path
        self.file = str(path)
        self.conversion = conversion
        self.warnings: list[DataWarning] = []

    def warn(self, code: str, values: dict, sheet: str, cell: str | None = None, row: int | None = None,
             column: str | None = None, value: object = None, expected: str | None = None,
             key: str | None = None) -> None:
        self.warnings.append(DataWarning.of(code, values, key=key, file=self.file, sheet=sheet, cell=cell,
                                            row=row, column=column, value=None if value is None else str(value),
                                            expected=expected))

    def bad_cell(self, layout: SheetLayout, col: Column, rownum: int, value: object,
                 expected: str | None = None) -> None:
        letter, rownum = layout.cells.get(col.field, (col.letter, rownum))
        self.warn("unparseable_cell", {"header": col.header}, layout.name,
                  cell=f"{letter}{rownum}", row=rownum, column=col.header, value=value,
                  expected=expected or col.expected)

    def records(self, ws, layout: SheetLayout) -> Iterator[tuple[int, dict, tuple]]:
        """(row number, {field: parsed value}, raw row) for each non-empty data row."""
        ws.reset_dimensions()  # exporters often write a wrong <dimension>
        member = getattr(ws, "_worksheet_path", None)
        ranges = layout.merged
        uncached: list[tuple[int, int, str, str | None]] = []
        source = (fast_rows(self.path, member, ws._shared_strings, ws.parent._date_formats, ws.parent.epoch,
                            layout.name, uncached) if member else ws.iter_rows(values_only=True))
        try:
            yield from self._records(_filled(source, ranges, layout.width), layout)
        finally:
            self.formulas(layout, uncached)

    def formulas(self, layout: SheetLayout, uncached: list[tuple[int, int, str, str | None]]) -> None:
        """One warning per data cell whose formula has no cached value (the first MAX_FORMULA_WARNINGS,
        then one line for the rest)."""
        by_index = {c.index: c for c in layout.columns}
        shown = [u for u in uncached if u[0] > layout.header_row and u[1] in by_index]
        for rownum, index, formula, display in shown[:MAX_FORMULA_WARNINGS]:
            col = by_index[index]
            code = "formula_shown_text" if display else "formula_no_cached_value"
            self.warn(code, {"header": col.header, "text": display or ""}, layout.name, cell=f"{col.letter}{rownum}",
                      row=rownum, column=col.header, value=f"={formula}"[:200])
        if len(shown) > MAX_FORMULA_WARNINGS:
            rest = shown[MAX_FORMULA_WARNINGS:]
            self.warn("formula_no_cached_value_more", {"n": len(rest)}, layout.name,
                      cell=f"{by_index[rest[0][1]].letter}{rest[0][0]}", row=rest[0][0])

    def _records(self, rows: Iterable[tuple], layout: SheetLayout) -> Iterator[tuple[int, dict, tuple]]:
        columns = [(c.index, c.field, c.parse, c) for c in layout.columns]
        first = layout.header_row + 1
        for rownum, row in enumerate(rows, start=1):
            if rownum < first:
                continue
            size = len(row)
            record: dict = {}
            for index, name, parse, col in columns:
                if index >= size:
                    continue
                value = row[index]
                if value is None:
                    continue
                result = parse(value)
                if result is _EMPTY:
                    continue
                if result is cells.INVALID:
                    self.bad_cell(layout, col, rownum, cells.text(value))
                    continue
                record[name] = result
            if record:
                yield rownum, record, row

    def limit(self, layout: SheetLayout, field_name: str, record: dict, rownum: int,
              unit: Unit | None) -> TimeLimit | None:
        raw = record.get(field_name)
        if raw is None:
            return None
        col = layout.column(field_name)
        limit = cells.parse_limit(raw, unit or col.unit or Unit.WORKING_DAY)
        if not limit.is_known:
            self.bad_cell(layout, col, rownum, cells.text(raw), EXPECT_LIMIT)
        return limit

    def matters(self, ws, layout: SheetLayout) -> list[Matter]:
        out: list[Matter] = []
        name_col = layout.column("name")
        rows = self._records(layout.guide_rows, layout) if layout.guide_rows else self.records(ws, layout)
        for rownum, record, _ in rows:
            rownum = layout.cells.get("name", ("", rownum))[1]
            name = record.pop("name", None)
            if name is None:
                self.warn("missing_name", {"header": name_col.header}, layout.name,
                          cell=f"{name_col.letter}{rownum}", row=rownum, column=name_col.header,
                          expected="事项名称")
                continue
            for which in ("legal_limit", "promised_limit"):
                unit = record.pop(which + "_unit", None)
                if which in record:
                    record[which] = self.limit(layout, which, record, rownum, unit)
            if "channels" in record:
                record["channels"] = set(record["channels"])
            if "co_departments" in record:
                record["co_departments"] = list(record["co_departments"])
            if "steps" in record:
                record["steps"] = [copy.copy(s) for s in record["steps"]]
            if "materials" in record:
                record["materials"] = [copy.copy(m) for m in record["materials"]]
            out.append(Matter(name=name, source_row=rownum, **record))
        return out

    def children(self, ws, layout: SheetLayout, index: _MatterIndex) -> Iterator[tuple[Matter, int, dict]]:
        """Rows of a steps/materials sheet with the matter each belongs to."""
        code_col, name_col = layout.column("matter_code"), layout.column("matter_name")
        key_col = layout.column("name")
        for rownum, record, _ in self.records(ws, layout):
            if "name" not in record:
                self.warn("missing_name", {"header": key_col.header}, layout.name,
                          cell=f"{key_col.letter}{rownum}", row=rownum, column=key_col.header)
                continue
            code, name = record.pop("matter_code", None), record.pop("matter_name", None)
            matter = index.find(code, name)
            if matter is None:
                col = code_col if code is not None else name_col
                self.warn("unknown_matter", {}, layout.name, cell=f"{col.letter}{rownum}" if col else None, row=rownum,
                          column=col.header if col else None, value=code or name,
                          expected="事项表中的实施编码或事项名称")
                continue
            yield matter, rownum, record

    def steps(self, ws, layout: SheetLayout, index: _MatterIndex) -> None:
        found: dict[int, list[tuple[int, int, Step]]] = {}
        matters: dict[int, Matter] = {}
        for matter, rownum, record in self.children(ws, layout, index):
            if "limit" in record:
                record["limit"] = self.limit(layout, "limit", record, rownum, None)
            if "after" in record:
                record["after"] = list(record["after"])
            position = len(found.setdefault(id(matter), []))
            order = record.pop("order", None)
            found[id(matter)].append((order if order is not None else position + 1, position,
                                      Step(order=0, **record)))
            matters[id(matter)] = matter
        for key, items in found.items():
            items.sort(key=lambda item: (item[0], item[1]))
            steps = []
            for order, _, step in items:
                step.order = order
                steps.append(step)
            _name_numbered_predecessors(steps)
            matters[key].steps = steps

    def materials(self, ws, layout: SheetLayout, index: _MatterIndex) -> None:
        replaced: set[int] = set()
        for matter, _, record in self.children(ws, layout, index):
            if id(matter) not in replaced:  # the sheet wins over a packed cell
                matter.materials = []
                replaced.add(id(matter))
            matter.materials.append(Material(**record))


_STEP_NUMBER = re.compile(r"第?\s*(\d+)(?:\.0+)?\s*(?:步|环节)?")


def _name_numbered_predecessors(steps: list[Step]) -> None:
    """前置环节 written as the steps' 环节顺序 numbers ('1', '2、3', '第2步'), as many exports do,
    replaced by the names of the steps so numbered. A step's name wins over a number; a number no
    step has stays as written, for the step graph to report."""
    names = {s.name for s in steps}
    by_order = {s.order: s.name for s in steps}
    for step in steps:
        if step.after:
            step.after = [p if p in names else by_order.get(_step_number(p), p) for p in step.after]


def _step_number(text: str) -> int | None:
    found = _STEP_NUMBER.fullmatch(unicodedata.normalize("NFKC", text).strip())
    return int(found[1]) if found else None


class _MatterIndex:
    """Find the matter a steps/materials row belongs to: 实施编码, then 基本编码, then name. When a
    code is duplicated, the row's 事项名称 picks among the matters sharing it."""

    def __init__(self, matters: list[Matter]) -> None:
        codes: dict[str, list[Matter]] = {}
        basics: dict[str, list[Matter]] = {}
        self.by_name: dict[str, Matter] = {}
        for m in matters:
            if m.code:
                codes.setdefault(m.code, []).append(m)
            if m.basic_code:  # shared by the implementations of one catalogue item
                basics.setdefault(m.basic_code, []).append(m)
            self.by_name.setdefault(m.name, m)
        self.by_code = {**basics, **codes}  # 实施编码 wins over a 基本编码 spelled the same

    def find(self, code: str | None, name: str | None) -> Matter | None:
        if code is not None:
            found = self.by_code.get(code)
            if found:
                if len(found) > 1 and name is not None:
                    return next((m for m in found if m.name == name), found[0])
                return found[0]
            if name is None:
                return None
        return self.by_name.get(name) if name is not None else None


def _open(path: Path):
    if path.suffix.lower() in CSV_SUFFIXES:
        return CsvBook(path)
    if is_old_excel(path):
        return XlsBook(path)
    check_xlsx(path)
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        if type(exc).__name__ == "InvalidFileException" and path.suffix.lower() != ".xlsx":
            raise InputError.of("xlsx_wrong_suffix", {"suffix": path.suffix}, file=path) from None
        raise InputError.of("workbook_unreadable", {"reason": library_reason(exc)}, file=path) from None


def _head(ws, path: Path, rows: int | None = HEADER_SEARCH_ROWS) -> list[tuple]:
    """The first `rows` rows of a sheet (all with None), whatever its declared <dimension> says."""
    member = getattr(ws, "_worksheet_path", None)
    if member is None:
        return list(ws.iter_rows(max_row=rows, values_only=True))
    found = fast_rows(path, member, ws._shared_strings, ws.parent._date_formats, ws.parent.epoch, ws.title)
    try:
        return list(itertools.islice(found, rows))
    finally:
        found.close()


def _layouts(wb, path: Path, sheet: str | None) -> tuple[list[tuple[object, SheetLayout]], dict[str, list[tuple]]]:
    names = wb.sheetnames
    if sheet is not None and sheet not in names:
        raise InputError.of("no_such_sheet", {"sheet": repr(sheet)}, file=path, expected=", ".join(names))
    layouts, heads = [], {}
    for name in names:
        if sheet is None and name.strip().lower() in INSTRUCTION_SHEETS:
            continue
        ws = wb[name]
        member = getattr(ws, "_worksheet_path", None)
        merged = merged_ranges(path, member) if member else []
        head = _head(ws, path)
        heads[name] = list(_filled(head, merged, max((len(r) for r in head), default=0)))
        layout = _layout(name, heads[name], min_score=1 if (name == sheet or len(names) == 1) else 2)
        if (layout is None or (layout.kind == MATTERS and len(layout.columns) < 3)) and _field_rows(heads[name]):
            whole = _head(ws, path, None)  # one field a row: a 办事指南, read whole
            layout = _guide(name, list(_filled(whole, merged, max((len(r) for r in whole), default=0))))
        if layout is None:
            continue
        layout.merged = merged
        if sheet is not None and layout.kind == MATTERS and name != sheet:
            continue  # only the named sheet is read as matters
        layouts.append((ws, layout))
    return layouts, heads


def read_catalogue(path: str | Path, sheet: str | None = None,
                   conversion: Conversion = DEFAULT_CONVERSION) -> Catalogue:
    """Read the matters (and their steps and materials) of an .xlsx matter sheet.

    sheet: the matters sheet (default: every sheet with a matter-name column). Steps and materials
    sheets are found by their headers. `conversion` is kept on the catalogue for working-day sums.
    """
    path = Path(path)
    wb = _open(path)
    try:
        layouts, heads = _layouts(wb, path, sheet)
        matter_layouts = [(ws, lay) for ws, lay in layouts if lay.kind == MATTERS]
        if not matter_layouts:
            first = sheet or next(iter(heads), wb.sheetnames[0] if wb.sheetnames else None)
            found = _headers_found(heads.get(first, [])) if first else []
            if names_log_columns(found):
                raise InputError.of("catalogue_is_a_log", {"found": ", ".join(found)}, file=path, sheet=first)
            raise InputError.of("no_matter_name_column", {"examples": ", ".join(MATTER_HEADERS["name"][:3]),
                                                              "found": ", ".join(found) or "-"},
                                    file=path, sheet=first)
        reader = _Reader(path, conversion)
        for _, layout in layouts:
            for j, header in layout.unknown:
                reader.warn("unknown_header", {}, layout.name,
                            cell=f"{get_column_letter(j + 1)}{layout.header_row}", row=layout.header_row,
                            column=header, value=header)
        matters: list[Matter] = []
        origin: list[str] = []
        for ws, layout in matter_layouts:
            found = reader.matters(ws, layout)
            matters.extend(found)
            origin.extend([layout.name] * len(found))
        _duplicates(reader, matters, origin)
        index = _MatterIndex(matters)
        for ws, layout in layouts:
            if layout.kind == STEPS:
                reader.steps(ws, layout, index)
            elif layout.kind == MATERIALS:
                reader.materials(ws, layout, index)
    finally:
        wb.close()
    return Catalogue(matters=matters, source=str(path), warnings=reader.warnings, conversion=conversion)


def _duplicates(reader: _Reader, matters: list[Matter], origin: list[str]) -> None:
    seen: dict[str, int] = {}
    for i, m in enumerate(matters):
        if not m.code:
            continue
        first = seen.setdefault(m.code, i)
        if first != i:
            same_sheet = origin[first] == origin[i]
            reader.warn("duplicate_code", {"code": m.code, "first": matters[first].source_row, "row": m.source_row,
                                           "sheet": origin[first]},
                        origin[i], row=m.source_row, value=m.code, column="实施编码",
                        key=None if same_sheet else "warn_duplicate_code_sheet")


def looks_like_catalogue(path: str | Path) -> bool:
    """Does some sheet have a matter-name header (and not the case/activity/timestamp columns of
    an event log)? Used by `bpr.io.file_kind` to tell matter sheets from .xlsx logs."""
    def log_header(row: tuple) -> bool:
        return names_log_columns([cells.text(v) for v in row])

    path = Path(path)
    wb = _open(path)
    try:
        layouts, heads = _layouts(wb, path, None)
        for _, layout in layouts:
            if layout.kind == MATTERS and not log_header(heads[layout.name][layout.header_row - 1]):
                return True
        # no matter-name column, but a row of matter-sheet headers (实施编码, 法定办结时限 …): a
        # matter sheet missing its names, so the catalogue reader's error applies, not the log's
        return any(sum(match_header(v) is not None for v in row) >= 3 and not log_header(row)
                   for head in heads.values() for row in head)
    finally:
        wb.close()
