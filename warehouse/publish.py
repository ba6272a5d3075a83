"""Publish the pipeline's DuckDB file as a read-only copy for analysts, atomically.

Analysts open ``settings.published_path`` (``duckdb -readonly data/warehouse.duckdb``).
They must never see a half-loaded state and must never block the nightly load, so
they never open the pipeline's own file.  ``publish`` takes the writer's lock on the
build file (waiting for a running load to finish), checkpoints it so that the file
holds everything (no pending WAL), copies the bytes to a temporary file beside the
published path while still holding the lock, checks that the copy opens, and
``os.replace``s it over the published file.  A reader that already has the old file
open keeps reading the old inode; the next ``connect`` sees the new one.

dbt-duckdb qualifies view definitions with the catalog name, which DuckDB derives
from the file name, so the published file keeps the build file's stem
(``warehouse.duckdb`` for both by default); otherwise ``stg_*`` views would fail in
the copy (the ``dim_*``/``fct_*``/``mart_*`` tables work regardless).
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from warehouse.load import connect_writer
from warehouse.settings import Settings

log = logging.getLogger(__name__)


def publish(settings: Settings) -> Path:
    """Atomically replace ``settings.published_path`` with a checkpointed copy of the build file."""
    src = Path(settings.duckdb_path)
    dst = Path(settings.published_path)
    if not src.exists():
        raise FileNotFoundError(f"nothing to publish: {src} does not exist (run the load first)")
    if src.stem != dst.stem:
        log.warning("published file %s has another name than %s; views in the copy will not resolve", dst, src)
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        con = connect_writer(src)  # the single-writer lock: no load can run while we copy
        try:
            con.execute("CHECKPOINT").fetchall()
            with open(src, "rb") as fin, open(tmp, "wb") as fout:
                shutil.copyfileobj(fin, fout, length=16 * 1024 * 1024)
                fout.flush()
                os.fsync(fout.fileno())
        finally:
            con.close()
        # The copy must open on its own; a broken copy never replaces a good file.
        check = duckdb.connect(str(tmp), read_only=True)
        try:
            check.execute("SELECT count(*) FROM information_schema.tables").fetchall()
        finally:
            check.close()
        os.replace(tmp, dst)
        _fsync_dir(dst.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("published %s -> %s", src, dst)
    return dst


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
