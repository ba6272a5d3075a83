"""One unruled table's lines → an ordinary :class:`extract.grid.Grid` (``ruled = False``).

:mod:`extract.unruled` finds the table (its header lines and its data lines); here

* **columns** are the x-ranges that the data lines cover (a coverage profile: a gap empty in
  almost every row separates two columns, so a label centred over two columns in one row
  does not merge them), plus any header text that covers no data column (a column whose
  cells are all blank);
* **rows** are runs of lines closer together than the table's row pitch: a label or a
  number wrapped inside its cell (``548.3`` over ``3``) and an amount centred beside a
  two-line label belong to one row;
* **header cells** cover the columns their text overlaps; a group heading (``收入``, ``预算数``)
  is widened over the neighbouring columns whose sub-headings sit on its sub-heading line; a
  heading wrapped over lines is one cell.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .grid import Cell, Grid
from .rows import _CODE
from .text import compact, normalize
from .values import parse_value

# an amount, or the first part of one wrapped inside its cell (``4,199.`` over ``74``)
_AMOUNT = re.compile(r"^\(?[-−]?(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d{1,3}(?:,\d{3})*,\d{0,2}|\d+\.\d*)\)?%?$")
# total labels (合计, 本年收入合计, 当年支出小计) are often printed across label columns
_TOTAL = re.compile(r"^\D{0,10}(?:合计|总计|小计)$")
_SMALL_INT = re.compile(r"^\d{1,2}$")


@dataclass
class Token:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float

    @property
    def compact(self) -> str:
        return compact(self.text)

    @property
    def is_amount(self) -> bool:
        t = self.compact
        return bool(_AMOUNT.match(t)) or parse_value(t).kind == "dash"

def is_column_numbers(line: list[Token]) -> bool:
    """The 栏次 line: column numbers 1 2 3 …, with or without a (letter-spaced) 栏次 label."""
    texts = [t.compact for t in line if not set(t.compact) <= set("栏次目")]
    return len(texts) >= 2 and all(_SMALL_INT.match(t) for t in texts)



# ----------------------------------------------------------------------------------------
# columns


def _columns(lines: list[list[Token]]) -> list[tuple[float, float]]:
    """x-extents of the columns the data lines cover (a coverage profile in 0.5 pt bins).

    Numbers never cross a column border; total labels may (``合计`` centred over the code and
    the name columns): they define no column."""
    toks = [t for ln in lines for t in ln if not _TOTAL.match(t.compact)]
    if not toks:
        return []
    lo, hi = min(t.x0 for t in toks), max(t.x1 for t in toks)
    n = int((hi - lo) * 2) + 2
    numeric = [0] * n
    text = [0] * n
    for ln in lines:
        for t in ln:
            if _TOTAL.match(t.compact):
                continue  # 合计 / 总计 is printed across the label columns: it defines none
            is_num = t.is_amount or t.compact.isdigit()
            for b in range(int((t.x0 - lo) * 2) + 1, int((t.x1 - lo) * 2)):
                (numeric if is_num else text)[b] += 1
    allowed = 0
    cols: list[list[float]] = []
    inside = False
    for b in range(n):
        filled = numeric[b] > 0 or text[b] > allowed
        if filled and not inside:
            cols.append([lo + b / 2, lo + b / 2])
            inside = True
        elif filled:
            cols[-1][1] = lo + b / 2
        elif inside:
            inside = False
    out = [(a, b + 0.5) for a, b in cols]
    # the tail of a long left-aligned label (covered in few rows) belongs to the column the
    # label starts in, as far as the next column
    for k, (a, b) in enumerate(out):
        nxt = out[k + 1][0] - 1 if k + 1 < len(out) else float("inf")
        tail = max((t.x1 for t in toks if a - 1.5 <= t.x0 <= b and not (t.is_amount or t.compact.isdigit())), default=b)
        out[k] = (a, max(b, min(tail, nxt)))
    return out


def _merge_text_columns(cols: list[tuple[float, float]], lines: list[list[Token]]) -> list[tuple[float, float]]:
    """Join neighbouring columns that print only text and sit closer than a character and a
    half: a letter-spaced label column (``合  计``) split by its wide spaces."""
    def kind(a: float, b: float) -> set[str]:
        out = set()
        for ln in lines:
            for t in ln:
                if a - 0.5 <= (t.x0 + t.x1) / 2 <= b + 0.5:
                    c = t.compact
                    out.add("num" if t.is_amount or c.isdigit() else "text")
        return out

    out: list[tuple[float, float]] = []
    for c in cols:
        if out:
            size = max((t.size for ln in lines for t in ln), default=8)
            prev = out[-1]
            if c[0] - prev[1] < 1.5 * size and kind(*prev) == {"text"} and kind(*c) == {"text"}:
                out[-1] = (prev[0], c[1])
                continue
        out.append(c)
    return out


def _centre(t: Token) -> float:
    return (t.x0 + t.x1) / 2


def _group_extent(t: Token, below_lines: list[list[Token]], left: float, right: float) -> tuple[float, float] | None:
    """When ``t`` is a group heading (centred over two or more headings of the next line below
    it, within the room its neighbours on its own line leave it; its own wrapped remainder
    does not count), the x-extent of those headings."""
    subs: list[Token] = []
    for li, below in enumerate(below_lines):
        if is_column_numbers(below):
            continue
        subs += [u for u in below if u.top > t.bottom - 0.5 and left < _centre(u) < right
                 and not t.x0 <= _centre(u) <= t.x1 and not is_continuation(u, below_lines[:li])]
    if len(subs) < 2:
        return None
    lo, hi = min(u.x0 for u in subs), max(u.x1 for u in subs)
    return (lo, hi) if abs(_centre(t) - (lo + hi) / 2) < 0.25 * (hi - lo) else None


def _room(line: list[Token], i: int) -> tuple[float, float]:
    """Half-way to the neighbours on the same line (``line`` sorted by x)."""
    t = line[i]
    left = (line[i - 1].x1 + t.x0) / 2 if i else float("-inf")
    right = (t.x1 + line[i + 1].x0) / 2 if i + 1 < len(line) else float("inf")
    return left, right


def is_continuation(t: Token, above: list[list[Token]]) -> bool:
    """The rest of a heading wrapped onto the next line."""
    return any(_wraps_onto(p, t) for ln in above for p in ln)


def _header_columns(cols: list[tuple[float, float]], header: list[list[Token]],
                    data: list[list[Token]]) -> list[tuple[float, float]]:
    """A heading over no data column either heads a data column that has none (centred over
    the cell the column's text sits in: left-aligned text and codes fill a cell rightwards to
    the next column, right-aligned amounts leftwards from the previous one) or names a column
    whose cells are all blank (a new column); a group heading (with headings below it) makes
    no column."""
    leaves = [ln for ln in header if not is_column_numbers(ln)]
    groups = set()
    for li, ln in enumerate(leaves):
        ordered = sorted(ln, key=lambda t: t.x0)
        for i, t in enumerate(ordered):
            if _group_extent(t, leaves[li + 1:], *_room(ordered, i)) is not None:
                groups.add(id(t))
    out = list(cols)
    headed = {i for i, (a, b) in enumerate(cols) for ln in leaves for t in ln
              if t.x0 < b and t.x1 > a and id(t) not in groups}
    right_aligned = []
    for a, b in cols:
        inside = [t for ln in data for t in ln if a - 0.5 <= _centre(t) <= b + 0.5 and not _TOTAL.match(t.compact)]
        right_aligned.append(bool(inside) and sum(t.is_amount for t in inside) * 2 > len(inside))
    cell = []
    for k, (a, b) in enumerate(cols):
        if right_aligned[k]:
            cell.append((cols[k - 1][1] if k else float("-inf"), b))
        else:
            cell.append((a, cols[k + 1][0] if k + 1 < len(cols) else float("inf")))
    for li, ln in enumerate(leaves):
        ordered = sorted(ln, key=lambda t: t.x0)
        for i, t in enumerate(ordered):
            if id(t) in groups or any(t.x0 < b and t.x1 > a for a, b in cols) or is_continuation(t, leaves[:li]):
                continue
            home = [k for k in range(len(cols)) if k not in headed and cell[k][0] <= _centre(t) <= cell[k][1]]
            if home:
                k = home[0]
                a, b = out[k]
                out[k] = (min(a, t.x0), max(b, t.x1))
                headed.add(k)
            else:
                out.append((t.x0, t.x1))
    return sorted(out)


def _numbered_columns(cols: list[tuple[float, float]], header: list[list[Token]]) -> list[tuple[float, float]]:
    """The 栏次 line numbers every amount column, centred: a number over no column makes one,
    two numbers over one column split it."""
    numbers = [t for ln in header if is_column_numbers(ln) for t in ln if _SMALL_INT.match(t.compact)]
    out = sorted(cols)
    numbered = {k for t in numbers for k, (a, b) in enumerate(out) if a - 0.5 <= _centre(t) <= b + 0.5}
    for t in sorted(numbers, key=_centre):
        x = _centre(t)
        if any(a - 0.5 <= x <= b + 0.5 for a, b in out):
            continue
        # the number of a column of right-aligned amounts sits left of them: widen it
        free = [k for k in range(len(out)) if k not in numbered]
        near = min(free, key=lambda k: min(abs(out[k][0] - x), abs(x - out[k][1])), default=None)
        if near is not None and min(abs(out[near][0] - x), abs(x - out[near][1])) < 2 * t.size:
            a, b = out[near]
            out[near] = (min(a, t.x0), max(b, t.x1))
            numbered.add(near)
        else:
            out.append((t.x0, t.x1))
            out.sort()
            numbered = {k for u in numbers for k, (a, b) in enumerate(out) if a - 0.5 <= _centre(u) <= b + 0.5}
    for t1, t2 in zip(sorted(numbers, key=_centre), sorted(numbers, key=_centre)[1:]):
        x1, x2 = _centre(t1), _centre(t2)
        for k, (a, b) in enumerate(out):
            if a - 0.5 <= x1 and x2 <= b + 0.5:  # one column under two numbers: split half-way
                mid = (x1 + x2) / 2
                out[k:k + 1] = [(a, mid - 0.5), (mid + 0.5, b)]
                break
    return out


def _bounds(cols: list[tuple[float, float]]) -> list[float]:
    merged: list[tuple[float, float]] = []
    for a, b in sorted(cols):  # a heading widened over its neighbour: one column
        if merged and a < merged[-1][1] - 0.5:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    cols = merged
    xs = [cols[0][0] - 2]
    for (_, b), (a, _) in zip(cols, cols[1:]):
        xs.append((b + a) / 2)
    xs.append(cols[-1][1] + 2)
    return xs


def _col_of(t: Token, xs: list[float]) -> int:
    # amounts are right-aligned (a long one spills over its left border): placed by their end
    x = t.x1 - 0.5 if t.is_amount else (t.x0 + t.x1) / 2
    for k in range(len(xs) - 1):
        if x < xs[k + 1]:
            return k
    return len(xs) - 2


def _span(t: Token, xs: list[float]) -> list[int]:
    """Columns a heading covers: those it overlaps by a good part of the narrower of the two
    (a heading a little wider than its column does not cover the neighbours)."""
    out = []
    for k in range(len(xs) - 1):
        overlap = min(t.x1, xs[k + 1]) - max(t.x0, xs[k])
        if overlap > 0.4 * min(xs[k + 1] - xs[k], t.x1 - t.x0):
            out.append(k)
    centre = _col_of(Token(t.text + "字", t.x0, t.x1, t.top, t.bottom, t.size), xs)
    return out if centre in out else [centre]


# ----------------------------------------------------------------------------------------
# rows


def _rows(lines: list[list[Token]], xs: list[float], spanning: set) -> list[list[list[Token]]]:
    """Group the data lines' tokens into table rows.

    In each column, lines closer than paragraph line spacing are one cell (a label or a
    number wrapped inside it: ``548.3`` over ``3``); cells of different columns whose vertical
    extents overlap are one row (an amount centred beside a two-line label). Rows are apart
    by the cells' padding, wider than the line spacing inside a cell."""
    blocks: list[list[Token]] = []
    by_col: dict[int, list[Token]] = {}
    for ln in lines:
        for t in ln:
            by_col.setdefault(_col_of(t, xs), []).append(t)
    for toks in by_col.values():
        toks.sort(key=lambda t: (t.top, t.x0))
        for t in toks:
            last = blocks[-1] if blocks and blocks[-1] is not None and _col_of(blocks[-1][0], xs) == _col_of(t, xs) \
                else None
            if last is not None and (abs(t.top - last[-1].top) < 0.3 * t.size
                                     or 0 <= t.top - max(u.bottom for u in last) < 0.35 * t.size):
                last.append(t)
            else:
                blocks.append([t])
        blocks.append(None)  # a column's blocks never continue into the next column's
    spans = sorted(([min(t.top for t in b), max(t.bottom for t in b), b] for b in blocks if b),
                   key=lambda x: x[0])

    def overlaps(a, b) -> bool:
        return a[0] < b[1] - 0.5 and b[0] < a[1] - 0.5

    # a label centred on an even number of rows (一般公共预算资金 beside four rows) overlaps two
    # cells of the next column: it spans rows, it does not join them
    between = []
    for sp in spans:
        col = _col_of(sp[2][0], xs)
        counts: dict[int, int] = {}
        for other in spans:
            oc = _col_of(other[2][0], xs)
            if oc != col and overlaps(sp, other):
                counts[oc] = counts.get(oc, 0) + 1
        if any(n >= 2 for n in counts.values()):
            between.append(sp)
    rows: list[list] = []
    for top, bottom, b in (sp for sp in spans if not any(sp is x for x in between)):
        if rows and top < rows[-1][1] - 0.5:
            rows[-1][1] = max(rows[-1][1], bottom)
            rows[-1][2].extend(b)
        else:
            rows.append([top, bottom, list(b)])
    for sp in between:  # in the upper of the rows it sits between
        r = next((i for i, row in enumerate(rows) if overlaps(sp, row)), None)
        if r is None:
            continue
        rows[r][2].extend(sp[2])
        spanning.add((r, _col_of(sp[2][0], xs)))
    return [[sorted(r[2], key=lambda t: (t.top, t.x0))] for r in rows]


# ----------------------------------------------------------------------------------------
# header


def _wraps_onto(upper: Token, lower: Token) -> bool:
    """``lower`` is the rest of ``upper`` wrapped inside one cell: the next line, as close as
    lines of one paragraph are (cells are further apart by their padding), under it."""
    return (0 <= lower.top - upper.bottom < 0.35 * upper.size
            and (upper.x0 - 1 <= _centre(lower) <= upper.x1 + 1 or abs(upper.x0 - lower.x0) < 1))


def _header_cells(lines: list[list[Token]], xs: list[float]) -> list[tuple[int, list[int], str, int]]:
    """(first header line, columns, text, lines covered) of every header cell."""
    n = len(xs) - 1
    cells: list[dict] = []
    for li, ln in enumerate(lines):
        numbers = is_column_numbers(ln)
        row: list[dict] = []
        for t in sorted(ln, key=lambda t: t.x0):
            span = _span(t, xs)
            if row and set(span) & set(row[-1]["span"]):  # pieces of one heading on one line
                p = row[-1]
                p["tok"] = Token(p["tok"].text + t.text, p["tok"].x0, t.x1, min(p["tok"].top, t.top),
                                 max(p["tok"].bottom, t.bottom), t.size)
                p["span"] = sorted(set(p["span"]) | set(span))
                continue
            above = next((c for c in reversed(cells) if not numbers and not c["numbers"]
                          and c["last"] < li and _wraps_onto(c["last_tok"], t)), None)
            if above is not None:  # a heading wrapped onto this line
                u = above["tok"]
                above["tok"] = Token(u.text + t.text, min(u.x0, t.x0), max(u.x1, t.x1), u.top, t.bottom, u.size)
                above["last"], above["last_tok"] = li, t
                above["span"] = sorted(set(above["span"]) | set(span))
                continue
            row.append({"line": li, "last": li, "span": span, "tok": t, "last_tok": t, "numbers": numbers})
        cells.extend(row)

    def first_below(col: int, li: int) -> dict | None:
        found = [c for c in cells if c["line"] > li and col in c["span"] and not c["numbers"]]
        return min(found, key=lambda c: c["line"]) if found else None

    # group headings (收入, 预算数, 基本支出) cover the columns of the headings centred under
    # them: bottom-up, each widened over the neighbouring columns whose first heading below
    # is not above its own sub-heading, as far as it stays centred over them
    for c in sorted(cells, key=lambda c: -c["line"]):
        if c["numbers"]:
            continue
        t, li = c["tok"], c["last"]
        own = _col_of(Token(t.text + "字", t.x0, t.x1, t.top, t.bottom, t.size), xs)
        sub = first_below(own, li)
        if sub is None:
            continue
        same_line = sorted((o["tok"] for o in cells if o["line"] == c["line"] and o is not c and not o["numbers"]),
                           key=lambda o: o.x0)
        left = max((o.x1 for o in same_line if o.x1 <= t.x0), default=float("-inf"))
        right = min((o.x0 for o in same_line if o.x0 >= t.x1), default=float("inf"))
        left, right = (left + t.x0) / 2, (t.x1 + right) / 2
        taken = {k for o in cells if o["line"] == c["line"] and o is not c for k in o["span"]}

        def ok(k: int) -> bool:
            mid = (xs[k] + xs[k + 1]) / 2
            below = first_below(k, li)
            # a heading under the group reaches down to the group's sub-heading line; one
            # that ends above it is a sibling spanning rows beside the group (小计 beside 基本支出)
            return (left < mid < right and k not in taken and below is not None
                    and (below["tok"].top >= sub["tok"].top - 0.5 or below["tok"].bottom > sub["tok"].bottom + 0.5))

        lo = hi = own
        while lo - 1 >= 0 and ok(lo - 1):
            lo -= 1
        while hi + 1 < n and ok(hi + 1):
            hi += 1
        best = (own, own)
        for a in range(lo, own + 1):
            for b in range(own, hi + 1):
                width = xs[b + 1] - xs[a]
                if abs((xs[a] + xs[b + 1]) / 2 - _centre(t)) < 0.15 * width and b - a > best[1] - best[0]:
                    best = (a, b)
        if best != (own, own):
            c["span"] = sorted(set(c["span"]) | set(range(best[0], best[1] + 1)))
    return [(c["line"], c["span"], c["tok"].text, c["last"] - c["line"] + 1) for c in cells]


# ----------------------------------------------------------------------------------------
# the grid


def build_grid(page_number: int, header: list[list[Token]], data: list[list[Token]],
               xs: list[float] | None = None) -> tuple[Grid, list[float]] | None:
    if not data:
        return None
    if xs is None:
        cols = _numbered_columns(_header_columns(_merge_text_columns(_columns(data), data), header, data), header)
        if not cols:
            return None
        xs = _bounds(cols)
    between: set[tuple[int, int]] = set()  # (row, column) of labels printed between two rows
    rows = _rows(data, xs, between)
    head = _header_cells(header, xs) if header else []
    line_tops = [min(t.top for t in ln) for ln in header] + [min(t.top for ln in r for t in ln) for r in rows]
    ys = line_tops + [max(t.bottom for ln in rows[-1] for t in ln) + 1]
    cells: list[Cell] = []
    for li, span, text, nlines in head:
        c0, c1 = span[0], span[-1] + 1
        cells.append(Cell(li, c0, nlines, c1 - c0, normalize(text).strip(),
                          (xs[c0], ys[li], xs[c1], ys[li + nlines]), [text]))
    nh = len(header)
    body: list[dict[int, list[str]]] = []
    for row in rows:
        texts: dict[int, list[str]] = {}
        for ln in row:
            for t in ln:
                texts.setdefault(_col_of(t, xs), []).append(t.text)
        body.append(texts)
    spans = _group_label_spans(body, len(xs) - 1, between)
    covered = {(r, k) for (r0, k), n in spans.items() for r in range(r0 + 1, r0 + n)}
    for ri, texts in enumerate(body):
        r = nh + ri
        for k in range(len(xs) - 1):
            if (ri, k) in covered:
                continue
            parts = texts.get(k, [])
            n = spans.get((ri, k), 1)
            cells.append(Cell(r, k, n, 1, normalize("".join(parts)).replace(" ", "").strip(),
                              (xs[k], ys[r], xs[k + 1], ys[r + n]), parts))
    cells.sort(key=lambda c: (c.row, c.col))
    return Grid(page_number, (xs[0], ys[0], xs[-1], ys[-1]), xs, ys, cells, ruled=False), xs


def _group_label_spans(body: list[dict[int, list[str]]], n_cols: int,
                       between: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Rows a group label covers ({(first row, column): rows}, the label moved to its first row).

    A label printed once for several rows of the column to its right (一般公共预算资金 beside
    小计 / 公共财政拨款 / 专项收入) is centred on them: it covers as many rows below it as the
    empty rows above it that no other label covers."""
    def is_text(parts: list[str]) -> bool:
        t = compact("".join(parts))
        return bool(t) and parse_value(t).kind == "text" and not _CODE.match(t)

    out: dict[tuple[int, int], int] = {}
    for k in range(n_cols - 1):
        col = [is_text(b.get(k, [])) for b in body]
        right = [is_text(b.get(k + 1, [])) for b in body]
        labelled = [r for r, v in enumerate(col) if v]
        # a column of group labels: labels on few rows, the column to its right labelled on most
        if not labelled or len(labelled) * 2 > len(body) or sum(right) * 2 < len(body) \
                or any(body[r].get(k) and not v for r, v in enumerate(col)):
            continue
        grand = [r for r, b in enumerate(body) if re.search(r"(?:合计|总计)$", compact("".join(b.get(k + 1, []))))]
        start = 0
        for r in labelled:
            start = max([start] + [g + 1 for g in grand if g < r])  # 收入总计 printed across both
            if not right[r]:  # a label spanning both columns: not a group label
                start = r + 1
                continue
            above = r - start
            first, n = r - above, 2 * above + (2 if (r, k) in between else 1)
            if first + n > len(body) or any(col[x] for x in range(r + 1, first + n)):
                first, n = r, 1
            if n > 1:
                body[first][k], body[r][k] = body[r][k], []
                out[(first, k)] = n
            start = first + n
    return out
