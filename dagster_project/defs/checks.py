"""Asset checks beyond the ones computed inside an asset's own step.

In-step checks (defined with their assets in ``assets.py``):
- ``document_extraction / document_not_quarantined`` — WARN, the run's unreadable documents and why;
- ``raw_warehouse / registry_quarantined_documents`` — WARN, every quarantined document in the registry;
- dbt data tests become checks on their models (dagster-dbt).

Here: the Great Expectations suites (``expectations.gx_suites.validate_all``), over raw
and marts, run after every dbt model and before the reports. They are *blocking* on the
mart they are attached to, so the reports (downstream of every model) wait for them.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

from dagster_project.defs import stages
from dagster_project.defs.assets import DUCKDB_TAG, as_metadata, raw_warehouse
from dagster_project.defs.resources import FiscalResource

GX_CHECK = "gx_expectations"


def _failed_suites(result: Mapping[str, Any]) -> list[str]:
    """Suite names that did not pass, from validate_all's result (tolerant of its exact shape)."""
    if "success" in result and isinstance(result["success"], bool) and not result.get("suites"):
        return [] if result["success"] else ["(all)"]
    suites = result.get("suites", result)
    failed = []
    if isinstance(suites, Mapping):
        for name, value in suites.items():
            ok = value.get("success") if isinstance(value, Mapping) else value
            if ok is False:
                failed.append(str(name))
    elif isinstance(suites, Sequence) and not isinstance(suites, str):
        for item in suites:
            if isinstance(item, Mapping) and item.get("success") is False:
                failed.append(str(item.get("name") or item.get("suite") or item))
    return failed


def _skipped_suites(result: Mapping[str, Any]) -> dict[str, str]:
    suites = result.get("suites")
    if not isinstance(suites, Mapping):
        return {}
    return {str(k): str(v.get("skipped")) for k, v in suites.items() if isinstance(v, Mapping) and v.get("skipped")}


def gx_check_target(leaf_keys: Sequence[dg.AssetKey]) -> dg.AssetKey:
    """The asset the GX check is attached to: a leaf fact mart when there is one (stable choice).

    It must be a leaf (no dbt model downstream), or the blocking check would hold up models.
    """
    dbt_keys = leaf_keys
    names = {k.path[-1]: k for k in dbt_keys}
    for prefix in ("fct_dq", "fct_", "dim_"):
        for name in sorted(names):
            if name.startswith(prefix):
                return names[name]
    return dbt_keys[-1] if dbt_keys else raw_warehouse.key


def build_gx_check(leaf_keys: Sequence[dg.AssetKey]) -> dg.AssetChecksDefinition:
    """Attached to one leaf mart, after every other leaf (hence after every dbt model)."""
    dbt_keys = leaf_keys
    target = gx_check_target(leaf_keys)
    others = [k for k in [raw_warehouse.key, *leaf_keys] if k != target]

    @dg.asset_check(
        asset=target,
        name=GX_CHECK,
        additional_deps=others,
        blocking=bool(dbt_keys),
        op_tags=DUCKDB_TAG,
        description="Great Expectations suites over raw and the marts; Data Docs under reports/gx/.",
    )
    def gx_expectations(context: dg.AssetCheckExecutionContext, fiscal: FiscalResource) -> dg.AssetCheckResult:
        settings = fiscal.settings()
        result = stages.gx_suites().validate_all(settings) or {}
        failed = _failed_suites(result)
        if failed:
            context.log.warning(f"GX suites with failures: {failed}")
        return dg.AssetCheckResult(
            passed=not failed,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                **as_metadata({k: v for k, v in result.items() if k != "data_docs"}, prefix="gx_"),
                "failed_suites": dg.MetadataValue.json(failed),
                "skipped_suites": dg.MetadataValue.json(_skipped_suites(result)),
                "data_docs": dg.MetadataValue.path(str(result.get("data_docs") or settings.reports_dir / "gx")),
            },
        )

    return gx_expectations
