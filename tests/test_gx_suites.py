"""GX suites over a fixture warehouse: a passing raw suite, a failing mart suite, Data Docs."""
from __future__ import annotations

from types import SimpleNamespace

import duckdb
import pytest

from expectations.gx_suites import _tokens, load_suites, validate_all
from expectations.rules import run_all
from expectations.testing import build_db, clean_truth


def test_suites_are_well_formed():
    suites = load_suites()
    names = {s["name"] for s in suites}
    assert {"raw_document", "raw_table_cell", "raw_dq_result", "mart_fct_fiscal_line"} <= names
    tokens = _tokens()
    assert "expenditure_total" in tokens["@measures"] and "amount" not in tokens["@expenditure_measures"]
    for s in suites:
        assert s["query"].lstrip().upper().startswith("SELECT")
        for e in s["expectations"]:
            assert e["type"].startswith("Expect")


@pytest.mark.slow
def test_validate_all_passing_and_failing_suites(tmp_path):
    db = build_db(tmp_path / "db", [clean_truth()])
    run_all(db)
    con = duckdb.connect(str(db))
    try:  # a stand-in for the dbt mart with one negative expenditure amount
        con.execute("""
            CREATE TABLE main.fct_fiscal_line AS
            SELECT md5(document_id || table_name || row_key || measure || coalesce(phase, '')) AS fiscal_line_id,
                   document_id, 2023 AS fiscal_year, table_name, measure,
                   CASE WHEN row_key = '201' AND measure = 'expenditure_total' THEN -amount ELSE amount END AS amount
            FROM raw.table_cell WHERE measure IS NOT NULL""")
    finally:
        con.close()
    settings = SimpleNamespace(duckdb_path=db, reports_dir=tmp_path / "reports", landing_dir=tmp_path)
    result = validate_all(settings)
    suites = result["suites"]
    assert suites["raw_document"]["success"] is True
    assert suites["raw_table_cell"]["success"] is True
    assert suites["raw_table_cell_types"]["success"] is True  # DECIMAL(24,6), INTEGER … in DuckDB's catalog
    assert suites["raw_dq_result"]["success"] is True
    mart = suites["mart_fct_fiscal_line"]
    assert mart["success"] is False
    assert [f["column"] for f in mart["failed"]] == ["expenditure_amount"]
    assert mart["failed"][0]["unexpected_count"] >= 1
    assert result["success"] is False
    assert (tmp_path / "reports" / "gx" / "index.html").exists()
    assert list((tmp_path / "reports" / "gx" / "validations").rglob("*.html"))  # GX's own site, built once


@pytest.mark.slow
def test_incremental_night_validates_the_affected_documents_only(tmp_path):
    """documents=[…]: the suites scoped_by document_id read those documents' rows only; the failure
    in another document's mart rows is not tonight's (it was reported the night it was built)."""
    db = build_db(tmp_path / "db", [clean_truth("a.pdf", department="甲局"), clean_truth("b.pdf", department="乙局")])
    run_all(db)
    con = duckdb.connect(str(db))
    try:
        a, b = [r[0] for r in con.execute("SELECT document_id FROM raw.document ORDER BY file_name").fetchall()]
        cells_a = con.execute("SELECT count(*) FROM raw.table_cell WHERE document_id = ?", [a]).fetchone()[0]
        con.execute("""
            CREATE TABLE main.fct_fiscal_line AS
            SELECT md5(document_id || table_name || row_key || measure || coalesce(phase, '')) AS fiscal_line_id,
                   document_id, 2023 AS fiscal_year, table_name, measure,
                   CASE WHEN document_id = ? AND measure = 'expenditure_total' THEN -amount ELSE amount END AS amount
            FROM raw.table_cell WHERE measure IS NOT NULL""", [b])
    finally:
        con.close()
    settings = SimpleNamespace(duckdb_path=db, reports_dir=tmp_path / "reports", landing_dir=tmp_path)
    tonight = validate_all(settings, documents=[a])
    assert tonight["documents_in_scope"] == 1
    assert tonight["suites"]["raw_table_cell"]["rows"] == cells_a
    assert tonight["suites"]["raw_document"]["rows"] == 1
    assert tonight["suites"]["mart_fct_fiscal_line"]["success"] is True and tonight["success"] is True
    assert "只校验今晚受影响的 1 份文件" in (tmp_path / "reports" / "gx" / "index.html").read_text(encoding="utf-8")
    night_b = validate_all(settings, documents=[b])
    assert night_b["suites"]["mart_fct_fiscal_line"]["success"] is False
    every = validate_all(settings)  # a full night: every row
    assert every["documents_in_scope"] is None and every["suites"]["raw_document"]["rows"] == 2
    assert every["success"] is False
