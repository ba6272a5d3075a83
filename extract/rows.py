"""Header rows and data rows of a ruled table (:class:`extract.tables.TableInstance`).

Where a table's header ends (``split_header``), the printed header path of each column
(``header_paths``) and the data rows of a table stitched across pages (``data_rows``:
repeated headers skipped, a label wrapped over a page break joined, continuation
columns mapped onto the first grid's by x position).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .grid import Grid
from .text import compact
from .values import parse_value

if TYPE_CHECKING:
    from .tables import TableInstance

_CODE = re.compile(r"^\d{3}(?:\d{2}){0,2}$")


def join_code_parts(parts: list[str]) -> str | None:
    """The 科目 code of a row from its code cells (类 | 款 | 项, or one cell): the digits
    joined.  A 款 or 项 printed without its leading zero (``301 | 2`` for 30102 津贴补贴,
    ``301 7`` in one cell) is two digits wide by the code's structure (3 + 2 + 2), so a
    one-digit part is padded; anything that is still not a code is no code (``None``)."""
    digits = [d for p in parts for d in p.split() if d.isdigit()]
    if not digits:
        return None
    code = "".join(digits)
    if _CODE.match(code):
        return code
    if len(digits) > 1 and len(digits[0]) == 3 and all(len(d) <= 2 for d in digits[1:]):
        padded = digits[0] + "".join(d.zfill(2) for d in digits[1:])
        if _CODE.match(padded):
            return padded
    return None
_INT = re.compile(r"^\d{1,3}$")
_AMOUNTISH = re.compile(r"^\(?[-−]?[\d,]+\.\d+\)?%?$")
# an amount as printed somewhere inside a cell's text: 1,266.32 / 1266.32 / 68.40% (a code,
# a 行次 or a year has no decimal point and no thousands separator)
_AMOUNT_IN_TEXT = re.compile(r"(?<![\d.,])[-−]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)%?(?![\d])")

def _is_column_number_row(texts: list[str]) -> bool:
    vals = [compact(t) for t in texts if compact(t)]
    if not vals:
        return False
    if compact(vals[0]) in ("栏次", "栏目"):
        vals = vals[1:]
    return bool(vals) and all(_INT.match(v) for v in vals) and len(vals) >= 2 and sorted(map(int, vals))[0] <= 2


def _is_data_row(grid: Grid, r: int) -> bool:
    for t in grid.row_texts(r):
        c = compact(t)
        if _AMOUNTISH.match(c) or _CODE.match(c) or _AMOUNT_IN_TEXT.search(c):
            return True  # (an amount inside other text: a cell that could not be read is still data)
    labels = [compact(t) for t in grid.row_texts(r) if compact(t)]
    # an empty table's 合计 row prints nothing else, or only dashes; a header row that
    # starts with 合计 prints other headings after it
    return bool(labels) and labels[0] in ("合计", "总计") and all(
        parse_value(t).kind in ("dash", "zero", "number") for t in labels[1:])


def split_header(grid: Grid) -> tuple[int, int]:
    """(number of header rows, index of the first data row) of a table's first grid."""
    for r in range(grid.n_rows):
        texts = grid.row_texts(r)
        joined = [compact(t) for t in texts if compact(t)]
        if joined and joined[0] in ("栏次", "栏目") or _is_column_number_row(texts):
            return r, r + 1
        if _is_data_row(grid, r):
            return r, r
    return grid.n_rows, grid.n_rows


def header_paths(grid: Grid, n_header: int) -> list[list[str]]:
    """Printed header texts covering each column, top to bottom, merged cells repeated once."""
    paths = []
    for k in range(grid.n_cols):
        path: list[str] = []
        seen: set[int] = set()
        for r in range(n_header):
            c = grid.slot(r, k)
            if c is None or id(c) in seen:
                continue
            seen.add(id(c))
            t = compact(c.text)
            if t and (not path or path[-1] != t):
                path.append(t)
        paths.append(path)
    return paths


def _is_header_repeat(grid: Grid, header_texts: list[list[str]]) -> int:
    """How many leading rows of a continuation grid repeat the first grid's header (incl. 栏次)."""
    n = 0
    for r in range(min(grid.n_rows, len(header_texts) + 1)):
        texts = [compact(t) for t in grid.row_texts(r)]
        if r < len(header_texts) and texts == header_texts[r]:
            n = r + 1
            continue
        if _is_column_number_row(grid.row_texts(r)) or (texts and texts[0] in ("栏次", "栏目")):
            n = r + 1
        break
    return n


def data_rows(inst: TableInstance) -> tuple[list[list[str]], list[tuple[Grid, int]]]:
    """Header paths of the first grid and every data row (grid, row index) of the stitched table."""
    first = inst.grids[0]
    n_header, start = split_header(first)
    paths = header_paths(first, n_header)
    header_texts = [[compact(t) for t in first.row_texts(r)] for r in range(start)]
    rows: list[tuple[Grid, int]] = [(first, r) for r in range(start, first.n_rows)]
    for g in inst.grids[1:]:
        skip = _is_header_repeat(g, header_texts)
        if rows and skip < g.n_rows and _join_fragment(inst, rows[-1], g, skip):
            skip += 1
        rows.extend((g, r) for r in range(skip, g.n_rows))
    return paths, rows


_ORDINAL_START = re.compile(r"^(?:[一二三四五六七八九十]+、|\d+[.、．]|[（(])")


def _join_fragment(inst: TableInstance, prev: tuple[Grid, int], g: Grid, r: int) -> bool:
    """A label wrapped over a page break: the first row of a continuation holds only the
    rest of a label (``业支出`` after ``八、社会保障和就``; ``小计`` after ``当年收入``).
    Its text is appended to the previous row's cell in the same column; True if joined."""
    cells = [c for c in {id(c): c for c in g.row_cells(r) if c is not None}.values() if c.row == r]
    texts = [compact(c.text) for c in cells if compact(c.text)]
    if not texts or any(parse_value(t).kind != "text" or _CODE.match(t) or _ORDINAL_START.match(t)
                        or len(t) > 8 for t in texts):
        return False
    pg, pr = prev
    cmap_new = _column_map(inst, g)
    cmap_old = _column_map(inst, pg)
    joined = False
    for c in cells:
        if not compact(c.text):
            continue
        target_col = cmap_new[c.col]
        old = next((pg.slot(pr, k) for k in range(pg.n_cols) if cmap_old[k] == target_col), None)
        if old is None or not compact(old.text):
            return False
        old.text = old.text + c.text
        joined = True
    return joined


def _column_map(inst: TableInstance, grid: Grid) -> list[int]:
    """Map a continuation grid's columns onto the first grid's columns by x position."""
    first = inst.grids[0]
    if grid is first or grid.n_cols == first.n_cols:
        return list(range(grid.n_cols))
    # by left edges: a continuation drawn with merged columns still starts each column
    # where one of the first grid's columns starts
    lefts = first.xs[:-1]
    return [min(range(len(lefts)), key=lambda i: abs(lefts[i] - grid.xs[k])) for k in range(grid.n_cols)]
