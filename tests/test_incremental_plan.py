"""The night plan (warehouse/incremental.py) and the rules over the affected documents only, without
dbt (fast). The whole incremental night against a full rebuild: tests/test_incremental_night.py."""
from __future__ import annotations

import duckdb

from expectations.rules import run_all
from tests import fixtures_records as fx
from tests.test_incremental_night import final, first_landing, second_drop
from tests.warehouse_snapshot import snapshot
from warehouse.incremental import plan_night, read_plan, record_night
from warehouse.load import load_extracted
from warehouse.settings import Settings

CODE = "code-v1"


def _settings(home) -> Settings:
    s = Settings.from_env()
    s.ensure_dirs()
    return s


def _dq(path) -> dict[str, list[str]]:
    snap = snapshot(path)
    return {t: snap[t] for t in ("raw.dq_result", "raw.dq_finding")}


def test_first_night_is_full_then_only_changes_and_their_departments(home):
    s = _settings(home)
    first_landing(s.extracted_dir)
    load_extracted(s)
    plan = plan_night(s.duckdb_path, code=CODE)
    assert plan.full and "first night" in plan.reason
    assert read_plan(s.duckdb_path).full
    record_night(s.duckdb_path, code=CODE)

    load_extracted(s)  # nothing new
    plan = plan_night(s.duckdb_path, code=CODE)
    assert not plan.full and plan.documents == [] and plan.changed == [] and plan.is_empty
    assert read_plan(s.duckdb_path).documents == []

    fix = fx.add_fix(s.extracted_dir)  # supersedes FINAL_2023
    load_extracted(s)
    plan = plan_night(s.duckdb_path, code=CODE)
    assert set(plan.changed) == {fix, fx.FINAL_2023}
    # the rest of 测试局 (its rules read the 2023 budget), nothing of the other departments
    assert {fx.FINAL_2022, fx.BUDGET_2023} <= set(plan.documents)
    assert fx.doc_id("health") not in plan.documents and fx.doc_id("edu-own") not in plan.documents
    assert read_plan(s.duckdb_path).documents == plan.documents

    # a change of the code that builds the warehouse, or a request, makes the night full
    assert plan_night(s.duckdb_path, code="code-v2").full
    assert plan_night(s.duckdb_path, code=CODE, full=True).full


def test_a_department_total_change_reaches_unchanged_own_and_unit_documents(home):
    s = _settings(home)
    first_landing(s.extracted_dir)
    load_extracted(s)
    plan_night(s.duckdb_path, code=CODE)
    record_night(s.duckdb_path, code=CODE)
    new = final(s.extracted_dir, "edu-all", "青川州教育局", total="140.00", seen="2025-07-02T00:00:00Z")
    load_extracted(s)
    plan = plan_night(s.duckdb_path, code=CODE)
    assert plan.changed == [new]
    assert {fx.doc_id("edu-own"), fx.doc_id("edu-unit"), new} <= set(plan.documents)
    assert "青川州教育局" in plan.departments


def test_rules_over_the_affected_documents_equal_rules_over_all(home, tmp_path):
    s = _settings(home)
    first_landing(s.extracted_dir)
    load_extracted(s)
    run_all(s.duckdb_path)
    plan_night(s.duckdb_path, code=CODE)
    record_night(s.duckdb_path, code=CODE)
    second_drop(s.extracted_dir)
    load_extracted(s)
    plan = plan_night(s.duckdb_path, code=CODE)
    counts = run_all(s.duckdb_path, plan.documents)
    assert 0 < counts["documents"] < len(plan.documents) + 1
    incremental = _dq(s.duckdb_path)
    run_all(s.duckdb_path)  # every document, from scratch
    assert incremental == _dq(s.duckdb_path)
    assert incremental["raw.dq_result"]
    # the superseded document's results left with it
    with duckdb.connect(str(s.duckdb_path), read_only=True) as con:
        assert not con.execute("select count(*) from raw.dq_result where document_id = ?", [fx.FINAL_2023]).fetchone()[0]
