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

import numpy as np

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


def chars_lines(chars: list[dict], *, in_reading_order: bool = False) -> list[str]:
    """Join characters into text: lines top-to-bottom, characters left-to-right.

    Lines of a wrapped cell are concatenated without a separator (Chinese text
    has no spaces); inside a line a gap wider than half a character becomes a
    space so that ``2023 年`` stays readable.  A character joins the first line
    whose first character's top is within 0.45 of its size.  ``in_reading_order``: the
    characters are already sorted as :func:`_reading_order` sorts them (stably).
    """
    if not chars:
        return []
    if len(chars) == 1:
        return [chars[0]["text"]]
    seq = chars if in_reading_order else sorted(chars, key=_reading_order)
    first = seq[0]
    first_top = first["top"]
    line0 = [first]
    lines: list[list[dict]] = [line0]
    firsts: list[float] = [first_top]  # top of each line's first character
    for i in range(1, len(seq)):
        ch = seq[i]
        top = ch["top"]
        reach = (ch.get("size", 8) or 8) * 0.45
        if abs(first_top - top) <= reach:
            line0.append(ch)
            continue
        for k in range(1, len(firsts)):
            if abs(firsts[k] - top) <= reach:
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
        append = buf.append
        prev_x1 = prev["x1"]
        for i in range(1, len(line)):
            ch = line[i]
            if ch["x0"] - prev_x1 > (ch.get("size", 8) or 8) * 0.6 \
                    and not (_is_cjk(prev["text"]) and _is_cjk(ch["text"])):
                append(" ")
            append(ch["text"])
            prev = ch
            prev_x1 = ch["x1"]
        parts.append("".join(buf))
    return parts


_X0 = itemgetter("x0")
_X1 = itemgetter("x1")
_TOP = itemgetter("top")
_BOTTOM = itemgetter("bottom")
_TOP_X0 = itemgetter("top", "x0")


def _reading_order(c: dict) -> tuple[float, float]:
    return (round(c["top"], 0), c["x0"])


def _highest(line: list[dict]) -> float:
    return min(map(_TOP, line))


def _is_cjk(s: str) -> bool:
    return bool(s) and "\u2e80" <= s[0] <= "\u9fff"


def page_lines(chars: list[dict]) -> list[Line]:
    """Text lines of a page (or of a set of chars), top to bottom."""
    if not chars:
        return []
    rows: list[list[dict]] = []
    level: list[bool] = []  # every character of the row has the same rounded top
    row: list[dict] = []
    row_top = 0.0
    row_round = 0.0
    for ch in sorted(chars, key=_TOP_X0):
        top = ch["top"]
        size = ch.get("size", 8) or 8
        if row and abs(row_top - top) <= size * 0.45:
            row.append(ch)
            if round(top, 0) != row_round:
                level[-1] = False
        else:
            row = [ch]
            row_top = top
            row_round = round(top, 0)
            rows.append(row)
            level.append(row_round == row_round)  # not NaN
    segments: list[list[dict]] = []  # each in reading order
    for row, flat in zip(rows, level):
        if len(row) > 1:
            row.sort(key=_X0)
        # split a visual line into segments at wide gaps (e.g. 部门：… far left, 单位：万元 far right)
        # (a level row sorted by x0 is in reading order: _reading_order sorts by rounded top, then x0)
        seg: list[dict] = [row[0]]
        for ch in row[1:]:
            size = ch.get("size", 8) or 8
            if ch["x0"] - seg[-1]["x1"] > size * 3:
                segments.append(seg if flat else sorted(seg, key=_reading_order))
                seg = [ch]
            else:
                seg.append(ch)
        segments.append(seg if flat else sorted(seg, key=_reading_order))
    owner = np.repeat(np.arange(len(segments)), [len(seg) for seg in segments])
    texts = _cells_lines([ch for seg in segments for ch in seg], owner, len(segments))
    return [_line(seg, raw) for seg, raw in zip(segments, texts)]


def _line(chars: list[dict], raw: list[str]) -> Line:
    """The line of ``chars``; ``raw``: their :func:`chars_lines`."""
    return Line(
        text=normalize("".join(raw)).strip(),
        x0=min(map(_X0, chars)),
        top=min(map(_TOP, chars)),
        x1=max(map(_X1, chars)),
        bottom=max(map(_BOTTOM, chars)),
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


def _in_reading_order(chars: list[dict]) -> list[dict]:
    """``sorted(chars, key=_reading_order)`` on arrays: a stable sort by x0, then a stable sort
    by the rounded top (``numpy.rint`` rounds half to even, as ``round(v, 0)`` does)."""
    if len(chars) < 2:
        return list(chars)
    top = np.array([c["top"] for c in chars], dtype=float)
    x0 = np.array([c["x0"] for c in chars], dtype=float)
    if not (np.isfinite(top).all() and np.isfinite(x0).all()):
        return sorted(chars, key=_reading_order)
    by_x = np.argsort(x0, kind="stable")
    order = by_x[np.argsort(np.rint(top)[by_x], kind="stable")]
    return [chars[i] for i in order.tolist()]


def _anchors(chars: list[dict]) -> tuple[list[dict], list[float]]:
    """The characters in reading order (:func:`_reading_order`, stable) and the x each is
    placed by.

    Amounts are right-aligned: a number too wide for its cell spills over the left
    border (``1`` of ``1,642,700.00`` printed in the name column).  A run of touching
    numeric characters is therefore placed by its right end; everything else by its
    centre."""
    ordered = _in_reading_order(chars)
    out = [(ch["x0"] + ch["x1"]) / 2 for ch in ordered]
    numeric_chars = _NUMERIC_CHARS
    start = -1  # first index of the current run of touching numeric characters
    last: dict | None = None
    for i, ch in enumerate(ordered):
        numeric = ch["text"] in numeric_chars
        if start >= 0 and numeric and abs(ch["top"] - last["top"]) < 1 and 0 <= ch["x0"] - last["x1"] < 0.5:
            last = ch
            continue
        if start >= 0 and i - start >= 2:
            out[start:i] = [last["x1"] - 0.5] * (i - start)
        start, last = (i, ch) if numeric else (-1, None)
    if start >= 0 and len(ordered) - start >= 2:
        out[start:] = [last["x1"] - 0.5] * (len(ordered) - start)
    return ordered, out


def _nearest(bounds: list[float], values: np.ndarray) -> np.ndarray:
    """:func:`_index` of every value: the nearest bound, the lower one on a tie."""
    b = np.asarray(bounds, dtype=float)
    i = np.searchsorted(b, values, side="left")
    lo = np.clip(i - 1, 0, len(b) - 1)
    hi = np.clip(i, 0, len(b) - 1)
    take_lo = (i == len(b)) | (np.abs(b[lo] - values) <= np.abs(b[hi] - values))
    return np.where(i == 0, 0, np.where(take_lo, lo, hi))


def find_grids(page, page_number: int, chars: list[dict]) -> list[Grid]:
    """All ruled tables on a pdfplumber page, as grids, top to bottom."""
    return grids_from_tables(without_backdrops(page).find_tables(TABLE_SETTINGS), page_number, chars)


def grids_from_tables(tables, page_number: int, chars: list[dict]) -> list[Grid]:
    """pdfplumber tables (cell rectangles) + the page's characters → grids, top to bottom."""
    grids = []
    centre_x = centre_y = None
    for table in tables:
        rects = table.cells
        if len(rects) < 2:
            continue
        xs = _cluster([r[0] for r in rects] + [r[2] for r in rects], 2.0)
        ys = _cluster([r[1] for r in rects] + [r[3] for r in rects], 2.0)
        if len(xs) < 2 or len(ys) < 2:
            continue
        if centre_x is None:
            centre_x = np.array([(c["x0"] + c["x1"]) / 2 for c in chars], dtype=float)
            centre_y = np.array([(c["top"] + c["bottom"]) / 2 for c in chars], dtype=float)
        x0, top, x1, bottom = table.bbox
        within = (x0 - 1 <= centre_x) & (centre_x <= x1 + 1) & (top - 1 <= centre_y) & (centre_y <= bottom + 1)
        ordered, anchor = _anchors([chars[i] for i in np.flatnonzero(within).tolist()])
        box = np.array(rects, dtype=float).reshape(-1, 4)
        c0, c1 = _nearest(xs, box[:, 0]).tolist(), _nearest(xs, box[:, 2]).tolist()
        r0, r1 = _nearest(ys, box[:, 1]).tolist(), _nearest(ys, box[:, 3]).tolist()
        spans = [(r0[k], c0[k], r1[k], c1[k], r) for k, r in enumerate(rects) if c1[k] > c0[k] and r1[k] > r0[k]]
        owner_of = np.full((len(ys) - 1, len(xs) - 1), -1, dtype=np.int64)
        for i, (ra, ca, rb, cb, _) in enumerate(spans):
            block = owner_of[ra:rb, ca:cb]
            block[block < 0] = i
        members: list[list[str]] = [[] for _ in spans]
        if ordered and spans:
            cx = np.array(anchor, dtype=float)
            cy = np.array([(c["top"] + c["bottom"]) / 2 for c in ordered], dtype=float)
            col = np.clip(np.searchsorted(xs, cx, side="right") - 1, 0, len(xs) - 2)
            row = np.clip(np.searchsorted(ys, cy, side="right") - 1, 0, len(ys) - 2)
            owner = owner_of[row, col]
            bounds = np.array([s[4] for s in spans], dtype=float).reshape(-1, 4)[np.maximum(owner, 0)]
            owner[~((bounds[:, 0] - 1 <= cx) & (cx <= bounds[:, 2] + 1)
                    & (bounds[:, 1] - 1 <= cy) & (cy <= bounds[:, 3] + 1))] = -1
            members = _cells_lines(ordered, owner, len(spans))
        cells = []
        for (ra, ca, rb, cb, r), raw in zip(spans, members):
            lines = [normalize(x).strip() for x in raw]
            text = lines[0] if len(raw) == 1 else normalize("".join(raw)).strip()
            cells.append(Cell(ra, ca, rb - ra, cb - ca, text, tuple(r), lines))
        cells.sort(key=lambda c: (c.row, c.col))
        grids.append(Grid(page_number, tuple(table.bbox), xs, ys, cells))
    grids.sort(key=lambda g: g.bbox[1])
    return grids


def _cells_lines(ordered: list[dict], owner: np.ndarray, n: int) -> list[list[str]]:
    """:func:`chars_lines` of each cell's characters (``owner``: the cell of each of the
    ``ordered`` characters, -1 for none), for all cells at once: a cell whose characters
    all lie within reach of its first character's top is one line, its characters sorted by
    x0 (stably) and spaced at wide gaps, computed on arrays; other cells go through
    :func:`chars_lines`."""
    out: list[list[str]] = [[] for _ in range(n)]
    chosen = np.flatnonzero(owner >= 0)
    if not len(chosen):
        return out
    order = chosen[np.argsort(owner[chosen], kind="stable")]  # cell by cell, in reading order
    group = owner[order]
    chars = [ordered[i] for i in order.tolist()]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    ends = np.r_[starts[1:], len(group)]
    top = np.array([c["top"] for c in chars], dtype=float)
    x0 = np.array([c["x0"] for c in chars], dtype=float)
    x1 = np.array([c["x1"] for c in chars], dtype=float)
    size = np.array([c.get("size", 8) or 8 for c in chars], dtype=float)
    bounds = list(zip(group[starts].tolist(), starts.tolist(), ends.tolist()))
    if not (np.isfinite(top).all() and np.isfinite(x0).all() and np.isfinite(x1).all() and np.isfinite(size).all()):
        for k, a, b in bounds:
            out[k] = chars_lines(chars[a:b], in_reading_order=True)
        return out
    near = np.abs(np.repeat(top[starts], ends - starts) - top) <= size * 0.45
    near[starts] = True  # a cell's first character opens its first line
    one_line = np.ones(len(group), dtype=bool)
    one_line[np.isin(group, group[~near])] = False
    by_x = np.argsort(x0, kind="stable")
    by_x = by_x[np.argsort(group[by_x], kind="stable")]  # cell by cell, by x0, ties in reading order
    texts = [chars[i]["text"] for i in by_x.tolist()]
    gx0, gx1, gsize, ggroup = x0[by_x], x1[by_x], size[by_x], group[by_x]
    wide = (gx0[1:] - gx1[:-1] > gsize[1:] * 0.6) & (ggroup[1:] == ggroup[:-1]) & one_line[by_x][1:]
    for j in reversed(np.flatnonzero(wide).tolist()):  # from the right: texts[j] is still the character's own
        if not (_is_cjk(texts[j]) and _is_cjk(texts[j + 1])):
            texts[j + 1] = " " + texts[j + 1]
    single = one_line[starts].tolist()
    for (k, a, b), flat in zip(bounds, single):
        out[k] = ["".join(texts[a:b])] if flat else chars_lines(chars[a:b], in_reading_order=True)
    return out


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
