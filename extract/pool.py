"""Run one job per forked process, a few at a time, each under a time and a memory cap.

A crash, hang or memory blow-up of one job is contained: its process is killed at
``timeout_s`` (or dies when it grows its address space by more than ``memory_mb``) and the caller is told how it
ended (:class:`Ended`); the other jobs go on.  :func:`extract.api.extract_many` runs one
document per job.
"""
from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from typing import Callable, Iterable, TypeVar

Job = TypeVar("Job")


@dataclass(frozen=True)
class Ended:
    """How a job's process ended."""

    exitcode: int | None  # negative: killed by that signal
    killed: bool  # killed by the pool for running over ``timeout_s``
    started: float  # time.perf_counter() when the process started


def address_space_bytes() -> int:
    """This process's address space now (VmSize), 0 where /proc cannot say."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _child(work: Callable[[Job], None], job: Job, memory_mb: int) -> None:
    import resource

    if memory_mb:
        # the cap is what the job may add: a forked process starts with its parent's address
        # space (a Dagster or test process with DuckDB and Arrow reserves gigabytes of it), and a
        # cap that counted that would starve an ordinary document
        limit = address_space_bytes() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    work(job)
    os._exit(0)


def run_forked(items: Iterable, prepare: Callable[..., Job], work: Callable[[Job], None],
               ended: Callable[[Job, Ended], None], *, workers: int, timeout_s: float, memory_mb: int) -> None:
    """For each item: ``prepare(item)`` in this process right before its process starts (the
    job), ``work(job)`` in a forked process, ``ended(job, how)`` here when that process is gone.
    At most ``workers`` processes run at once."""
    import multiprocessing as mp
    from multiprocessing.connection import wait

    ctx = mp.get_context("fork")
    todo = list(items)
    running: dict = {}
    while todo or running:
        while todo and len(running) < max(1, workers):
            job = prepare(todo.pop(0))
            proc = ctx.Process(target=_child, args=(work, job, memory_mb))
            proc.start()
            running[proc.sentinel] = (proc, job, time.perf_counter())
        ready = set(wait(list(running), timeout=0.5))
        now = time.perf_counter()
        for sentinel in list(running):
            proc, job, started = running[sentinel]
            if sentinel in ready:
                proc.join()
                del running[sentinel]
                ended(job, Ended(proc.exitcode, False, started))
            elif now - started > timeout_s:
                proc.kill()
                proc.join()
                del running[sentinel]
                ended(job, Ended(proc.exitcode, True, started))
