"""Ruled tables on one pdfplumber page → grids of merged cells with text and boxes.

A table finder gives cell rectangles (pdfplumber's on the reference engine,
:mod:`extract.ruling`, its rebuild, on the pdfium engine); a merged cell is one
rectangle covering several grid slots.  We rebuild the grid from the
rectangles' edges so that every slot knows the (merged) cell covering it, and
we build cell text ourselves from the (de-duplicated) characters so that text
wrapped inside a cell is joined without inventing spaces.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from operator import itemgetter

from .text import normalize

TABLE_SETTINGS = {
    "vertical_strategy": "lines",
    "horizontal_strategy": "lines",
    "snap_tolerance": 3,
    "join_tolerance": 3,
    "intersection_tolerance": 3,
}


@dataclass
class Line:
    """A line of text on a page (characters sharing a baseline)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass
class Cell:
    row: int
    col: int
    rowspan: int
    colspan: int
    text: str
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom
    lines: list[str] = field(default_factory=list)  # the cell's printed lines


@dataclass
class Grid:
    page: int  # 1-based
    bbox: tuple[float, float, float, float]
    xs: list[float]
    ys: list[float]
    cells: list[Cell]
    _slots: dict[tuple[int, int], Cell] = field(default_factory=dict, repr=False)
    ruled: bool = True  # False: built from text positions (extract.unruled)

    def __post_init__(self) -> None:
        for c in self.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    self._slots.setdefault((r, k), c)

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1

    def slot(self, row: int, col: int) -> Cell | None:
        return self._slots.get((row, col))

    def row_cells(self, row: int) -> list[Cell | None]:
        """The cell covering each column of ``row`` (a merged cell repeats)."""
        return [self.slot(row, k) for k in range(self.n_cols)]

    def distinct_cells(self, row: int) -> list[tuple[int, Cell]]:
        """``(first column, cell)`` of each cell of ``row``, left to right, a merged cell once."""
        out, seen = [], set()
        for k, c in enumerate(self.row_cells(row)):
            if c is None or id(c) in seen:
                continue
            seen.add(id(c))
            out.append((k, c))
        return out

    def row_texts(self, row: int, *, origin_only: bool = True) -> list[str]:
        """Texts per column; with ``origin_only`` a cell's text appears only in the
        slot where the cell starts (so merged cells are not counted twice)."""
        out = []
        for k, c in enumerate(self.row_cells(row)):
            if c is None:
                out.append("")
            elif origin_only and (c.row != row or c.col != k):
                out.append("")
            else:
                out.append(c.text)
        return out


def _cluster(values: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def _index(bounds: list[float], v: float) -> int:
    """Index of the bound nearest to ``v`` (the lower one on a tie); ``bounds`` ascending."""
    i = bisect.bisect_left(bounds, v)
    if i == 0:
        return 0
    if i == len(bounds) or abs(bounds[i - 1] - v) <= abs(bounds[i] - v):
        return i - 1
    return i


def chars_text(chars: list[dict]) -> str:
    return normalize("".join(chars_lines(chars))).strip()


def chars_lines(chars: list[dict]) -> list[str]:
    """Join characters into text: lines top-to-bottom, characters left-to-right.

    Lines of a wrapped cell are concatenated without a separator (Chinese text
    has no spaces); inside a line a gap wider than half a character becomes a
    space so that ``2023 年`` stays readable.  A character joins the first line
    whose first character's top is within 0.45 of its size.
    """
    if not chars:
        return []
    if len(chars) == 1:
        return [chars[0]["text"]]
    lines: list[list[dict]] = []
    firsts: list[float] = []  # top of each line's first character
    for ch in sorted(chars, key=_reading_order):
        top = ch["top"]
        reach = (ch.get("size", 8) or 8) * 0.45
        for k, first in enumerate(firsts):
            if abs(first - top) <= reach:
                lines[k].append(ch)
                break
        else:
            lines.append([ch])
            firsts.append(top)
    if len(lines) > 1:
        lines.sort(key=_highest)
    parts = []
    for line in lines:
        if len(line) > 1:
            line.sort(key=_X0)
        prev = line[0]
        buf = [prev["text"]]
        for ch in line[1:]:
            gap = ch["x0"] - prev["x1"]
            if gap > (ch.get("size", 8) or 8) * 0.6 and not (_is_cjk(prev["text"]) and _is_cjk(ch["text"])):
                buf.append(" ")
            buf.append(ch["text"])
            prev = ch
        parts.append("".join(buf))
    return parts


_X0 = itemgetter("x0")


def _reading_order(c: dict) -> tuple[float, float]:
    return (round(c["top"], 0), c["x0"])


def _highest(line: list[dict]) -> float:
    return min(c["top"] for c in line)


def _is_cjk(s: str) -> bool:
    return bool(s) and "\u2e80" <= s[0] <= "\u9fff"


def page_lines(chars: list[dict]) -> list[Line]:
    """Text lines of a page (or of a set of chars), top to bottom."""
    if not chars:
        return []
    rows: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        size = ch.get("size", 8) or 8
        if rows and abs(rows[-1][0]["top"] - ch["top"]) <= size * 0.45:
            rows[-1].append(ch)
        else:
            rows.append([ch])
    out = []
    for row in rows:
        row.sort(key=lambda c: c["x0"])
        # split a visual line into segments at wide gaps (e.g. 部门：… far left, 单位：万元 far right)
        seg: list[dict] = [row[0]]
        for ch in row[1:]:
            size = ch.get("size", 8) or 8
            if ch["x0"] - seg[-1]["x1"] > size * 3:
                out.append(_line(seg))
                seg = [ch]
            else:
                seg.append(ch)
        out.append(_line(seg))
    return out


def _line(chars: list[dict]) -> Line:
    return Line(
        text=chars_text(chars),
        x0=min(c["x0"] for c in chars),
        top=min(c["top"] for c in chars),
        x1=max(c["x1"] for c in chars),
        bottom=max(c["bottom"] for c in chars),
    )


def without_backdrops(page):
    """Drop page-sized rectangles (a background or a page frame) and filled areas without a
    stroke: their edges would swallow tables into one giant cell or invent rows."""
    w, h = float(page.width), float(page.height)

    def keep(obj) -> bool:
        if obj.get("object_type") != "rect":
            return True
        if obj["width"] > 0.7 * w and obj["height"] > 0.6 * h:
            return False
        # a filled, unstroked area (cell shading, a white box behind a title) is not a rule
        return not (obj.get("fill") and not obj.get("stroke") and obj["width"] > 3 and obj["height"] > 3)

    return page.filter(keep)


_NUMERIC_CHARS = set("0123456789,.-%")


def _anchors(chars: list[dict]) -> dict[int, float]:
    """The x each character is placed by (keyed by id).

    Amounts are right-aligned: a number too wide for its cell spills over the left
    border (``1`` of ``1,642,700.00`` printed in the name column).  A run of touching
    numeric characters is therefore placed by its right end; everything else by its
    centre."""
    out: dict[int, float] = {}
    ordered = sorted(chars, key=lambda c: (round(c["top"]), c["x0"]))
    run: list[dict] = []

    def flush() -> None:
        if len(run) >= 2:
            right = run[-1]["x1"] - 0.5
            for c in run:
                out[id(c)] = right
        run.clear()

    for ch in ordered:
        numeric = ch["text"] in _NUMERIC_CHARS
        if run and numeric and abs(ch["top"] - run[-1]["top"]) < 1 and 0 <= ch["x0"] - run[-1]["x1"] < 0.5:
            run.append(ch)
            continue
        flush()
        if numeric:
            run.append(ch)
    flush()
    for ch in chars:
        out.setdefault(id(ch), (ch["x0"] + ch["x1"]) / 2)
    return out


def find_grids(page, page_number: int, chars: list[dict]) -> list[Grid]:
    """All ruled tables on a pdfplumber page, as grids, top to bottom."""
    return grids_from_tables(without_backdrops(page).find_tables(TABLE_SETTINGS), page_number, chars)


def grids_from_tables(tables, page_number: int, chars: list[dict]) -> list[Grid]:
    """pdfplumber tables (cell rectangles) + the page's characters → grids, top to bottom."""
    grids = []
    for table in tables:
        rects = table.cells
        if len(rects) < 2:
            continue
        xs = _cluster([r[0] for r in rects] + [r[2] for r in rects], 2.0)
        ys = _cluster([r[1] for r in rects] + [r[3] for r in rects], 2.0)
        if len(xs) < 2 or len(ys) < 2:
            continue
        x0, top, x1, bottom = table.bbox
        inside = [c for c in chars if x0 - 1 <= (c["x0"] + c["x1"]) / 2 <= x1 + 1
                  and top - 1 <= (c["top"] + c["bottom"]) / 2 <= bottom + 1]
        anchor = _anchors(inside)
        spans = []
        for r in rects:
            c0, r0 = _index(xs, r[0]), _index(ys, r[1])
            c1, r1 = _index(xs, r[2]), _index(ys, r[3])
            if c1 > c0 and r1 > r0:
                spans.append((r0, c0, r1, c1, r))
        slot_owner: dict[tuple[int, int], int] = {}
        for i, (r0, c0, r1, c1, _) in enumerate(spans):
            for rr in range(r0, r1):
                for cc in range(c0, c1):
                    slot_owner.setdefault((rr, cc), i)
        members: list[list[dict]] = [[] for _ in spans]
        for ch in inside:
            cx = anchor[id(ch)]
            cy = (ch["top"] + ch["bottom"]) / 2
            col = bisect.bisect_right(xs, cx) - 1
            row = bisect.bisect_right(ys, cy) - 1
            owner = slot_owner.get((min(max(row, 0), len(ys) - 2), min(max(col, 0), len(xs) - 2)))
            if owner is not None:
                r = spans[owner][4]
                if r[0] - 1 <= cx <= r[2] + 1 and r[1] - 1 <= cy <= r[3] + 1:
                    members[owner].append(ch)
        cells = []
        for (r0, c0, r1, c1, r), cx in zip(spans, members):
            raw = chars_lines(cx)
            lines = [normalize(x).strip() for x in raw]
            text = lines[0] if len(raw) == 1 else normalize("".join(raw)).strip()
            cells.append(Cell(r0, c0, r1 - r0, c1 - c0, text, tuple(r), lines))
        cells.sort(key=lambda c: (c.row, c.col))
        grids.append(Grid(page_number, tuple(table.bbox), xs, ys, cells))
    grids.sort(key=lambda g: g.bbox[1])
    return grids


_CAPTION = re.compile(r"^(?:(?:部门|单位|编制单位|部门名称|单位名称|金额单位)[:：].*|表[一二三四五六七八九十\d]+|公开\d+表)$")


def split_caption(grid: Grid) -> tuple[list[Line], Grid]:
    """Leading rows that are one cell spanning the whole table (a title, 部门/单位 line or
    表一 drawn inside the frame, as Excel exports do) become text lines above the grid."""
    k = 0
    lines: list[Line] = []
    while k < grid.n_rows - 1:
        row = list({id(c): c for c in grid.row_cells(k) if c is not None}.values())
        if not row or any(c.rowspan != 1 for c in row):
            break
        spanning = len(row) == 1 and row[0].colspan == grid.n_cols
        texts = [c.text.replace(" ", "") for c in row if c.text.strip()]
        furniture = bool(texts) and all(_CAPTION.match(t) for t in texts)
        if not (spanning or furniture):
            break
        for c in row:
            x0, top, x1, bottom = c.bbox
            for t in c.lines or [c.text]:
                if t.strip():
                    lines.append(Line(t, x0, top, x1, bottom))
        k += 1
    if k == 0:
        return [], grid
    cells = [Cell(c.row - k, c.col, c.rowspan, c.colspan, c.text, c.bbox, c.lines) for c in grid.cells if c.row >= k]
    new = Grid(grid.page, (grid.bbox[0], grid.ys[k], grid.bbox[2], grid.bbox[3]), grid.xs, grid.ys[k:], cells,
               ruled=grid.ruled)
    return lines, new
