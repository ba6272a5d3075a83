"""One job: the whole graph. A run covers a range of document partitions (the sensor's new
files, or every document for the nightly refresh); the unpartitioned load → publish steps
follow in the same run."""
from __future__ import annotations

import dagster as dg

from dagster_project.defs.assets import DUCKDB_TAG

REFRESH_JOB = "fiscal_refresh"

# Extraction parallelises inside its step (a process pool); across steps, at most one step
# opens the pipeline DuckDB file at a time.
executor = dg.multiprocess_executor.configured(
    {"tag_concurrency_limits": [{"key": k, "value": v, "limit": 1} for k, v in DUCKDB_TAG.items()]}
)

refresh_job = dg.define_asset_job(
    REFRESH_JOB,
    selection=dg.AssetSelection.all(),
    executor_def=executor,
    # dagster.yaml (see README) limits runs with this tag to one at a time: one DuckDB writer.
    tags={"fiscal/pipeline": "warehouse"},
    description="Extract the selected documents, reload the warehouse, check, report, publish.",
)
