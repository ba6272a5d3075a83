"""The code location with the distributed job: ``dagster dev -m dagster_project.distributed``.

Same graph as ``dagster_project.definitions`` with ``document_extraction`` split into batch
steps, plus ``fiscal_refresh_distributed`` on the Celery executor (defs/distributed.py).
``python -m dagster_project.distributed run`` runs it from a terminal against running workers.
"""
from __future__ import annotations

import argparse
import sys

from dagster_project.definitions import build_definitions
from dagster_project.defs import distributed

defs = build_definitions(
    extraction=distributed.distributed_document_extraction,
    extra_jobs=[distributed.distributed_job],
    extra_checks=[distributed.distributed_quarantine_check],
)

def distributed_job_def():
    """The job, resolved from this module's ``defs`` (what a worker rebuilds by module and name)."""
    return defs.resolve_job_def(distributed.DISTRIBUTED_JOB)


def reconstructable_job():
    import dagster as dg

    return dg.reconstructable(distributed_job_def)


def register_documents(instance, settings) -> list[str]:
    """Add a ``documents`` partition for every file of the landing store (folder or s3://)."""
    from dagster_project.defs.partitions import DOCUMENTS_PARTITION
    from warehouse import storage

    store = storage.landing_store(settings)
    if store.is_local:
        from dagster_project.cli import register_landing

        return register_landing(instance, settings)[0]
    found = distributed.scan_store(settings, store)
    known = set(instance.get_dynamic_partitions(DOCUMENTS_PARTITION))
    new = list(dict.fromkeys(sha for sha, _ in found if sha not in known))
    if new:
        instance.add_dynamic_partitions(DOCUMENTS_PARTITION, new)
    return instance.get_dynamic_partitions(DOCUMENTS_PARTITION)


def run(instance, *, force: bool = False, batch_documents: int = 0,
        log_level: str = "WARNING"):
    """Run the refresh over every known document on the workers; returns the ExecuteJobResult."""
    import dagster as dg

    from dagster_project.defs.schedules import full_refresh_tags
    from warehouse.settings import Settings

    keys = register_documents(instance, Settings.from_env())
    if not keys:
        raise SystemExit("no documents: the landing store is empty")
    return dg.execute_job(
        reconstructable_job(),
        instance=instance,
        tags={**full_refresh_tags(keys), "fiscal/trigger": "distributed"},
        run_config={
            "loggers": {"console": {"config": {"log_level": log_level}}},
            "ops": {"document_extraction": {"ops": {"plan_extraction": {
                "config": {"force": force, "batch_documents": batch_documents}}}}},
        },
        raise_on_error=False,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dagster_project.distributed",
                                     description="fiscal_refresh_distributed against running Celery workers")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="extract on the workers, then load → publish on the warehouse worker")
    p.add_argument("--force", action="store_true")
    p.add_argument("--batch-documents", type=int, default=0)
    p.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    from dagster_project.cli import _instance, summary
    from warehouse.settings import Settings

    settings = Settings.from_env()
    settings.ensure_dirs()
    # through the importable module, not __main__: workers rebuild the job by module name
    import importlib

    location = importlib.import_module("dagster_project.distributed")
    result = location.run(_instance(settings), force=args.force, batch_documents=args.batch_documents,
                 log_level=args.log_level)
    print(summary(settings, result))
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
