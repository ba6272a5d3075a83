"""Small PDFs made on the fly for tests: good, bad and strange."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))


def text_pdf(path: Path, lines: list[str], *, encrypt=None, pages: int = 1, font="STSong-Light") -> Path:
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1, encrypt=encrypt)
    for _ in range(pages):
        y = 800
        c.setFont(font, 11)
        for ln in lines:
            c.drawString(50, y, ln)
            y -= 16
        c.showPage()
    c.save()
    return path


def disclosure_lines(dept="青川州测试局", year=2023) -> list[str]:
    return [f"{year}年度{dept}部门决算", "收入支出决算总表", f"部门：{dept}", "单位：万元",
            f"{year}年度收、支总计均为100.00万元。"] * 3


def image_only_pdf(path: Path) -> Path:
    from PIL import Image
    img = Image.new("RGB", (800, 1100), "white")
    for x in range(100, 700):
        img.putpixel((x, 200), (0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    from reportlab.lib.utils import ImageReader
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.drawImage(ImageReader(buf), 0, 0, width=A4[0], height=A4[1])
    c.showPage()
    c.save()
    return path


def garbled_pdf(path: Path) -> Path:
    """Text drawn with a CID font that has no ToUnicode map and no known ordering:
    extractors can only report glyph ids ((cid:NN))."""
    objs = []
    content = b"BT /F1 12 Tf 50 800 Td " + b" ".join(
        b"<" + bytes(f"{0x0100 + (i * 7) % 300:04X}" * 8, "ascii") + b"> Tj 0 -14 Td" for i in range(40)) + b" ET"
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>")
    objs.append(b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream")
    objs.append(b"<< /Type /Font /Subtype /Type0 /BaseFont /XYZGarbled /Encoding /Identity-H /DescendantFonts [6 0 R] >>")
    objs.append(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /XYZGarbled /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 >>")
    objs.append(b"<< /Type /FontDescriptor /FontName /XYZGarbled /Flags 4 /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>")
    return _write_raw(path, objs)


def _write_raw(path: Path, objs: list[bytes]) -> Path:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + o + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def docx_file(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return path


def truncated_pdf(path: Path, source: Path) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


# ---------------------------------------------------------------------------------------
# reliability suite: huge, pathological and split files (tests/test_reliability_*.py)


def many_pages_pdf(path: Path, pages: int = 1000) -> Path:
    """``pages`` pages sharing one small content stream: a few KB on disk, any page count."""
    content = b"BT /F1 12 Tf 50 800 Td (page) Tj ET"
    kids = " ".join(f"{5 + i} 0 R" for i in range(pages)).encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count " + str(pages).encode() + b" >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R /Resources << /Font << /F1 4 0 R >> >> >>"
    objs += [page] * pages
    return _write_raw(path, objs)


def flate_bomb_pdf(path: Path, inflated_bytes: int = 1 << 30, chunk: bytes = b"0 0 m 1 1 l S\n") -> Path:
    """A one-page PDF whose content stream is FlateDecode data inflating to ``inflated_bytes``
    (default 1 GiB of a repeated path operator), about 1 MB on disk per GiB.

    Built in constant memory and about a second: one MiB of content is deflated once with a
    full flush (so each compressed copy is self-contained and byte-identical), the copies are
    written one after the other, closed by an empty final block and the zlib trailer (adler32
    computed incrementally over the repeated MiB).
    """
    import zlib

    mib = 1 << 20
    block = (chunk * (mib // len(chunk) + 1))[:mib]
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = z.compress(block) + z.flush(zlib.Z_FULL_FLUSH)
    copies = max(1, inflated_bytes // mib)
    adler = 1
    for _ in range(copies):
        adler = zlib.adler32(block, adler)
    with open(path, "wb") as fh:
        offsets = []

        def obj(body: bytes) -> None:
            offsets.append(fh.tell())
            fh.write(f"{len(offsets)} 0 obj\n".encode() + body + b"\nendobj\n")

        fh.write(b"%PDF-1.4\n")
        obj(b"<< /Type /Catalog /Pages 2 0 R >>")
        obj(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
        obj(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>")
        offsets.append(fh.tell())  # object 4: the stream; its /Length is object 5, written after it
        fh.write(b"4 0 obj\n<< /Length 5 0 R /Filter /FlateDecode >>\nstream\n")
        start = fh.tell()
        fh.write(b"\x78\xda")  # zlib header, best compression
        for _ in range(copies):
            fh.write(deflated)
        fh.write(b"\x03\x00")  # empty final fixed-Huffman block
        fh.write(adler.to_bytes(4, "big"))
        length = fh.tell() - start
        fh.write(b"\nendstream\nendobj\n")
        obj(str(length).encode())
        xref = fh.tell()
        fh.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
        for off in offsets:
            fh.write(f"{off:010d} 00000 n \n".encode())
        fh.write(f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return path


def page_subset_pdf(source: Path, path: Path, pages: list[int]) -> Path:
    """A new PDF made of some pages (1-based) of ``source`` (pypdfium2), e.g. to split a
    disclosure into a narrative file and a tables file."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(source))
    dst = pdfium.PdfDocument.new()
    try:
        dst.import_pages(src, [p - 1 for p in pages])
        dst.save(str(path))
    finally:
        dst.close()
        src.close()
    return path


def corrected_disclosure_pdf(path: Path, dept: str = "青川州测试局", year: int = 2023, total: str = "120.00") -> Path:
    """The same disclosure as ``text_pdf(disclosure_lines(dept, year))`` with another total (new bytes)."""
    lines = [ln.replace("100.00", total) for ln in disclosure_lines(dept, year)]
    return text_pdf(path, lines)
