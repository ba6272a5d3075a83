"""Scanned copies of the synthetic disclosures, with the same ground truth.

Smaller departments print, stamp and scan their disclosures.  This turns a text
PDF into what such a scan looks like: every chosen page rasterised (150/200/300
dpi), on a grey paper tone, turned by a fraction of a degree, with sensor noise, a
red official stamp over part of a table, and JPEG compression; the page images are
wrapped back into a PDF without a text layer.  ``--pages tables`` scans only the
table pages and keeps the others as text (a mixed document, as when signed tables
are scanned into a typed report).

    python -m corpus.scan corpus/sample/synthetic/2022_agri_ys.pdf --dpi 200 --out /tmp/scans
    python -m corpus.scan corpus/sample/synthetic --limit 3 --dpi 150 200 300 --out /tmp/scans
    python -m corpus.scan corpus/sample/synthetic/2022_agri_ys.pdf --subset 1,3 --pages tables --dpi 150 \
        --tables budget_income,budget_expenditure,budget_fiscal_summary --out corpus/scanned

The truth file is copied beside each scan with ``file`` renamed and variants
``scan:<dpi>dpi`` (and ``scan:mixed``) added, so ``python -m extract.evaluate
/tmp/scans`` measures OCR against the same cells as the text path.  Everything is
seeded by the file name and dpi: the same input gives the same scan.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import random
import zlib
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter, ImageFont

DPIS = (150, 200, 300)


def _stamp(size: int, rng: random.Random) -> Image.Image:
    """A red round official seal (公章): ring, star and arc text, semi-transparent."""
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    red = (205, 30, 35, rng.randint(150, 200))
    w = max(3, size // 40)
    d.ellipse((w, w, size - w, size - w), outline=red, width=w)
    c, r = size / 2, size * 0.13
    pts = [(c + (r if i % 2 == 0 else r * 0.4) * math.sin(i * math.pi / 5),
            c - (r if i % 2 == 0 else r * 0.4) * math.cos(i * math.pi / 5)) for i in range(10)]
    d.polygon(pts, fill=red)
    font = _font(int(size * 0.11))
    if font is not None:
        text = "青川州财政局财务专用章"
        for i, ch in enumerate(text):
            ang = -150 + i * 300 / (len(text) - 1)
            x = c + size * 0.36 * math.sin(math.radians(ang))
            y = c - size * 0.36 * math.cos(math.radians(ang))
            d.text((x, y), ch, font=font, fill=red, anchor="mm")
    return img


def _font(px: int):
    try:
        from corpus.render_reportlab import font_path

        return ImageFont.truetype(str(font_path()), px)
    except Exception:  # no CJK font: the seal keeps its ring and star
        return None


def damage(img: Image.Image, dpi: int, rng: random.Random, *, stamp: bool) -> Image.Image:
    """Paper tone, stamp, slight rotation, blur, noise (the JPEG step is the caller's)."""
    img = img.convert("RGB")
    arr = np.asarray(img).astype(np.float32)
    tone = rng.uniform(200, 232)  # grey recycled paper / a scanner's uneven white
    arr = arr * (tone / 255.0)
    img = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    if stamp:
        s = _stamp(int(dpi * rng.uniform(1.3, 1.6)), rng)
        w, h = img.size
        x = int(w * rng.uniform(0.45, 0.7))
        y = int(h * rng.uniform(0.25, 0.6))
        img.paste(s, (x, y), s)
    angle = rng.uniform(0.2, 0.8) * rng.choice((-1, 1))
    img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=(int(tone),) * 3)
    img = img.filter(ImageFilter.GaussianBlur(radius=0.35 * dpi / 200))
    arr = np.asarray(img).astype(np.float32)
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    arr += nrng.normal(0, 6, arr.shape)
    return Image.fromarray(arr.clip(0, 255).astype(np.uint8))


def _is_table_page(page) -> bool:
    paths = sum(1 for o in page.get_objects(max_depth=2) if o.type == pdfium.raw.FPDF_PAGEOBJ_PATH)
    return paths >= 4


def scan_pdf(src: Path, dst: Path, dpi: int, *, pages: str = "all", seed: int | None = None) -> list[int]:
    """Write a scanned copy of ``src``; returns the scanned page numbers (1-based)."""
    rng = random.Random(seed if seed is not None else zlib.crc32(f"{src.name}:{dpi}:{pages}".encode()))
    pdf = pdfium.PdfDocument(str(src))
    out = pdfium.PdfDocument.new()
    scanned: list[int] = []
    stamped = False
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            w, h = page.get_size()
            table = _is_table_page(page)
            if pages == "tables" and not table:
                out.import_pages(pdf, [i])
                page.close()
                continue
            bitmap = page.render(scale=dpi / 72.0)
            img = bitmap.to_pil()
            page.close()
            # one stamp per document, on the first table page (where seals are pressed)
            put_stamp = table and not stamped
            stamped = stamped or put_stamp
            img = damage(img, dpi, rng, stamp=put_stamp)
            buf = io.BytesIO()
            img.save(buf, format="JPEG", quality=rng.randint(55, 75))
            buf.seek(0)
            new = out.new_page(w, h)
            obj = pdfium.PdfImage.new(out)
            obj.load_jpeg(buf, inline=False)
            obj.set_matrix(pdfium.PdfMatrix().scale(w, h))
            new.insert_obj(obj)
            new.gen_content()
            new.close()
            scanned.append(i + 1)
        out.save(str(dst))
    finally:
        out.close()
        pdf.close()
    return scanned


def scan_with_truth(src: Path, out_dir: Path, dpi: int, *, pages: str = "all", subset: list[int] | None = None,
                    tables: list[str] | None = None) -> Path:
    """Scan ``src`` (or only its pages ``subset``, keeping the truth of ``tables``) with its truth."""
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = f"scan{dpi}" + ("m" if pages == "tables" else "")
    stem = src.stem + (f".p{'-'.join(map(str, subset))}" if subset else "")
    dst = out_dir / f"{stem}.{suffix}.pdf"
    source = src
    if subset:
        source = out_dir / f".{stem}.subset.pdf"
        whole, part = pdfium.PdfDocument(str(src)), pdfium.PdfDocument.new()
        part.import_pages(whole, [n - 1 for n in subset])
        part.save(str(source))
        part.close()
        whole.close()
    scanned = scan_pdf(source, dst, dpi, pages=pages, seed=zlib.crc32(f"{dst.name}".encode()))
    if subset:
        source.unlink()
    truth_path = src.with_name(src.stem + ".truth.json")
    if truth_path.exists():
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if tables:  # the subset prints only these tables
            truth["tables"] = [t for t in truth.get("tables", []) if t["table_name"] in tables]
            truth["performance"], truth["narrative_figures"] = [], []
        truth["file"] = dst.name
        doc = truth.setdefault("document", {})
        doc["variants"] = list(doc.get("variants", [])) + [f"scan:{dpi}dpi"] + (["scan:mixed"] if pages == "tables" else [])
        doc["scanned_pages"] = scanned
        (out_dir / f"{stem}.{suffix}.truth.json").write_text(
            json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    return dst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", type=Path, nargs="+", help="PDF files or folders of them")
    ap.add_argument("--dpi", type=int, nargs="+", default=[200])
    ap.add_argument("--pages", choices=("all", "tables"), default="all")
    ap.add_argument("--limit", type=int, default=0, help="at most this many files per folder")
    ap.add_argument("--subset", help="only these pages, e.g. 1,3 (with --tables: the tables they print)")
    ap.add_argument("--tables", help="truth of these tables only (comma-separated catalog ids)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    subset = [int(x) for x in args.subset.split(",")] if args.subset else None
    tables = args.tables.split(",") if args.tables else None
    files: list[Path] = []
    for s in args.src:
        found = sorted(s.glob("*.pdf")) if s.is_dir() else [s]
        files += found[: args.limit] if args.limit else found
    for f in files:
        for dpi in args.dpi:
            print(scan_with_truth(f, args.out, dpi, pages=args.pages, subset=subset, tables=tables))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
