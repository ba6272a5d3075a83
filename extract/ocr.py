"""Pages without a text layer: OCR into the same characters and ruling edges the text path reads.

A scanned page (an image and no text) is rendered, straightened, its ruling lines found
by morphology (:mod:`extract.ocr_grid`) and its text read by RapidOCR (PP-OCRv4 models
shipped inside the ``rapidocr-onnxruntime`` wheel: nothing is downloaded at run time).
Each recognised character becomes a pdfium-style character dict (``text, x0, x1, top,
bottom, size``) plus ``conf`` (the recogniser's probability for that character), and the
rules become edges; :func:`extract.api.read_document` then builds the page exactly as it
builds a text page, so table recognition and value parsing are the text path's.

What OCR read is never silently trusted: :func:`annotate_cells` gives every cell of an
OCR page ``value_source='ocr'`` and a ``confidence`` (the least sure character of the
cell; 0 for a cell with ink but no text read), and :mod:`extract.ocr_review` confirms or
contradicts values with the tables' own identities.

Operator control: ``FISCAL_OCR=0`` turns OCR off (image-only files are quarantined as
before); ``FISCAL_OCR_SECONDS`` (default 180) caps the OCR time of one document, pages
past it are left unread and recorded; ``FISCAL_OCR_THREADS`` (default 1) threads per
document (documents already run in parallel processes).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .text import compact, normalize

# A page is image-only when it shows an image and fewer visible characters than this
# (a page number or a stray header letter of a scan's hidden layer).
MIN_TEXT_CHARS = 10
# Render at the scan's own resolution, within these bounds (below 200 dpi small digits
# lose strokes; above 300 the recogniser gains nothing and time grows with the area).
MIN_DPI, MAX_DPI = 200, 300
CONFIDENT = 0.97  # a character the recogniser is at least this sure of counts as read


def enabled() -> bool:
    return os.environ.get("FISCAL_OCR", "1").strip().lower() not in ("0", "false", "no", "off")


def budget_seconds() -> float:
    try:
        return float(os.environ.get("FISCAL_OCR_SECONDS", "180"))
    except ValueError:
        return 180.0


def engine_name() -> str:
    return "rapidocr-onnxruntime"


_ENGINE = None


def engine():
    """The recogniser, loaded once per process (models come from the installed wheel)."""
    global _ENGINE
    if _ENGINE is None:
        from rapidocr_onnxruntime import RapidOCR

        threads = int(os.environ.get("FISCAL_OCR_THREADS", "1") or 1)
        # max_side_len: never shrink a 300 dpi page below its resolution before detection
        _ENGINE = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1, max_side_len=4000)
    return _ENGINE


def available() -> bool:
    try:
        import cv2  # noqa: F401
        import rapidocr_onnxruntime  # noqa: F401
    except Exception:
        return False
    return True


@dataclass
class OcrPage:
    number: int
    width: float  # points, as rendered (rotation applied)
    height: float
    chars: list[dict]
    edges: list[dict]
    text: str
    dpi: float
    skew_deg: float
    seconds: float
    text_ink: object = field(default=None, repr=False)  # ink mask without rules (for cell checks)
    scale: float = 1.0

    @property
    def confidence(self) -> float | None:
        confs = [c["conf"] for c in self.chars]
        return min(confs) if confs else None

    @property
    def mean_confidence(self) -> float | None:
        confs = [c["conf"] for c in self.chars]
        return sum(confs) / len(confs) if confs else None


def image_only(info) -> bool:
    """A page of the cheap pass that shows an image but prints (almost) no text."""
    return info.image_count > 0 and len(compact(info.text)) < MIN_TEXT_CHARS


def _native_dpi(page, width_pt: float) -> float:
    """Resolution of the largest image on the page (pixels per inch of page width)."""
    import pypdfium2.raw as pdfium_c

    best = 0.0
    for obj in page.get_objects(max_depth=2):
        if obj.type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
            continue
        try:
            px_w, _ = obj.get_px_size()
            left, _, right, _ = obj.get_pos()
        except Exception:
            continue
        if right - left > 0.5 * width_pt:
            best = max(best, px_w / ((right - left) / 72.0))
    return best


def read_pages(path: Path, numbers: list[int], *, budget_s: float | None = None) -> tuple[dict[int, OcrPage], list[int]]:
    """OCR the given pages (1-based); returns the pages read and those left for lack of time."""
    import pypdfium2 as pdfium

    budget = budget_seconds() if budget_s is None else budget_s
    t0 = time.perf_counter()
    out: dict[int, OcrPage] = {}
    skipped: list[int] = []
    pdf = pdfium.PdfDocument(str(path))
    try:
        for n in numbers:
            if time.perf_counter() - t0 > budget:
                skipped.append(n)
                continue
            page = pdf[n - 1]
            try:
                out[n] = read_page(page, n)
            finally:
                page.close()
    finally:
        pdf.close()
    return out, skipped


def read_page(page, number: int) -> OcrPage:
    import numpy as np

    from .ocr_grid import ruling_edges, straighten, text_ink

    t0 = time.perf_counter()
    w_pt, h_pt = page.get_size()
    if page.get_rotation() in (90, 270):
        w_pt, h_pt = h_pt, w_pt
    dpi = min(MAX_DPI, max(MIN_DPI, _native_dpi(page, w_pt) or MIN_DPI))
    scale = dpi / 72.0
    rgb = np.asarray(page.render(scale=scale).to_pil().convert("RGB"))
    img = straighten(rgb, scale)
    edges = ruling_edges(img, dpi)
    chars = recognise(img.gray, scale)
    from .grid import page_lines

    text = normalize("\n".join(ln.text for ln in page_lines(chars)))
    return OcrPage(number, w_pt, h_pt, chars, edges, text, dpi, img.skew_deg, time.perf_counter() - t0,
                   text_ink(img), scale)


def _is_wide(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or "\u3000" <= ch <= "\u303f"


def recognise(gray, scale: float) -> list[dict]:
    """Characters with boxes (points) and per-character confidence."""
    import cv2

    rgb = cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)
    result, _ = engine()(rgb, use_cls=False, return_word_box=True)
    chars: list[dict] = []
    for item in result or []:
        box, text, _score = item[0], item[1], item[2]
        word_boxes, words, confs = (item[3], item[4], item[5]) if len(item) >= 6 else ([box], [text], [_score])
        ys = [p[1] for p in box]
        top, bottom = min(ys) / scale, max(ys) / scale
        size = max(1.0, bottom - top)
        conf_iter = iter(confs)
        for wbox, word in zip(word_boxes, words):
            xs = [p[0] for p in wbox]
            x0, x1 = min(xs) / scale, max(xs) / scale
            letters = list(word)
            # a word box holds a number or a Latin word: split its width by glyph widths
            weights = [1.0 if _is_wide(ch) else 0.55 for ch in letters]
            total = sum(weights) or 1.0
            pos = x0
            for ch, wgt in zip(letters, weights):
                step = (x1 - x0) * wgt / total
                conf = next(conf_iter, _score)
                if not ch.isspace():
                    chars.append({"text": normalize(ch) or ch, "x0": pos, "x1": pos + step, "top": top,
                                  "bottom": bottom, "size": size, "conf": float(conf)})
                pos += step
    return chars


def annotate_cells(instances, ocr_pages: dict[int, OcrPage]) -> None:
    """``value_source``, ``confidence`` for every cell; OCR cells get the least sure
    character's probability, and 0 when the cell shows ink but nothing was read."""
    from .ocr_grid import ink_in

    for inst in instances:
        for c in inst.cells:
            page = ocr_pages.get(c.get("page"))
            c.setdefault("confirmed", None)
            c.setdefault("review_reason", None)
            if page is None:
                c["value_source"] = "text"
                c["confidence"] = None
                continue
            c["value_source"] = "ocr"
            box = (c["x0"], c["top"], c["x1"], c["bottom"]) if c.get("x0") is not None else None
            inside = [ch for ch in page.chars if box and box[0] <= (ch["x0"] + ch["x1"]) / 2 <= box[2]
                      and box[1] <= (ch["top"] + ch["bottom"]) / 2 <= box[3]]
            if inside:
                c["confidence"] = round(min(ch["conf"] for ch in inside), 4)
            elif box is not None and page.text_ink is not None and ink_in(page.text_ink, box, page.scale) > 12 * page.scale:
                c["confidence"] = 0.0  # something is printed there that OCR did not read
            else:
                c["confidence"] = 1.0 if box is not None else None  # an empty cell, seen empty


def apply(path: Path, cp) -> tuple[dict[int, OcrPage], list[int]]:
    """OCR the image-only pages of a cheap pass in place: their text, characters and ruling
    edges become those OCR found (``path_count`` counts the rules, so a ruled scan is a
    table page).  Returns the pages read and the pages left unread (time cap, no engine)."""
    todo = [p for p in cp.pages if image_only(p)]
    if not todo or not enabled():
        return {}, []
    if not available():
        return {}, [p.number for p in todo]
    pages, skipped = read_pages(path, [p.number for p in todo])
    for info in todo:
        pg = pages.get(info.number)
        if pg is None:
            continue
        info.text, info.chars, info.edges = pg.text, pg.chars, pg.edges
        info.path_count, info.char_count = len(pg.edges), len(pg.chars)
        info.width, info.height, info.rotation = pg.width, pg.height, 0
    return pages, skipped


def page_fields(number: int, scanned: dict) -> dict:
    """page_text columns: where the page's text comes from and how sure OCR was."""
    pages = scanned.get("pages") or {}
    if number in pages:
        pg = pages[number]
        mean = pg.mean_confidence
        return {"text_source": "ocr", "ocr_confidence": None if mean is None else round(mean, 4),
                "ocr_seconds": round(pg.seconds, 3)}
    if number in (scanned.get("skipped") or ()):
        return {"text_source": "unread", "ocr_confidence": None, "ocr_seconds": None}
    return {"text_source": "text", "ocr_confidence": None, "ocr_seconds": None}
