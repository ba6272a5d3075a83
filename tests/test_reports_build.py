"""The HTML quality report and the Excel workbooks, built from a fixture warehouse."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import duckdb
import openpyxl
import pypdfium2 as pdfium

from expectations.rules import run_all
from expectations.testing import build_db, clean_truth, find_table, set_cell
from reports.build import FINDING_COLUMNS, build_reports


def _fixture(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    bad = set_cell(clean_truth("bad.pdf", department="乙局"), "general_budget_expenditure", "合计", "basic_expenditure", "70.72")
    for c in find_table(bad, "general_budget_expenditure")["cells"]:  # where the cell was printed
        if c["row_key"] == "合计" and c["measure"] == "basic_expenditure":
            c.update(page=1, x0=300.0, top=200.0, x1=340.0, bottom=212.0)
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    pdf.save(str(landing / "bad.pdf"))
    pdf.close()
    db = build_db(tmp_path / "db", [clean_truth("good.pdf", department="甲局"), bad])
    run_all(db)
    return SimpleNamespace(duckdb_path=db, reports_dir=tmp_path / "reports", landing_dir=landing)


def test_build_reports_html_and_excel(tmp_path):
    settings = _fixture(tmp_path)
    result = build_reports(settings)
    assert result["documents"] == 2 and result["department_workbooks"] == 2
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    n_findings = con.execute("SELECT count(*) FROM raw.dq_finding").fetchone()[0]
    con.close()
    assert result["findings"] == n_findings > 0
    # one wrong cell (05 合计 基本支出) seen by T05 合计 = Σ类 and basic = personnel + public: one finding, one picture
    assert result["pictures"] == 1

    html = (settings.reports_dir / "quality_report.html").read_text(encoding="utf-8")
    assert "甲局" in html and "乙局" in html
    assert "T05_BASIC_EQ_PERSONNEL_PLUS_PUBLIC" in html and "<svg" in html
    assert "data:image/png;base64," in html
    assert "<script" not in html  # self-contained, no JavaScript

    wb = openpyxl.load_workbook(settings.reports_dir / "excel" / "乙局.xlsx")
    ws = wb["问题清单"]
    assert [c.value for c in ws[1]] == FINDING_COLUMNS
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == n_findings  # every finding belongs to 乙局
    row = next(r for r in rows if "T05_TOTAL_EQ_SUM_CLASSES" in r[8])  # the one finding of the wrong cell
    assert row[0] == "bad.pdf" and row[1] == 1
    assert "公开05表" in row[2] and row[3] == "合计" and row[4] == "基本支出"
    assert (Decimal(str(row[5])), Decimal(str(row[6])), Decimal(str(row[7]))) == (Decimal("70"), Decimal("70.72"), Decimal("0.72"))
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:J")
    assert ws.cell(row=2, column=6).number_format == "#,##0.00"
    assert "检查结果" in wb.sheetnames

    good = openpyxl.load_workbook(settings.reports_dir / "excel" / "甲局.xlsx")["问题清单"]
    assert good.max_row == 1  # header only: the clean document has no findings

    summary = openpyxl.load_workbook(settings.reports_dir / "excel" / "全州汇总.xlsx")
    depts = {r[0]: r for r in summary["部门汇总"].iter_rows(min_row=2, values_only=True)}
    assert depts["甲局"][2] == 0 and depts["乙局"][2] >= 1
    assert summary["问题清单"].max_row == n_findings + 1


def test_build_reports_on_empty_warehouse(tmp_path):
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    settings = SimpleNamespace(duckdb_path=db, reports_dir=tmp_path / "reports", landing_dir=tmp_path)
    result = build_reports(settings)
    assert result["documents"] == 0
    assert (tmp_path / "reports" / "quality_report.html").exists()
