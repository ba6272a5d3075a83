"""A scanned page image → a straightened page and its ruling lines as PDF edges.

The text path finds tables from the ruling lines a PDF draws; a scan has the same lines
as pixels.  Here they are recovered by morphology (OpenCV): the page is straightened
first (a scan is turned by a fraction of a degree, enough to break a long line into
steps), ink is separated from paper by a local threshold, and long thin horizontal and
vertical runs are kept.  Each run becomes an edge in pdfplumber's coordinates, so the
same table finder (:func:`extract.pdfium_page.find_tables`) builds the cells.

Coloured ink (a red or blue seal pressed over a table) is made paper-light by taking the
brightest colour channel as the grey value: black print is dark in every channel, a red
seal is bright in the red one.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Longest text stroke vs shortest ruling segment, in inches: a CJK character at 10.5 pt is
# ~0.15 in tall/wide; a table row is at least ~0.2 in.
H_KERNEL_IN = 0.30
V_KERNEL_IN = 0.17
MAX_SKEW_DEG = 3.0


@dataclass
class PageImage:
    gray: np.ndarray  # straightened grey image (seals removed), uint8, paper light
    ink: np.ndarray  # binary ink mask (255 = ink), ruling lines included
    scale: float  # pixels per PDF point
    skew_deg: float  # rotation that was undone
    redness: np.ndarray | None = None  # straightened R − max(G, B), 0–255: where a red seal lies
    paper: float | None = None  # the paper's grey level (median), computed when first needed


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """Brightest channel: black print stays dark, red/blue seals turn nearly paper-light.
    (Stretching the paper tone to white as well lost thin strokes such as 、: measured worse.)"""
    if rgb.ndim == 2:
        return rgb
    return rgb[:, :, :3].max(axis=2)


def ink_mask(gray: np.ndarray, scale: float) -> np.ndarray:
    block = int(round(12 * scale)) | 1  # a neighbourhood of ~12 pt: larger than a stroke
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15)


def estimate_skew(ink: np.ndarray) -> float:
    """Angle (degrees) that makes text lines and rules horizontal: the rotation that maximises
    the variance of the row sums (projection profile), coarse then fine, on a reduced image
    (1600 px: 0.02° is then about half a pixel across the page)."""
    f = 1600.0 / max(ink.shape)
    small = cv2.resize(ink, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else ink
    h, w = small.shape
    centre = (w / 2, h / 2)

    def score(a: float) -> float:
        m = cv2.getRotationMatrix2D(centre, float(a), 1.0)
        rot = cv2.warpAffine(small, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
        prof = rot.sum(axis=1, dtype=np.float64)
        return float(np.var(prof))

    best = max(np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 1e-9, 0.2), key=score)
    fine = max(np.arange(best - 0.2, best + 0.2 + 1e-9, 0.02), key=score)
    return round(float(fine), 2)


def straighten(rgb: np.ndarray, scale: float) -> PageImage:
    gray = to_gray(rgb)
    red = None
    if rgb.ndim == 3:
        c = rgb[:, :, :3].astype(np.int16)
        red = (c[:, :, 0] - np.maximum(c[:, :, 1], c[:, :, 2])).clip(0, 255).astype(np.uint8)
    ink = ink_mask(gray, scale)
    angle = estimate_skew(ink)
    if abs(angle) >= 0.05:
        h, w = gray.shape
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        paper = int(np.median(gray))
        gray = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=paper)
        if red is not None:
            red = cv2.warpAffine(red, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
        ink = ink_mask(gray, scale)
    return PageImage(gray, ink, scale, angle, red)


def is_red(img: PageImage, box: tuple[float, float, float, float]) -> bool:
    """Is the character in this box (points) printed in seal red? (red strokes outweigh black
    ones: a character box from the recogniser may overlap a printed digit)"""
    if img.redness is None:
        return False
    x0, top, x1, bottom = (int(v * img.scale) for v in box)
    g = img.gray[top:bottom + 1, x0:x1 + 1]
    r = img.redness[top:bottom + 1, x0:x1 + 1]
    if g.size == 0:
        return False
    red_ink = int(np.count_nonzero(r > 60))  # seal strokes (and print under the seal)
    black_ink = int(np.count_nonzero((g < 110) & (r < 40)))  # print outside the seal
    return red_ink > black_ink and red_ink > 0.05 * g.size


def _runs(mask: np.ndarray, horizontal: bool, scale: float) -> list[tuple[float, float, float]]:
    """Connected line pixels → (position across, start, end) in PDF points.

    Thickness is the mean (area / length), not the bounding box: a rule left tilted by a
    few hundredths of a degree steps by a pixel or two along the page."""
    n, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    h, w = mask.shape
    max_thick = 0.02 * scale * 72  # ~0.5 mm: thicker is a filled block, not a rule
    out = []
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        # a scanner's dark page edge is not a rule
        if x <= 1 or y <= 1 or x + bw >= w - 1 or y + bh >= h - 1:
            continue
        cx, cy = centroids[i]
        if horizontal:
            if area / max(bw, 1) > max_thick:
                continue
            out.append((cy / scale, x / scale, (x + bw) / scale))
        else:
            if area / max(bh, 1) > max_thick:
                continue
            out.append((cx / scale, y / scale, (y + bh) / scale))
    return out


# A rule this long (points) is a rule whatever touches it; a shorter run of ink counts only
# when both its ends meet rules across it (a cell border), not when it floats inside a cell
# (the strokes of a line of text, joined by the gap-closing below).
LONG_H_PT, LONG_V_PT, TOUCH_PT = 72.0, 36.0, 4.0


def _line_runs(ink: np.ndarray, horizontal: bool, length: int, bridge: int, scale: float):
    shape = (bridge, 1) if horizontal else (1, bridge)
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, shape))
    shape = (length, 1) if horizontal else (1, length)
    return _runs(cv2.morphologyEx(closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, shape)),
                 horizontal, scale)


def _touches(pos: float, at: float, across: list[tuple[float, float, float]]) -> bool:
    """Is there a perpendicular rule through ``at`` (its position) that reaches ``pos``?"""
    return any(abs(a - at) <= TOUCH_PT and lo - TOUCH_PT <= pos <= hi + TOUCH_PT for a, lo, hi in across)


def _seal_run(img: PageImage, run: tuple[float, float, float], *, horizontal: bool) -> bool:
    """Is this run of "rule" a piece of a seal's ring?  JPEG's coarse colour leaves the ring a
    little darker than the paper in the brightest channel, enough for the local threshold; its
    stroke is reddish and light, while a printed rule is neutral grey or, under the seal, dark."""
    if img.redness is None:
        return False
    s = img.scale
    pos, lo, hi = run
    a, b = int(pos * s) - 2, int(pos * s) + 3
    c, d = int(lo * s), int(hi * s) + 1
    window = (slice(a, b), slice(c, d)) if horizontal else (slice(c, d), slice(a, b))
    g, r = img.gray[window], img.redness[window]
    if g.size == 0:
        return False
    if not horizontal:
        g, r = g.T, r.T
    if img.paper is None:
        img.paper = float(np.median(img.gray[::8, ::8]))
    # along the run, its darkest pixel across: the stroke itself
    k = g.argmin(axis=0)
    cols = np.arange(g.shape[1])
    stroke_g, stroke_r = g[k, cols], r[k, cols]
    return float(np.median(stroke_r)) > 20 and float(np.median(stroke_g)) > 0.7 * img.paper


def ruling_edges(img: PageImage, dpi: float) -> list[dict]:
    """Horizontal and vertical rules of a straightened page as pdfplumber edges (points).

    Faint scanned rules break into dashes: a short closing along the rule joins them before
    the long opening keeps only runs longer than any character stroke."""
    bridge = max(3, int(dpi / 40))  # ~0.6 mm gaps of a faint rule
    hs = _line_runs(img.ink, True, max(8, int(H_KERNEL_IN * dpi)), bridge, img.scale)
    vs = _line_runs(img.ink, False, max(8, int(V_KERNEL_IN * dpi)), bridge, img.scale)
    hs = [r for r in hs if not _seal_run(img, r, horizontal=True)]
    vs = [r for r in vs if not _seal_run(img, r, horizontal=False)]
    long_h = [r for r in hs if r[2] - r[1] >= LONG_H_PT]
    long_v = [r for r in vs if r[2] - r[1] >= LONG_V_PT]
    keep_h = long_h + [r for r in hs if r[2] - r[1] < LONG_H_PT
                       and _touches(r[0], r[1], long_v) and _touches(r[0], r[2], long_v)]
    keep_v = long_v + [r for r in vs if r[2] - r[1] < LONG_V_PT
                       and _touches(r[0], r[1], long_h) and _touches(r[0], r[2], long_h)]
    edges = []
    for y, x0, x1 in keep_h:
        edges.append({"x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0.0,
                      "orientation": "h", "object_type": "line"})
    for x, top, bottom in keep_v:
        edges.append({"x0": x, "x1": x, "top": top, "bottom": bottom, "width": 0.0, "height": bottom - top,
                      "orientation": "v", "object_type": "line"})
    return edges


def text_ink(img: PageImage) -> np.ndarray:
    """Ink without the ruling lines (what a cell's text is made of)."""
    dpi = img.scale * 72
    hk = max(8, int(H_KERNEL_IN * dpi))
    vk = max(8, int(V_KERNEL_IN * dpi))
    lines = cv2.morphologyEx(img.ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    lines |= cv2.morphologyEx(img.ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    lines = cv2.dilate(lines, np.ones((3, 3), np.uint8))
    return cv2.bitwise_and(img.ink, cv2.bitwise_not(lines))


def ink_in(text_ink_mask: np.ndarray, bbox: tuple[float, float, float, float], scale: float) -> int:
    """Ink pixels inside a cell (PDF-point box), its border band left out, specks ignored."""
    x0, top, x1, bottom = bbox
    pad = 2.0  # points: the ruling line and its blur
    a, b = int((x0 + pad) * scale), int((x1 - pad) * scale)
    c, d = int((top + pad) * scale), int((bottom - pad) * scale)
    if b <= a or d <= c:
        return 0
    roi = text_ink_mask[c:d, a:b]
    if roi.size == 0:
        return 0
    roi = cv2.morphologyEx(roi, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))  # noise specks
    return int(cv2.countNonZero(roi))
