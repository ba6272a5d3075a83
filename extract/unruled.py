"""Tables printed without ruling lines: columns from text x-positions, rows from baselines.

Word processors and HTML exports often draw a table with no (or almost no) ruling lines, so
pdfplumber's ``lines`` strategy finds nothing.  When a page prints a catalog table title and
has no ruled grid below it, the region under the title is read here: the **data lines**
start at the first line that prints an amount, a dash, a 科目编码 or an ordinal label, or
after the 栏次 line; the lines above them are the **header**.  :mod:`extract.unruled_grid`
finds the columns, rows and header cells of those lines.

The result is an ordinary :class:`extract.grid.Grid` (``ruled = False``) that the readers of
:mod:`extract.tables` read like any other.  A table that continues on the next page (no title
there, amounts from the top) reuses the first page's columns.
"""
from __future__ import annotations

import re

from .grid import Grid
from .text import normalize
from .unruled_grid import Token, build_grid, is_column_numbers, is_continuation
from .values import parse_value

_NUMERIC = set("0123456789,.-%()−")
_FURNITURE = re.compile(r"^(?:第?\d+页(?:共\d+页)?|[-—–]+\d+[-—–]+|\d+|\d+/\d+)$")
_UNIT_OR_DEPT = re.compile(r"(?:单位|部门|编制单位|单位名称|部门名称)[:：]")
_NOTE = re.compile(r"^(?:注[:：1-9]|说明[:：]|备注[:：])")
_EMPTY = re.compile(r"没有|不涉及|无数据|为空表")


def tokens_by_line(chars: list[dict], text_gap: float = 0.75) -> list[list[Token]]:
    """Lines (by baseline, top to bottom) of tokens: runs of characters closer than
    ``text_gap`` characters (0.75: a letter-spacing space stays inside a token; headings of
    neighbouring columns may sit closer, so header lines are cut at a quarter)."""
    rows: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: (c["bottom"], c["x0"])):
        size = ch.get("size", 8) or 8
        if rows and abs(rows[-1][-1]["bottom"] - ch["bottom"]) <= size * 0.3:
            rows[-1].append(ch)
        else:
            rows.append([ch])
    out = []
    for row in rows:
        row.sort(key=lambda c: c["x0"])
        toks: list[list[dict]] = [[row[0]]]
        for ch in row[1:]:
            size = ch.get("size", 8) or 8
            prev = toks[-1][-1]
            # an amount ends where the next column's text begins, often a padding away
            numeric = prev["text"] in _NUMERIC or ch["text"] in _NUMERIC
            if ch["x0"] - prev["x1"] > size * (0.25 if numeric else text_gap):
                toks.append([ch])
            else:
                toks[-1].append(ch)
        line = [Token(normalize("".join(c["text"] for c in t)), min(c["x0"] for c in t), max(c["x1"] for c in t),
                      min(c["top"] for c in t), max(c["bottom"] for c in t), max(c.get("size", 8) or 8 for c in t))
                for t in toks]
        out.append(line)
    out.sort(key=lambda ln: min(t.top for t in ln))
    return out


def _join_spaced(line: list[Token], above: list[list[Token]]) -> list[Token]:
    """A letter-spaced heading (``项    目``, ``栏    次``) is one token: single characters
    a few character widths apart (not the one-character remainders of wrapped headings)."""
    out: list[Token] = []
    for t in line:
        p = out[-1] if out else None
        if p is not None and len(t.compact) == 1 and all(len(x) == 1 for x in p.text.split()) \
                and t.x0 - p.x1 < 3 * t.size and not t.compact.isdigit() and not p.compact[-1:].isdigit() \
                and not is_continuation(t, above) and not is_continuation(p, above):
            out[-1] = Token(p.text + " " + t.text, p.x0, t.x1, min(p.top, t.top), max(p.bottom, t.bottom), t.size)
        else:
            out.append(t)
    return out


def _text(line: list[Token]) -> str:
    return "".join(t.compact for t in line)


def _is_prose(line: list[Token]) -> bool:
    """A line of running text (a paragraph, a list of table titles), not a table row: long
    text in one or two pieces."""
    return len(line) <= 2 and max(len(t.compact) for t in line) >= 24


def _is_data_line(line: list[Token]) -> bool:
    """The first line of a table body: it prints an amount (or a dash) beside its label or
    code; an empty table's 合计 row prints nothing else."""
    if _is_prose(line):
        return False
    if any(t.is_amount and any(ch.isdigit() for ch in t.compact) for t in line):
        return True
    if any(t.is_amount for t in line) and any(parse_value(t.compact).kind == "text" for t in line):
        return True  # dashes beside a label (an empty table's 合计 row)
    return line[0].compact in ("合计", "总计") and len(line) == 1


def _ends_table(line: list[Token], catalog, department, page_height: float) -> str | None:
    """Why this line is not part of the table above it: furniture (a page number in the
    page's margin: the table may go on over the page), or a note, an empty-table sentence,
    the next title (it ends)."""
    text = _text(line)
    top = min(t.top for t in line)
    if _FURNITURE.match(text) and (top > 0.85 * page_height or top < 0.08 * page_height):
        return "furniture"
    if _NOTE.match(text) or (_EMPTY.search(text) and not any(t.is_amount for t in line)) or _is_prose(line):
        return "end"
    if catalog.match_title(" ".join(t.text for t in line), department):
        return "end"
    return None



TITLE_ONLY = "title only"  # a title (and heading) at a page's foot, the table on the next page


def unruled_grids(page, chars: list[dict], catalog, department: str | None,
                  carry_xs: list[float] | str | None) -> tuple[list[Grid], list[float] | str | None]:
    """Grids of the unruled tables on one page (``page``: :class:`extract.tables.PageData`);
    ``carry_xs``: the columns of a table left open at the foot of the previous page, or
    :data:`TITLE_ONLY` when a title there opens a table printed here. Returns the grids and
    what is left open at this page's foot."""
    lines = tokens_by_line(chars)
    tight: list[list[Token]] = []
    for ln in tokens_by_line(chars, 0.25):
        tight.append(_join_spaced(ln, tight[-3:]))
    grids: list[Grid] = []
    open_xs = None
    starts: list[tuple[int, list[float] | None]] = []
    if carry_xs is not None:
        starts.append((0, None if carry_xs == TITLE_ONLY else carry_xs))
    for j, ln in enumerate(lines):
        if catalog.match_title(" ".join(t.text for t in ln), department):
            starts.append((j + 1, None))
    for n, (s, xs) in enumerate(starts):
        end_limit = starts[n + 1][0] - 1 if n + 1 < len(starts) else len(lines)
        i = s
        while i < end_limit and (_UNIT_OR_DEPT.search(_text(lines[i])) or re.match(r"^公开\d+表$", _text(lines[i]))):
            i += 1
        header, data = [], []
        ended = False
        j = i
        # with a 栏次 line (column numbers) the data starts right under it
        numbers_at = next((k for k in range(i, end_limit) if is_column_numbers(lines[k])
                           or any(_is_data_line(lines[m]) for m in range(i, k + 1))), None)
        if numbers_at is not None and is_column_numbers(lines[numbers_at]):
            header = [tight[k] for k in range(i, numbers_at + 1)]
            j = numbers_at + 1
            data_started = True
        else:
            data_started = False
        while j < end_limit:
            ln = lines[j]
            why = _ends_table(ln, catalog, department, page.height)
            if why is not None and (data or why == "end"):
                ended = why == "end"
                break
            if why == "furniture":  # a running head or page number above the table
                j += 1
                continue
            if data or data_started or (_is_data_line(ln) and not is_column_numbers(ln)):
                data.append(ln)
            elif why is None:
                header.append(tight[j])
            j += 1
        if xs is not None:
            header = []  # a continuation: the first page's columns, its repeated header dropped
        if not data and s > 0 and n + 1 == len(starts) and not ended:
            open_xs = TITLE_ONLY  # the page ends under the title: the rows are on the next page
            continue
        if not data or not any(t.is_amount for ln in data for t in ln) and (
                len(data) > 1 or sum(len(ln) for ln in header) < 3):
            continue  # no amount, and not an empty table (headings over one 合计 line)
        built = build_grid(page.number, header, data, xs)
        if built is None:
            continue
        grid, cols = built
        grids.append(grid)
        # still open at the foot of the page (nothing but a page number after it): the next
        # page may carry on with its rows
        open_xs = None if ended or n + 1 < len(starts) else cols
    return grids, open_xs


def find_unruled(pages, catalog) -> None:
    """Tables printed without ruling lines on table pages where no ruled grid was found
    (``pages``: :class:`extract.tables.PageData`); a table still open at a page's foot carries
    its columns to the next page."""
    carry = None
    for pd in pages:
        if pd.grids or not pd.chars:
            carry = None
        else:
            pd.grids, carry = unruled_grids(pd, pd.chars, catalog, None, carry)
        pd.chars = None  # free the geometry once read
