"""Excel workbooks to send to a department: one row per defect, in Chinese, ready to print.

``<部门>.xlsx``: sheet 问题清单 (year, 决算/预算, table, page, row, printed, expected,
difference, what to fix, a picture of the page region, an empty 整改情况 column for the
department's answer; landscape, fit to width, header repeated on every page) and sheet
检查结果 (every rule × document result).  ``全州汇总.xlsx``: per-department counts and every
defect of the prefecture.
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any, Iterable

from reports.data import KIND_ZH, SCOPE_ZH, SEVERITY_ZH, STATUS_ZH, Data, Defect, rule_titles
from reports.pictures import PagePictures

DEFECT_COLUMNS = ["序号", "年度", "决算/预算", "文件", "表", "页码", "行", "项目", "填报数", "应为", "差额", "级别",
                  "问题", "需要怎么改", "页面截图", "整改情况"]
WIDTHS = [5, 6, 8, 22, 26, 5, 18, 14, 12, 12, 10, 6, 30, 46, 52, 18]
PICTURE_WIDTH_PX = 360
SUMMARY_COLUMNS = ["部门", *DEFECT_COLUMNS[1:14]]


# Characters an .xlsx (XML 1.0) cannot hold: C0 controls but tab/newline/CR, surrogates, and the
# noncharacters U+FFFE/U+FFFF (some PDFs' text layers map a dash to U+FFFE). One cell must not
# stop the workbook of a whole department.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(row: list[Any]) -> list[Any]:
    return [_XML_ILLEGAL.sub("\ufffd", v) if isinstance(v, str) else v for v in row]


def _defect_row(n: int, d: Defect, doc: dict[str, Any]) -> list[Any]:
    v = d.first
    titles = rule_titles()
    kind = KIND_ZH.get(doc.get("doc_kind") or "", "") + (f"（{SCOPE_ZH[doc['scope']]}）" if doc.get("scope") in SCOPE_ZH else "")
    known = d.status in ("located", "finding")
    return [n, doc.get("fiscal_year"), kind, doc.get("file_name"), v.where if v else "", v.page if v else None,
            v.row if v else "", v.item if v else "", v.printed if v else "", (v.expected if known else "见右") if v else "",
            (v.difference if known else "") if v else "", SEVERITY_ZH.get(d.severity, d.severity),
            "；".join(titles.get(r, (r,))[0] for r in d.rule_ids), d.fix]


def _style_sheet(ws, widths: list[int], wrap_cols: Iterable[int]) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="999999")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    wrap = set(wrap_cols)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=cell.column in wrap, vertical="top")
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    ws.freeze_panes = "A2"
    last = get_column_letter(len(widths))
    ws.auto_filter.ref = f"A1:{last}{max(ws.max_row, 1)}"
    # print: landscape A4, all columns on one page width, header row on every page
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4


def _picture(ws, png: bytes, row: int, col: int) -> None:
    from openpyxl.drawing.image import Image as XLImage
    from openpyxl.utils import get_column_letter
    from PIL import Image

    img = Image.open(io.BytesIO(png))
    w, h = img.size
    scale = min(1.0, PICTURE_WIDTH_PX / w)
    xl = XLImage(io.BytesIO(png))
    xl.width, xl.height = int(w * scale), int(h * scale)
    ws.add_image(xl, f"{get_column_letter(col)}{row}")
    height_pt = xl.height * 0.75 + 6
    if (ws.row_dimensions[row].height or 0) < height_pt:
        ws.row_dimensions[row].height = height_pt


def write_department_workbook(path: Path, dept: str, ids: list[str], data: Data, pictures: PagePictures | None = None) -> int:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单"
    ws.append(DEFECT_COLUMNS)
    defects = data.department_defects(ids)
    pic_col = DEFECT_COLUMNS.index("页面截图") + 1
    for n, d in enumerate(defects, start=1):
        doc = data.documents[d.document_id]
        ws.append(_xml_safe([*_defect_row(n, d, doc), "", ""]))
        r = ws.max_row
        ws.row_dimensions[r].height = 48
        v = d.first
        if pictures is not None and v is not None and v.bbox and v.document_id == doc["document_id"]:
            png = pictures.crop(doc, v.bbox, d.severity, fmt="png")
            if png:
                _picture(ws, png, r, pic_col)
    _style_sheet(ws, WIDTHS, (4, 5, 7, 8, 13, 14, 16))
    titles = rule_titles()
    res = wb.create_sheet("检查结果")
    res.append(["文件", "年度", "决算/预算", "规则", "级别", "结果", "详情"])
    for r in data.results:
        if r["document_id"] in set(ids):
            doc = data.documents[r["document_id"]]
            res.append(_xml_safe([doc.get("file_name"), doc.get("fiscal_year"), KIND_ZH.get(doc.get("doc_kind") or "", ""),
                                  titles.get(r["rule_id"], (r["rule_title"],))[0], SEVERITY_ZH.get(r["severity"]),
                                  STATUS_ZH.get(r["status"], r["status"]), r["detail"]]))
    _style_sheet(res, [26, 6, 8, 60, 6, 8, 60], (1, 4, 7))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return len(defects)


def write_summary_workbook(path: Path, data: Data) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "部门汇总"
    ws.append(["部门", "文件数", "错误", "提示", "未纳入检查的文件"])
    held = {}
    for r in data.held_back:
        held[r.get("department_name")] = held.get(r.get("department_name"), 0) + 1
    depts = data.by_department()
    for dept, ids in depts.items():
        ds = data.department_defects(ids)
        ne = sum(1 for d in ds if d.severity == "error")
        ws.append([dept, len(ids), ne, len(ds) - ne, held.get(dept, 0)])
    _style_sheet(ws, [36, 8, 8, 8, 16], (1,))
    lst = wb.create_sheet("问题清单")
    lst.append(SUMMARY_COLUMNS)
    for dept, ids in depts.items():
        for n, d in enumerate(data.department_defects(ids), start=1):
            lst.append(_xml_safe([dept, *_defect_row(n, d, data.documents[d.document_id])[1:]]))
    _style_sheet(lst, [24, *WIDTHS[1:14]], (1, 4, 5, 7, 13, 14))
    if data.held_back:
        hb = wb.create_sheet("未纳入检查的文件")
        hb.append(["文件", "部门", "年度", "问题", "怎么办", "详情"])
        for r in data.held_back:
            hb.append(_xml_safe([r.get("file_name"), r.get("department_name"), r.get("fiscal_year"), r["problem"], r["action"],
                                 r["detail"]]))
        _style_sheet(hb, [30, 24, 6, 30, 50, 50], (1, 4, 5, 6))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
