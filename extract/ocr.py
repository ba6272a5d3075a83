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
before); ``FISCAL_OCR_SECONDS`` (default 60 % of ``FISCAL_DOC_TIMEOUT_S``) caps the OCR time of
one document, pages past it are left unread and recorded (``page_text.text_source =
'unread'``); ``FISCAL_OCR_THREADS`` (default 1) threads per
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
# Pages are rendered at 200 dpi whatever the scan's resolution: below it small digits lose
# strokes; above it the recogniser reads no better (measured on 300 dpi scans) and detection
# time grows with the area.  FISCAL_OCR_DPI overrides.
OCR_DPI = 200
CONFIDENT = 0.97  # a character the recogniser is at least this sure of counts as read


def enabled() -> bool:
    return os.environ.get("FISCAL_OCR", "1").strip().lower() not in ("0", "false", "no", "off")


def budget_seconds() -> float:
    """OCR time one document may spend: FISCAL_OCR_SECONDS, else 60 % of the per-document cap
    (FISCAL_DOC_TIMEOUT_S, 300 s) so that the tables of the pages read are still extracted
    and written before the cap kills the process."""
    try:
        return float(os.environ["FISCAL_OCR_SECONDS"])
    except (KeyError, ValueError):
        pass
    try:
        return 0.6 * float(os.environ.get("FISCAL_DOC_TIMEOUT_S", "300"))
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


def read_pages(path: Path, numbers: list[int], *, budget_s: float | None = None) -> tuple[dict[int, OcrPage], list[int]]:
    """OCR the given pages (1-based); returns the pages read and those left for lack of time.

    Under an address-space cap (an ``extract_many`` worker, forked from a large parent such as
    the Dagster run, already holds most of its 2 GB of address space), OCR runs in a freshly
    started helper process that gets the same cap but not the parent's mappings."""
    import resource

    budget = budget_seconds() if budget_s is None else budget_s
    if resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY:
        return _read_pages_helper(path, numbers, budget)
    return _read_pages_here(path, numbers, budget)


def _read_pages_helper(path: Path, numbers: list[int], budget: float):
    """``python -m extract.ocr`` as a helper: arguments and pages pickled over its pipes (a
    fresh interpreter imports only what OCR needs, not the parent's main module)."""
    import pickle
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "extract.ocr"], input=pickle.dumps((str(path), numbers, budget)),
                          capture_output=True, preexec_fn=_die_with_parent, check=False)
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise RuntimeError(f"OCR helper exited with {proc.returncode}: {' | '.join(tail)}")
    return pickle.loads(proc.stdout)


def _die_with_parent() -> None:
    """The helper is killed with the worker that started it (the per-document time cap)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: the pool's own shutdown still ends it
        pass


def _read_pages_here(path, numbers: list[int], budget: float) -> tuple[dict[int, OcrPage], list[int]]:
    import pypdfium2 as pdfium

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
    from .ocr_grid import ruling_edges, straighten, text_ink

    t0 = time.perf_counter()
    w_pt, h_pt = page.get_size()
    if page.get_rotation() in (90, 270):
        w_pt, h_pt = h_pt, w_pt
    dpi = float(os.environ.get("FISCAL_OCR_DPI") or OCR_DPI)
    scale = dpi / 72.0
    rgb = render(page, dpi)
    img = straighten(rgb, scale)
    edges = ruling_edges(img, dpi)
    ink = text_ink(img)
    chars = drop_rule_glyphs(drop_seal_lettering(recognise(img.gray, scale, ink, img.ink & ~ink), img), edges)
    from .grid import page_lines

    text = normalize("\n".join(ln.text for ln in page_lines(chars)))
    return OcrPage(number, w_pt, h_pt, chars, edges, text, dpi, img.skew_deg, time.perf_counter() - t0,
                   ink, scale)


def native_dpi(page) -> float | None:
    """Resolution of the page's largest image (a scan's own dpi), None for a page without one."""
    import pypdfium2 as pdfium

    best, dpi = 0.0, None
    for obj in page.get_objects(max_depth=2):
        if obj.type != pdfium.raw.FPDF_PAGEOBJ_IMAGE:
            continue
        x0, y0, x1, y1 = obj.get_bounds()
        px_w, px_h = obj.get_px_size()
        area = (x1 - x0) * (y1 - y0)
        if area > best and x1 > x0 and y1 > y0:
            best, dpi = area, max(px_w / ((x1 - x0) / 72.0), px_h / ((y1 - y0) / 72.0))
    return dpi


def render(page, dpi: float):
    """The page as RGB pixels at ``dpi``.  A scan finer than that is rendered at its own
    resolution and reduced by area averaging: pdfium's direct downscaling samples the image
    (aliasing thin strokes such as 、 and the rules)."""
    import cv2
    import numpy as np

    native = native_dpi(page)
    if native is None or native < dpi * 1.2:
        return np.asarray(page.render(scale=dpi / 72.0).to_pil().convert("RGB"))
    full = np.asarray(page.render(scale=native / 72.0).to_pil().convert("RGB"))
    w_pt, h_pt = page.get_size()
    if page.get_rotation() in (90, 270):
        w_pt, h_pt = h_pt, w_pt
    size = (int(round(w_pt * dpi / 72.0)), int(round(h_pt * dpi / 72.0)))
    return cv2.resize(full, size, interpolation=cv2.INTER_AREA)


# Text is found on a reduced page (detection needs no fine detail, and its feature maps at
# full size would take over a gigabyte, past the per-document memory cap) and read on
# crops of the full-resolution page.
DET_MAX_SIDE = 1600
MIN_LINE_SCORE = 0.3  # below this a "line" is noise (a seal's fragment, a speck); above, it is kept and judged


def _read_lines(gray, ink=None, rules=None):
    """RapidOCR's steps (detect, crop, recognise, character boxes) with detection on a reduced
    image; yields (box, text, score, word boxes, words, per-character confidences).  With the
    page's text ink (rules removed), a box is first widened over ink it left out on its left."""
    import cv2
    import numpy as np

    eng = engine()
    rgb = cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)
    h, w = gray.shape
    f = min(1.0, DET_MAX_SIDE / max(h, w))
    small = cv2.resize(rgb, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else rgb
    boxes, _ = eng.auto_text_det(small)
    if boxes is None or len(boxes) == 0:
        return
    boxes = [np.clip(np.asarray(b, dtype=np.float32) / f, 0, [w - 1, h - 1]).astype(np.float32) for b in boxes]
    if ink is not None:
        boxes = widen_to_ink(boxes, ink, rules)
    crops = eng.get_crop_img_list(rgb, boxes)
    rec, _ = eng.text_rec(crops, True)
    rec = eng.cal_rec_boxes(crops, boxes, rec)
    for box, (text, score, word_boxes, words, confs) in zip(boxes, rec):
        if text and float(score) >= MIN_LINE_SCORE:
            yield box.tolist(), text, float(score), word_boxes, words, confs


def widen_to_ink(boxes, ink, rules=None):
    """Detection on the reduced page can leave out the thin glyphs that open a line — the 一、 or
    二、 of an ordinal (一财政拨款 read as 财政拨款, the row key lost).  A box is stretched left
    over the ink next to it in its line band, glyph by glyph (gaps narrower than half the
    line's height), stopping at another box or a wider gap."""
    import numpy as np

    out = []
    rects = [(float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 0].max()), float(b[:, 1].max())) for b in boxes]
    for b, (x0, y0, x1, y1) in zip(boxes, rects):
        hgt = y1 - y0
        if hgt < 4:
            out.append(b)
            continue
        # the band's middle: ink of the lines above and below stays out
        top, bottom = int(y0 + 0.2 * hgt), int(y1 - 0.2 * hgt)
        # another box in the band on the left (or overlapping this one) bounds the search
        limit = max([r[2] for r in rects if r[0] < x0 and r[1] < y1 - 0.3 * hgt and r[3] > y0 + 0.3 * hgt]
                    + [x0 - 3 * hgt, 0])
        cols = ink[top:bottom, int(limit):int(x0)].any(axis=0) if x0 - limit >= 2 else np.zeros(0, bool)
        walls = (rules[top:bottom, int(limit):int(x0)].all(axis=0) if rules is not None and len(cols)
                 else np.zeros(len(cols), bool))
        gap_max = max(2, int(0.5 * hgt))
        new_x0, gap = x0, 0
        for i in range(len(cols) - 1, -1, -1):
            if walls[i]:  # a cell's rule: the cell ends here
                break
            if cols[i]:
                new_x0, gap = limit + i, 0
            else:
                gap += 1
                if gap > gap_max:
                    break
        if new_x0 < x0 - 0.25 * hgt:  # at least a thin glyph's width: not the blur of the first one
            b = b.copy()
            left = max(0.0, new_x0 - 0.15 * hgt)
            for k in range(4):
                if b[k, 0] < (x0 + x1) / 2:
                    b[k, 0] = left
        out.append(b)
    return out


def _is_wide(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or "\u3000" <= ch <= "\u303f"


def recognise(gray, scale: float, ink=None, rules=None) -> list[dict]:
    """Characters with boxes (points) and per-character confidence (``ink``, ``rules``: masks of
    the page's text and ruling lines, to widen boxes that left glyphs out)."""
    chars: list[dict] = []
    for box, text, _score, word_boxes, words, confs in _read_lines(gray, ink, rules):
        ys = [p[1] for p in box]
        top, bottom = min(ys) / scale, max(ys) / scale
        size = max(1.0, bottom - top)
        conf_iter = iter(confs)
        line: list[dict] = []
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
                    line.append({"text": normalize(ch) or ch, "x0": pos, "x1": pos + step, "top": top,
                                 "bottom": bottom, "size": size, "conf": float(conf)})
                pos += step
        chars.extend(_unread_glyphs(line))
    return chars


def drop_seal_lettering(chars: list[dict], img) -> list[dict]:
    """A seal's red lettering read as Chinese characters (政局财 before an amount) is dropped;
    the characters it stood among lose trust (``UNREAD``): under a seal a digit may be
    misread too.  Digits printed under a seal are red-tinted as well, so only CJK letters
    go; the identities decide about the rest."""
    from .ocr_grid import is_red

    out: list[dict] = []
    dropped: list[dict] = []
    for ch in chars:
        if _is_wide(ch["text"]) and is_red(img, (ch["x0"], ch["top"], ch["x1"], ch["bottom"])):
            dropped.append(ch)
        else:
            out.append(ch)
    for ch in out:
        if any(abs(d["top"] - ch["top"]) < 0.5 * ch["size"] and (d["x0"] - 2 * ch["size"] < ch["x0"] < d["x1"] + 2 * ch["size"])
               for d in dropped):
            ch["conf"] = min(ch["conf"], UNREAD)
    return out


_BARS = set("|丨│┃")


def drop_rule_glyphs(chars: list[dict], edges: list[dict], tol: float = 2.5) -> list[dict]:
    """A vertical rule next to a number is sometimes read as a character (251.83| ): a bar glyph
    that lies on a vertical rule is the rule, not text.  A bar elsewhere stays (it may be a
    misread 1, and then the value fails to parse and is flagged)."""
    verticals = [e for e in edges if e["orientation"] == "v"]

    def on_rule(ch: dict) -> bool:
        x = (ch["x0"] + ch["x1"]) / 2
        mid = (ch["top"] + ch["bottom"]) / 2
        return any(abs(e["x0"] - x) <= tol + (ch["x1"] - ch["x0"]) / 2 and e["top"] <= mid <= e["bottom"]
                   for e in verticals)

    return [ch for ch in chars if not (ch["text"] in _BARS and on_rule(ch))]


_NUMERALS = set("一二三四五六七八九十")
UNREAD = 0.5  # confidence given to characters next to a glyph the recogniser skipped


def _unread_glyphs(line: list[dict]) -> list[dict]:
    """A glyph the recogniser skipped leaves its room to a neighbour: a character box half as
    wide again as the line's others.  Such a character is not trusted (``UNREAD``).  The one
    glyph that is skipped often and can be restored is the small 、 after an ordinal (三、其他
    资金 read 三其他资金): a numeral that opens the line and holds the room of two characters
    is split into the numeral and 、 (both still marked unread)."""
    wide = [c["x1"] - c["x0"] for c in line if _is_wide(c["text"])]
    if len(wide) < 3:
        return line
    em = sorted(wide)[len(wide) // 2]
    out: list[dict] = []
    for i, c in enumerate(line):
        w = c["x1"] - c["x0"]
        nxt = line[i + 1] if i + 1 < len(line) else None
        gap = nxt["x0"] - c["x1"] if nxt is not None else 0.0
        if _is_wide(c["text"]) and (w > 1.5 * em or gap > 0.6 * em):
            opens = all(p["text"] in _NUMERALS for p in line[:i])
            if c["text"] in _NUMERALS and opens and nxt is not None and nxt["text"] != "、" and _is_wide(nxt["text"]):
                mid = c["x0"] + min(w, em)
                out.append({**c, "x1": mid, "conf": min(c["conf"], UNREAD)})
                out.append({**c, "text": "、", "x0": mid, "x1": max(mid + 1, nxt["x0"]), "conf": UNREAD})
                continue
            c = {**c, "conf": min(c["conf"], UNREAD)}
        elif i == 0 and c["text"] in "、，。":
            c = {**c, "conf": min(c["conf"], UNREAD)}  # a line cannot open with 、: its first glyph is lost
        out.append(c)
    return out


def annotate_cells(instances, ocr_pages: dict[int, OcrPage]) -> None:
    """``value_source`` and ``confidence`` for every cell.  An OCR cell's confidence is its least
    sure character's probability, 0 when the cell shows ink but nothing was read; it is also
    capped by the characters of its row's label and code (the rest of the row band: a misread
    label files a right number under a wrong row).  A misread label of a standard row is then
    repaired from the catalog's row labels (:mod:`extract.ocr_labels`), its cells capped below
    ``CONFIDENT``."""
    from .ocr_labels import repair_instance

    for inst in instances:
        rows: dict[tuple[int, int], list[dict]] = {}
        for c in inst.cells:
            page = ocr_pages.get(c.get("page"))
            c.setdefault("confirmed", None)
            c.setdefault("review_reason", None)
            if page is None:
                c["value_source"], c["confidence"] = "text", None
                continue
            c["value_source"] = "ocr"
            c["confidence"] = _cell_confidence(c, page)
            if c.get("x0") is not None:
                rows.setdefault((c["page"], c["row_index"]), []).append(c)
        for (pno, _), cells in rows.items():
            label = _label_confidence(cells, ocr_pages[pno], inst)
            for c in cells:
                if c["confidence"] is not None and label is not None:
                    c["confidence"] = min(c["confidence"], label)
        repair_instance(inst, lambda c: c.get("value_source") == "ocr")


def _label_confidence(cells: list[dict], page: OcrPage, inst) -> float | None:
    """Least sure character in the row band of the table, outside the row's amount cells."""
    right = max(c["x1"] for c in inst.cells if c.get("page") == page.number and c.get("x0") is not None)
    top, bottom = min(c["top"] for c in cells), max(c["bottom"] for c in cells)
    label_chars = [ch["conf"] for ch in page.chars
                   if top <= (ch["top"] + ch["bottom"]) / 2 <= bottom and ch["x0"] <= right
                   and not any(c["x0"] <= (ch["x0"] + ch["x1"]) / 2 <= c["x1"] for c in cells)]
    return round(min(label_chars), 4) if label_chars else None


def _cell_confidence(c: dict, page: OcrPage) -> float | None:
    from .ocr_grid import ink_in

    if c.get("x0") is None:
        return None
    box = (c["x0"], c["top"], c["x1"], c["bottom"])
    inside = [ch["conf"] for ch in page.chars if box[0] <= (ch["x0"] + ch["x1"]) / 2 <= box[2]
              and box[1] <= (ch["top"] + ch["bottom"]) / 2 <= box[3]]
    if inside:
        return round(min(inside), 4)
    if page.text_ink is not None and ink_in(page.text_ink, box, page.scale) > 12 * page.scale:
        return 0.0  # something is printed there that OCR did not read
    return 1.0  # an empty cell, seen empty


def apply(path: Path, cp) -> tuple[dict[int, OcrPage], list[int]]:
    """OCR the image-only pages of a cheap pass in place: their text, characters and ruling
    edges become those OCR found (``path_count`` counts the rules, so a ruled scan is a
    table page).  Returns the pages read and the pages left unread (time cap, no engine)."""
    todo = [p for p in cp.pages if image_only(p)]
    if not todo or not enabled():
        return {}, []
    if not available():
        return {}, [p.number for p in todo]
    try:
        pages, skipped = read_pages(path, [p.number for p in todo])
    except Exception:  # noqa: BLE001 - the engine failed (memory cap, broken image): pages stay unread
        return {}, [p.number for p in todo]
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


if __name__ == "__main__":  # the helper process of read_pages (pickled arguments in, pages out)
    import pickle
    import sys

    from extract.ocr import _read_pages_here as _run  # pages pickled as extract.ocr.OcrPage, not __main__'s

    _path, _numbers, _budget = pickle.loads(sys.stdin.buffer.read())
    sys.stdout.buffer.write(pickle.dumps(_run(_path, _numbers, _budget)))
