"""Publish the pipeline's DuckDB file as a read-only copy for analysts, atomically.

Analysts open ``settings.published_path`` (``duckdb -readonly data/warehouse.duckdb``).
They must never see a half-loaded state and must never block the nightly load, so
they never open the pipeline's own file.  ``publish`` takes the writer's lock on the
build file (waiting for a running load to finish), checkpoints it so that the file
holds everything (no pending WAL), copies the bytes to a temporary file beside the
published path while still holding the lock, checks that the copy opens, and
``os.replace``s it over the published file.  A reader that already has the old file
open keeps reading the old inode; the next ``connect`` sees the new one.

The published file is portable: it can be copied anywhere under any name and opened
read-only. dbt-duckdb writes view definitions that name the build file's catalog
(``"warehouse"."raw"."table_cell"``), and DuckDB names a file's catalog after the file,
so in a copy called ``fiscal-2026.duckdb`` such a view would look for a catalog that is
not there. ``make_portable`` re-creates every view of the copy without the catalog
qualifier (DuckDB resolves a view's unqualified names in the view's own catalog), and
the check before the replace binds every table and view of the copy, whose temporary
name differs from the build file's.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from warehouse.db import connect_reader, connect_writer, qident, qtable
from warehouse.settings import Settings

log = logging.getLogger(__name__)


def publish(settings: Settings) -> Path:
    """Atomically replace ``settings.published_path`` with a checkpointed copy of the build file."""
    src = Path(settings.duckdb_path)
    dst = Path(settings.published_path)
    if not src.exists():
        raise FileNotFoundError(f"nothing to publish: {src} does not exist (run the load first)")
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
        make_portable(tmp, catalog=src.stem)
        # The copy must open on its own, under a name that is not the build file's; a broken
        # copy never replaces a good file.
        unresolved = check_relations(tmp)
        if unresolved:
            raise RuntimeError(f"the published copy has relations that do not resolve: {unresolved[:5]}")
        os.replace(tmp, dst)
        _fsync_dir(dst.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("published %s -> %s", src, dst)
    return dst


def make_portable(path: Path, catalog: str) -> int:
    """Re-create every view of ``path`` that names ``catalog`` without it; returns how many."""
    quoted = qident(catalog) + "."
    con = connect_writer(path)
    try:
        own = con.execute("SELECT current_database()").fetchall()[0][0]
        views = con.execute(
            "SELECT schema_name, view_name, sql FROM duckdb_views() WHERE NOT internal AND database_name = ?", [own]
        ).fetchall()
        changed = 0
        for _schema, _name, sql in views:
            if quoted not in sql and f"{catalog}." not in sql:
                continue
            # CREATE VIEW … AS …: the statement DuckDB stored, with the catalog qualifier removed
            # (dbt-duckdb always quotes it; DuckDB may print it bare)
            rewritten = sql.replace(quoted, "").replace(f" {catalog}.", " ").replace(f"({catalog}.", "(")
            con.execute(rewritten.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))
            changed += 1
        con.execute("CHECKPOINT")
        return changed
    finally:
        con.close()


def check_relations(path: Path) -> list[str]:
    """Every table and view of ``path`` opened read-only and bound; returns those that fail."""
    failed = []
    con = connect_reader(path)
    try:
        rels = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "UNION ALL SELECT schema_name, view_name FROM duckdb_views() "
            "WHERE NOT internal AND database_name = current_database()"
        ).fetchall()
        for schema, name in rels:
            try:
                con.execute(f"SELECT * FROM {qtable(name, schema)} LIMIT 0").fetchall()
            except duckdb.Error as exc:
                failed.append(f"{schema}.{name}: {str(exc).splitlines()[0]}")
    finally:
        con.close()
    return failed


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
