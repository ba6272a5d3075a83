"""What extraction left for the loader: one ``data/extracted/<document_id>/`` directory per
document (``manifest.json`` + one Parquet file per record type of :data:`extract.records.SCHEMAS`).

:func:`scan_extracted` finds the directories, :func:`document_row` is a document's
``raw.document`` row (from its Parquet, or synthesised from the manifest when extraction
crashed before writing one), and the helpers below read the loosely typed manifest values
(times as ISO text or epoch seconds, flags as text).
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

import pyarrow.parquet as pq

from extract import records
from warehouse.schema import RECORD_TABLES
from warehouse.settings import Settings

log = logging.getLogger(__name__)

QUARANTINED = "quarantined"
#: manifest keys that may carry when the file appeared (ISO text or epoch seconds)
SEEN_TIME_KEYS = ("first_seen_at", "landed_at", "file_mtime", "mtime", "file_modified_at")


@dataclass
class ExtractedDocument:
    """One ``data/extracted/<document_id>/`` directory."""

    document_id: str
    directory: Path
    manifest_hash: str
    manifest: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)  # record name -> parquet path


def scan_extracted(extracted_dir: Path, document_ids: Iterable[str] | None = None) -> list[ExtractedDocument]:
    """Every document directory holding a ``manifest.json`` (temp dirs of a running extraction have none yet)."""
    extracted_dir = Path(extracted_dir)
    if not extracted_dir.is_dir():
        return []
    if document_ids is None:
        dirs = sorted(p for p in extracted_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    else:
        dirs = [extracted_dir / d for d in sorted(set(document_ids))]
    found: list[ExtractedDocument] = []
    for d in dirs:
        mpath = d / "manifest.json"
        try:
            raw = mpath.read_bytes()
        except FileNotFoundError:
            continue
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            log.warning("unreadable manifest %s: %s", mpath, exc)
            manifest = {"status": "quarantined", "error_code": "manifest_unreadable", "error_message": str(exc)}
        doc_id = str(manifest.get("document_id") or d.name)
        files = {name: d / f"{name}.parquet" for name in RECORD_TABLES if (d / f"{name}.parquet").is_file()}
        found.append(ExtractedDocument(doc_id, d, hashlib.sha256(raw).hexdigest(), manifest, files))
    return found


def parse_time(value: Any) -> datetime | None:
    """UTC naive datetime from ISO text, epoch seconds or a datetime; None if unusable."""
    if value is None:
        return None
    try:
        if isinstance(value, datetime):
            dt = value
        elif isinstance(value, (int, float)):
            dt = datetime.fromtimestamp(float(value), tz=timezone.utc)
        else:
            dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt


_DOC_FIELDS = [f.name for f in records.DOCUMENT]


def document_row(doc: ExtractedDocument) -> dict[str, Any]:
    """The ``raw.document`` row: from document.parquet, or synthesised from the manifest.

    A crash or timeout in extraction yields a manifest without Parquet files; the
    document must still be registered (and counted as quarantined), so its row is
    built from whatever the manifest says.
    """
    row: dict[str, Any] = {}
    if "document" in doc.files:
        rows = pq.read_table(doc.files["document"]).to_pylist()
        if rows:
            row = dict(rows[0])
    m = doc.manifest
    for name in _DOC_FIELDS:
        if row.get(name) is None and m.get(name) is not None:
            row[name] = m[name]
    if row.get("file_path") is None and m.get("relative_path"):
        row["file_path"] = m["relative_path"]
    if row.get("file_name") is None and row.get("file_path"):
        row["file_name"] = Path(str(row["file_path"])).name
    row["document_id"] = doc.document_id
    # The manifest has the last word on extraction status (a crash after writing Parquet).
    if str(m.get("status") or "").lower() == QUARANTINED:
        row["status"] = QUARANTINED
        row["error_code"] = row.get("error_code") or m.get("error_code")
        row["error_message"] = row.get("error_message") or m.get("error_message")
    return row


def paths_from_manifest(m: Mapping[str, Any], row: Mapping[str, Any]) -> list[str]:
    paths: list[str] = []
    for key in ("file_path", "relative_path"):
        if m.get(key):
            paths.append(str(m[key]))
    for key in ("file_paths", "relative_paths", "paths", "files", "seen_paths"):
        val = m.get(key)
        if isinstance(val, list):
            for item in val:
                if isinstance(item, str):
                    paths.append(item)
                elif isinstance(item, Mapping):
                    p = item.get("file_path") or item.get("relative_path") or item.get("path")
                    if p:
                        paths.append(str(p))
    if row.get("file_path"):
        paths.append(str(row["file_path"]))
    out: list[str] = []
    for p in paths:
        if p not in out:
            out.append(p)
    return out


def landing_mtime(settings: Settings, relative_path: Any) -> datetime | None:
    """Modification time of the file in the landing folder, if it is still there."""
    if not relative_path:
        return None
    try:
        return parse_time(Path(settings.landing_dir, str(relative_path)).stat().st_mtime)
    except (OSError, ValueError):
        return None


def coerce_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def coerce_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (what the warehouse's TIMESTAMP columns hold)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
