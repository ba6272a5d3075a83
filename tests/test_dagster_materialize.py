"""The whole graph, materialized in-process on a small landing folder.

Slow-ish (each run extracts PDFs and runs dbt build), but in the default run: it is the
proof that the stages fit together, that a rerun changes nothing, and that the landing
sensor's runs extract only new files, let corrections supersede and quarantine what
cannot be read while the rest loads.
"""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import dagster as dg
import pytest

from tests.warehouse_snapshot import snapshot

warnings.filterwarnings("ignore", category=dg.BetaWarning)

REPO = Path(__file__).resolve().parent.parent
SEED_PDF = REPO / "corpus" / "sample" / "seed" / "yanbian-2023-final.pdf"



@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def disclosure_pdf(path: Path, department: str, year: int = 2023, extra: list[str] | None = None) -> Path:
    from tests import pdf_factory

    path.parent.mkdir(parents=True, exist_ok=True)
    return pdf_factory.text_pdf(path, pdf_factory.disclosure_lines(department, year) + (extra or []))


def settings():
    from warehouse.settings import Settings

    return Settings.from_env()


def run_refresh(instance, tags: dict, *, force: bool = False, asset_selection=None) -> dg.ExecuteInProcessResult:
    """The run a RunRequest asks for (its tags and asset selection), in this process."""
    from dagster_project.definitions import defs

    result = defs.resolve_job_def("fiscal_refresh").execute_in_process(
        instance=instance,
        tags=tags,
        asset_selection=asset_selection,
        run_config={"ops": {"document_extraction": {"config": {"force": force}}}},
        raise_on_error=False,
    )
    failures = [e.step_key + ": " + str(e.event_specific_data.error.message)[:500]
                for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert result.success, "\n".join(failures)
    return result


def tick(instance) -> dg.SensorResult:
    from dagster_project.defs.resources import FiscalResource
    from dagster_project.defs.sensors import landing_sensor

    result = landing_sensor(dg.build_sensor_context(instance=instance, resources={"fiscal": FiscalResource()}))
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return result


def extracted_partitions(result: dg.ExecuteInProcessResult) -> set[str]:
    return {
        e.partition
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey("document_extraction")
    }


def registry(path: Path) -> dict[str, dict]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        cur = con.execute("select * from raw.document_registry")
        cols = [c[0] for c in cur.description]
        return {row[0]: dict(zip(cols, row)) for row in cur.fetchall()}


@pytest.mark.slow
def test_full_refresh_twice_gives_the_same_warehouse(home, instance):
    from dagster_project.cli import register_landing
    from dagster_project.defs.schedules import full_refresh_tags

    landing = home / "landing"
    if SEED_PDF.exists():
        shutil.copy(SEED_PDF, landing / SEED_PDF.name)
    disclosure_pdf(landing / "qingchuan" / "test-2023.pdf", "青川州测试局")
    (landing / "empty.pdf").write_bytes(b"")

    keys, new = register_landing(instance, settings())
    assert len(keys) == len(new) == (3 if SEED_PDF.exists() else 2)
    first = run_refresh(instance, full_refresh_tags(keys))
    assert extracted_partitions(first) == set(keys)
    published = settings().published_path
    assert published.exists()
    before = snapshot(published)
    assert before.get("raw.document_registry"), "nothing loaded"
    # the nightly schedule skips a night when nothing changed since this complete run (like `fiscal run`)
    from dagster_project.defs.schedules import nightly_refresh

    assert isinstance(nightly_refresh(dg.build_schedule_context(instance=instance)), dg.SkipReason)

    # Again, re-extracting every document: the warehouse must come out identical.
    second = run_refresh(instance, full_refresh_tags(keys), force=True)
    assert extracted_partitions(second) == set(keys)
    after = snapshot(published)
    assert after.keys() == before.keys()
    for table in before:
        assert after[table] == before[table], f"{table} differs between two runs over the same files"

    checks = {(c.asset_check_key.name): c for c in second.get_asset_check_evaluations()}
    assert not checks["document_not_quarantined"].passed  # empty.pdf
    assert checks["document_not_quarantined"].severity == dg.AssetCheckSeverity.WARN


@pytest.mark.slow
def test_landing_sensor_runs_new_files_corrections_and_broken_files(home, instance):
    landing = home / "landing"
    disclosure_pdf(landing / "a.pdf", "青川州测试局")
    disclosure_pdf(landing / "b.pdf", "青川州教育局")
    first = tick(instance)
    [request] = first.run_requests
    assert request.asset_selection is None  # the first night builds everything, dbt views and seeds too
    result = run_refresh(instance, request.tags)
    initial = set(instance.get_dynamic_partitions("documents"))
    assert extracted_partitions(result) == initial and len(initial) == 2

    # A corrected a.pdf (same department and year, new bytes) and two broken files, dropped
    # together: one run; the correction supersedes the old a.pdf, the broken files are
    # quarantined with a reason, everything else stays loaded.
    reg = registry(settings().published_path)
    [old_a] = [k for k, r in reg.items() if r["file_path"] == "a.pdf"]
    disclosure_pdf(landing / "a.pdf", "青川州测试局", extra=["（更正版）"])
    (landing / "empty.pdf").write_bytes(b"")
    (landing / "letter.pdf").write_text("这不是PDF", encoding="utf-8")
    [request] = tick(instance).run_requests
    # the code is the first night's: the dbt views and seeds are current and left out of the run
    selected = {k.path[-1] for k in request.asset_selection}
    assert "raw_warehouse" in selected and "fct_fiscal_line" in selected and "mart_department_total" in selected
    assert "stg_document" not in selected and "int_document" not in selected and "department_aliases" not in selected
    result = run_refresh(instance, request.tags, asset_selection=request.asset_selection)
    materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    assert "fct_fiscal_line" in materialized and "stg_document" not in materialized
    new_keys = set(instance.get_dynamic_partitions("documents")) - initial
    assert len(new_keys) == 3
    assert extracted_partitions(result) == new_keys  # only the new files were extracted
    reg = registry(settings().published_path)
    [new_a] = [k for k in extracted_partitions(result) if reg[k]["file_path"] == "a.pdf"]
    assert reg[old_a]["status"] == "superseded" and reg[old_a]["superseded_by"] == new_a
    assert reg[new_a]["status"] == "loaded"
    broken = {r["file_path"]: r for r in reg.values() if r["status"] == "quarantined"}
    assert set(broken) == {"empty.pdf", "letter.pdf"}
    assert all(r["error_code"] and r["reason"] for r in broken.values())
    loaded = sorted(r["file_path"] for r in reg.values() if r["status"] == "loaded")
    assert loaded == ["a.pdf", "b.pdf"]
    [check] = [c for c in result.get_asset_check_evaluations() if c.asset_check_key.name == "document_not_quarantined"]
    assert not check.passed and "empty.pdf" in check.metadata["quarantined_documents"].value
