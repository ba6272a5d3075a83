"""Nightly full refresh at 02:00 Beijing time: every known document (extraction skips those
already extracted by the current extractor version), reload, rules, dbt, checks, reports, publish."""

import dagster as dg

from dagster_project.defs.assets import SCOPE_TAG
from dagster_project.defs.jobs import refresh_job
from dagster_project.defs.partitions import DOCUMENTS_PARTITION, range_tags


def full_refresh_tags(keys: list[str]) -> dict[str, str]:
    return {**range_tags(keys), SCOPE_TAG: "all"}


@dg.schedule(
    name="nightly_refresh",
    job=refresh_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="02:00 Asia/Shanghai: full refresh over every document partition.",
)
def nightly_refresh(context: dg.ScheduleEvaluationContext):
    keys = context.instance.get_dynamic_partitions(DOCUMENTS_PARTITION)
    if not keys:
        return dg.SkipReason("no documents yet: the landing sensor has not added any")
    return dg.RunRequest(tags=full_refresh_tags(keys))
