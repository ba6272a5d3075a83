"""The registry of documents and of the names they were seen under.

* ``raw.document_registry``: one row per document (sha256), written by :func:`register_documents`
  for every (re)loaded document; ``first_seen_at`` never moves later and file paths accumulate.
  Identity and status are filled in afterwards, over the whole registry, by
  :func:`warehouse.supersession.refresh_status`.
* ``raw.document_file``: every file name a document was seen under (:func:`touch_seen` also
  records names reported by the landing sensor for bytes that were not re-extracted).
* ``raw.load_state``: the manifest hash each document was last loaded from (what makes a
  no-change load a scan of the manifests).
* ``raw.refused_file``: landing files that were not read at all (:func:`record_refused_files`).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

import duckdb
import pyarrow as pa

from warehouse.db import execute, insert_arrow, qtable, registered
from warehouse.manifest import (
    SEEN_TIME_KEYS,
    ExtractedDocument,
    coerce_bool,
    coerce_int,
    landing_mtime,
    parse_time,
    paths_from_manifest,
)
from warehouse.schema import REGISTRY_COLUMNS
from warehouse.settings import Settings


def register_documents(con: duckdb.DuckDBPyConnection, changed: list[ExtractedDocument],
                       doc_rows: Mapping[str, Mapping[str, Any]], now: datetime, settings: Settings) -> None:
    """Registry, file-name and load-state rows of the (re)loaded documents; ``doc_rows``: each
    document's ``raw.document`` row (:func:`warehouse.manifest.document_row`)."""
    ids = [d.document_id for d in changed]
    # Registry rows (first_seen_at never moves later; file paths accumulate).  The canonical
    # department, effective scope and disclosure_id are filled in by refresh_status.
    existing = {
        r[0]: {"first_seen_at": r[1], "file_paths": list(r[2] or []), "file_name": r[3], "file_path": r[4]}
        for r in con.execute(
            f"SELECT document_id, first_seen_at, file_paths, file_name, file_path FROM {qtable('document_registry')} "
            "WHERE document_id IN (SELECT unnest(?::VARCHAR[]))",
            [ids],
        ).fetchall()
    }
    reg_rows: list[dict[str, Any]] = []
    file_rows: list[tuple[str, str, str]] = []
    for d in changed:
        row = doc_rows[d.document_id]
        m = d.manifest
        prev = existing.get(d.document_id, {})
        # Sticky once registered; otherwise when the file landed (a manifest time key, else the
        # landing file's mtime), then when it was extracted, then this load.
        candidates = [prev.get("first_seen_at")] + [parse_time(m.get(k)) for k in SEEN_TIME_KEYS]
        candidates += [landing_mtime(settings, row.get("file_path")), parse_time(row.get("extracted_at")), now]
        first_seen = next(c for c in candidates if c is not None)
        paths = paths_from_manifest(m, row)
        all_paths = sorted(set(prev.get("file_paths", [])) | set(paths))
        first_path = prev.get("file_path") or (paths[0] if paths else None)
        reg_rows.append(
            {
                "document_id": d.document_id,
                "disclosure_id": None,
                "file_name": prev.get("file_name") or row.get("file_name") or (Path(first_path).name if first_path else None),
                "file_path": first_path,
                "file_paths": all_paths,
                "department_name": row.get("department_name"),
                "department_canonical": None,
                "fiscal_year": coerce_int(row.get("fiscal_year")),
                "doc_kind": row.get("doc_kind"),
                "scope": row.get("scope"),
                "part": row.get("part"),
                "is_template": coerce_bool(row.get("is_template")),
                "extraction_status": row.get("status") or m.get("status"),
                "error_code": row.get("error_code"),
                "status": None,
                "reason": row.get("error_message"),  # refined by refresh_status
                "superseded_by": None,
                "is_current_tables": False,
                "is_current_narrative": False,
                "manifest_hash": d.manifest_hash,
                "first_seen_at": first_seen,
                "last_seen_at": now,
                "loaded_at": now,
            }
        )
        for p in paths:
            file_rows.append((d.document_id, p, Path(p).name, first_seen, now))
    execute(
        con,
        f"DELETE FROM {qtable('document_registry')} WHERE document_id IN (SELECT unnest(?::VARCHAR[]))", [ids]
    )
    types = {
        "fiscal_year": pa.int32(),
        "file_paths": pa.list_(pa.string()),
        "is_template": pa.bool_(),
        "is_current_tables": pa.bool_(),
        "is_current_narrative": pa.bool_(),
        "first_seen_at": pa.timestamp("us"),
        "last_seen_at": pa.timestamp("us"),
        "loaded_at": pa.timestamp("us"),
        "identity_confidence": pa.float64(),
        "needs_review": pa.bool_(),
    }
    names = [c for c, _ in REGISTRY_COLUMNS]
    table = pa.table(
        [pa.array([r.get(n) for r in reg_rows], type=types.get(n, pa.string())) for n in names], names=names
    )
    insert_arrow(con, "document_registry", table)
    upsert_files(con, file_rows)

    execute(con, f"DELETE FROM {qtable('load_state')} WHERE document_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
    insert_arrow(
        con,
        "load_state",
        pa.table(
            {
                "document_id": pa.array(ids, pa.string()),
                "manifest_hash": pa.array([d.manifest_hash for d in changed], pa.string()),
                "loaded_at": pa.array([now] * len(ids), pa.timestamp("us")),
            }
        ),
    )


def upsert_files(con: duckdb.DuckDBPyConnection, file_rows: list[tuple[str, str, str, datetime, datetime]]) -> None:
    """Rows (document_id, file_path, file_name, first_seen, last_seen) into raw.document_file."""
    if not file_rows:
        return
    data = pa.table(
        {
            "document_id": pa.array([r[0] for r in file_rows], pa.string()),
            "file_path": pa.array([r[1] for r in file_rows], pa.string()),
            "file_name": pa.array([r[2] for r in file_rows], pa.string()),
            "first_seen": pa.array([r[3] for r in file_rows], pa.timestamp("us")),
            "seen_at": pa.array([r[4] for r in file_rows], pa.timestamp("us")),
        }
    )
    with registered(con, "_wh_files", data):
        execute(
            con,
            f"""
            UPDATE {qtable('document_file')} AS f
               SET last_seen_at = greatest(f.last_seen_at, s.seen_at),
                   first_seen_at = least(f.first_seen_at, s.first_seen)
              FROM (SELECT document_id, file_path, min(first_seen) AS first_seen, max(seen_at) AS seen_at
                      FROM _wh_files GROUP BY ALL) AS s
             WHERE f.document_id = s.document_id AND f.file_path = s.file_path
            """
        )
        execute(
            con,
            f"""
            INSERT INTO {qtable('document_file')} (document_id, file_path, file_name, first_seen_at, last_seen_at)
            SELECT document_id, file_path, any_value(file_name), min(first_seen), max(seen_at)
              FROM _wh_files AS s
             WHERE NOT EXISTS (SELECT 1 FROM {qtable('document_file')} AS f
                                WHERE f.document_id = s.document_id AND f.file_path = s.file_path)
             GROUP BY document_id, file_path
            """
        )


def touch_seen(con: duckdb.DuckDBPyConnection, docs: list[ExtractedDocument], seen_files: list[Mapping[str, Any]],
                now: datetime) -> None:
    """last_seen_at of every document whose manifest is present, and files reported by the sensor."""
    if docs:
        execute(
            con,
            f"UPDATE {qtable('document_registry')} SET last_seen_at = ? "
            "WHERE document_id IN (SELECT unnest(?::VARCHAR[]))",
            [now, [d.document_id for d in docs]],
        )
    if seen_files:
        rows = []
        for f in seen_files:
            if not f.get("document_id") or not f.get("file_path"):
                continue
            p = str(f["file_path"])
            # seen_at (e.g. the file's mtime) can only move first_seen_at earlier; the file is
            # present now, so last_seen_at is this load
            first = min(parse_time(f.get("seen_at")) or now, now)
            rows.append((str(f["document_id"]), p, str(f.get("file_name") or Path(p).name), first, now))
        upsert_files(con, rows)
        # keep the registry's list of names in step with raw.document_file
        execute(
            con,
            f"""
            UPDATE {qtable('document_registry')} AS r
               SET file_paths = s.paths
              FROM (SELECT document_id, list(DISTINCT file_path ORDER BY file_path) AS paths
                      FROM {qtable('document_file')} GROUP BY document_id) AS s
             WHERE r.document_id = s.document_id
            """
        )


def record_refused_files(con: duckdb.DuckDBPyConnection, refused: list[Mapping[str, Any]], now: datetime) -> None:
    """Replace raw.refused_file with the landing scan's refusals, keeping when each was first seen."""
    first = dict(con.execute(f"SELECT file_path, first_seen_at FROM {qtable('refused_file')}").fetchall())
    execute(con, f"DELETE FROM {qtable('refused_file')}")
    rows = {str(r["file_path"]): r for r in refused if r.get("file_path")}
    if not rows:
        return
    paths = sorted(rows)
    insert_arrow(con, "refused_file", pa.table({
        "file_path": pa.array(paths, pa.string()),
        "file_name": pa.array([Path(p).name for p in paths], pa.string()),
        "error_code": pa.array([rows[p].get("error_code") for p in paths], pa.string()),
        "reason": pa.array([rows[p].get("reason") for p in paths], pa.string()),
        "first_seen_at": pa.array([first.get(p) or now for p in paths], pa.timestamp("us")),
        "last_seen_at": pa.array([now] * len(paths), pa.timestamp("us")),
    }))


