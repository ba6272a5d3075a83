"""Screenshots of the reports in a real browser (headless Debian chromium), to look at them.

    python scripts/screenshots.py [--reports-dir DIR] [--out DIR] [--workbook NAME.xlsx]

Writes ``report-1280.png`` and ``report-1920.png`` (the top of quality_report.html),
``department-1280.png`` (the first department with errors, at its anchor) and
``excel-<name>.png`` (a department's 问题清单 sheet rendered as HTML from the workbook with
openpyxl: cells, column widths and the embedded page pictures; LibreOffice is not needed).
The browser runs without network (every host resolves to nothing).  chromium and the CJK
font come from sysdeps (``sysdeps/packages.toml``).
"""
from __future__ import annotations

import argparse
import base64
import html
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND"]  # no network


def chromium() -> str:
    import sysdeps

    return sysdeps.which("chromium")


def browser(args: list[str], timeout: int = 120) -> subprocess.CompletedProcess:
    """Run headless chromium with a fresh profile and no network."""
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        return subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout)


def screenshot(url: str, out: Path, width: int, height: int) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    browser([f"--window-size={width},{height}", f"--screenshot={out}", url])
    if not out.is_file():
        raise RuntimeError(f"chromium wrote no screenshot for {url}")
    return out


def dump_dom(url: str) -> str:
    """The page's DOM after it loaded (scripts run), as chromium serialises it."""
    return browser(["--virtual-time-budget=5000", "--dump-dom", url]).stdout


def sheet_html(path: Path, sheet: str = "问题清单", max_rows: int = 40) -> str:
    """A worksheet as an HTML table: values, column widths, wrapped text and its pictures."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    ws = load_workbook(path)[sheet]
    pics: dict[tuple[int, int], list[str]] = {}
    for img in getattr(ws, "_images", []):
        m = img.anchor._from
        data = base64.b64encode(img._data()).decode("ascii")
        pics.setdefault((m.row + 1, m.col + 1), []).append(
            f"<img src='data:image/png;base64,{data}' style='max-width:100%;height:auto;display:block'>")
    cols = ws.max_column
    widths = [int((ws.column_dimensions[get_column_letter(c)].width or 8) * 7.5) for c in range(1, cols + 1)]
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><style>"
           "body{font-family:'WenQuanYi Micro Hei',sans-serif;font-size:12px;margin:0}"
           "table{border-collapse:collapse;table-layout:fixed;width:max-content} td,th{border:1px solid #bbb;padding:2px 4px;vertical-align:top;"
           "word-wrap:break-word} th{background:#ddebf7} .bar{background:#217346;color:#fff;padding:4px 8px}"
           f"</style></head><body><div class='bar'>{html.escape(path.name)} — {html.escape(sheet)}</div><table><colgroup>"
           + "".join(f"<col style='width:{w}px'>" for w in widths) + "</colgroup>"]
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=min(ws.max_row, max_rows)), start=1):
        tag = "th" if r == 1 else "td"
        out.append("<tr>" + "".join(
            f"<{tag}>{html.escape('' if c.value is None else str(c.value))}{''.join(pics.get((r, c.column), []))}</{tag}>"
            for c in row) + "</tr>")
    out.append("</table></body></html>")
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    from warehouse.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports-dir", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--workbook", help="the department workbook to show (default: the one with most rows)")
    args = ap.parse_args(argv)
    reports = args.reports_dir or Path(Settings.from_env().reports_dir)
    out = args.out or reports / "screenshots"
    report = reports / "quality_report.html"
    written = []
    for width, height in ((1280, 2200), (1920, 1600)):
        written.append(screenshot(report.as_uri(), out / f"report-{width}.png", width, height))
    text = report.read_text(encoding="utf-8")
    m = re.search(r"<a href='#(dept-\d+)'>", text)  # the summary lists the department with most errors first
    if m:  # that department's section alone (a headless screenshot does not scroll to an anchor reliably)
        start = text.index(f"<h2 id='{m.group(1)}'")
        end = text.find("<h2 id='dept-", start + 10)
        part = out / "department.html"
        part.write_text(text[:text.index("<main>") + 6] + text[start:end if end > 0 else len(text)] + "</main></body></html>",
                        encoding="utf-8")
        written.append(screenshot(part.as_uri(), out / "department-1280.png", 1280, 2400))
    books = sorted((reports / "excel").glob("*.xlsx"))
    books = [b for b in books if b.name != "全州汇总.xlsx"]
    if args.workbook:
        books = [reports / "excel" / args.workbook]
    elif books:
        from openpyxl import load_workbook

        books = [max(books, key=lambda b: load_workbook(b, read_only=True)["问题清单"].max_row)]
    for book in books[:1]:
        page = out / f"excel-{book.stem}.html"
        page.write_text(sheet_html(book), encoding="utf-8")
        written.append(screenshot(page.as_uri(), out / f"excel-{book.stem}.png", 1920, 1200))
    for w in written:
        print(w)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
