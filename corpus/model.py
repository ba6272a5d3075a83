"""Producer-neutral document model for the corpus renderers.

A disclosure is a list of blocks (headings, paragraphs, tables, page breaks).
Renderers (``corpus.render_reportlab``, ``corpus.render_html``) turn the same
model into PDFs made by different producers, so that the extractor is never
tuned to one producer's layout.  Ground truth is produced from the data that
built the model, never from a rendered file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

Align = Literal["left", "center", "right"]


@dataclass
class Cell:
    """One printed cell; ``colspan``/``rowspan`` > 1 makes a merged cell."""

    text: str = ""
    colspan: int = 1
    rowspan: int = 1
    align: Align = "left"
    bold: bool = False


@dataclass
class Heading:
    text: str
    level: int = 1  # 1 = part (第一部分), 2 = section, 3 = subsection


@dataclass
class Paragraph:
    text: str
    bold: bool = False
    align: Align = "left"
    indent: bool = True  # first-line indent of two characters, as printed


@dataclass
class PageBreak:
    landscape: bool | None = None  # None keeps the current orientation


@dataclass
class Table:
    """A titled disclosure table.

    ``header_rows`` and ``body_rows`` are grids of :class:`Cell`; a merged cell
    appears once, at its top-left position, and the positions it covers are
    simply absent from the following lists (HTML semantics).
    """

    title: str
    header_rows: list[list[Cell]]
    body_rows: list[list[Cell]]
    col_widths: list[float]  # relative widths, one per grid column
    code: str | None = None  # e.g. "公开01表"; None where the template prints none
    unit_text: str | None = "单位：万元"
    dept_line: str | None = None  # e.g. "部门：XX局"; None where not printed
    notes: list[str] = field(default_factory=list)  # 注：… lines under the table
    after_text: str | None = None  # e.g. 本单位没有政府性基金预算财政拨款。
    repeat_header: bool = True  # repeat header rows when the table breaks across pages
    landscape: bool = False  # render this table on landscape pages
    font_size: float = 8.0
    start_new_page: bool = True


Block = Union[Heading, Paragraph, PageBreak, Table]


@dataclass
class RenderOptions:
    """Layout variants a renderer applies to the whole document."""

    kangxi_radicals: bool = False  # replace 一 with ⼀ (U+2F00) etc. as some WPS exports do
    bold_twice: bool = False  # draw bold text twice with a tiny offset (duplicated glyphs)
    thousands_separator: bool = True  # informational; the text is already formatted
    page_numbers: bool = True


@dataclass
class Document:
    title_lines: list[str]  # cover page lines
    blocks: list[Block]
    options: RenderOptions = field(default_factory=RenderOptions)
    metadata_title: str = ""
    metadata_author: str = ""
