"""The whole Dagster graph loads and is wired in the order the data flows:
extraction → load → rules → dbt models → checks → reports → publish."""
from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs import resources

warnings.filterwarnings("ignore", category=dg.BetaWarning)
K = dg.AssetKey
HAS_DBT = resources.dbt_project_exists()


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from dagster_project.definitions import defs

    return defs


@pytest.fixture(scope="module")
def graph(defs):
    return defs.resolve_asset_graph()


def test_definitions_load(defs):
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("fiscal_refresh") is not None
    assert {j.name for j in defs.resolve_all_job_defs()} >= {"fiscal_refresh"}


def test_extraction_is_partitioned_per_document_and_runs_as_one_batch(graph):
    node = graph.get(K("document_extraction"))
    assert isinstance(node.partitions_def, dg.DynamicPartitionsDefinition)
    assert node.partitions_def.name == "documents"
    assert node.backfill_policy == dg.BackfillPolicy.single_run()
    assert node.group_name == "extract"
    assert dg.AssetCheckKey(K("document_extraction"), "document_not_quarantined") in graph.asset_check_keys


def test_load_and_rules_follow_extraction(graph):
    assert graph.get(K("raw_warehouse")).parent_keys == {K("document_extraction")}
    assert graph.get(K("raw_warehouse")).partitions_def is None  # one warehouse, all documents
    assert graph.get(K("dq_rules")).parent_keys == {K("raw_warehouse")}
    assert dg.AssetCheckKey(K("raw_warehouse"), "registry_quarantined_documents") in graph.asset_check_keys


def ancestors(graph, key: dg.AssetKey) -> set[dg.AssetKey]:
    seen: set[dg.AssetKey] = set()
    todo = list(graph.get(key).parent_keys)
    while todo:
        k = todo.pop()
        if k not in seen:
            seen.add(k)
            todo.extend(graph.get(k).parent_keys)
    return seen


def _dbt_keys(graph) -> set[dg.AssetKey]:
    return {k for k in graph.get_all_asset_keys() if graph.get(k).group_name == "transform"}


@pytest.mark.skipif(not HAS_DBT, reason="no dbt project yet (dbt/dbt_project.yml)")
def test_dbt_models_follow_rules_and_feed_reports(graph):
    dbt_keys = _dbt_keys(graph)
    assert dbt_keys, "no dbt models in the graph"
    # Models reading raw.* (sources → raw_warehouse) also wait for the rules (raw.dq_*).
    roots = [k for k in dbt_keys if K("raw_warehouse") in graph.get(k).parent_keys]
    assert roots, "no dbt model reads a raw source mapped to raw_warehouse"
    assert all(K("dq_rules") in graph.get(k).parent_keys for k in roots)
    # dbt data tests are asset checks on the models
    assert any(c.asset_key in dbt_keys and c.name != "gx_expectations" for c in graph.asset_check_keys)
    assert dbt_keys <= ancestors(graph, K("quality_reports"))
    # the warehouse is published after every model, without waiting for the reports
    everything_but = set(graph.get_all_asset_keys()) - {K("published_warehouse"), K("quality_reports")}
    assert ancestors(graph, K("published_warehouse")) == everything_but
    assert K("quality_reports") not in ancestors(graph, K("published_warehouse"))
    assert not graph.get(K("published_warehouse")).child_keys  # publish is last
    assert not graph.get(K("quality_reports")).child_keys


def test_held_back_documents_are_a_check_on_dim_document(graph):
    assert dg.AssetCheckKey(K("dim_document"), "documents_held_back") in graph.asset_check_keys


def test_no_private_dagster_imports():
    """The Dagster layer uses dagster's public API only (issue #21)."""
    import re

    root = Path(__file__).resolve().parents[1] / "dagster_project"
    offenders = [str(p) for p in root.rglob("*.py")
                 if re.search(r"^\s*(from|import)\s+dagster(_dbt)?\._", p.read_text(encoding="utf-8"), re.M)]
    assert offenders == []


@pytest.mark.skipif(not HAS_DBT, reason="no dbt project yet (dbt/dbt_project.yml)")
def test_gx_check_runs_after_every_model_and_gates_the_reports(defs, graph):
    dbt_keys = _dbt_keys(graph)
    [gx_key] = [c for c in graph.asset_check_keys if c.name == "gx_expectations"]
    assert gx_key.asset_key in dbt_keys
    checks_def = next(c for c in defs.asset_checks if gx_key in c.check_keys)
    spec = checks_def.get_spec_for_check_key(gx_key)
    assert spec.blocking  # the reports (downstream of every model) wait for it
    deps = {d.asset_key for d in spec.additional_deps} | {gx_key.asset_key}
    assert not graph.get(gx_key.asset_key).child_keys & dbt_keys  # attached to a leaf mart
    upstream = set().union(*(ancestors(graph, k) | {k} for k in deps))
    assert dbt_keys <= upstream  # so it runs after every model
    assert gx_key.asset_key in graph.get(K("quality_reports")).parent_keys  # and the reports wait for it


def test_sensor_and_nightly_schedule_target_the_refresh_job(defs):
    schedule = defs.resolve_schedule_def("nightly_refresh")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == "fiscal_refresh"
    sensor = defs.resolve_sensor_def("landing_sensor")
    assert sensor.job_name == "fiscal_refresh"


def test_extraction_retries_transient_failures(graph):
    policy = graph.get(K("document_extraction")).assets_def.op.retry_policy
    assert policy is not None and policy.max_retries == 2


def test_importing_the_defs_modules_reads_no_dbt_manifest():
    """House style: the manifest is read when Definitions are assembled, never at import."""
    code = (
        "import dagster_project.defs.assets, dagster_project.defs.checks, dagster_project.defs.sensors, "
        "dagster_project.defs.schedules, dagster_project.cli\n"
        "from dagster_project.defs import assets, resources\n"
        "assert resources.dbt_project.cache_info().currsize == 0\n"
        "assert assets.fiscal_dbt_models.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True)
