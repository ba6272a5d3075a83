"""A Redis broker and Celery workers on this machine, as subprocesses: for the test, the benchmark
and trying the distributed job without a cluster (``python -m dagster_project.celery_local``).

Loopback only (Redis binds 127.0.0.1 on a free port, no persistence), bounded in time (start-up
waits at most ``start_timeout`` s), and torn down by itself: workers get a warm shutdown, then
their process groups (the Celery pool and any extraction process) are killed, then Redis.
Worker 0 serves the ``extract`` and ``warehouse`` queues with one process (the single DuckDB
writer); the others serve ``extract`` only.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sysdeps
from dagster_project.defs.distributed import EXTRACT_QUEUE, WAREHOUSE_QUEUE


class BrokerUnavailable(RuntimeError):
    pass


@dataclass
class LocalCluster:
    broker: str
    workdir: Path
    redis: subprocess.Popen
    workers: list[subprocess.Popen] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return {"FISCAL_CELERY_BROKER": self.broker}

    def worker_pids(self) -> list[int]:
        return [w.pid for w in self.workers]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str, procs: list[subprocess.Popen], log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = [p for p in procs if p.poll() is not None]
        if dead:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise BrokerUnavailable(f"{what}: process {dead[0].args[0]} exited with {dead[0].returncode}\n{tail}")
        if predicate():
            return
        time.sleep(0.2)
    raise BrokerUnavailable(f"{what}: not ready after {timeout:.0f} s")


def _stop(proc: subprocess.Popen, grace: float) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # warm shutdown: the worker finishes nothing new
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # what is left of the group: pool children, extractions
    except ProcessLookupError:
        pass
    proc.wait()


def start_worker(cluster: LocalCluster, index: int, queues: list[str], env: dict[str, str]) -> subprocess.Popen:
    log = cluster.workdir / f"worker{index}.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "dagster_project.celery_app", "worker",
         "-Q", ",".join(queues), "-c", "1", "--pool", "prefork", "-n", f"fiscal{index}@%h",
         "--without-gossip", "--without-mingle", "-l", "INFO"],
        env={**os.environ, **env, **cluster.env()},
        stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    cluster.workers.append(proc)
    return proc


@contextmanager
def local_cluster(workers: int = 2, *, env: dict[str, str] | None = None, start_timeout: float = 60,
                  workdir: Path | None = None):
    """Redis on 127.0.0.1 and ``workers`` Celery workers; yields a :class:`LocalCluster`.

    Raises :class:`BrokerUnavailable` (or ``sysdeps.SystemPackageMissing``) when they cannot start."""
    import celery
    import redis

    redis_server = sysdeps.which("redis-server")
    workdir = Path(workdir or tempfile.mkdtemp(prefix="fiscal-celery-"))
    workdir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    rlog = workdir / "redis.log"
    redis_proc = subprocess.Popen(
        [redis_server, "--bind", "127.0.0.1", "--port", str(port), "--protected-mode", "yes",
         "--save", "", "--appendonly", "no", "--dir", str(workdir), "--logfile", str(rlog)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )
    cluster = LocalCluster(f"redis://127.0.0.1:{port}/0", workdir, redis_proc)
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)

        def pong() -> bool:
            try:
                return bool(client.ping())
            except redis.exceptions.ConnectionError:
                return False

        _wait(pong, start_timeout, "redis-server", [redis_proc], rlog)
        for i in range(workers):
            start_worker(cluster, i, [EXTRACT_QUEUE, WAREHOUSE_QUEUE] if i == 0 else [EXTRACT_QUEUE], env or {})
        app = celery.Celery(broker=cluster.broker)

        def all_up() -> bool:
            return len(app.control.ping(timeout=1.0) or []) >= workers

        _wait(all_up, start_timeout, "celery workers", cluster.workers, workdir / "worker0.log")
        yield cluster
    finally:
        for w in cluster.workers:
            _stop(w, grace=10)
        _stop(redis_proc, grace=5)


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Redis + Celery workers on 127.0.0.1 until Ctrl-C")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with local_cluster(args.workers) as cluster:
        print(f"export FISCAL_CELERY_BROKER={cluster.broker}   # logs: {cluster.workdir}", flush=True)
        try:
            while all(w.poll() is None for w in cluster.workers):
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
