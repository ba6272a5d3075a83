"""Ruling edges → table cells: pdfplumber's ``lines`` table finder, rebuilt on a grid.

The same steps and the same arithmetic as :class:`pdfplumber.table.TableFinder` with
:data:`extract.grid.TABLE_SETTINGS`: edges of at least 1 pt, snapped to their cluster's
mean within ``snap_tolerance``, joined along their line within ``join_tolerance``, kept
from 3 pt, crossing within ``intersection_tolerance``; a cell is the smallest rectangle of
crossings whose four sides are ruled; touching cells form a table.  The cells are
therefore pdfplumber's (``tests/test_ruling.py`` compares both on real and synthetic
rulings).  What differs is the work: pdfplumber rebuilds two sets of edge boxes for
every pair of crossings it tries and scans all later crossings for each corner; here
every crossing's edges are numbered once, crossings are indexed by column and by row,
and each vertical is tested only against the horizontals within its reach.
"""
from __future__ import annotations

import bisect

from .grid import TABLE_SETTINGS

SNAP = TABLE_SETTINGS["snap_tolerance"]
JOIN = TABLE_SETTINGS["join_tolerance"]
CROSS = TABLE_SETTINGS["intersection_tolerance"]
MIN_PREFILTER = 1  # pdfplumber's edge_min_length_prefilter
MIN_LENGTH = 3  # pdfplumber's edge_min_length
_EPS = 1e-6  # the crossing window is a little wider than the test inside it

Box = tuple[float, float, float, float]

# An edge is a list [pos, pos2, lo, hi, length]: pos/pos2 its cross coordinates (x0/x1 of a
# vertical, top/bottom of a horizontal), lo/hi its extent along the line (top/bottom,
# x0/x1), length pdfplumber's height/width field (the length filter reads it).


class Table:
    """The little of :class:`pdfplumber.table.Table` that :func:`extract.grid.grids_from_tables` reads."""

    __slots__ = ("cells", "bbox")

    def __init__(self, cells: list[Box]):
        self.cells = cells
        self.bbox = (min(c[0] for c in cells), min(c[1] for c in cells),
                     max(c[2] for c in cells), max(c[3] for c in cells))


def _snap(edges: list[list[float]]) -> list[list[float]]:
    """``utils.snap_objects``: chain-cluster the distinct positions; every edge of a cluster
    moves by (cluster mean − its position); output in cluster order, input order inside."""
    if not edges:
        return []
    values = sorted({e[0] for e in edges})
    cluster_of: dict[float, int] = {}
    k, last = 0, values[0]
    for v in values:
        if v > last + SNAP:
            k += 1
        cluster_of[v] = k
        last = v
    groups: list[list[list[float]]] = [[] for _ in range(k + 1)]
    for e in edges:
        groups[cluster_of[e[0]]].append(e)
    out = []
    for group in groups:
        avg = sum(e[0] for e in group) / len(group)
        for e in group:
            d = avg - e[0]
            out.append([e[0] + d, e[1] + d, e[2], e[3], e[4]])
    return out


def _join(edges: list[list[float]], horizontal: bool) -> list[list[float]]:
    """``join_edge_group`` per line (edges sorted by position, then by start): an edge that
    starts within ``join_tolerance`` of the current one's end extends it.  pdfplumber's
    ``resize_object`` sets a horizontal's width to x1 − x0 and adds the extension to a
    vertical's height."""
    out: list[list[float]] = []
    edges = sorted(edges, key=lambda e: e[0])
    i, n = 0, len(edges)
    while i < n:
        j = i + 1
        while j < n and edges[j][0] == edges[i][0]:
            j += 1
        line = sorted(edges[i:j], key=lambda e: e[2])
        cur = line[0]
        for e in line[1:]:
            if e[2] <= cur[3] + JOIN:
                if e[3] > cur[3]:
                    length = e[3] - cur[2] if horizontal else cur[4] + (e[3] - cur[3])
                    cur = [cur[0], cur[1], cur[2], e[3], length]
            else:
                out.append(cur)
                cur = e
        out.append(cur)
        i = j
    return out


def merged_edges(edges: list[dict]) -> tuple[list[list[float]], list[list[float]]]:
    """(verticals, horizontals) after pdfplumber's prefilter, snap, join and length filter."""
    vs = [[e["x0"], e["x1"], e["top"], e["bottom"], e["height"]] for e in edges
          if e["orientation"] == "v" and e["height"] >= MIN_PREFILTER]
    hs = [[e["top"], e["bottom"], e["x0"], e["x1"], e["width"]] for e in edges
          if e["orientation"] == "h" and e["width"] >= MIN_PREFILTER]
    vs = [e for e in _join(_snap(vs), False) if e[4] >= MIN_LENGTH]
    hs = [e for e in _join(_snap(hs), True) if e[4] >= MIN_LENGTH]
    return vs, hs


def _crossings(vs: list[list[float]], hs: list[list[float]]) -> tuple[dict, dict]:
    """``edges_to_intersections``: point (x of the vertical, top of the horizontal) → the
    ids of the vertical and of the horizontal edges through it (an id per distinct box,
    as pdfplumber compares edges by their boxes)."""
    ids: dict[Box, int] = {}
    vert: dict[tuple[float, float], set[int]] = {}
    horiz: dict[tuple[float, float], set[int]] = {}
    hs = sorted(hs, key=lambda e: e[0])
    tops = [h[0] for h in hs]
    for v in vs:
        x, top, bottom = v[0], v[2], v[3]
        vid = ids.setdefault((v[0], v[2], v[1], v[3]), len(ids))
        for h in hs[bisect.bisect_left(tops, top - CROSS - _EPS): bisect.bisect_right(tops, bottom + CROSS + _EPS)]:
            y = h[0]
            # pdfplumber's test, verbatim (the slice only skips horizontals it would reject)
            if top <= y + CROSS and bottom >= y - CROSS and x >= h[2] - CROSS and x <= h[3] + CROSS:
                p = (x, y)
                hid = ids.setdefault((h[2], h[0], h[3], h[1]), len(ids))
                vert.setdefault(p, set()).add(vid)
                horiz.setdefault(p, set()).add(hid)
    return vert, horiz


def _cells(vert: dict, horiz: dict) -> list[Box]:
    """``intersections_to_cells``: from each crossing (sorted), the first crossing below and
    the first to the right that a ruled side reaches, closed by a crossing at the opposite
    corner ruled to both."""
    points = sorted(vert)
    column: dict[float, list[float]] = {}
    row: dict[float, list[float]] = {}
    for x, y in points:
        column.setdefault(x, []).append(y)  # ascending: points are sorted by (x, y)
        row.setdefault(y, []).append(x)
    cells = []
    for x, y in points:
        ys = column[x]
        xs = row[y]
        below = ys[bisect.bisect_right(ys, y):]
        right = xs[bisect.bisect_right(xs, x):]
        if not below or not right:
            continue
        v_here, h_here = vert[(x, y)], horiz[(x, y)]
        found = None
        for y2 in below:
            if v_here.isdisjoint(vert[(x, y2)]):
                continue
            h_below = horiz[(x, y2)]
            for x2 in right:
                if h_here.isdisjoint(horiz[(x2, y)]):
                    continue
                corner = (x2, y2)
                if corner in vert and not vert[corner].isdisjoint(vert[(x2, y)]) \
                        and not horiz[corner].isdisjoint(h_below):
                    found = (x, y, x2, y2)
                    break
            if found:
                break
        if found:
            cells.append(found)
    return cells


def _tables(cells: list[Box]) -> list[list[Box]]:
    """``cells_to_tables``: cells sharing a corner with a growing group join it, in passes
    over the remaining cells; groups of one cell are dropped."""
    def corners(c: Box):
        return ((c[0], c[1]), (c[0], c[3]), (c[2], c[1]), (c[2], c[3]))

    remaining = list(cells)
    tables: list[list[Box]] = []
    current: list[Box] = []
    seen: set[tuple[float, float]] = set()
    while remaining:
        before = len(current)
        left = []
        for cell in remaining:
            cc = corners(cell)
            if not current or any(p in seen for p in cc):
                seen.update(cc)
                current.append(cell)
            else:
                left.append(cell)
        remaining = left
        if len(current) == before:
            tables.append(current)
            current, seen = [], set()
    if current:
        tables.append(current)
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


def find_tables(edges: list[dict]) -> list[Table]:
    """Tables (cells and box) that pdfplumber's TableFinder finds on these edges."""
    vs, hs = merged_edges(edges)
    vert, horiz = _crossings(vs, hs)
    return [Table(cells) for cells in _tables(_cells(vert, horiz))]
