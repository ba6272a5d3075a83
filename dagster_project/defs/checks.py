"""Asset checks beyond the ones computed inside an asset's own step.

In-step checks (defined with their assets in ``assets.py``):
- ``document_extraction / document_not_quarantined`` — WARN, the run's unreadable documents and why;
- ``raw_warehouse / registry_quarantined_documents`` — WARN, every quarantined document in the
  registry and every refused landing file;
- dbt data tests become checks on their models (dagster-dbt); a test that failed on some
  documents' rows has held those documents back (warehouse/isolation.py) and passes on the rest.

``dim_document / documents_held_back`` (here): WARN, the documents held back tonight, with the
failing test and the message (raw.document_hold).

Here: the Great Expectations suites (``expectations.gx_suites.validate_all``), over raw
and marts, run after every dbt model and before the reports. They are *blocking* on the
mart they are attached to, so the reports (downstream of every model) wait for them.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

from dagster_project.defs.assets import DUCKDB_TAG, as_metadata, night_documents, quarantine_table, raw_warehouse
from dagster_project.defs.resources import FiscalResource

GX_CHECK = "gx_expectations"
HELD_BACK_CHECK = "documents_held_back"


def _failed_suites(result: Mapping[str, Any]) -> list[str]:
    """Suites that ran and did not pass (validate_all: ``{"suites": {name: {"success": …}}}``)."""
    return sorted(name for name, value in result.get("suites", {}).items() if value.get("success") is False)


def _skipped_suites(result: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(v["skipped"]) for name, v in result.get("suites", {}).items() if v.get("skipped")}


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
        from expectations.gx_suites import validate_all

        settings = fiscal.settings()
        # on an incremental night the document-scoped suites read tonight's affected documents only
        result = validate_all(settings, documents=night_documents(settings))
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


def build_held_back_check(dim_document: dg.AssetKey | None) -> list[dg.AssetChecksDefinition]:
    """WARN check on dim_document: the documents a failing dbt data test held back tonight."""
    if dim_document is None:
        return []

    @dg.asset_check(
        asset=dim_document,
        name=HELD_BACK_CHECK,
        op_tags=DUCKDB_TAG,
        description="Documents held back tonight because a dbt data test failed on their rows "
        "(status held_back in dim_document; their records are out of every model).",
    )
    def documents_held_back(fiscal: FiscalResource) -> dg.AssetCheckResult:
        from warehouse.isolation import held_back

        rows = held_back(fiscal.settings().duckdb_path)
        table = {r["document_id"]: {"file": r["file_path"], "error_code": r["tests"], "reason": r["reason"]} for r in rows}
        return dg.AssetCheckResult(
            passed=not rows,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"held_back": len(rows), "documents": dg.MetadataValue.md(quarantine_table(table) if rows else "none")},
        )

    return [documents_held_back]
