"""Render a :class:`corpus.model.Document` to PDF with reportlab.

    from corpus.render_reportlab import render
    render(doc, pathlib.Path("out.pdf"))

Properties the extractor and the tests rely on:

* Deterministic bytes for the same input (``invariant=1``: fixed creation date and
  document id, deterministic font-subset names).
* One embedded TrueType CJK font (WenQuanYi Micro Hei, Debian ``fonts-wqy-microhei``),
  so every viewer shows the same glyphs and pdfplumber reads real Unicode text.
* Tables are real ruled grids: every cell border is a drawn line, merged cells have
  no interior lines, header rows are lightly shaded, so pdfplumber's ``lines``
  strategy finds them.  Long labels wrap inside their cell; a table breaks between
  rows only, repeating its header rows when ``Table.repeat_header``.
* ``RenderOptions.kangxi_radicals`` writes Kangxi-radical code points (``⼀`` U+2F00
  for ``一`` …) into the text layer where a font has the glyph (the primary font has
  none; the radicals are drawn from WenQuanYi Zen Hei when installed, otherwise the
  character is left alone); ``bold_twice`` draws bold text a second time 0.3pt to
  the right, as some office exports do.
"""
from __future__ import annotations

import os
import pathlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.pagesizes import landscape as _landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable

import sysdeps
from corpus.model import Cell, Document, Heading, Paragraph, RenderOptions, Table
from corpus.model import PageBreak as MPageBreak

__all__ = ["render", "FontMissingError", "font_path", "kangxi_map"]

# --------------------------------------------------------------------------- fonts

PRIMARY_FONT_NAME = "WQYMicroHei"
RADICAL_FONT_NAME = "WQYZenHei"
# Declared in sysdeps/packages.toml; found through dpkg, never by a guessed path.
PRIMARY_FONT = ("fonts-wqy-microhei", "wqy-microhei.ttc")
RADICAL_FONT = ("fonts-wqy-zenhei", "wqy-zenhei.ttc")


class FontMissingError(sysdeps.SystemPackageMissing):
    """The embeddable CJK TrueType font (a declared system package) is not installed."""


def font_path() -> pathlib.Path:
    """Path of the primary CJK font (``$FISCAL_CJK_FONT`` overrides the declared package)."""
    env = os.environ.get("FISCAL_CJK_FONT")
    if env and pathlib.Path(env).is_file():
        return pathlib.Path(env)
    try:
        return sysdeps.font_file(*PRIMARY_FONT)
    except sysdeps.SystemPackageMissing as exc:
        raise FontMissingError(exc.package, "CJK font embedded by the corpus renderers; or set "
                               "FISCAL_CJK_FONT to a TrueType .ttf/.ttc") from None


def _radical_font_path() -> pathlib.Path | None:
    try:
        return sysdeps.font_file(*RADICAL_FONT)
    except sysdeps.SystemPackageMissing:
        return None


@lru_cache(maxsize=None)
def _register_fonts() -> tuple[str, str | None]:
    path = font_path()
    if PRIMARY_FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(PRIMARY_FONT_NAME, str(path), subfontIndex=0))
    radical = None
    c = _radical_font_path()
    if c is not None:
        try:
            if RADICAL_FONT_NAME not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(RADICAL_FONT_NAME, str(c), subfontIndex=0))
            radical = RADICAL_FONT_NAME
        except Exception:  # pragma: no cover - unusual font builds
            radical = None
    return PRIMARY_FONT_NAME, radical


def _has_glyph(font_name: str, ch: str) -> bool:
    face = pdfmetrics.getFont(font_name).face
    return ord(ch) in face.charToGlyph


@lru_cache(maxsize=None)
def kangxi_map() -> dict[str, str]:
    """Unified ideograph -> Kangxi radical (U+2F00–U+2FD5), from the NFKC decompositions."""
    out: dict[str, str] = {}
    for cp in range(0x2F00, 0x2FD6):
        base = unicodedata.normalize("NFKC", chr(cp))
        if len(base) == 1 and base not in out:
            out[base] = chr(cp)
    return out


# --------------------------------------------------------------------------- text layout


@dataclass
class _Ctx:
    font: str
    radical_font: str | None
    options: RenderOptions
    kangxi: dict[str, str] = field(default_factory=dict)  # char -> replacement (glyph available)

    def transform(self, text: str) -> str:
        if not self.kangxi:
            return text
        return "".join(self.kangxi.get(ch, ch) for ch in text)

    def font_for(self, ch: str) -> str:
        if self.radical_font and 0x2F00 <= ord(ch) <= 0x2FDF and not _has_glyph(self.font, ch):
            return self.radical_font
        return self.font

    def width(self, s: str, size: float) -> float:
        return sum(pdfmetrics.stringWidth(ch, self.font_for(ch), size) for ch in s)

    def runs(self, s: str):
        """Split ``s`` into (font, text) runs."""
        cur_font, buf = None, []
        for ch in s:
            f = self.font_for(ch)
            if f != cur_font and buf:
                yield cur_font, "".join(buf)
                buf = []
            cur_font = f
            buf.append(ch)
        if buf:
            yield cur_font, "".join(buf)


_TOKEN = re.compile(r"[A-Za-z0-9.,%+\-_/:#@&*=~'\"()\[\]]+|\s|.", re.S)
_NO_LINE_START = set("，。、；：？！）》」』”’%．,.;:!?)]}…—·")
_NO_LINE_END = set("（《「『“‘([{")


def _wrap(ctx: _Ctx, text: str, size: float, width: float, first_indent: float = 0.0) -> list[tuple[str, bool]]:
    """Greedy CJK line breaking; returns (line, is first line of a paragraph)."""
    lines: list[tuple[str, bool]] = []
    for para in text.split("\n"):
        toks = _TOKEN.findall(para)
        # split over-long ASCII runs into characters
        flat: list[str] = []
        for t in toks:
            if len(t) > 1 and ctx.width(t, size) > max(width - first_indent, 1):
                flat.extend(t)
            else:
                flat.append(t)
        cur: list[str] = []
        cur_w = 0.0
        avail = width - first_indent
        first = True
        for t in flat:
            tw = ctx.width(t, size)
            if cur and cur_w + tw > avail + 0.01:
                if t in _NO_LINE_START or (len(t) == 1 and t in _NO_LINE_START):
                    # kinsoku: carry the previous token to the next line with this one
                    if len(cur) > 1:
                        carry = cur.pop()
                        lines.append(("".join(cur).rstrip(), first))
                        first = False
                        cur = [carry]
                        cur_w = ctx.width(carry, size)
                    else:
                        cur.append(t)
                        cur_w += tw
                        continue
                elif cur and cur[-1] in _NO_LINE_END and len(cur) > 1:
                    carry = cur.pop()
                    lines.append(("".join(cur).rstrip(), first))
                    first = False
                    cur = [carry]
                    cur_w = ctx.width(carry, size)
                else:
                    lines.append(("".join(cur).rstrip(), first))
                    first = False
                    cur, cur_w = [], 0.0
                avail = width
                if t.isspace() and not cur:
                    continue
            cur.append(t)
            cur_w += tw
        lines.append(("".join(cur).rstrip(), first))
    return lines


class _Text(Flowable):
    """Wrapped text with alignment, optional first-line indent and fake bold."""

    def __init__(self, ctx: _Ctx, text: str, size: float, align: str = "left", bold: bool = False,
                 indent_chars: float = 0.0, leading: float | None = None, space_before: float = 0.0,
                 space_after: float = 0.0):
        super().__init__()
        self.ctx = ctx
        self.text = ctx.transform(text or "")
        self.size = size
        self.align = align
        self.bold = bold
        self.indent = indent_chars * size
        self.leading = leading or size * 1.25
        self.spaceBefore = space_before
        self.spaceAfter = space_after
        self._lines: list[tuple[str, bool]] = []
        self._w = 0.0

    def wrap(self, availWidth, availHeight):
        self._w = availWidth
        self._lines = _wrap(self.ctx, self.text, self.size, availWidth, self.indent) if self.text else [("", True)]
        self.height = self.leading * len(self._lines)
        self.width = availWidth
        return availWidth, self.height

    def split(self, availWidth, availHeight):
        if not self._lines:
            self.wrap(availWidth, availHeight)
        n = int(availHeight // self.leading)
        if n <= 0 or n >= len(self._lines):
            return []
        head = _Lines(self, self._lines[:n], first=True)
        tail = _Lines(self, self._lines[n:], first=False)
        return [head, tail]

    def _draw_lines(self, lines: list[tuple[str, bool]], first: bool):
        c = self.canv
        ctx = self.ctx
        n = len(lines)
        for i, (line, para_first) in enumerate(lines):
            x0 = self.indent if (para_first and self.align == "left") else 0.0
            lw = ctx.width(line, self.size)
            if self.align == "center":
                x = (self._w - lw) / 2.0
            elif self.align == "right":
                x = self._w - lw
            else:
                x = x0
            # baseline: top of this line box, minus half the extra leading, minus the ascent
            by = self.leading * (n - i) - (self.leading - self.size) / 2.0 - 0.86 * self.size
            self._draw_string(c, x, by, line)

    def _draw_string(self, c, x, y, s):
        ctx = self.ctx
        passes = [0.0]
        if self.bold and ctx.options.bold_twice:
            passes = [0.0, 0.3]
        for dx in passes:
            t = c.beginText()
            t.setTextOrigin(x + dx, y)
            if self.bold and not ctx.options.bold_twice:
                t.setTextRenderMode(2)
            for fnt, run in ctx.runs(s):
                t.setFont(fnt, self.size)
                t.textOut(run)
            c.saveState()
            if self.bold and not ctx.options.bold_twice:
                c.setLineWidth(self.size * 0.03)
            c.drawText(t)
            c.restoreState()

    def draw(self):
        self._draw_lines(self._lines, True)


class _Lines(_Text):
    """A piece of a split :class:`_Text`."""

    def __init__(self, parent: _Text, lines: list[str], first: bool):
        Flowable.__init__(self)
        self.__dict__.update({k: v for k, v in parent.__dict__.items() if k not in ("canv",)})
        self._fixed = lines
        self._first = first
        self.spaceBefore = parent.spaceBefore if first else 0
        self.spaceAfter = 0 if first else parent.spaceAfter

    def wrap(self, availWidth, availHeight):
        self._w = availWidth
        self.height = self.leading * len(self._fixed)
        return availWidth, self.height

    def split(self, availWidth, availHeight):
        n = int(availHeight // self.leading)
        if n <= 0 or n >= len(self._fixed):
            return []
        return [_Lines(self, self._fixed[:n], self._first), _Lines(self, self._fixed[n:], False)]

    def draw(self):
        self._draw_lines(self._fixed, self._first)


# --------------------------------------------------------------------------- tables

PAD = 2.0
HEADER_SHADE = colors.Color(0.88, 0.88, 0.88)


def _grid(table: Table) -> tuple[list[list[Cell | None]], list[tuple[int, int, int, int]], int]:
    """Place header+body cells on the grid (HTML semantics). Returns (matrix, spans, n_header)."""
    ncols = len(table.col_widths)
    rows = list(table.header_rows) + list(table.body_rows)
    nrows = len(rows)
    matrix: list[list[Cell | None]] = [[None] * ncols for _ in range(nrows)]
    occupied = [[False] * ncols for _ in range(nrows)]
    spans = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while c < ncols and occupied[r][c]:
                c += 1
            if c >= ncols:
                raise ValueError(f"table {table.title!r}: row {r} has more cells than {ncols} columns")
            cs = max(1, cell.colspan)
            rs = max(1, cell.rowspan)
            if c + cs > ncols or r + rs > nrows:
                raise ValueError(f"table {table.title!r}: cell {cell.text!r} at ({r},{c}) spans outside the grid")
            matrix[r][c] = cell
            for rr in range(r, r + rs):
                for cc in range(c, c + cs):
                    occupied[rr][cc] = True
            if cs > 1 or rs > 1:
                spans.append((c, r, c + cs - 1, r + rs - 1))
            c += cs
    return matrix, spans, len(table.header_rows)


def _table_flowables(ctx: _Ctx, table: Table, frame_width: float) -> list[Flowable]:
    out: list[Flowable] = []
    fs = table.font_size
    out.append(_Text(ctx, table.title, fs + 6, align="center", bold=True, space_after=4))
    meta = []
    if table.code:
        meta.append(_Text(ctx, table.code, fs + 1, align="right"))
    if table.unit_text:
        meta.append(_Text(ctx, table.unit_text, fs + 1, align="right"))
    if table.dept_line is not None:
        meta.append(_Text(ctx, table.dept_line, fs + 1, align="left", space_after=2))
    out.extend(meta)

    matrix, spans, nh = _grid(table)
    total = float(sum(table.col_widths)) or 1.0
    widths = [frame_width * w / total for w in table.col_widths]
    data = []
    for r, row in enumerate(matrix):
        drow = []
        for c, cell in enumerate(row):
            if cell is None:
                drow.append("")
            else:
                drow.append(_Text(ctx, cell.text, fs, align=cell.align, bold=cell.bold, leading=fs * 1.22))
        data.append(drow)
    pad = max(1.2, round(fs * 0.22, 2))
    style = [
        ("FONTNAME", (0, 0), (-1, -1), ctx.font),  # empty cells would otherwise set Helvetica
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("TOPPADDING", (0, 0), (-1, -1), pad),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
    ]
    if nh:
        style.append(("BACKGROUND", (0, 0), (-1, nh - 1), HEADER_SHADE))
    for (c0, r0, c1, r1) in spans:
        style.append(("SPAN", (c0, r0), (c1, r1)))
    t = RLTable(data, colWidths=widths, style=TableStyle(style),
                repeatRows=nh if (table.repeat_header and nh) else 0, splitByRow=1, hAlign="CENTER")
    out.append(t)
    tail: list[Flowable] = []
    for i, n in enumerate(table.notes):
        tail.append(_Text(ctx, n, fs + 1, align="left", space_before=3 if i == 0 else 0))
    if table.after_text:
        tail.append(_Text(ctx, table.after_text, fs + 2, align="left", indent_chars=2, space_before=6))
    # keep the title block with the start of the table
    for f in out[:-1]:
        f.keepWithNext = True
    return out + tail


# --------------------------------------------------------------------------- document

MARGIN = 56.0  # ~2 cm
PORTRAIT = A4
LANDSCAPE = _landscape(A4)


def _frame_width(orient: str) -> float:
    size = LANDSCAPE if orient == "landscape" else PORTRAIT
    return size[0] - 2 * MARGIN


class _Doc(BaseDocTemplate):
    def __init__(self, filename, ctx: _Ctx, numbered: bool, has_cover: bool, first_template: str = "portrait",
                 **kw):
        self._ctx = ctx
        self._numbered = numbered
        self._has_cover = has_cover
        super().__init__(filename, **kw)
        templates = []
        for name, size in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
            fr = Frame(MARGIN, MARGIN, size[0] - 2 * MARGIN, size[1] - 2 * MARGIN, id=name,
                       leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
            templates.append(PageTemplate(id=name, frames=[fr], pagesize=size, onPage=self._on_page))
        if first_template == "landscape":
            templates.reverse()
        self.addPageTemplates(templates)

    def _on_page(self, canv, doc):
        if not self._numbered:
            return
        n = canv.getPageNumber()
        if self._has_cover:
            if n == 1:
                return
            n -= 1
        w = canv._pagesize[0]
        canv.saveState()
        canv.setFont(self._ctx.font, 9)
        s = f"- {n} -"
        canv.drawCentredString(w / 2.0, MARGIN / 2.0, s)
        canv.restoreState()


def _make_ctx(options: RenderOptions) -> _Ctx:
    font, radical = _register_fonts()
    ctx = _Ctx(font=font, radical_font=radical, options=options)
    if options.kangxi_radicals:
        km = {}
        for base, rad in kangxi_map().items():
            if _has_glyph(font, rad) or (radical and _has_glyph(radical, rad)):
                km[base] = rad
        ctx.kangxi = km
    return ctx


def _heading(ctx: _Ctx, h: Heading) -> _Text:
    if h.level <= 1:
        f = _Text(ctx, h.text, 16, align="center", bold=True, space_before=10, space_after=10)
    elif h.level == 2:
        f = _Text(ctx, h.text, 13, align="left", bold=True, indent_chars=2, space_before=8, space_after=4)
    else:
        f = _Text(ctx, h.text, 12, align="left", bold=True, indent_chars=2, space_before=6, space_after=3)
    f.keepWithNext = True
    return f


def render(doc: Document, path: pathlib.Path) -> None:
    """Render ``doc`` to a PDF at ``path`` (parent directories are created).

    Raises :class:`FontMissingError` when the CJK font (Debian ``fonts-wqy-microhei``)
    is not installed.  The same ``doc`` always gives the same bytes.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ctx = _make_ctx(doc.options)
    story: list = []
    orient = "portrait"
    pending: list[str | None] = [None]  # orientation of a pending page break
    has_content = [False]

    def want_break(o: str | None):
        pending[0] = o or (pending[0] or orient)

    first_orient = ["portrait"]

    def flush(target: str | None = None):
        nonlocal orient
        if pending[0] is not None or (target is not None and target != orient):
            o = target or pending[0] or orient
            if has_content[0]:
                story.append(NextPageTemplate(o))
                story.append(PageBreak())
            else:  # nothing drawn yet: the first page takes this orientation
                first_orient[0] = o
            orient = o
            pending[0] = None

    has_cover = bool(doc.title_lines)
    if has_cover:
        lines = list(doc.title_lines)
        # an attachment label (附件 1:) is printed small in the top-left corner
        if lines and re.match(r"^附件\s*\d*\s*[:：]?$", lines[0]):
            story.append(_Text(ctx, lines.pop(0), 14, align="left", bold=True))
        story.append(Spacer(1, 180))
        for i, line in enumerate(lines):
            big = i < len(lines) - 1 or len(lines) == 1
            story.append(_Text(ctx, line, 22 if big else 16, align="center", bold=big,
                               space_after=14 if big else 40, leading=30))
        has_content[0] = True
        want_break("portrait")

    for b in doc.blocks:
        if isinstance(b, MPageBreak):
            want_break(("landscape" if b.landscape else "portrait") if b.landscape is not None else orient)
            continue
        if isinstance(b, Table):
            target = "landscape" if b.landscape else "portrait"
            if b.start_new_page and has_content[0]:
                want_break(target)
            flush(target if target != orient else None)
            story.extend(_table_flowables(ctx, b, _frame_width(orient)))
            story.append(Spacer(1, 8))
        elif isinstance(b, Heading):
            flush()
            story.append(_heading(ctx, b))
        elif isinstance(b, Paragraph):
            flush()
            story.append(_Text(ctx, b.text, 11, align=b.align, bold=b.bold,
                               indent_chars=2 if b.indent else 0, leading=11 * 1.7, space_after=2))
        else:  # pragma: no cover
            raise TypeError(f"unknown block {type(b).__name__}")
        has_content[0] = True
    if not story:
        story.append(Spacer(1, 1))

    d = _Doc(str(path), ctx, numbered=doc.options.page_numbers, has_cover=has_cover,
             first_template=first_orient[0],
             pagesize=PORTRAIT, title=doc.metadata_title, author=doc.metadata_author,
             creator="corpus.render_reportlab", subject="", keywords="",
             invariant=1, initialFontName=ctx.font, initialFontSize=10, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN)
    d.build(story)
