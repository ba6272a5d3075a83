"""Everything Dagster loads: ``dagster dev -m dagster_project.definitions``.

The flow (docs/architecture.md):
document_extraction (per document) → raw_warehouse → dq_rules → dbt models (+ dbt tests as
checks; a data test failing on some documents' rows holds those back and builds the rest) →
GX checks → quality_reports and published_warehouse (both after every dbt model; the warehouse
does not wait for the reports).

The dbt manifest is read here, when Definitions are assembled, not when the ``defs``
modules are imported; if the dbt project is not there yet the graph loads without it
(and says so in the log).
"""
from __future__ import annotations

import logging

import dagster as dg

from dagster_project.defs import assets, checks, jobs, resources, schedules, sensors


def build_definitions() -> dg.Definitions:
    dbt_defs = None
    if resources.dbt_project_exists():
        dbt_defs = assets.fiscal_dbt_models()
    else:
        logging.getLogger(__name__).warning(
            "no dbt project at %s: loading the graph without dbt models", resources.dbt_project_dir()
        )
    # The reports and the GX check wait for the dbt leaves (the marts), hence for every model.
    leaves = assets.dbt_leaf_keys(dbt_defs)
    reports = assets.build_reports_asset(leaves)
    published = assets.build_publish_asset(leaves)
    all_assets = [
        assets.document_extraction,
        assets.raw_warehouse,
        assets.dq_rules,
        *([dbt_defs] if dbt_defs is not None else []),
        reports,
        published,
    ]
    dbt_resource = {"dbt": resources.dbt_resource()} if dbt_defs is not None else {}
    return dg.Definitions(
        assets=all_assets,
        asset_checks=[checks.build_gx_check(leaves), *checks.build_held_back_check(assets.dbt_key(dbt_defs, "dim_document"))],
        jobs=[jobs.refresh_job],
        sensors=[sensors.landing_sensor],
        schedules=[schedules.nightly_refresh],
        resources={"fiscal": resources.FiscalResource(), **dbt_resource},
    )


defs = build_definitions()
