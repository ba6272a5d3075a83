"""Nightly refresh at 02:00 Beijing time over every known document, as lean as ``fiscal run``:

* no run at all when nothing changed since the last complete run (same extractions, same code:
  ``dagster_project/defs/night.py``);
* otherwise extraction skips documents already extracted by the current extractor version, the
  load skips unchanged manifests, and rules, dbt and reports recompute only the documents and
  departments that changed (the night plan, ``warehouse/incremental.py``). A run tagged
  ``fiscal/full_refresh=true`` recomputes everything."""

import dagster as dg

from dagster_project.defs.assets import SCOPE_TAG
from dagster_project.defs.jobs import refresh_job
from dagster_project.defs.night import extraction_scope, night_selection, nothing_changed, repository_keys
from dagster_project.defs.partitions import DOCUMENTS_PARTITION, range_tags
from warehouse.settings import Settings


def full_refresh_tags(keys: list[str]) -> dict[str, str]:
    return {**range_tags(keys), SCOPE_TAG: "all"}


@dg.schedule(
    name="nightly_refresh",
    job=refresh_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="02:00 Asia/Shanghai: refresh over every document partition; skipped when nothing changed.",
)
def nightly_refresh(context: dg.ScheduleEvaluationContext):
    keys = context.instance.get_dynamic_partitions(DOCUMENTS_PARTITION)
    if not keys:
        return dg.SkipReason("no documents yet: the landing sensor has not added any")
    settings = Settings.from_env()
    if nothing_changed(settings, keys):
        return dg.SkipReason("nothing changed since the last complete run: the published warehouse is current")
    scope = extraction_scope(settings, keys)
    return dg.RunRequest(tags=full_refresh_tags(keys) if scope == keys else range_tags(scope),
                         asset_selection=night_selection(settings, repository_keys(context)))
