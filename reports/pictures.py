"""Page pictures: the printed row around a defect's cell, framed in red, cropped from the PDF."""
from __future__ import annotations

import base64
import io
import shutil
from collections import OrderedDict
from pathlib import Path
from typing import Any

WARNING_PICTURES = 80  # warnings share this budget; every error gets its picture
PICTURE_DPI = 130
PAGE_CACHE = 8  # rendered pages kept for further crops
PDF_CACHE = 4  # PDFs kept open
PICTURE_VERSION = "1"  # part of a stored picture's name: change it when _render draws differently


class PagePictures:
    """Crops of rendered PDF pages around a finding's bounding box, as data: URIs."""

    def __init__(self, landing_dir: Path, warning_budget: int = WARNING_PICTURES, dpi: int = PICTURE_DPI,
                 store: Path | None = None):
        """``store``: a folder where each picture is kept as a PNG file (one subfolder per
        document). A document id is the sha256 of its bytes, so a picture of a given cell never
        changes: the next night's report takes it from there instead of rendering the page again."""
        self.landing_dir = Path(landing_dir)
        self.store = Path(store) if store is not None else None
        self.dpi = dpi
        self.stored = 0  # pictures taken from the store
        self.warning_budget = warning_budget  # every error gets its picture; warnings share this many
        self.scale = dpi / 72.0
        self.count = 0
        self.warnings = 0
        self._done: dict[tuple, bytes] = {}  # the same cell of the same document is rendered once
        # Bounded caches (findings come grouped by document): an unbounded page cache held
        # up to MAX_PICTURES rendered pages (~3 MB each) and every PDF open at once.
        self._pdfs: OrderedDict[str, Any] = OrderedDict()
        self._pages: OrderedDict[tuple[str, int], Any] = OrderedDict()

    def _pdf(self, doc: dict[str, Any]):
        key = doc["document_id"]
        if key in self._pdfs:
            self._pdfs.move_to_end(key)
        else:
            while len(self._pdfs) >= PDF_CACHE:
                old_key, old = self._pdfs.popitem(last=False)
                for page_key in [k for k in self._pages if k[0] == old_key]:
                    del self._pages[page_key]
                if old is not None:
                    old.close()
            self._pdfs[key] = None
            rel = doc.get("file_path") or doc.get("file_name")
            path = self.landing_dir / rel if rel else None
            if path is not None and path.is_file():
                try:
                    import pypdfium2 as pdfium

                    self._pdfs[key] = pdfium.PdfDocument(str(path))
                except Exception:
                    self._pdfs[key] = None
        return self._pdfs[key]

    def _page_image(self, doc: dict[str, Any], page_no: int):
        key = (doc["document_id"], page_no)
        if key in self._pages:
            self._pages.move_to_end(key)
        else:
            while len(self._pages) >= PAGE_CACHE:
                self._pages.popitem(last=False)
            self._pages[key] = None
            pdf = self._pdf(doc)
            if pdf is not None and 1 <= page_no <= len(pdf):
                page = pdf[page_no - 1]
                try:
                    self._pages[key] = page.render(scale=self.scale).to_pil().convert("RGB")
                finally:
                    page.close()
        return self._pages[key]

    def crop(self, doc: dict[str, Any], bbox: tuple[int, float, float, float, float], severity: str = "error",
             fmt: str = "uri") -> str | bytes | None:
        """The row band around ``bbox`` with the cell framed in red: a data: URI, or PNG bytes (``fmt='png'``)."""
        key = (doc["document_id"], bbox)
        if key in self._done:
            png = self._done[key]
        else:
            if severity != "error" and self.warnings >= self.warning_budget:
                return None
            png = self._stored(doc, bbox)
            if png is None:
                png = self._render(doc, bbox)
                if png is None:
                    return None
                self._keep(doc, bbox, png)
            self._done[key] = png
            self.count += 1
            self.warnings += severity != "error"
        return png if fmt == "png" else "data:image/png;base64," + base64.b64encode(png).decode("ascii")

    def _store_path(self, doc: dict[str, Any], bbox: tuple[int, float, float, float, float]) -> Path | None:
        if self.store is None:
            return None
        name = "_".join(f"{v:g}" if isinstance(v, float) else str(v) for v in bbox)
        return self.store / str(doc["document_id"]) / f"v{PICTURE_VERSION}-{self.dpi}dpi-{name}.png"

    def _stored(self, doc: dict[str, Any], bbox: tuple[int, float, float, float, float]) -> bytes | None:
        path = self._store_path(doc, bbox)
        try:
            png = path.read_bytes() if path is not None else None
        except OSError:
            return None
        if png:
            self.stored += 1
        return png or None

    def _keep(self, doc: dict[str, Any], bbox: tuple[int, float, float, float, float], png: bytes) -> None:
        path = self._store_path(doc, bbox)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_bytes(png)
            tmp.replace(path)
        except OSError:  # a picture not kept is rendered again next time
            pass

    def prune(self, documents: set[str]) -> int:
        """Remove the stored pictures of documents no longer in the warehouse; how many folders."""
        if self.store is None or not self.store.is_dir():
            return 0
        removed = 0
        for folder in self.store.iterdir():
            if folder.is_dir() and folder.name not in documents:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    def _render(self, doc: dict[str, Any], bbox: tuple[int, float, float, float, float]) -> bytes | None:
        page_no, x0, top, x1, bottom = bbox
        img = self._page_image(doc, page_no)
        if img is None:
            return None
        from PIL import ImageDraw

        s = self.scale
        w, h = img.size
        # the whole row band: full page width, a few lines above and below the cell
        box = (0, max(0, int((top - 40) * s)), w, min(h, int((bottom + 40) * s)))
        region = img.crop(box).copy()
        draw = ImageDraw.Draw(region)
        draw.rectangle([x0 * s - 3, top * s - box[1] - 3, x1 * s + 3, bottom * s - box[1] + 3], outline=(220, 0, 0), width=2)
        buf = io.BytesIO()
        region.quantize(colors=32).save(buf, format="PNG", optimize=True)  # a palette PNG is ~4× smaller
        return buf.getvalue()

    def close(self) -> None:
        for pdf in self._pdfs.values():
            if pdf is not None:
                pdf.close()
        self._pdfs.clear()
        self._pages.clear()
