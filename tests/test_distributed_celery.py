"""The distributed job (dagster-celery, Redis broker; defs/distributed.py).

Fast: the job's shape — extraction cut into batch steps on the ``extract`` queue, every other
step on the single-writer ``warehouse`` queue, Dagster's Celery executor — and the batching.
Slow: a local Redis and two Celery workers as subprocesses (loopback only, bounded start-up,
torn down by the fixture) run a handful of the bundled sample PDFs through the job; the
warehouse must equal the in-process run's, row for row, findings included. Skips, saying why,
when redis-server (Debian package, sysdeps/packages.toml) is absent or cannot start.
"""
from __future__ import annotations

import os
import shutil
import signal
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import clear_fiscal_env

warnings.filterwarnings("ignore", category=dg.BetaWarning)

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "corpus" / "sample"
# a handful of the bundled sample, not all of it: the seed 决算 and three synthetic documents
SUBSET = [SAMPLE / "seed" / "yanbian-2023-final.pdf",
          *(SAMPLE / "synthetic" / n for n in ("2022_agency_ys.pdf", "2022_agri_ys.pdf", "2022_agency_hz.pdf"))]


def test_the_distributed_job_batches_extraction_and_keeps_one_writer():
    from dagster_project import distributed as location
    from dagster_project.defs import distributed

    job = location.defs.resolve_job_def(distributed.DISTRIBUTED_JOB)
    assert job.executor_def.name == "fiscal_celery"
    nodes = {n.name: n for n in job.graph.nodes}
    extraction = nodes["document_extraction"].definition
    ops = {n.name: n.definition for n in extraction.nodes}
    assert set(ops) == {"plan_extraction", "extract_batch", "collect_extraction"}
    assert ops["extract_batch"].tags[distributed.QUEUE_TAG] == distributed.EXTRACT_QUEUE
    assert ops["extract_batch"].retry_policy is not None
    # everything else: tagged for the warehouse queue or untagged (the default queue is the warehouse one)
    assert distributed.celery_config()["config_source"]["task_default_queue"] == distributed.WAREHOUSE_QUEUE
    others = [ops["plan_extraction"], ops["collect_extraction"], *(nodes[n].definition for n in nodes if n != "document_extraction")]
    for op in others:
        assert op.tags.get(distributed.QUEUE_TAG, distributed.WAREHOUSE_QUEUE) == distributed.WAREHOUSE_QUEUE, op.name
    cfg = distributed.celery_config()["config_source"]
    assert cfg["task_acks_late"] and cfg["task_reject_on_worker_lost"] and cfg["worker_prefetch_multiplier"] == 1


def test_plan_cuts_pending_documents_into_batches(tmp_path, monkeypatch):
    from dagster_project.defs import distributed
    from dagster_project.defs.resources import FiscalResource
    from extract import api

    clear_fiscal_env(monkeypatch)
    monkeypatch.setenv("FISCAL_HOME", str(tmp_path / "home"))
    landing = tmp_path / "home" / "landing"
    landing.mkdir(parents=True)
    keys = []
    from dagster_project.defs.landing import sha256_file

    for i in range(5):
        p = landing / f"d{i}.pdf"
        p.write_bytes(b"%PDF-1.4 " + bytes([65 + i]) * 10)
        keys.append(sha256_file(p))
    done = tmp_path / "home" / "extracted" / keys[0]
    done.mkdir(parents=True)
    (done / "manifest.json").write_text(f'{{"document_id": "{keys[0]}", "extractor_version": "{api.EXTRACTOR_VERSION}"}}')
    gone = "f" * 64

    def plan(force: bool):
        context = dg.build_op_context(resources={"fiscal": FiscalResource()}, partition_key_range=None,
                                      op_config={"force": force, "batch_documents": 2})
        with unittest_partition_keys(context, [*keys, gone]):
            outs = list(distributed.plan_extraction(context))
        batches = [o.value for o in outs if isinstance(o, dg.DynamicOutput)]
        planned = [o.value for o in outs if isinstance(o, dg.Output) and not isinstance(o, dg.DynamicOutput)]
        return batches, planned[0]

    batches, all_keys = plan(force=False)
    assert all_keys == [*keys, gone]
    assert [list(b) for b in batches] == [keys[1:3], keys[3:5]]  # the extracted one and the gone one left out
    assert batches[0][keys[1]] == "d1.pdf"
    batches, _ = plan(force=True)
    assert [len(b) for b in batches] == [2, 2, 1]


class unittest_partition_keys:
    """``context.partition_keys`` for a directly invoked op (what a run's partition range gives)."""

    def __init__(self, context, keys):
        self.context, self.keys = context, keys

    def __enter__(self):
        self.patch = pytest.MonkeyPatch()
        self.patch.setattr(type(self.context), "partition_keys", property(lambda _self: self.keys))

    def __exit__(self, *exc):
        self.patch.undo()


# --------------------------------------------------------------------------- two workers, end to end


@contextmanager
def cluster_for(home: Path, workdir: Path):
    """Redis and two workers whose environment points at ``home`` (FISCAL_HOME, DAGSTER_HOME)."""
    import sysdeps
    from dagster_project.celery_local import BrokerUnavailable, local_cluster

    sysdeps.pytest_require("redis-server")
    env = {"FISCAL_HOME": str(home), "DAGSTER_HOME": str(home / ".dagster"), "FISCAL_WORKERS": "1"}
    try:
        with local_cluster(2, workdir=workdir, start_timeout=90, env=env) as c:
            yield c
    except BrokerUnavailable as exc:
        pytest.skip(f"本地 Redis/Celery 无法启动 / the local broker or workers could not start: {exc}")


def _use_home(tmp_path: Path, name: str, monkeypatch) -> tuple:
    """A home holding :data:`SUBSET` in its landing folder, FISCAL_HOME and DAGSTER_HOME pointing
    at it, its folders made: ``(home, settings, Dagster instance)``."""
    from dagster_project import cli
    from warehouse.settings import Settings

    home = tmp_path / name
    (home / "landing").mkdir(parents=True)
    for p in SUBSET:
        shutil.copy(p, home / "landing" / p.name)
    monkeypatch.setenv("FISCAL_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / ".dagster"))
    settings = Settings.from_env()
    settings.ensure_dirs()
    return home, settings, cli._instance(settings)


@pytest.mark.slow
def test_two_celery_workers_build_the_same_warehouse_as_the_in_process_run(tmp_path, monkeypatch):
    from dagster_project import cli
    from dagster_project import distributed as location
    from tests.warehouse_snapshot import snapshot

    missing = [p for p in SUBSET if not p.exists()]
    if missing:
        pytest.skip(f"bundled sample files missing: {missing}")
    clear_fiscal_env(monkeypatch)
    monkeypatch.setenv("FISCAL_WORKERS", "1")

    # the reference: the same files through fiscal_refresh in this process
    _, ref_settings, instance = _use_home(tmp_path, "inprocess", monkeypatch)
    cli.register_landing(instance, ref_settings)
    result = cli.execute_refresh(instance, progress=False)
    assert result.success

    # the same files on two workers, separate processes sharing only the stores and the instance
    dist, settings, instance = _use_home(tmp_path, "distributed", monkeypatch)
    with cluster_for(dist, tmp_path / "cluster") as cluster:
        monkeypatch.setenv("FISCAL_CELERY_BROKER", cluster.broker)
        started = time.monotonic()
        result = location.run(instance, batch_documents=2)
        logs = [(cluster.workdir / f"worker{i}.log").read_text(errors="replace") for i in range(2)]
    failures = [f"{e.step_key}: {e.message}" for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert result.success, "\n".join(failures)
    assert time.monotonic() - started < 900
    # the batches really ran on both workers, as separate processes
    batch_events = [e for e in result.all_events if e.step_key and e.step_key.startswith("document_extraction.extract_batch")
                    and e.event_type_value == "STEP_SUCCESS"]
    assert len(batch_events) == 2
    assert all("execute_plan" in log and "succeeded" in log for log in logs)

    want, got = snapshot(ref_settings.duckdb_path), snapshot(settings.duckdb_path)
    assert set(got) == set(want)
    for table in sorted(want):
        assert got[table] == want[table], f"{table} differs between the in-process and the Celery run"
    assert want["raw.dq_finding"], "the subset must produce findings for the comparison to mean something"
    assert settings.published_path.exists()


@pytest.mark.slow
def test_a_worker_lost_mid_batch_is_redelivered(tmp_path, monkeypatch):
    """The pool process running a batch is killed: the broker hands the batch to a worker again
    and the run completes with every document extracted."""
    import threading

    import psutil

    from dagster_project import distributed as location
    from dagster_project.defs import distributed

    clear_fiscal_env(monkeypatch)
    home, settings, instance = _use_home(tmp_path, "lost", monkeypatch)
    keys = location.register_documents(instance, settings)
    with cluster_for(home, tmp_path / "cluster") as cluster:
        monkeypatch.setenv("FISCAL_CELERY_BROKER", cluster.broker)
        killed: list[int] = []

        def kill_first_batch() -> None:
            # the first extraction process that appears under a worker: kill its parent (the pool process)
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and not killed:
                for w in cluster.workers:
                    try:
                        for child in psutil.Process(w.pid).children(recursive=True):
                            parent = child.parent()
                            if parent is not None and parent.pid != w.pid:  # grandchild: an extraction
                                os.kill(parent.pid, signal.SIGKILL)
                                killed.append(parent.pid)
                                return
                    except psutil.NoSuchProcess:  # a process that ended while being looked at
                        continue
                time.sleep(0.05)

        killer = threading.Thread(target=kill_first_batch, daemon=True)
        killer.start()
        from dagster_project.defs.schedules import full_refresh_tags

        result = dg.execute_job(
            location.reconstructable_job(),
            instance=instance,
            tags=full_refresh_tags(keys),
            run_config={"ops": {"document_extraction": {"ops": {"plan_extraction": {"config": {"batch_documents": 2}}}}}},
            asset_selection=[dg.AssetKey("document_extraction")],
            raise_on_error=False,
        )
        killer.join(1)
    assert killed, "no extraction process was seen to kill"
    assert result.success, [e.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    logs = "".join((tmp_path / "cluster" / f"worker{i}.log").read_text(errors="replace") for i in range(2))
    assert "WorkerLostError" in logs or "exited prematurely" in logs
    for key in keys:
        m = distributed.assets.read_manifest(settings.extracted_dir, key)
        assert m is not None and m["status"] == "extracted", key
