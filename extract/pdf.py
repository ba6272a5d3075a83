"""Opening a PDF safely and the cheap first pass (pypdfium2) over every page.

The cheap pass reads every page's text and counts its vector paths at about
300 pages/s; only pages that can hold a ruled table are then opened with
pdfplumber (about 20 pages/s).
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium

from . import errors
from .pdfium_page import address, page_chars, page_edges, walk_objects
from .text import compact, has_garbled_text, normalize

MAX_PAGES_DEFAULT = 600


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_bytes(path: Path) -> bool:
    """Fail fast on files that are not PDFs at all; True when the file may be truncated."""
    size = path.stat().st_size
    if size == 0:
        raise errors.EmptyFile(f"{path.name} is empty (0 bytes)")
    with open(path, "rb") as fh:
        head = fh.read(1024)
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    if b"%PDF-" not in head:
        if head.startswith(b"PK"):
            kind = "a ZIP container (Word .docx / Excel .xlsx / WPS)"
        elif head.startswith(b"\xd0\xcf\x11\xe0"):
            kind = "an old Office document (.doc/.xls)"
        elif head[:3] == b"\xff\xd8\xff" or head.startswith(b"\x89PNG"):
            kind = "an image"
        else:
            kind = "not a PDF"
        raise errors.NotAPdf(f"{path.name} is {kind} (no %PDF header)")
    # no %%EOF: may still open (pdfium repairs xref tables); kept for the error message
    return b"%%EOF" not in tail


@dataclass
class PageInfo:
    number: int  # 1-based
    width: float
    height: float
    text: str  # normalised text of the page (pdfium)
    path_count: int
    image_count: int
    char_count: int
    rotation: int = 0
    chars: list | None = None  # pdfium characters (table pages only)
    edges: list | None = None  # pdfium ruling edges (table pages only)


@dataclass
class CheapPass:
    page_count: int
    producer: str
    title: str
    pages: list[PageInfo]
    ocr_pages: dict = field(default_factory=dict)  # page number -> extract.ocr.OcrPage (scanned pages read)
    ocr_skipped: list = field(default_factory=list)  # scanned pages left unread (OCR off or over time)

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.pages)


def cheap_pass(path: Path, *, max_pages: int = MAX_PAGES_DEFAULT, truncated_hint: bool = False,
               wants_geometry=None) -> CheapPass:
    """Text and object counts of every page; with ``wants_geometry(info) -> bool``, also the
    characters and ruling edges of the pages it selects (table pages), in the same pass."""
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise errors.EncryptedPdf(f"{path.name} is encrypted with a user password") from exc
        if truncated_hint:
            raise errors.TruncatedPdf(f"{path.name} cannot be opened and has no %%EOF marker: {msg}") from exc
        raise errors.TruncatedPdf(f"{path.name} cannot be parsed as a PDF: {msg}") from exc
    try:
        n = len(pdf)
        if n == 0:
            raise errors.TruncatedPdf(f"{path.name} has no pages")
        if n > max_pages:
            raise errors.TooLarge(f"{path.name} has {n} pages (limit {max_pages}; a disclosure has 10–60)")
        meta = pdf.get_metadata_dict(skip_empty=True)
        pages = []
        for i in range(n):
            page = pdf[i]
            try:
                w, h = page.get_size()
                tp = page.get_textpage()
                try:
                    raw = tp.get_text_range()
                    chars = tp.count_chars()
                    paths, images, path_objects = walk_objects(address(page.raw))
                    info = PageInfo(i + 1, w, h, normalize(raw), paths, images, chars, page.get_rotation())
                    if wants_geometry is not None and info.rotation == 0 and wants_geometry(info):
                        left, _, _, top = page.get_bbox()
                        info.chars = page_chars(address(tp.raw), (left, top))
                        info.edges = page_edges(path_objects, w, h, (left, top))
                finally:
                    tp.close()
                pages.append(info)
            finally:
                page.close()
        producer = meta.get("Producer") or meta.get("Creator") or ""
        return CheapPass(n, producer, meta.get("Title", ""), pages)
    finally:
        pdf.close()


def check_text_layer(cp: CheapPass, name: str) -> None:
    text = cp.text
    visible = len(compact(text))
    if visible < 30 * max(1, min(cp.page_count, 3)):
        if sum(p.image_count for p in cp.pages) > 0:
            raise errors.ImageOnlyPdf(f"{name}: {cp.page_count} pages, images but no text layer ({visible} characters)")
        raise errors.ImageOnlyPdf(f"{name}: {cp.page_count} pages with almost no text ({visible} characters)")
    if has_garbled_text(text):
        raise errors.GarbledText(f"{name}: the text layer is undecodable ((cid:…) glyphs or private-use characters)")
    # a wrong ToUnicode map yields text, but not Chinese: disclosures are mostly CJK
    counts = Counter(text)  # each distinct character classified once
    cjk = sum(n for c, n in counts.items() if "\u4e00" <= c <= "\u9fff")
    letters = sum(n for c, n in counts.items() if c.isalpha())
    odd = sum(n for c, n in counts.items() if c.isalpha() and ord(c) > 0x7F and not "\u4e00" <= c <= "\u9fff"
              and not "\u3000" <= c <= "\u30ff")
    if letters > 100 and cjk / letters < 0.2 and odd / letters > 0.3:
        raise errors.GarbledText(f"{name}: the text layer decodes to symbols of no script (glyph ids without a ToUnicode map)")
