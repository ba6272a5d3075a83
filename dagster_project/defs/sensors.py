"""``landing_sensor``: new or corrected files in the landing folder become document
partitions, and one run extracts exactly those and refreshes everything downstream."""

import hashlib
import json
import os

import dagster as dg

from dagster_project.defs import landing
from dagster_project.defs.jobs import REFRESH_JOB, refresh_job
from dagster_project.defs.partitions import DOCUMENTS_PARTITION, documents, range_tags
from dagster_project.defs.resources import FiscalResource

TRIGGER_TAG = "fiscal/trigger"
# An upload may still be in progress: leave files modified in the last N seconds for the next tick.
SETTLE_ENV = "FISCAL_LANDING_SETTLE_S"


def new_document_keys(known: set[str], files: list[landing.LandingFile]) -> list[str]:
    """Keys of files whose bytes were never seen, in landing-path order, each once."""
    keys: list[str] = []
    for f in files:
        if f.document_id not in known and f.document_id not in keys:
            keys.append(f.document_id)
    return keys


def _pipeline_busy(instance: dg.DagsterInstance) -> bool:
    runs = instance.get_runs(
        filters=dg.RunsFilter(
            job_name=REFRESH_JOB,
            statuses=[dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED,
                      dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED],
        ),
        limit=1,
    )
    return bool(runs)


@dg.sensor(
    name="landing_sensor",
    job=refresh_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Hashes new/changed files in FISCAL_LANDING_DIR; each new sha256 becomes a "
    "`documents` partition, extracted in one run with the downstream refresh.",
)
def landing_sensor(context: dg.SensorEvaluationContext, fiscal: FiscalResource) -> dg.SensorResult:
    settings = fiscal.settings()
    if _pipeline_busy(context.instance):
        # One pipeline run at a time (single DuckDB writer); the files are picked up next tick.
        return dg.SensorResult(skip_reason="a fiscal_refresh run is in progress")
    files, state = landing.scan(settings, settle_seconds=float(os.environ.get(SETTLE_ENV) or 10))
    landing.save_state(settings, state)
    known = set(context.instance.get_dynamic_partitions(DOCUMENTS_PARTITION))
    keys = new_document_keys(known, files)
    cursor = json.dumps({"files": len(files), "documents": len(known) + len(keys)})
    if not keys:
        return dg.SensorResult(skip_reason=f"no new files ({len(files)} in landing)", cursor=cursor)
    paths = {f.document_id: f.relative_path for f in files}
    context.log.info(f"{len(keys)} new document(s): " + ", ".join(paths[k] for k in keys[:20]))
    # New keys are appended to the dynamic partitions in this order, so the range
    # first..last covers exactly them: one run extracts all of them (single-run backfill policy).
    batch = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]
    from dagster_project.defs.night import night_selection, repository_keys

    return dg.SensorResult(
        dynamic_partitions_requests=[documents.build_add_request(keys)],
        run_requests=[
            dg.RunRequest(
                run_key=f"landing-{batch}",
                tags={
                    **range_tags(keys),
                    TRIGGER_TAG: "landing_sensor",
                    "fiscal/new_documents": str(len(keys)),
                },
                asset_selection=night_selection(settings, repository_keys(context)),  # dbt views/seeds left out when current
            )
        ],
        cursor=cursor,
    )
