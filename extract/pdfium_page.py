"""Page geometry through pdfium: characters and ruling edges in pdfplumber's coordinates.

pdfplumber's page parse (pdfminer, pure Python) is about 70 % of extraction time on
table pages.  pdfium (C) reads the same page objects roughly 50× faster, so table pages
are read here, in one walk over the raw page objects (:func:`walk_objects`, which also
gives the cheap pass its object counts): characters with their loose boxes, and every
straight, axis-parallel path segment as an edge.  The cells are then found on those edges
by :mod:`extract.ruling`, pdfplumber's table finder rebuilt with the same settings and
arithmetic, so the table geometry is pdfplumber's in both engines.  Pages pdfium cannot
describe faithfully (rotated pages) are read with pdfplumber instead;
``FISCAL_PAGE_ENGINE=pdfplumber`` reads every page with pdfplumber (the reference, and
the debugger's view).

The per-character and per-segment calls go through bindings of our own on pypdfium2's
pdfium library that take and return plain addresses (``c_void_p``): pypdfium2's typed
bindings convert a pointer object on every call, and pages have thousands of characters.
"""
from __future__ import annotations

import ctypes
from ctypes import POINTER, c_int, c_uint, c_uint16, c_void_p
from pathlib import Path

import cffi
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as c
import pypdfium2_raw.bindings as _bindings

from . import ruling

_TOL = 0.01


def _library() -> ctypes.CDLL:
    """The pdfium library pypdfium2 loaded (dlopen hands back the same handle, so pdfium's
    state is shared); by its path in pypdfium2_raw if the loader's table is not there."""
    lib = getattr(_bindings, "_libs", {}).get("pdfium")
    path = getattr(lib, "_name", None) or str(Path(_bindings.__file__).with_name("libpdfium.so"))
    return ctypes.CDLL(path)


_LIB = _library()


def _fn(name: str, restype, *argtypes):
    f = getattr(_LIB, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_P = c_void_p
_count_chars = _fn("FPDFText_CountChars", c_int, _P)
_get_text = _fn("FPDFText_GetText", c_int, _P, c_int, c_int, POINTER(c_uint16))
_is_generated = _fn("FPDFText_IsGenerated", c_int, _P, c_int)
_unicode = _fn("FPDFText_GetUnicode", c_uint, _P, c_int)

# the calls made per object, per path segment and per character go through cffi (ABI mode,
# nothing compiled), whose calls cost about half of ctypes' on the same library
_ffi = cffi.FFI()
_ffi.cdef("""
typedef struct { float a; float b; float c; float d; float e; float f; } FS_MATRIX;
typedef struct { float left; float top; float right; float bottom; } FS_RECTF;
int FPDFPage_CountObjects(void* page);
void* FPDFPage_GetObject(void* page, int index);
int FPDFFormObj_CountObjects(void* form);
void* FPDFFormObj_GetObject(void* form, unsigned long index);
int FPDFPageObj_GetType(void* obj);
int FPDFPageObj_GetBounds(void* obj, float* left, float* bottom, float* right, float* top);
int FPDFPageObj_GetMatrix(void* obj, FS_MATRIX* matrix);
int FPDFPath_GetDrawMode(void* path, int* fillmode, int* stroke);
int FPDFPath_CountSegments(void* path);
void* FPDFPath_GetPathSegment(void* path, int index);
int FPDFPathSegment_GetPoint(void* segment, float* x, float* y);
int FPDFPathSegment_GetType(void* segment);
int FPDFPathSegment_GetClose(void* segment);
int FPDFText_GetLooseCharBox(void* textpage, int index, FS_RECTF* rect);
int FPDFText_GetCharOrigin(void* textpage, int index, double* x, double* y);
void* FPDFText_GetTextObject(void* textpage, int index);
int FPDFTextObj_GetFontSize(void* text, float* size);
""")
_C = _ffi.dlopen(_LIB._name)
_count_objects = _C.FPDFPage_CountObjects
_get_object = _C.FPDFPage_GetObject
_form_count = _C.FPDFFormObj_CountObjects
_form_object = _C.FPDFFormObj_GetObject
_obj_type = _C.FPDFPageObj_GetType
_obj_bounds = _C.FPDFPageObj_GetBounds
_obj_matrix = _C.FPDFPageObj_GetMatrix
_draw_mode = _C.FPDFPath_GetDrawMode
_count_segments = _C.FPDFPath_CountSegments
_get_segment = _C.FPDFPath_GetPathSegment
_segment_point = _C.FPDFPathSegment_GetPoint
_segment_type = _C.FPDFPathSegment_GetType
_segment_close = _C.FPDFPathSegment_GetClose
_loose_box = _C.FPDFText_GetLooseCharBox
_char_origin = _C.FPDFText_GetCharOrigin
_text_object = _C.FPDFText_GetTextObject
_font_size = _C.FPDFTextObj_GetFontSize

_PATH, _IMAGE, _FORM = c.FPDF_PAGEOBJ_PATH, c.FPDF_PAGEOBJ_IMAGE, c.FPDF_PAGEOBJ_FORM
_MOVETO = c.FPDF_SEGMENT_MOVETO


def address(handle) -> int:
    """The address behind a pypdfium2 handle (``page.raw``, ``textpage.raw``) or one of the
    cffi pointers this module hands out (:func:`walk_objects`' path objects)."""
    if isinstance(handle, _ffi.CData):
        return int(_ffi.cast("uintptr_t", handle))
    return ctypes.cast(handle, c_void_p).value or 0


def walk_objects(page: int, *, paths_of_depth: int = 3) -> tuple[int, int, list]:
    """One walk over a page's objects, into form XObjects: (path objects and image
    objects among the page's own and its forms' direct children — pypdfium2's
    ``get_objects(max_depth=2)``, the cheap pass's counts; the path objects down to
    ``paths_of_depth`` levels, in drawing order — ``get_objects(max_depth=3)`` — as cffi
    pointers for :func:`page_edges`, :func:`address` gives their addresses)."""
    counts = [0, 0]
    found: list = []

    def visit(n: int, get, parent: int, level: int) -> None:
        if n < 0:
            raise pdfium.PdfiumError("Failed to get number of pageobjects.")
        for i in range(n):
            obj = get(parent, i)
            if not obj:
                raise pdfium.PdfiumError("Failed to get pageobject.")
            kind = _obj_type(obj)
            if kind == _PATH:
                found.append(obj)
                if level < 2:
                    counts[0] += 1
            elif kind == _IMAGE:
                if level < 2:
                    counts[1] += 1
            elif kind == _FORM and level < paths_of_depth - 1:
                visit(_form_count(obj), _form_object, obj, level + 1)

    handle = _ffi.cast("void*", page)
    visit(_count_objects(handle), _get_object, handle, 0)
    return counts[0], counts[1], found


def _matrix(obj, m) -> tuple[float, float, float, float, float, float]:
    """The object's matrix, read into ``m`` (an FS_MATRIX)."""
    if not _obj_matrix(obj, m):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _segments(obj, m, xy) -> list[list[tuple[float, float]]]:
    """Subpaths of a path object as point lists in page space (curves by their end points);
    ``m``, ``xy``: an FS_MATRIX and two floats to read into."""
    a, b, cc, d, e, f = _matrix(obj, m)
    out: list[list[tuple[float, float]]] = []
    cur: list[tuple[float, float]] = []
    xr, yr = xy, xy + 1
    for i in range(_count_segments(obj)):
        seg = _get_segment(obj, i)
        if not seg or not _segment_point(seg, xr, yr):
            continue
        x, y = xy
        px, py = a * x + cc * y + e, b * x + d * y + f
        if _segment_type(seg) == _MOVETO:
            if len(cur) > 1:
                out.append(cur)
            cur = [(px, py)]
        else:
            cur.append((px, py))
        if _segment_close(seg) and cur:
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


def page_edges(paths: list, width: float, height: float, ref: tuple[float, float]) -> list[dict]:
    """Straight axis-parallel segments of the page's path objects (:func:`walk_objects`),
    minus backdrops: page-sized rectangles and filled areas without a stroke (cell shading)."""
    edges: list[dict] = []
    mode = _ffi.new("int[2]")
    fr, sr = mode, mode + 1
    box = _ffi.new("float[4]")
    refs = (box, box + 1, box + 2, box + 3)
    matrix, xy = _ffi.new("FS_MATRIX*"), _ffi.new("float[2]")
    for obj in paths:
        _draw_mode(obj, fr, sr)
        if not _obj_bounds(obj, *refs):
            raise pdfium.PdfiumError("Failed to get bounds.")
        left, bottom, right, top = box
        w, h = right - left, top - bottom
        fill, stroke = mode
        if w > 0.7 * width and h > 0.6 * height:
            continue
        if fill and not stroke and w > 3 and h > 3:
            continue
        if not fill and not stroke:
            continue  # clipping-only or invisible path
        for sub in _segments(obj, matrix, xy):
            for (x0, y0), (x1, y1) in zip(sub, sub[1:]):
                e = _edge(x0, y0, x1, y1, ref)
                if e is not None and (e["width"] > 0 or e["height"] > 0):
                    edges.append(e)
    return edges


def _codes(textpage: int, n: int) -> list[int]:
    """The code point of each of the page's ``n`` characters, 0 for one pdfium generated
    (a space or line break it inferred): the whole page's text in one call when it lines
    up with the characters (one UTF-16 unit per character, as many as characters: the
    text buffer is built character by character and only ever leaves some out), else
    character by character."""
    buf = (c_uint16 * (n + 1))()
    if _get_text(textpage, 0, n, buf) == n + 1:
        try:
            text = ctypes.string_at(buf, 2 * n).decode("utf-16-le")
        except UnicodeDecodeError:  # a lone surrogate
            text = ""
        if len(text) == n:  # no surrogate pair either
            # a generated character is a space or a line break, which are not kept anyway
            return buf[:n]
    return [0 if _is_generated(textpage, i) == 1 else _unicode(textpage, i) for i in range(n)]


def _skipped_codes() -> frozenset[int]:
    """Code points never kept as characters: controls, whitespace, noncharacters."""
    return frozenset([*range(32), 0xFFFE, 0xFFFF, *(k for k in range(0x10000) if chr(k).isspace())])


_SKIPPED = _skipped_codes()


def page_chars(textpage: int, ref: tuple[float, float]) -> list[dict]:
    """Characters with pdfium's loose (font-size) boxes, duplicated bold glyphs removed."""
    left, height = ref
    n = _count_chars(textpage)
    if n <= 0:
        return []
    chars: list[dict] = []
    rect = rect_r = _ffi.new("FS_RECTF*")
    origin_xy = _ffi.new("double[2]")
    ox_r, oy_r = origin_xy, origin_xy + 1
    tp = _ffi.cast("void*", textpage)
    font_size, matrix = _ffi.new("float*"), _ffi.new("FS_MATRIX*")
    sizes: dict = {}
    loose_box, origin, text_object, skipped = _loose_box, _char_origin, _text_object, _SKIPPED
    append = chars.append
    for i, code in enumerate(_codes(textpage, n)):
        if code in skipped or code > 0xFFFF and chr(code).isspace():
            continue
        if not loose_box(tp, i, rect_r):
            continue
        obj = text_object(tp, i)
        if not obj:
            size = None
        elif obj in sizes:
            size = sizes[obj]
        else:
            size = sizes[obj] = _rendered_size(obj, font_size, matrix)
        if not size:
            size = (rect.top - rect.bottom) or 1.0
        # vertical extent from the baseline, not the glyph: quotes and colons sit high or
        # low in their loose boxes, and lines are grouped by top
        if origin(tp, i, ox_r, oy_r):
            y = origin_xy[1]
            top, bottom = height - (y + 0.88 * size), height - (y - 0.12 * size)
        else:
            top, bottom = height - rect.top, height - rect.bottom
        append({
            "text": chr(code),
            "x0": rect.left - left,
            "x1": rect.right - left,
            "top": top,
            "bottom": bottom,
            "size": size,
        })
    return dedupe(chars)


def _rendered_size(obj, fs, m) -> float | None:
    """Font size as rendered: the text object's size times its matrix's vertical scale
    (FPDFText_GetFontSize ignores the matrix; WPS sets size 1 and scales the matrix).
    ``fs``, ``m``: a float and an FS_MATRIX to read them into."""
    if not _font_size(obj, fs):
        return None
    scale = 1.0
    if _obj_matrix(obj, m):
        scale = (m.b * m.b + m.d * m.d) ** 0.5 or 1.0
    return fs[0] * scale


def dedupe(chars: list[dict], tolerance: float = 1.0) -> list[dict]:
    """Drop a character drawn again at (almost) the same place: bold by overprinting.

    Characters are bucketed by 2-pt cells of (x0, top); with a tolerance of 1 pt a match
    can only lie in the character's own bucket or in the neighbour on the side its
    position is nearer to, so four buckets are looked at, not nine."""
    if not _may_repeat(chars, tolerance):
        return list(chars)
    out: list[dict] = []
    seen: dict[tuple[str, int, int], list[dict]] = {}
    for ch in chars:
        text, x0, top = ch["text"], ch["x0"], ch["top"]
        kx, ky = int(x0 // 2), int(top // 2)
        nx = kx - 1 if x0 - 2 * kx < tolerance else kx + 1
        ny = ky - 1 if top - 2 * ky < tolerance else ky + 1
        dup = False
        for key in ((text, kx, ky), (text, nx, ky), (text, kx, ny), (text, nx, ny)):
            for other in seen.get(key, ()):
                if abs(other["x0"] - x0) <= tolerance and abs(other["top"] - top) <= tolerance:
                    dup = True
                    break
            if dup:
                break
        if not dup:
            out.append(ch)
            seen.setdefault((text, kx, ky), []).append(ch)
    return out


def _may_repeat(chars: list[dict], tolerance: float) -> bool:
    """False when no two characters of the same text lie in the same or neighbouring
    ``2·tolerance`` squares of (x0, top), so none is within ``tolerance`` of another and
    :func:`dedupe` drops nothing (most pages: a bold glyph drawn twice is rare).  One
    vectorised test instead of a bucket lookup per character."""
    if len(chars) < 2:
        return False
    if tolerance <= 0:
        return True
    try:
        code = np.array([ord(ch["text"]) for ch in chars], dtype=np.int64)
    except TypeError:  # a text that is not one character
        return True
    x = np.array([ch["x0"] for ch in chars], dtype=float) / (2 * tolerance)
    y = np.array([ch["top"] for ch in chars], dtype=float) / (2 * tolerance)
    if not (np.isfinite(x).all() and np.isfinite(y).all()) or max(np.abs(x).max(), np.abs(y).max()) > 1e5:
        return True
    # square (kx, ky) of character `code` as one integer: 21 bits each
    key = (code << 42) | ((np.floor(x).astype(np.int64) + (1 << 20)) << 21) | (np.floor(y).astype(np.int64) + (1 << 20))
    keys = np.sort(key)
    if (keys[1:] == keys[:-1]).any():
        return True
    last = len(keys) - 1
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            if dx or dy:
                q = key + ((dx << 21) + dy)
                at = np.searchsorted(keys, q).clip(0, last)
                if (keys[at] == q).any():
                    return True
    return False


def find_tables(width: float, height: float, edges: list[dict]) -> list[ruling.Table]:
    """The ruled tables on a page's edges (cell boxes and table box), as pdfplumber's
    TableFinder finds them (``width``/``height``: the page, which the ``lines`` strategy
    does not read)."""
    return ruling.find_tables(edges)


def reference_tables(width: float, height: float, edges: list[dict]):
    """The same through pdfplumber's own :class:`~pdfplumber.table.TableFinder` (tests)."""
    from pdfplumber.table import TableFinder

    from .grid import TABLE_SETTINGS

    return TableFinder(_EdgePage(width, height, edges), TABLE_SETTINGS).tables


class _EdgePage:
    """The little of a pdfplumber Page that :class:`pdfplumber.table.TableFinder` reads."""

    def __init__(self, width: float, height: float, edges: list[dict]):
        self.bbox = (0.0, 0.0, width, height)
        self.edges = edges
        self.width = width
        self.height = height
