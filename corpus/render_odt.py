"""Render a :class:`corpus.model.Document` to PDF with LibreOffice — the corpus's third producer.

    from corpus.render_odt import Layout, render
    render(doc, pathlib.Path("out.pdf"), Layout(ruled=False, narrow_amounts=True))

The document is written as flat OpenDocument text (``.fodt``) and converted by
``soffice --headless --convert-to pdf`` (Debian ``libreoffice-writer-nogui``, found through
``sysdeps``; the CJK font is WenQuanYi Micro Hei, ``fonts-wqy-microhei``).  Writer lays the
tables out itself, unlike the two other producers: it wraps a number too wide for its cell
inside the cell (``548.3`` over ``3``), breaks tables between rows with or without the
header rows repeated, and turns pages to landscape through page styles.

:class:`Layout` adds what real word-processor exports print and the other producers do not,
without changing any printed value, so the truth built from the model stays true:

* ``ruled=False``: tables drawn without any ruling line (columns aligned by text only);
* ``narrow_amounts``: amount columns too narrow for their longer numbers, which wrap;
* ``letter_spaced``: total labels printed letter-spaced (``本 年 收 入 合 计``);
* ``split_codes``: 科目编码 printed over three columns 类 | 款 | 项 (``201 | 03 | 01``).

Output is deterministic in content (text, positions); LibreOffice stamps a creation date and
a document id into the file, so bytes differ between runs.
"""
from __future__ import annotations

import copy
import pathlib
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from xml.sax.saxutils import escape

import sysdeps
from corpus.model import Cell, Document, Heading, PageBreak, Paragraph, Table

__all__ = ["Layout", "render", "transform", "PACKAGE"]

PACKAGE = "libreoffice-writer-nogui"
FONT = "WenQuanYi Micro Hei"  # fonts-wqy-microhei, found by LibreOffice through fontconfig
PAGE_W, PAGE_H, MARGIN = 21.0, 29.7, 1.8  # cm
NARROW_AMOUNT_CM = 1.0  # fits 74.16 at 8 pt; 796.49 and longer wrap inside the cell
_CODE = re.compile(r"^\d{3}(?:\d{2}){0,2}$")
_TOTAL_LABEL = re.compile(r"^(?:本年|当年)?(?:收入|支出)?(?:合计|总计|小计)$")


@dataclass(frozen=True)
class Layout:
    ruled: bool = True
    narrow_amounts: bool = False
    letter_spaced: bool = False
    split_codes: bool = False

    def labels(self) -> list[str]:
        """Variant labels recorded in the truth (``extract.evaluate`` prints figures per label)."""
        out = ["ruled" if self.ruled else "unruled"]
        out += [name for name in ("narrow_amounts", "letter_spaced", "split_codes") if getattr(self, name)]
        return out


# --------------------------------------------------------------------------- model transforms


def _origins(tb: Table) -> tuple[list[tuple[int, int, Cell]], int]:
    """(row, column, cell) of every printed cell (HTML semantics resolved) and the header height."""
    from corpus.render_fpdf import _grid

    grid, n_header = _grid(tb)
    return [(r, c, cell) for r, row in enumerate(grid) for c, cell in enumerate(row) if cell is not None], n_header


def _rebuild(tb: Table, origins: list[tuple[int, int, Cell]], n_header: int, widths: list[float]) -> Table:
    n_rows = max(r + cell.rowspan for r, _, cell in origins)
    rows: list[list[Cell]] = [[] for _ in range(n_rows)]
    for r, c, cell in sorted(origins, key=lambda o: (o[0], o[1])):
        rows[r].append(cell)
    return Table(**{**tb.__dict__, "header_rows": rows[:n_header], "body_rows": rows[n_header:],
                    "col_widths": widths})


def split_code_column(tb: Table) -> Table:
    """科目编码 over three columns 类 | 款 | 项 under one spanning heading."""
    origins, n_header = _origins(tb)
    heads = [(r, c, cell) for r, c, cell in origins if r < n_header and cell.colspan == 1
             and ("编码" in cell.text or "代码" in cell.text)]
    if len(heads) != 1:  # none, or the side-by-side blocks of 06 (each with its own 代码 column)
        return tb
    hr, col, head = heads[0]
    body_codes = [cell.text for r, c, cell in origins if r >= n_header and c == col and cell.colspan == 1]
    if not any(_CODE.match(t) for t in body_codes) or not all(_CODE.match(t) or not t for t in body_codes):
        return tb
    out: list[tuple[int, int, Cell]] = []
    insert_row = head.rowspan == 1  # a row of 类 款 项 goes under the heading
    sub_row = hr + 1 if insert_row else hr + head.rowspan - 1
    for r, c, orig in origins:
        cell = copy.copy(orig)
        r2 = r + 1 if insert_row and r > hr else r
        if insert_row and orig is not head and r <= hr < r + cell.rowspan and r < n_header:
            cell.rowspan += 1
        if orig is head:
            cell.colspan = 3
            if not insert_row:
                cell.rowspan -= 1
            out.append((r2, c, cell))
        elif c == col and cell.colspan == 1 and r >= n_header:
            t = cell.text
            parts = (t[:3], t[3:5], t[5:7]) if _CODE.match(t) else (t, "", "")
            for i, p in enumerate(parts):
                out.append((r2, c + i, Cell(p, align="center")))
        elif c <= col < c + cell.colspan:
            cell.colspan += 2
            out.append((r2, c, cell))
        else:
            out.append((r2, c + 2 if c > col else c, cell))
    for i, name in enumerate(("类", "款", "项")):
        out.append((sub_row, col + i, Cell(name, align="center")))
    w = tb.col_widths[col]
    widths = tb.col_widths[:col] + [w * 0.4, w * 0.3, w * 0.3] + tb.col_widths[col + 1:]
    return _rebuild(tb, out, n_header + (1 if insert_row else 0), widths)


def letter_space(tb: Table) -> Table:
    tb = copy.deepcopy(tb)
    for row in tb.body_rows:
        for cell in row:
            t = cell.text.replace(" ", "")
            if cell.align != "right" and _TOTAL_LABEL.match(t):
                cell.text = " ".join(t)
    return tb


def transform(doc: Document, layout: Layout) -> Document:
    """The document as this layout prints it (same values, same labels once spaces are removed)."""
    blocks = []
    for b in doc.blocks:
        if isinstance(b, Table):
            if layout.split_codes:
                b = split_code_column(b)
            if layout.letter_spaced:
                b = letter_space(b)
        blocks.append(b)
    return Document(**{**doc.__dict__, "blocks": blocks})


# --------------------------------------------------------------------------- ODF writing


def _amount_columns(tb: Table) -> set[int]:
    origins, n_header = _origins(tb)
    right: dict[int, int] = {}
    seen: dict[int, int] = {}
    for r, c, cell in origins:
        if r >= n_header and cell.colspan == 1:
            seen[c] = seen.get(c, 0) + 1
            right[c] = right.get(c, 0) + (cell.align == "right")
    return {c for c, n in seen.items() if right.get(c, 0) * 2 > n}


class _Writer:
    def __init__(self, doc: Document, layout: Layout):
        self.doc, self.layout = doc, layout
        self.styles: list[str] = []
        self.body: list[str] = []
        self.n_tables = 0
        self._para_styles: dict[tuple, str] = {}
        self.orient = "P"
        self.pending_break = False

    # -- styles
    def pstyle(self, *, size=10.5, bold=False, align="start", master: str | None = None, brk=False,
               indent=False, space_after=0.1) -> str:
        key = (size, bold, align, master, brk, indent, space_after)
        if key not in self._para_styles:
            name = f"P{len(self._para_styles) + 1}"
            props = [f'fo:text-align="{align}"', f'fo:margin-bottom="{space_after}cm"', 'fo:margin-top="0cm"']
            if indent:
                props.append('fo:text-indent="0.74cm"')
            if brk and master is None:
                props.append('fo:break-before="page"')
            weight = ' fo:font-weight="bold" style:font-weight-asian="bold"' if bold else ""
            master_attr = f' style:master-page-name="{master}"' if master else ""
            self.styles.append(
                f'<style:style style:name="{name}" style:family="paragraph"{master_attr}>'
                f'<style:paragraph-properties {" ".join(props)}/>'
                f'<style:text-properties fo:font-size="{size}pt" style:font-size-asian="{size}pt"{weight}/>'
                f'</style:style>')
            self._para_styles[key] = name
        return self._para_styles[key]

    def para(self, text: str, **kw) -> None:
        if self.pending_break:
            kw.setdefault("brk", True)
            if kw.get("brk") and kw.get("master") is None:
                kw["master"] = "Landscape" if self.orient == "L" else "Standard"
            self.pending_break = False
        self.body.append(f'<text:p text:style-name="{self.pstyle(**kw)}">{escape(text)}</text:p>')

    def page_break(self, orient: str | None = None) -> None:
        if orient is not None:
            self.orient = orient
        self.pending_break = True

    # -- blocks
    def cover(self, lines: list[str]) -> None:
        for _ in range(8):
            self.para("", size=14)
        for i, line in enumerate(lines):
            self.para(line, size=20 if i < 2 else 14, bold=i < 2, align="center", space_after=0.6)

    def heading(self, h: Heading) -> None:
        size = {1: 15.0, 2: 12.5}.get(h.level, 11.5)
        self.para(h.text, size=size, bold=True, align="center" if h.level == 1 else "start", space_after=0.2)

    def paragraph(self, p: Paragraph) -> None:
        self.para(p.text, bold=p.bold, align={"left": "justify", "center": "center", "right": "end"}[p.align],
                  indent=p.indent)

    def table(self, tb: Table) -> None:
        target = "L" if tb.landscape else "P"
        if tb.start_new_page or target != self.orient:
            self.page_break(target)
        fs = tb.font_size
        self.para(tb.code or "", size=fs + 1, align="end")
        self.para(tb.title, size=fs + 6, bold=True, align="center", space_after=0.2)
        if tb.dept_line or tb.unit_text:
            # one line, the unit pushed right by a tab (one printed line, as word processors do)
            self.para(((tb.dept_line or "") + "\u3000" * 6 + (tb.unit_text or "")).strip("\u3000"), size=fs + 1)
        self.grid(tb)
        for note in tb.notes:
            self.para(note, size=fs + 0.5)
        if tb.after_text:
            self.para(tb.after_text, indent=True)

    def grid(self, tb: Table) -> None:
        from corpus.render_fpdf import _grid

        self.n_tables += 1
        name = f"T{self.n_tables}"
        fs = tb.font_size
        page_w = (PAGE_H if self.orient == "L" else PAGE_W) - 2 * MARGIN
        amounts = _amount_columns(tb) if self.layout.narrow_amounts else set()
        total = float(sum(w for k, w in enumerate(tb.col_widths) if k not in amounts)) or 1.0
        rest = page_w - NARROW_AMOUNT_CM * len(amounts)
        widths = [NARROW_AMOUNT_CM if k in amounts else rest * w / total for k, w in enumerate(tb.col_widths)]
        # the 绩效自评表 is a form: drawn with its lines by every producer
        ruled = self.layout.ruled or "绩效" in tb.title
        border = "0.5pt solid #000000" if ruled else "none"
        self.styles.append(
            f'<style:style style:name="{name}" style:family="table"><style:table-properties '
            f'style:width="{sum(widths):.3f}cm" table:align="left" fo:margin-top="0.1cm" fo:margin-bottom="0.1cm"/>'
            f'</style:style>')
        for k, w in enumerate(widths):
            self.styles.append(f'<style:style style:name="{name}.C{k}" style:family="table-column">'
                               f'<style:table-column-properties style:column-width="{w:.3f}cm"/></style:style>')
        self.styles.append(
            f'<style:style style:name="{name}.X" style:family="table-cell"><style:table-cell-properties '
            f'fo:border="{border}" fo:padding="0.05cm" style:vertical-align="middle"/></style:style>')
        grid, n_header = _grid(tb)
        covered = [[False] * len(widths) for _ in grid]
        for r, row in enumerate(grid):
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                for rr in range(r, r + cell.rowspan):
                    for cc in range(c, c + cell.colspan):
                        if (rr, cc) != (r, c):
                            covered[rr][cc] = True
        out = [f'<table:table table:name="{name}" table:style-name="{name}">']
        out += [f'<table:table-column table:style-name="{name}.C{k}"/>' for k in range(len(widths))]

        def row_xml(r: int) -> str:
            cells = []
            for c, cell in enumerate(grid[r]):
                if cell is None:
                    cells.append("<table:covered-table-cell/>" if covered[r][c] else
                                 f'<table:table-cell table:style-name="{name}.X"/>')
                    continue
                span = ""
                if cell.colspan > 1:
                    span += f' table:number-columns-spanned="{cell.colspan}"'
                if cell.rowspan > 1:
                    span += f' table:number-rows-spanned="{cell.rowspan}"'
                align = {"left": "start", "center": "center", "right": "end"}[cell.align]
                ps = self.pstyle(size=fs, bold=cell.bold, align=align, space_after=0)
                cells.append(f'<table:table-cell table:style-name="{name}.X" office:value-type="string"{span}>'
                             f'<text:p text:style-name="{ps}">{escape(cell.text)}</text:p></table:table-cell>')
            return "<table:table-row>" + "".join(cells) + "</table:table-row>"

        if n_header and tb.repeat_header:
            out.append("<table:table-header-rows>" + "".join(row_xml(r) for r in range(n_header))
                       + "</table:table-header-rows>")
            first = n_header
        else:
            first = 0
        out += [row_xml(r) for r in range(first, len(grid))]
        out.append("</table:table>")
        if self.pending_break:  # a table cannot carry the page break: an empty line before it does
            self.para("", size=2)
        self.body.append("".join(out))

    def run(self) -> str:
        if self.doc.title_lines:
            self.cover(self.doc.title_lines)
            self.page_break()
        for b in self.doc.blocks:
            if isinstance(b, PageBreak):
                self.page_break(None if b.landscape is None else ("L" if b.landscape else "P"))
            elif isinstance(b, Table):
                self.table(b)
            elif isinstance(b, Heading):
                self.heading(b)
            elif isinstance(b, Paragraph):
                self.paragraph(b)
            else:  # pragma: no cover
                raise TypeError(type(b).__name__)
        return self.xml()

    def xml(self) -> str:
        footer = ('<style:footer><text:p text:style-name="Footer">第 <text:page-number text:select-page="current"/>'
                  ' 页</text:p></style:footer>') if self.doc.options.page_numbers else ""

        def layout(name: str, w: float, h: float, orient: str) -> str:
            return (f'<style:page-layout style:name="{name}"><style:page-layout-properties fo:page-width="{w}cm" '
                    f'fo:page-height="{h}cm" style:print-orientation="{orient}" fo:margin-top="{MARGIN}cm" '
                    f'fo:margin-bottom="1.2cm" fo:margin-left="{MARGIN}cm" fo:margin-right="{MARGIN}cm"/>'
                    f'<style:footer-style><style:header-footer-properties fo:min-height="0.6cm"/></style:footer-style>'
                    f'</style:page-layout>')

        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
            'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
            'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">'
            f'<office:meta><dc:title>{escape(self.doc.metadata_title)}</dc:title></office:meta>'
            f'<office:font-face-decls><style:font-face style:name="CJK" svg:font-family="&apos;{FONT}&apos;"/>'
            '</office:font-face-decls>'
            '<office:styles><style:default-style style:family="paragraph"><style:text-properties '
            'style:font-name="CJK" style:font-name-asian="CJK" style:font-name-complex="CJK" fo:font-size="10.5pt" '
            'style:font-size-asian="10.5pt" fo:language="zh" fo:country="CN" style:language-asian="zh" '
            'style:country-asian="CN" fo:hyphenate="false"/></style:default-style>'
            '<style:style style:name="Footer" style:family="paragraph"><style:paragraph-properties '
            'fo:text-align="center"/><style:text-properties fo:font-size="9pt" style:font-size-asian="9pt"/>'
            '</style:style></office:styles>'
            '<office:automatic-styles>'
            + layout("PL", PAGE_W, PAGE_H, "portrait") + layout("LL", PAGE_H, PAGE_W, "landscape")
            + "".join(self.styles)
            + '</office:automatic-styles><office:master-styles>'
            f'<style:master-page style:name="Standard" style:page-layout-name="PL">{footer}</style:master-page>'
            f'<style:master-page style:name="Landscape" style:page-layout-name="LL">{footer}</style:master-page>'
            '</office:master-styles><office:body><office:text>'
            + "".join(self.body)
            + '</office:text></office:body></office:document>\n'
        )


def to_fodt(doc: Document, layout: Layout = Layout()) -> str:
    return _Writer(transform(doc, layout), layout).run()


def render(doc: Document, path: pathlib.Path, layout: Layout = Layout(), *, timeout_s: float = 180) -> None:
    """Write ``doc`` as flat ODT and convert it to ``path`` with headless LibreOffice."""
    soffice = sysdeps.which("soffice")
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fiscal-lo-") as tmp:
        src = pathlib.Path(tmp) / (path.stem + ".fodt")
        src.write_text(to_fodt(doc, layout), encoding="utf-8")
        # a private profile: concurrent conversions and a user's own LibreOffice never share one
        profile = pathlib.Path(tmp) / "profile"
        subprocess.run([str(soffice), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                        "--convert-to", "pdf", "--outdir", tmp, str(src)],
                       check=True, capture_output=True, timeout=timeout_s)
        out = src.with_suffix(".pdf")
        if not out.exists():
            raise RuntimeError(f"LibreOffice did not write {out.name}")
        shutil.move(str(out), path)
