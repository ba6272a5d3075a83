"""One-writer lock per ``FISCAL_HOME`` for a whole pipeline run (load … publish)."""
from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from warehouse.manifest import utcnow
from warehouse.settings import Settings


class PipelineBusy(RuntimeError):
    """Another pipeline run (load … publish) holds the lock of this FISCAL_HOME."""


@contextmanager
def pipeline_lock(settings: Settings, *, wait_s: float = 0.0) -> Iterator[Path]:
    """One pipeline run at a time per ``FISCAL_HOME``: an ``flock`` on ``$FISCAL_HOME/.pipeline.lock``.

    DuckDB's own file lock covers one connection; a run opens several (load, rules, dbt,
    publish), so two runs could interleave between them. The kernel drops the lock when the
    holder dies (even on SIGKILL), so a crashed run never leaves a stale lock. The holder
    writes ``pid N since <UTC time>`` into the file for the message the second run prints.
    """
    import fcntl
    import os

    path = Path(settings.home) / ".pipeline.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "pid unknown"
                    raise PipelineBusy(f"another load is running ({holder}); wait for it to finish "
                                       f"(lock file {path})") from None
                time.sleep(0.5)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {utcnow():%Y-%m-%d %H:%M:%S} UTC".encode(), 0)
        yield path
    finally:
        os.close(fd)  # releases the lock
