"""Reports people read: an HTML quality report and Excel findings per department.

``build_reports(settings)`` reads the pipeline's DuckDB file (``raw.document``,
``raw.dq_result``, ``raw.dq_finding`` and, for page pictures, ``raw.table_cell`` /
``raw.narrative_figure``), so it works before dbt has run, and writes under
``settings.reports_dir``:

* ``quality_report.html``: one self-contained page (inline CSS and SVG, pictures as
  base64 PNG, no JavaScript): the prefecture summary, a bar chart of failing rules,
  then per department a rules × documents matrix and every finding with document,
  page, table, row, measure, expected, printed and difference, with a picture of the
  page region where the finding's cell was printed (at most ``MAX_PICTURES``);
* ``excel/<部门>.xlsx``: the department's findings (sheet 问题清单) ready to send back,
  and its documents × rules results (sheet 检查结果);
* ``excel/全州汇总.xlsx``: every department's findings plus a per-department summary.
"""
from __future__ import annotations

import base64
import html
import io
import re
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from expectations.rules import load_rules, measure_zh, table_catalog, table_no

MAX_PICTURES = 200
PICTURE_DPI = 100
PAGE_CACHE = 8  # rendered pages kept for further crops
PDF_CACHE = 4  # PDFs kept open
NO_DEPARTMENT = "（未识别部门）"
FINDING_COLUMNS = ["文件", "页码", "表", "行", "项目", "应为", "填报", "差额", "规则", "说明"]
STATUS_STYLE = {"pass": ("#2e7d32", "✓"), "fail": ("#c62828", "✗"), "not_applicable": ("#9e9e9e", "–"),
                "insufficient_data": ("#ef6c00", "?")}
STATUS_ZH = {"pass": "通过", "fail": "未通过", "not_applicable": "不适用", "insufficient_data": "数据不足"}
SEVERITY_ZH = {"error": "错误", "warning": "提示"}
CATEGORY_ZH = {"within_table": "表内", "cross_table": "表间", "narrative": "说明与报表", "completeness": "完整性",
               "residue": "模板残留", "extraction": "提取问题"}


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------
def _connect(path: Path):
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error:  # this process already holds a read-write connection to the file
        return duckdb.connect(str(path))


def _rows(con, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _exists(con, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = ?",
                            [table]).fetchone()[0])


@dataclass
class Data:
    documents: dict[str, dict[str, Any]]  # document_id -> raw.document row (+ department)
    results: list[dict[str, Any]]
    findings: list[dict[str, Any]]

    def by_department(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for doc_id, d in sorted(self.documents.items(), key=lambda kv: (kv[1]["department"], -(kv[1].get("fiscal_year") or 0),
                                                                        kv[1].get("file_name") or "")):
            out[d["department"]].append(doc_id)
        return dict(sorted(out.items()))


def read_data(con) -> Data:
    if not _exists(con, "dq_result") or not _exists(con, "document"):
        return Data({}, [], [])
    results = _rows(con, "SELECT * FROM raw.dq_result ORDER BY document_id, rule_id")
    ids = sorted({r["document_id"] for r in results})
    docs = {d["document_id"]: d for d in _rows(
        con, "SELECT * FROM raw.document WHERE document_id IN (SELECT unnest(?::VARCHAR[]))", [ids])}
    for doc_id in ids:
        d = docs.setdefault(doc_id, {"document_id": doc_id, "file_name": doc_id[:12]})
        d["department"] = d.get("department_name") or NO_DEPARTMENT
    findings = _rows(con, """
        SELECT * FROM raw.dq_finding
        ORDER BY CASE severity WHEN 'error' THEN 0 ELSE 1 END, document_id, page NULLS LAST, table_name, row_key, rule_id""")
    _attach_locations(con, findings)
    return Data(docs, results, findings)


def _attach_locations(con, findings: list[dict[str, Any]]) -> None:
    """Row label and bounding box of each finding's cell (table_cell) or figure (narrative_figure)."""
    if not findings:
        return
    has_cells = _exists(con, "table_cell")
    has_figs = _exists(con, "narrative_figure")
    for f in findings:
        f["row_label"] = f.get("row_key")
        f["bbox"] = None
        if has_cells and f.get("table_name") and f.get("row_key"):
            params = [f["document_id"], f["table_name"], f["row_key"]]
            sql = ("SELECT line_name, page, x0, top, x1, bottom FROM raw.table_cell "
                   "WHERE document_id = ? AND table_name = ? AND row_key = ?")
            if f.get("measure"):
                sql += " AND (measure = ? OR measure IS NULL)"
                params.append(f["measure"])
            sql += " ORDER BY (measure IS NULL), table_seq, row_index LIMIT 1"
            hit = con.execute(sql, params).fetchone()
            if hit:
                line, page, x0, top, x1, bottom = hit
                if line:
                    f["row_label"] = f"{line}" if line == f["row_key"] else f"{line}（{f['row_key']}）"
                if f.get("page") is None and page is not None:
                    f["page"] = page
                if None not in (x0, top, x1, bottom) and page is not None:
                    f["bbox"] = (int(page), float(x0), float(top), float(x1), float(bottom))
        if f["bbox"] is None and has_figs and f.get("category") == "narrative" and f.get("page") is not None \
                and f.get("printed") is not None:
            hit = con.execute(
                "SELECT page, x0, top, x1, bottom FROM raw.narrative_figure WHERE document_id = ? AND page = ? "
                "AND abs(value) = abs(?) AND x0 IS NOT NULL LIMIT 1",
                [f["document_id"], f["page"], f["printed"]]).fetchone()
            if hit:
                f["bbox"] = (int(hit[0]), *(float(v) for v in hit[1:]))


# ---------------------------------------------------------------------------
# page pictures
# ---------------------------------------------------------------------------
class PagePictures:
    """Crops of rendered PDF pages around a finding's bounding box, as data: URIs."""

    def __init__(self, landing_dir: Path, limit: int = MAX_PICTURES, dpi: int = PICTURE_DPI):
        self.landing_dir = Path(landing_dir)
        self.limit = limit
        self.scale = dpi / 72.0
        self.count = 0
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

    def crop(self, doc: dict[str, Any], bbox: tuple[int, float, float, float, float]) -> str | None:
        if self.count >= self.limit:
            return None
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
        self.count += 1
        return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")

    def close(self) -> None:
        for pdf in self._pdfs.values():
            if pdf is not None:
                pdf.close()
        self._pdfs.clear()
        self._pages.clear()


# ---------------------------------------------------------------------------
# formatting helpers shared by HTML and Excel
# ---------------------------------------------------------------------------
def table_label(table_name: str | None) -> str:
    if not table_name:
        return ""
    spec = table_catalog().get(table_name)
    if spec is None:
        return table_name
    title = (spec.get("titles") or [table_name])[0]
    number = table_no(table_name)
    return f"{number} {title}" if number != table_name else title


def measure_label(measure: str | None) -> str:
    if not measure:
        return ""
    return measure_zh(measure) or measure


def _num(d: Decimal | None) -> str:
    if d is None:
        return ""
    return f"{d:,.2f}" if d == d.quantize(Decimal("0.01")) else f"{d.normalize():,f}"


def _doc_label(doc: dict[str, Any]) -> str:
    parts = [str(doc.get("fiscal_year") or ""), {"final": "决算", "budget": "预算"}.get(doc.get("doc_kind") or "", ""),
             {"consolidated": "汇总", "own": "本级", "unit": "单位"}.get(doc.get("scope") or "", "")]
    return " ".join(p for p in parts if p) or (doc.get("file_name") or doc["document_id"][:12])


def _rule_text(f: dict[str, Any], titles: dict[str, str]) -> str:
    return f"[{SEVERITY_ZH.get(f['severity'], f['severity'])}] {f['rule_id']} {titles.get(f['rule_id'], '')}"


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------
CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#222;font-size:13px}
h1{font-size:22px} h2{font-size:18px;border-bottom:2px solid #1565c0;padding-bottom:4px;margin-top:36px}
h3{font-size:15px;margin-top:24px} table{border-collapse:collapse;margin:8px 0}
th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top} th{background:#f0f4f8}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.matrix td{text-align:center;padding:2px 4px;font-weight:bold} .matrix td.r{text-align:left;font-weight:normal}
.sev-error{color:#c62828;font-weight:bold} .sev-warning{color:#ef6c00}
.kpi{display:inline-block;margin:0 18px 8px 0;padding:8px 14px;background:#f5f5f5;border-radius:6px}
.kpi b{font-size:20px;display:block} img.crop{max-width:560px;border:1px solid #999;display:block;margin-top:4px}
.msg{max-width:520px} nav a{margin-right:10px} .muted{color:#777}
"""


def _esc(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def bar_chart_svg(items: list[tuple[str, int, str]], title: str, width: int = 760) -> str:
    """Horizontal bars: (label, value, colour)."""
    if not items:
        return f"<p class='muted'>{_esc(title)}: —</p>"
    bar_h, gap = 18, 6
    # room for the longest label (CJK glyphs are a full em wide, Latin about 0.6 em)
    em = max(sum(1.0 if ord(ch) > 0x2E80 else 0.6 for ch in lab[:48]) for lab, _, _ in items)
    left = int(12 + 11 * em)
    width = max(width, left + 430)
    vmax = max(v for _, v, _ in items) or 1
    height = len(items) * (bar_h + gap) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{_esc(title)}">',
           f'<text x="0" y="14" font-size="13" font-weight="bold">{_esc(title)}</text>']
    for i, (lab, v, colour) in enumerate(items):
        y = 24 + i * (bar_h + gap)
        w = int((width - left - 60) * v / vmax)
        out.append(f'<text x="{left - 6}" y="{y + 13}" font-size="11" text-anchor="end">{_esc(lab[:48])}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{max(w, 1)}" height="{bar_h}" fill="{colour}"><title>{_esc(lab)}: {v}</title></rect>')
        out.append(f'<text x="{left + w + 4}" y="{y + 13}" font-size="11">{v}</text>')
    out.append("</svg>")
    return "".join(out)


def _anchor(text: str) -> str:
    return "d-" + re.sub(r"[^0-9A-Za-z]", "", base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii"))[:40]


def render_html(data: Data, pictures: PagePictures | None, generated_at: str) -> str:
    rules = load_rules()
    titles = {r.id: r.title_zh for r in rules}
    severity = {r.id: r.severity for r in rules}
    status_counts = Counter(r["status"] for r in data.results)
    sev_cat = Counter((f["severity"], f["category"]) for f in data.findings)
    depts = data.by_department()
    failing_docs = Counter(r["rule_id"] for r in data.results if r["status"] == "fail")
    p: list[str] = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>部门决算公开质量报告</title>"
                    f"<style>{CSS}</style></head><body>",
                    "<h1>部门决算公开 勾稽关系与质量检查报告 / Quality report</h1>",
                    f"<p class='muted'>生成时间 {generated_at} · 规则 {len(rules)} 条 · 每份文件 × 每条规则均有结果（通过 / 未通过 / 不适用 / 数据不足）</p>"]
    p.append("<div>" + "".join(
        f"<span class='kpi'><b>{v}</b>{_esc(k)}</span>" for k, v in (
            ("部门", len(depts)), ("文件", len(data.documents)),
            ("错误", sum(1 for f in data.findings if f["severity"] == "error")),
            ("提示", sum(1 for f in data.findings if f["severity"] == "warning")),
            *((STATUS_ZH[s], status_counts.get(s, 0)) for s in STATUS_STYLE))) + "</div>")
    # findings by severity × category
    p.append("<h2>全州汇总 / Prefecture summary</h2><h3>问题按级别与类别</h3><table><tr><th></th>"
             + "".join(f"<th>{_esc(CATEGORY_ZH[c])}</th>" for c in CATEGORY_ZH) + "<th>合计</th></tr>")
    for sev in ("error", "warning"):
        row = [sev_cat.get((sev, c), 0) for c in CATEGORY_ZH]
        p.append(f"<tr><th class='sev-{sev}'>{SEVERITY_ZH[sev]}</th>" + "".join(f"<td class='n'>{v}</td>" for v in row)
                 + f"<td class='n'>{sum(row)}</td></tr>")
    p.append("</table>")
    items = [(f"{rid} {titles.get(rid, '')}", n, "#c62828" if severity.get(rid) == "error" else "#ef6c00")
             for rid, n in failing_docs.most_common(30)]
    p.append(bar_chart_svg(items, "未通过的规则（文件数） / failing rules, by number of documents"))
    # per-department table
    p.append("<h3>各部门</h3><table><tr><th>部门</th><th>文件</th><th>错误</th><th>提示</th><th>未通过规则</th></tr>")
    for dept, ids in depts.items():
        idset = set(ids)
        fs = [f for f in data.findings if f["document_id"] in idset]
        nrules = len({r["rule_id"] for r in data.results if r["document_id"] in idset and r["status"] == "fail"})
        p.append(f"<tr><td><a href='#{_anchor(dept)}'>{_esc(dept)}</a></td><td class='n'>{len(ids)}</td>"
                 f"<td class='n'>{sum(1 for f in fs if f['severity'] == 'error')}</td>"
                 f"<td class='n'>{sum(1 for f in fs if f['severity'] == 'warning')}</td><td class='n'>{nrules}</td></tr>")
    p.append("</table>")
    results_by = {(r["document_id"], r["rule_id"]): r for r in data.results}
    findings_by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in data.findings:
        findings_by_doc[f["document_id"]].append(f)
    for dept, ids in depts.items():
        p.append(f"<h2 id='{_anchor(dept)}'>{_esc(dept)}</h2>")
        # rules × documents matrix
        p.append("<table class='matrix'><tr><th>规则</th>" + "".join(
            f"<th title='{_esc(data.documents[d].get('file_name'))}'>{_esc(_doc_label(data.documents[d]))}</th>" for d in ids) + "</tr>")
        for r in rules:
            cells = []
            for d in ids:
                res = results_by.get((d, r.id))
                st = res["status"] if res else "not_applicable"
                colour, mark = STATUS_STYLE[st]
                tip = f"{STATUS_ZH[st]} · {res['detail'] if res else ''}"
                cells.append(f"<td style='color:{colour}' title='{_esc(tip)}'>{mark}</td>")
            p.append(f"<tr><td class='r'><span class='sev-{r.severity}'>{_esc(r.id)}</span> {_esc(r.title_zh)}</td>{''.join(cells)}</tr>")
        p.append("</table><p class='muted'>✓ 通过 ✗ 未通过 – 不适用 ? 数据不足（悬停查看原因）</p>")
        for d in ids:
            doc = data.documents[d]
            fs = findings_by_doc.get(d, [])
            p.append(f"<h3>{_esc(doc.get('file_name'))} <span class='muted'>({_esc(_doc_label(doc))}, {len(fs)} 个问题)</span></h3>")
            insufficient = [res for (dd, _), res in results_by.items() if dd == d and res["status"] == "insufficient_data"]
            if insufficient:
                p.append("<p class='muted'>数据不足的规则: " + "; ".join(
                    f"{_esc(res['rule_id'])} ({_esc(res['detail'])})" for res in insufficient[:12]) + "</p>")
            if not fs:
                continue
            p.append("<table><tr><th>级别</th><th>规则</th><th>页</th><th>表</th><th>行</th><th>项目</th>"
                     "<th>应为</th><th>填报</th><th>差额</th><th>容差</th><th>说明</th></tr>")
            for f in fs:
                img = pictures.crop(doc, f["bbox"]) if pictures is not None and f.get("bbox") else None
                pic = f"<img class='crop' alt='page {f['bbox'][0]}' src='{img}'>" if img else ""
                p.append(
                    f"<tr><td class='sev-{f['severity']}'>{SEVERITY_ZH.get(f['severity'])}</td><td>{_esc(f['rule_id'])}</td>"
                    f"<td class='n'>{_esc(f.get('page') or '')}</td><td>{_esc(table_label(f.get('table_name')))}</td>"
                    f"<td>{_esc(f.get('row_label') or '')}</td><td>{_esc(measure_label(f.get('measure')))}</td>"
                    f"<td class='n'>{_num(f.get('expected'))}</td><td class='n'>{_num(f.get('printed'))}</td>"
                    f"<td class='n'>{_num(f.get('difference'))}</td><td class='n'>{_num(f.get('tolerance'))}</td>"
                    f"<td class='msg'>{_esc(f['message'])}{pic}</td></tr>")
            p.append("</table>")
    p.append("</body></html>")
    return "\n".join(p)


# ---------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------
def _finding_row(f: dict[str, Any], doc: dict[str, Any], titles: dict[str, str]) -> list[Any]:
    return [doc.get("file_name") or doc["document_id"][:12], f.get("page"), table_label(f.get("table_name")),
            f.get("row_label") or f.get("row_key"), measure_label(f.get("measure")),
            f.get("expected"), f.get("printed"), f.get("difference"), _rule_text(f, titles), f.get("message")]


# Characters an .xlsx (XML 1.0) cannot hold: C0 controls but tab/newline/CR, surrogates, and the
# noncharacters U+FFFE/U+FFFF (some PDFs' text layers map a dash to U+FFFE). One cell must not
# stop the workbook of a whole department.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(value: Any) -> Any:
    return _XML_ILLEGAL.sub("\ufffd", value) if isinstance(value, str) else value


def _sheet(wb, title: str, header: list[str], rows: Iterable[list[Any]], widths: dict[int, int], number_cols: Iterable[int]):
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    n = 1
    for row in rows:
        ws.append([_xml_safe(v) for v in row])  # Decimal is written as an exact number
        n += 1
    for col in number_cols:
        for (cell,) in ws.iter_rows(min_row=2, max_row=n, min_col=col, max_col=col):
            cell.number_format = "#,##0.00"
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = w
    for (cell,) in ws.iter_rows(min_row=2, max_row=n, min_col=len(header), max_col=len(header)):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{n}"
    return ws


FINDING_WIDTHS = {1: 34, 2: 6, 3: 30, 4: 26, 5: 18, 6: 13, 7: 13, 8: 12, 9: 40, 10: 80}


def write_department_workbook(path: Path, dept: str, ids: list[str], data: Data) -> int:
    from openpyxl import Workbook

    titles = {r.id: r.title_zh for r in load_rules()}
    wb = Workbook()
    wb.remove(wb.active)
    idset = set(ids)
    fs = [f for f in data.findings if f["document_id"] in idset]
    _sheet(wb, "问题清单", FINDING_COLUMNS, (_finding_row(f, data.documents[f["document_id"]], titles) for f in fs),
           FINDING_WIDTHS, (6, 7, 8))
    res_rows = [[data.documents[r["document_id"]].get("file_name"), r["rule_id"], r["rule_title"],
                 SEVERITY_ZH.get(r["severity"]), STATUS_ZH.get(r["status"], r["status"]), r["detail"]]
                for r in data.results if r["document_id"] in idset]
    _sheet(wb, "检查结果", ["文件", "规则", "规则名称", "级别", "结果", "详情"], res_rows,
           {1: 34, 2: 30, 3: 50, 4: 6, 5: 8, 6: 60}, ())
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return len(fs)


def write_summary_workbook(path: Path, data: Data) -> None:
    from openpyxl import Workbook

    titles = {r.id: r.title_zh for r in load_rules()}
    wb = Workbook()
    wb.remove(wb.active)
    summary = []
    for dept, ids in data.by_department().items():
        idset = set(ids)
        fs = [f for f in data.findings if f["document_id"] in idset]
        failing = sorted({r["rule_id"] for r in data.results if r["document_id"] in idset and r["status"] == "fail"})
        summary.append([dept, len(ids), sum(1 for f in fs if f["severity"] == "error"),
                        sum(1 for f in fs if f["severity"] == "warning"), ", ".join(failing)])
    _sheet(wb, "部门汇总", ["部门", "文件数", "错误", "提示", "未通过的规则"], summary, {1: 40, 2: 8, 3: 8, 4: 8, 5: 100}, ())
    _sheet(wb, "问题清单", ["部门", *FINDING_COLUMNS],
           ([data.documents[f["document_id"]]["department"], *_finding_row(f, data.documents[f["document_id"]], titles)]
            for f in data.findings),
           {1: 30, **{k + 1: v for k, v in FINDING_WIDTHS.items()}}, (7, 8, 9))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def _safe_name(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("_")[:80] or "department"


# ---------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------
def build_reports(settings) -> dict[str, Any]:
    """Write the HTML report and the Excel workbooks under ``settings.reports_dir``."""
    reports_dir = Path(settings.reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    con = _connect(Path(settings.duckdb_path))
    try:
        data = read_data(con)
    finally:
        con.close()
    generated_at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    pictures = PagePictures(Path(settings.landing_dir))
    try:
        html_text = render_html(data, pictures, generated_at)
    finally:
        pictures.close()
    html_path = reports_dir / "quality_report.html"
    tmp = html_path.with_suffix(".html.tmp")
    tmp.write_text(html_text, encoding="utf-8")
    tmp.replace(html_path)
    excel_dir = reports_dir / "excel"
    workbooks = []
    for dept, ids in data.by_department().items():
        path = excel_dir / f"{_safe_name(dept)}.xlsx"
        write_department_workbook(path, dept, ids, data)
        workbooks.append(str(path))
    summary_path = excel_dir / "全州汇总.xlsx"
    write_summary_workbook(summary_path, data)
    return {
        "html": str(html_path),
        "excel_dir": str(excel_dir),
        "summary_workbook": str(summary_path),
        "department_workbooks": len(workbooks),
        "documents": len(data.documents),
        "findings": len(data.findings),
        "pictures": pictures.count,
    }
