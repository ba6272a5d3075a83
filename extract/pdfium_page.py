"""Page geometry through pdfium: characters and ruling edges in pdfplumber's coordinates.

pdfplumber's page parse (pdfminer, pure Python) is about 70 % of extraction time on
table pages.  pdfium (C) reads the same page objects roughly 50× faster, so table pages
are read here: characters with their loose boxes, and every straight, axis-parallel
path segment as an edge.  The cells are then found by pdfplumber's own table finder
(:class:`pdfplumber.table.TableFinder`) on those edges, with the same settings, so the
table geometry logic is pdfplumber's in both engines.  Pages pdfium cannot describe
faithfully (rotated pages) are read with pdfplumber instead; ``FISCAL_PAGE_ENGINE=
pdfplumber`` reads every page with pdfplumber (the reference, and the debugger's view).
"""
from __future__ import annotations

import ctypes

import pypdfium2.raw as c

from .grid import TABLE_SETTINGS

_TOL = 0.01


def _matrix(obj) -> tuple[float, float, float, float, float, float]:
    m = c.FS_MATRIX()
    if not c.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _segments(obj) -> list[list[tuple[float, float]]]:
    """Subpaths of a path object as point lists in page space (curves by their end points)."""
    a, b, cc, d, e, f = _matrix(obj)
    out: list[list[tuple[float, float]]] = []
    cur: list[tuple[float, float]] = []
    n = c.FPDFPath_CountSegments(obj)
    x = ctypes.c_float()
    y = ctypes.c_float()
    for i in range(n):
        seg = c.FPDFPath_GetPathSegment(obj, i)
        if not seg or not c.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y)):
            continue
        px, py = a * x.value + cc * y.value + e, b * x.value + d * y.value + f
        kind = c.FPDFPathSegment_GetType(seg)
        if kind == c.FPDF_SEGMENT_MOVETO:
            if len(cur) > 1:
                out.append(cur)
            cur = [(px, py)]
        else:
            cur.append((px, py))
        if c.FPDFPathSegment_GetClose(seg) and cur:
            cur.append(cur[0])
            out.append(cur)
            cur = []
    if len(cur) > 1:
        out.append(cur)
    return out


def _edge(x0: float, y0: float, x1: float, y1: float, ref: tuple[float, float]) -> dict | None:
    """An edge in pdfplumber's space: x from the media box's left, y down from its top."""
    left, height = ref
    x0, x1 = x0 - left, x1 - left
    if abs(y0 - y1) < _TOL:
        lo, hi = sorted((x0, x1))
        top = height - y0
        return {"x0": lo, "x1": hi, "top": top, "bottom": top, "width": hi - lo, "height": 0.0,
                "orientation": "h", "object_type": "line"}
    if abs(x0 - x1) < _TOL:
        lo, hi = sorted((y0, y1))
        return {"x0": x0, "x1": x0, "top": height - hi, "bottom": height - lo, "width": 0.0,
                "height": hi - lo, "orientation": "v", "object_type": "line"}
    return None


def page_edges(page, width: float, height: float, ref: tuple[float, float]) -> list[dict]:
    """Straight axis-parallel segments of every path on the page, minus backdrops:
    page-sized rectangles and filled areas without a stroke (cell shading)."""
    edges: list[dict] = []
    fill = ctypes.c_int()
    stroke = ctypes.c_int()
    for obj in page.get_objects(max_depth=3):
        if obj.type != c.FPDF_PAGEOBJ_PATH:
            continue
        raw = obj.raw
        c.FPDFPath_GetDrawMode(raw, ctypes.byref(fill), ctypes.byref(stroke))
        left, bottom, right, top = obj.get_bounds()
        w, h = right - left, top - bottom
        if w > 0.7 * width and h > 0.6 * height:
            continue
        if fill.value and not stroke.value and w > 3 and h > 3:
            continue
        if not fill.value and not stroke.value:
            continue  # clipping-only or invisible path
        for sub in _segments(raw):
            for (x0, y0), (x1, y1) in zip(sub, sub[1:]):
                e = _edge(x0, y0, x1, y1, ref)
                if e is not None and (e["width"] > 0 or e["height"] > 0):
                    edges.append(e)
    return edges


def page_chars(textpage, ref: tuple[float, float]) -> list[dict]:
    """Characters with pdfium's loose (font-size) boxes, duplicated bold glyphs removed."""
    left, height = ref
    chars: list[dict] = []
    n = c.FPDFText_CountChars(textpage)
    rect = c.FS_RECTF()
    ox = ctypes.c_double()
    oy = ctypes.c_double()
    sizes: dict[int, float] = {}
    for i in range(n):
        if c.FPDFText_IsGenerated(textpage, i) == 1:
            continue
        code = c.FPDFText_GetUnicode(textpage, i)
        if code in (0, 0xFFFE, 0xFFFF) or code < 32:
            continue
        if not c.FPDFText_GetLooseCharBox(textpage, i, ctypes.byref(rect)):
            continue
        ch = chr(code)
        if ch.isspace():
            continue
        size = _rendered_size(textpage, i, sizes) or (rect.top - rect.bottom) or 1.0
        # vertical extent from the baseline, not the glyph: quotes and colons sit high or
        # low in their loose boxes, and lines are grouped by top
        if c.FPDFText_GetCharOrigin(textpage, i, ctypes.byref(ox), ctypes.byref(oy)):
            top, bottom = height - (oy.value + 0.88 * size), height - (oy.value - 0.12 * size)
        else:
            top, bottom = height - rect.top, height - rect.bottom
        chars.append({
            "text": ch,
            "x0": rect.left - left,
            "x1": rect.right - left,
            "top": top,
            "bottom": bottom,
            "size": size,
        })
    return dedupe(chars)


def _rendered_size(textpage, index: int, cache: dict[int, float]) -> float | None:
    """Font size as rendered: the text object's size times its matrix's vertical scale
    (FPDFText_GetFontSize ignores the matrix; WPS sets size 1 and scales the matrix)."""
    obj = c.FPDFText_GetTextObject(textpage, index)
    if not obj:
        return None
    key = ctypes.cast(obj, ctypes.c_void_p).value or 0
    if key in cache:
        return cache[key]
    fs = ctypes.c_float()
    if not c.FPDFTextObj_GetFontSize(obj, ctypes.byref(fs)):
        cache[key] = None
        return None
    m = c.FS_MATRIX()
    scale = 1.0
    if c.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        scale = (m.b * m.b + m.d * m.d) ** 0.5 or 1.0
    cache[key] = fs.value * scale
    return cache[key]


def dedupe(chars: list[dict], tolerance: float = 1.0) -> list[dict]:
    """Drop a character drawn again at (almost) the same place: bold by overprinting."""
    out: list[dict] = []
    seen: dict[tuple[str, int, int], list[dict]] = {}
    for ch in chars:
        key = (ch["text"], int(ch["x0"] // 2), int(ch["top"] // 2))
        dup = False
        for kx in (key[1] - 1, key[1], key[1] + 1):
            for ky in (key[2] - 1, key[2], key[2] + 1):
                for other in seen.get((ch["text"], kx, ky), ()):
                    if abs(other["x0"] - ch["x0"]) <= tolerance and abs(other["top"] - ch["top"]) <= tolerance:
                        dup = True
                        break
                if dup:
                    break
            if dup:
                break
        if not dup:
            out.append(ch)
            seen.setdefault(key, []).append(ch)
    return out


class EdgePage:
    """The little of a pdfplumber Page that :class:`pdfplumber.table.TableFinder` reads."""

    def __init__(self, width: float, height: float, edges: list[dict]):
        self.bbox = (0.0, 0.0, width, height)
        self.edges = edges
        self.width = width
        self.height = height


def find_tables(width: float, height: float, edges: list[dict]):
    from pdfplumber.table import TableFinder

    return TableFinder(EdgePage(width, height, edges), TABLE_SETTINGS).tables
