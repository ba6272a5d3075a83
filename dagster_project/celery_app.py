"""The Celery app the workers run: ``celery -A dagster_project.celery_app worker -Q extract``.

dagster-celery's task (``execute_plan``: run one step of a Dagster run) on an app built from
the same settings as the job's executor (defs/distributed.py: ``FISCAL_CELERY_BROKER``,
late acknowledgement, redelivery when a worker process is lost). A worker needs the code,
the Dagster instance (``DAGSTER_HOME``: run and event storage shared with the run) and the
``FISCAL_*`` variables of the stores. Run it with the prefork pool (the default): a pool
process killed mid-batch sends the batch back to the queue.
"""
import multiprocessing

from celery.signals import worker_process_init
from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

from dagster_project.defs.distributed import celery_config

app = make_app({**celery_config(), "include": []})

execute_plan = create_task(app)


@worker_process_init.connect
def _allow_extraction_processes(**_kwargs) -> None:
    # Celery's pool processes are flagged daemonic, and a daemonic process may not start
    # children; extract.api.extract_many forks one process per document (its time and memory
    # caps) and always joins or kills them itself, so the flag is lifted in the pool process.
    multiprocessing.current_process()._config["daemon"] = False
