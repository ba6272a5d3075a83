"""An incremental night gives the same warehouse as a full rebuild (warehouse/incremental.py).

Fixture records (no PDFs), several departments. Night 1 is full (first night). Night 2 adds, in
one drop: a correction that supersedes a loaded document, a 汇总 document of a department that so
far had only 本级 + unit documents (so the unchanged 本级 / unit rows stop counting in the
department total), a document of a new department, a document extraction quarantined, and a
document whose rows break a dbt data test (held back). Night 2 runs incrementally — rules, dbt
models and the night-scoped tests over the affected documents only — and must give exactly the
warehouse a full rebuild from scratch over the same extractions gives (every table: raw, facts,
marts, dq results and findings, holds). Night 3 changes nothing and must leave everything as is
(only the held-back document is tested again).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from expectations.rules import run_all
from tests import fixtures_records as fx
from tests.conftest import settings_for
from tests.test_night_isolation import dbt_builder
from tests.warehouse_snapshot import snapshot
from warehouse import isolation
from warehouse.incremental import AFFECTED_TABLE, STATE_TABLE, code_fingerprint, plan_night, record_night
from warehouse.load import load_extracted
from warehouse.publish import publish

pytestmark = pytest.mark.slow  # four nights, each with dbt build



def night(settings, work: Path, name: str, *, full: bool = False):
    """One night as the Dagster assets run it: load, plan, rules, dbt (isolating), publish, record."""
    load_extracted(settings)
    code = code_fingerprint(settings.dbt_project_dir)
    plan = plan_night(settings.duckdb_path, code=code, full=full)
    run_all(settings.duckdb_path, None if plan.full else plan.documents)
    args = ["--full-refresh"] if plan.full else []  # the models read the plan from raw.night_affected

    build = dbt_builder(settings.duckdb_path, work, *args, label=f"-{name}")
    _, report = isolation.build_isolating(build, settings.duckdb_path)
    publish(settings)
    record_night(settings.duckdb_path, code=code)
    return plan, report


def final(root: Path, label: str, department: str, year: int = 2023, *, scope: str = "consolidated",
          parent: str | None = None, total: str = "100.00", seen: str = "2025-06-01T00:00:00Z") -> str:
    did = fx.doc_id(label)
    path = f"{year}/{department}{year}年度部门决算（{label}）.pdf"
    body = fx.final_document(did, path, year, total=total, basic="80.00", project=str(fx.D(total) - 80),
                             name_210="卫生健康支出", three_public=("5.00", "4.00"), personnel="60.00",
                             public="20.00", income=total)
    extra = {"parent_department": parent} if parent else {}
    fx.write_document(root, fx._doc(did, path, year, "final", department_name=department, scope=scope, **extra),
                      manifest_extra={"file_mtime": seen}, **body)
    return did


def first_landing(root: Path) -> None:
    fx.build_corpus(root, include_fix=False)  # 测试局: 2022 and 2023 finals, 2023 budget, a template, a broken file
    final(root, "edu-own", "青川州教育局", scope="own", total="100.00")
    final(root, "edu-unit", "青川州第一中学", scope="unit", parent="青川州教育局", total="40.00")
    final(root, "health", "青川州卫生健康委员会", total="300.00")


def second_drop(root: Path) -> dict[str, str]:
    ids = {"fix": fx.add_fix(root)}  # supersedes FINAL_2023 of 测试局
    ids["edu_consolidated"] = final(root, "edu-all", "青川州教育局", total="140.00", seen="2025-07-02T00:00:00Z")
    ids["water"] = final(root, "water", "青川州水利局", total="70.00")
    ids["quarantined"] = fx.doc_id("unreadable-2")
    fx.write_document(root, fx._doc(ids["quarantined"], "2023/坏文件.pdf", None, None, status="quarantined",
                                    error_code="not_a_pdf", error_message="not a PDF"), write_parquet=False)
    held = fx.doc_id("held-duplicate-cell")
    cells = fx.expenditure_cells("10.00", "8.00", "2.00", "卫生健康支出")
    cells.append(dict(cells[0]))  # the same printed cell twice: unique_int_current_table_cell_fiscal_line_id fails
    fx.write_document(root, fx._doc(held, "2023/重复局2023年度部门决算.pdf", 2023, "final", department_name="青川州重复局"),
                      cells=cells, tables=[{"table_seq": 3, "table_name": "expenditure", "is_mapped": True}])
    ids["held"] = held
    return ids


def comparable(path: Path) -> dict[str, list[str]]:
    """Every table but the night's bookkeeping (tests/warehouse_snapshot.py: raw.night_affected is
    tonight's plan, raw.night_state is recorded after publish)."""
    snap = snapshot(path)
    assert f"raw.{AFFECTED_TABLE}" not in snap and f"raw.{STATE_TABLE}" not in snap
    return snap


def assert_same(got: dict[str, list[str]], want: dict[str, list[str]]) -> None:
    assert got.keys() == want.keys()
    differ = [t for t in want if got[t] != want[t]]
    assert not differ, f"incremental and full rebuild differ in {differ}"


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    work = tmp_path_factory.mktemp("incremental")
    inc = settings_for(work / "inc")
    inc.ensure_dirs()
    first_landing(inc.extracted_dir)
    plan1, _ = night(inc, work, "n1")
    ids = second_drop(inc.extracted_dir)
    plan2, report2 = night(inc, work, "n2")
    after2 = comparable(inc.published_path)
    plan3, _ = night(inc, work, "n3")
    after3 = comparable(inc.published_path)

    full = settings_for(work / "full")
    full.ensure_dirs()
    first_landing(full.extracted_dir)
    second_drop(full.extracted_dir)
    plan_full, report_full = night(full, work, "full")
    return {"plans": (plan1, plan2, plan3, plan_full), "reports": (report2, report_full), "ids": ids,
            "after2": after2, "after3": after3, "full": comparable(full.published_path),
            "inc": inc}


def _rows(path: Path, sql: str) -> list[dict]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        cur = con.execute(sql)
        return [dict(zip([c[0] for c in cur.description], r)) for r in cur.fetchall()]


def test_the_first_night_is_full_and_the_next_ones_are_not(nights):
    plan1, plan2, plan3, plan_full = nights["plans"]
    assert plan1.full and plan_full.full
    assert not plan2.full and not plan3.full
    # nothing changed on night 3: only the document held back on night 2 is tested again (holds are
    # recomputed every night), with its department
    assert plan3.changed == [nights["ids"]["held"]]
    assert plan3.documents == [nights["ids"]["held"]]


def test_the_incremental_night_covers_the_changed_documents_and_their_departments_only(nights):
    _, plan2, _, _ = nights["plans"]
    ids = nights["ids"]
    assert set(ids.values()) <= set(plan2.changed)
    assert fx.FINAL_2023 in plan2.changed  # superseded tonight
    affected = set(plan2.documents)
    # the 本级 and unit documents of 教育局 did not change, but the new 汇总 changes what counts in its total
    assert {fx.doc_id("edu-own"), fx.doc_id("edu-unit")} <= affected
    # 测试局's other documents are read by its rules (the 2023 budget against the 2023 final)
    assert {fx.FINAL_2022, fx.BUDGET_2023} <= affected
    # a department nothing happened to is not recomputed
    assert fx.doc_id("health") not in affected


def test_incremental_night_equals_a_full_rebuild(nights):
    assert nights["after2"]["main.fct_fiscal_line"], "nothing built"
    assert nights["after2"]["raw.dq_result"], "no rule results"
    assert_same(nights["after2"], nights["full"])


def test_a_night_without_changes_changes_nothing(nights):
    assert_same(nights["after3"], nights["after2"])


def test_held_back_document_is_held_on_the_incremental_night_too(nights):
    report2, report_full = nights["reports"]
    held = nights["ids"]["held"]
    assert set(report2.held) == set(report_full.held) == {held}
    status = _rows(nights["inc"].published_path, "select document_id, status from main.dim_document")
    by_id = {r["document_id"]: r["status"] for r in status}
    assert by_id[held] == "held_back"
    assert by_id[fx.FINAL_2023] == "superseded" and by_id[nights["ids"]["quarantined"]] == "quarantined"
