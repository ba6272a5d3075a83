"""The HTML quality report and the Excel workbooks, built from a fixture warehouse."""
from __future__ import annotations

import re
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb
import openpyxl
import pypdfium2 as pdfium
import pytest

import sysdeps
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
    n_findings = con.execute("SELECT count(*) FROM raw.dq_finding WHERE severity = 'error'").fetchone()[0]
    con.close()
    # one wrong cell fails two identities (basic = personnel + public, 合计 = Σ类): one defect, one picture
    assert n_findings >= 1 and result["defects_error"] == 1 and result["pictures"] == 1

    html = (settings.reports_dir / "quality_report.html").read_text(encoding="utf-8")
    assert "<title>2023年度部门决算公开 质量检查报告</title>" in html
    assert "甲局" in html and "乙局" in html and "<svg" in html
    assert "T05_BASIC_EQ_PERSONNEL_PLUS_PUBLIC" not in html.split("<details>")[0]  # Chinese rule names, not ids
    assert "请将公开05表" in html and "由 70.72 改为 70.00" in html
    assert html.count("data:image/png;base64,") == 1 and "条勾稽关系未通过" in html
    assert "<script" not in html  # self-contained, no JavaScript
    assert len(set(re.findall(r"id='(dept-[0-9]+)'", html))) == 2  # one anchor per department

    wb = openpyxl.load_workbook(settings.reports_dir / "excel" / "乙局.xlsx")
    ws = wb["问题清单"]
    assert [c.value for c in ws[1]] == FINDING_COLUMNS
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1
    row = dict(zip(FINDING_COLUMNS, rows[0]))
    assert row["年度"] == 2023 and row["决算/预算"].startswith("决算") and row["文件"] == "bad.pdf" and row["页码"] == 1
    assert "公开05表" in row["表"] and row["行"] == "合计" and row["项目"] == "基本支出"
    assert (row["填报数"], row["应为"], row["差额"]) == ("70.72", "70.00", "0.72")
    assert "改为 70.00" in row["需要怎么改"] and row["整改情况"] in (None, "")
    assert len(ws._images) == 1  # the page picture
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$1"
    assert ws.freeze_panes == "A2" and "检查结果" in wb.sheetnames

    good = openpyxl.load_workbook(settings.reports_dir / "excel" / "甲局.xlsx")["问题清单"]
    assert good.max_row == 1  # header only: the clean document has no findings

    summary = openpyxl.load_workbook(settings.reports_dir / "excel" / "全州汇总.xlsx")
    depts = {r[0]: r for r in summary["部门汇总"].iter_rows(min_row=2, values_only=True)}
    assert depts["甲局"][2] == 0 and depts["乙局"][2] == 1
    assert summary["问题清单"].max_row == 2


def test_run_summary_counts_defects_as_the_report_does(tmp_path):
    from dagster_project.cli import checks_line

    settings = _fixture(tmp_path)
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    findings = dict(con.execute("SELECT severity, count(*) FROM raw.dq_finding GROUP BY 1").fetchall())
    con.close()
    assert findings["error"] >= 2  # the wrong cell fails two identities
    assert checks_line(findings, settings.reports_dir) == f"检查结果（无本次结果的质量报告，按发现计）：错误 {findings['error']} 条发现" + \
        "".join(f"，提示 {n} 条发现" for s, n in findings.items() if s == "warning")
    build_reports(settings)
    line = checks_line(findings, settings.reports_dir)
    assert line.startswith(f"检查结果（同质量报告）：错误 1 处（{findings['error']} 条发现）")
    # counts of other findings (a report older than the last check) are not passed off as these
    stale = checks_line({**findings, "error": findings["error"] + 1}, settings.reports_dir)
    assert stale.startswith("检查结果（无本次结果的质量报告，按发现计）")
    assert checks_line({}, settings.reports_dir) == "检查结果：无错误、无提示"


def test_build_reports_on_empty_warehouse(tmp_path):
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    settings = SimpleNamespace(duckdb_path=db, reports_dir=tmp_path / "reports", landing_dir=tmp_path)
    result = build_reports(settings)
    assert result["documents"] == 0
    assert (tmp_path / "reports" / "quality_report.html").exists()


def test_held_back_files_are_listed_with_what_to_do(tmp_path):
    settings = _fixture(tmp_path)
    con = duckdb.connect(str(settings.duckdb_path))
    try:
        con.execute("""CREATE TABLE raw.document_registry AS SELECT * FROM (VALUES
            ('q1', 'scan.pdf', '丙局', 2023, 'quarantined', 'image_only', false, 'image_only: no text layer'),
            ('s1', 'old.pdf', '甲局', 2023, 'superseded', NULL, false, 'superseded by good.pdf'))
            AS t(document_id, file_name, department_name, fiscal_year, status, error_code, is_template, reason)""")
        con.execute("""CREATE TABLE raw.document_hold AS SELECT 'q1' AS document_id, 'unique_x' AS test_name,
                       '测试 unique_x 未通过' AS message""")
        con.execute("""CREATE TABLE raw.refused_file AS SELECT 'sub/link.pdf' AS file_path, 'link.pdf' AS file_name,
                       'broken_link' AS error_code, '链接已失效' AS reason""")
    finally:
        con.close()
    result = build_reports(settings)
    assert result["held_back"] == 4
    html = (settings.reports_dir / "quality_report.html").read_text(encoding="utf-8")
    section = html.split("<h2 id='held-back'>", 1)[1].split("<h2>", 1)[0]
    assert "scan.pdf" in section and "扫描件" in section and "OCR" in section
    assert "old.pdf" in section and "已被同一部门" in section
    assert "暂缓入库" in section and "测试 unique_x 未通过" in section and "link.pdf" in section
    summary = openpyxl.load_workbook(settings.reports_dir / "excel" / "全州汇总.xlsx")
    assert [r[0] for r in summary["未纳入检查的文件"].iter_rows(min_row=2, values_only=True)] == [
        "scan.pdf", "old.pdf", "scan.pdf", "link.pdf"]


@pytest.mark.slow
def test_screenshot_script_in_headless_chromium(tmp_path):
    sysdeps.pytest_require("chromium")
    sysdeps.pytest_require("fonts-wqy-microhei")
    settings = _fixture(tmp_path)
    build_reports(settings)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    import screenshots

    assert screenshots.main(["--reports-dir", str(settings.reports_dir), "--out", str(tmp_path / "shots")]) == 0
    names = {p.name for p in (tmp_path / "shots").glob("*.png")}
    assert {"report-1280.png", "report-1920.png", "department-1280.png", "excel-乙局.png"} <= names
    from PIL import Image

    assert Image.open(tmp_path / "shots" / "report-1920.png").size == (1920, 1600)


def test_small_night_reuses_root_cause_and_pictures(tmp_path):
    """An incremental night whose affected documents are not these: the root-cause identities and
    the page picture come from the first build's stores, and the report is the same."""
    settings = _fixture(tmp_path)
    first = build_reports(settings)  # a full night: everything evaluated and rendered, then stored
    assert first["root_cause_documents_reused"] == 0 and first["root_cause_documents_evaluated"] >= 1
    assert first["pictures"] == 1 and first["pictures_reused"] == 0
    html_first = (settings.reports_dir / "quality_report.html").read_text(encoding="utf-8")

    second = build_reports(settings, documents=[])  # nothing of theirs changed tonight
    assert second["root_cause_documents_evaluated"] == 0
    assert second["root_cause_documents_reused"] == first["root_cause_documents_evaluated"]
    assert second["pictures_reused"] == 1 and second["defects_error"] == first["defects_error"] == 1
    html_second = (settings.reports_dir / "quality_report.html").read_text(encoding="utf-8")
    stamp = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")
    assert stamp.sub("", html_second) == stamp.sub("", html_first)

    # a stored entry whose stamp is not the document's key now (its bytes or the code changed) is not used
    store = Path(settings.duckdb_path).parent / "root_cause"
    import pickle

    for path in store.glob("*.pickle"):
        _, identities, variables = pickle.loads(path.read_bytes())
        path.write_bytes(pickle.dumps(("another key", identities, variables)))
    third = build_reports(settings, documents=[])
    assert third["root_cause_documents_reused"] == 0
    assert third["root_cause_documents_evaluated"] == first["root_cause_documents_evaluated"]
    assert third["defects_error"] == 1

    # a document named tonight is evaluated again even with a current entry
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    bad = con.execute("SELECT DISTINCT document_id FROM raw.dq_finding").fetchone()[0]
    con.close()
    fourth = build_reports(settings, documents=[bad])
    assert fourth["root_cause_documents_evaluated"] >= 1 and fourth["defects_error"] == 1
