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
