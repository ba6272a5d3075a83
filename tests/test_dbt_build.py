"""dbt build over a loaded fixture warehouse: the star schema holds exactly the current numbers."""
from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from tests import fixtures_records as fx
from tests.conftest import settings_for
from warehouse.load import load_extracted

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = REPO / "dbt"
DBT = Path(sys.executable).with_name("dbt")


def run_dbt(args: list[str], duckdb_path: Path, work: Path) -> subprocess.CompletedProcess:
    """dbt in a subprocess; target/ and logs go to ``work`` so the repository stays clean."""
    env = {
        **os.environ,
        "FISCAL_DUCKDB_PATH": str(duckdb_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_LOG_PATH": str(work / "logs"),
    }
    cmd = [str(DBT) if DBT.exists() else "dbt", *args, "--project-dir", str(DBT_DIR), "--profiles-dir",
           str(DBT_DIR), "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work = tmp_path_factory.mktemp("dbt")
    settings = settings_for(work / "data")
    settings.ensure_dirs()
    fx.build_corpus(settings.extracted_dir)
    load_extracted(settings)
    proc = run_dbt(["build"], settings.duckdb_path, work)
    state = {"con": duckdb.connect(str(settings.duckdb_path), read_only=True),
             "settings": settings, "work": work, "stdout": proc.stdout}
    yield state
    state["con"].close()


def q(built, sql, params=None):
    return built["con"].execute(sql, params or []).fetchall()


def test_build_is_clean(built):
    # how long dbt takes is a benchmark figure (bench/run.py), not a unit-test assertion on a shared machine
    assert "ERROR=0" in built["stdout"] and "WARN=0" in built["stdout"]
    # dbt wrote its artefacts under the test's directory, not into the repository's dbt/target
    assert (built["work"] / "target" / "manifest.json").exists()


def test_fiscal_lines_come_from_current_documents_only(built):
    per_doc = dict(q(built, "SELECT document_id, count(*) FROM fct_fiscal_line GROUP BY ALL"))
    # 15 cells of table 03 + 1 (02 合计) + 2 (01) + 3 (06) + 4 (09) per final; 15 per budget
    assert per_doc == {fx.FINAL_2023_FIX: 25, fx.FINAL_2022: 25, fx.BUDGET_2023: 15}
    assert q(built, "SELECT count(*) FROM fct_fiscal_line WHERE table_name = 'performance_self_assessment'") == [(0,)]
    rows = q(built, """
        SELECT subject_code, measure, amount FROM fct_fiscal_line
        WHERE document_id = ? AND table_name = 'expenditure' ORDER BY row_key, measure""", [fx.FINAL_2023_FIX])
    assert rows == [
        ("201", "basic_expenditure", D("50.000000")), ("201", "expenditure_total", D("60.000000")),
        ("201", "project_expenditure", D("10.000000")),
        ("20101", "basic_expenditure", D("50.000000")), ("20101", "expenditure_total", D("60.000000")),
        ("20101", "project_expenditure", D("10.000000")),
        ("2010101", "basic_expenditure", D("50.000000")), ("2010101", "expenditure_total", D("60.000000")),
        ("2010101", "project_expenditure", D("10.000000")),
        ("210", "basic_expenditure", D("150.250000")), ("210", "expenditure_total", D("190.500000")),
        ("210", "project_expenditure", D("40.250000")),
        (None, "basic_expenditure", D("200.250000")), (None, "expenditure_total", D("250.500000")),
        (None, "project_expenditure", D("50.250000")),
    ]
    total = q(built, "SELECT sum(amount) FROM fct_fiscal_line WHERE document_id = ?", [fx.FINAL_2023_FIX])[0][0]
    # 03: 250.50+200.25+50.25 + 3×(60+50+10) + 190.50+150.25+40.25 ; 02 250.50 ; 01 250.50 ;
    # 06 150+50.25+150 ; 09 12+12+10.50+10.50
    assert total == D("2138.25")
    assert q(built, "SELECT typeof(amount) FROM fct_fiscal_line LIMIT 1") == [("DECIMAL(24,6)",)]
    line = q(built, """SELECT department_name, fiscal_year, doc_kind, scope, subject_level, source_page, x0
                       FROM fct_fiscal_line WHERE document_id = ? AND subject_code = '2010101'
                       AND measure = 'expenditure_total'""", [fx.FINAL_2023_FIX])
    assert line == [("测试局", 2023, "final", "consolidated", 3, 3, 200.0)]


def test_dim_document_keeps_history_and_quarantine(built):
    status = dict(q(built, "SELECT document_id, status FROM dim_document"))
    assert status == {
        fx.FINAL_2023: "superseded", fx.FINAL_2023_FIX: "loaded", fx.FINAL_2022: "loaded",
        fx.BUDGET_2023: "loaded", fx.TEMPLATE: "quarantined", fx.BROKEN: "quarantined",
    }
    assert q(built, "SELECT superseded_by FROM dim_document WHERE document_id = ?", [fx.FINAL_2023]) == [
        (fx.FINAL_2023_FIX,)]
    # the template's placeholder department is not a department
    assert [r[0] for r in q(built, "SELECT department_name FROM dim_department WHERE document_count > 0")] == ["测试局"]


def test_subject_names_by_year(built):
    names = q(built, """SELECT fiscal_year, subject_name FROM dim_subject_name_by_year
                        WHERE subject_key = 'functional:210' ORDER BY fiscal_year""")
    assert names == [(2022, "医疗卫生与计划生育支出"), (2023, "卫生健康支出")]
    assert q(built, """SELECT subject_level, parent_code, subject_name FROM dim_subject
                       WHERE subject_key = 'functional:2010101'""") == [(3, "20101", "行政运行")]
    assert q(built, "SELECT subject_name FROM dim_subject WHERE subject_key = 'functional:210'") == [("卫生健康支出",)]


def test_three_public_and_projects(built):
    assert q(built, """SELECT fiscal_year, budget_amount, final_amount FROM fct_three_public
                       WHERE item = 'three_public_total' ORDER BY fiscal_year""") == [
        (2022, D("11.000000"), D("9.000000")), (2023, D("12.000000"), D("10.500000"))]
    assert q(built, """SELECT project_name, adjusted_budget, executed, execution_rate_printed,
                              execution_rate_recomputed FROM fct_project_performance WHERE document_id = ?""",
             [fx.FINAL_2023_FIX]) == [("信息化建设项目", D("12.000000"), D("11.400000"), D("0.950000"), D("0.950000"))]
    assert q(built, "SELECT count(*) FROM fct_performance_indicator") == [(2,)]
    assert q(built, "SELECT value FROM fct_narrative_figure WHERE document_id = ?", [fx.FINAL_2023_FIX]) == [
        (D("50.250000"),)]


def test_department_year_summary(built):
    row = q(built, """SELECT expenditure_total, basic_expenditure, project_expenditure, personnel_expenditure,
                             public_expenditure, three_public_final, institution_operating_cost,
                             expenditure_total_previous_year, expenditure_total_change, expenditure_total_change_pct,
                             income_total
                      FROM mart_department_year_summary WHERE fiscal_year = 2023 AND doc_kind = 'final'""")
    assert row == [(D("250.500000"), D("200.250000"), D("50.250000"), D("150.000000"), D("50.250000"),
                    D("10.500000"), D("50.250000"), D("200.000000"), D("50.500000"), D("0.252500"),
                    D("250.500000"))]
    assert q(built, "SELECT count(*) FROM mart_department_year_summary") == [(3,)]
    # a budget disclosure takes its totals from the budget tables (seeds/headline_figures.csv)
    assert q(built, """SELECT expenditure_total, basic_expenditure FROM mart_department_year_summary
                       WHERE doc_kind = 'budget'""") == [(D("240.000000"), D("190.000000"))]
    lineage = q(built, """SELECT table_name, row_key, source_page FROM intermediate.int_disclosure_headline h
                          JOIN mart_department_year_summary m USING (disclosure_id)
                          WHERE m.fiscal_year = 2023 AND m.doc_kind = 'final' AND figure = 'personnel_expenditure'""")
    assert lineage == [("general_budget_basic_expenditure", "人员经费合计", 3)]


def test_budget_execution(built):
    rows = q(built, """SELECT subject_code, budget_amount, final_amount, execution_rate FROM mart_budget_execution
                       WHERE measure = 'expenditure_total' ORDER BY row_key""")
    assert rows[-1] == (None, D("240.000000"), D("250.500000"), D("1.043750"))  # the 合计 row
    assert ("201", D("60.000000"), D("60.000000"), D("1.000000")) in rows
    assert len(rows) == 5


def test_dq_tables_flow_through(built):
    assert q(built, "SELECT count(*) FROM fct_dq_finding") == [(0,)]
    db = built["settings"].duckdb_path
    built["con"].close()
    con = duckdb.connect(str(db))
    con.execute("""INSERT INTO raw.dq_finding (finding_id, document_id, rule_id, severity, table_name, page,
                   row_key, measure, expected, printed, difference, message)
                   VALUES ('f1', ?, 'R01', 'error', 'expenditure', 3, '合计', 'expenditure_total',
                           250.49, 250.50, 0.01, 'demo')""", [fx.FINAL_2023_FIX]).fetchall()
    con.execute("""INSERT INTO raw.dq_result (document_id, rule_id, status)
                   VALUES (?, 'R01', 'fail')""", [fx.FINAL_2023_FIX]).fetchall()
    con.close()
    run_dbt(["build", "--select", "fct_dq_finding", "fct_dq_result"], db, built["work"])
    built["con"] = duckdb.connect(str(db), read_only=True)
    assert q(built, "SELECT department_name, fiscal_year, difference FROM fct_dq_finding") == [
        ("测试局", 2023, D("0.010000"))]
    assert q(built, "SELECT status, document_status FROM fct_dq_result") == [("fail", "loaded")]


def test_measures_seed_is_the_catalog():
    seed = (DBT_DIR / "seeds" / "measures.csv").read_bytes()
    catalog = (REPO / "extract" / "catalog" / "measures.csv").read_bytes()
    assert seed == catalog, "dbt/seeds/measures.csv differs from extract/catalog/measures.csv: copy it again"


def test_profile_reads_the_shared_variable():
    text = (DBT_DIR / "profiles.yml").read_text(encoding="utf-8")
    assert "env_var('FISCAL_DUCKDB_PATH', '../data/build/warehouse.duckdb')" in text


def test_readme_queries_run(built):
    """Every SQL example analysts are given in dbt/README.md runs against the built warehouse."""
    import re

    text = (DBT_DIR / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 10
    results = [q(built, sql) for sql in blocks]
    # question 3 on the fixtures: 2023 final 250.50 vs budget 240.00 is within 10 %
    assert results[2] == []
    assert results[4][-1][2:] == ("210", "卫生健康支出", D("180.000000"), D("190.500000"), D("10.500000"),
                                  D("1.058333"))


def test_dagster_dbt_wires_sources_to_the_load_asset(built):
    """Every raw source maps to the Dagster asset ``raw_warehouse`` (needs duplicate source keys enabled)."""
    import json

    dg = pytest.importorskip("dagster")
    from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets

    manifest = json.loads((built["work"] / "target" / "manifest.json").read_text(encoding="utf-8"))
    translator = DagsterDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))

    @dbt_assets(manifest=manifest, dagster_dbt_translator=translator)
    def fiscal_dbt(context):  # pragma: no cover - only the definition is inspected
        yield from ()

    deps = {dep.asset_key for spec in fiscal_dbt.specs for dep in spec.deps}
    assert dg.AssetKey(["raw_warehouse"]) in deps
    stg = next(s for s in fiscal_dbt.specs if s.key.path[-1] == "stg_table_cell")
    assert {d.asset_key for d in stg.deps} == {dg.AssetKey(["raw_warehouse"])}


def test_every_model_and_column_is_documented(built):
    """Analysts read `dbt docs`: every model, and every column it actually has, carries a description."""
    import json

    manifest = json.loads((built["work"] / "target" / "manifest.json").read_text(encoding="utf-8"))
    missing = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed"):
            continue
        if not node.get("description", "").strip():
            missing.append(node["name"])
        actual = [r[0] for r in q(built, "SELECT column_name FROM information_schema.columns "
                                         "WHERE table_schema = ? AND table_name = ?", [node["schema"], node["name"]])]
        assert actual, node["name"]
        documented = {c for c, v in node["columns"].items() if v.get("description", "").strip()}
        missing += [f"{node['name']}.{c}" for c in actual if c not in documented]
    assert missing == []
