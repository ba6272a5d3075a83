"""The landing folder: which files are there, and their sha256.

Hashing thousands of PDFs on every sensor tick would be slow, so hashes are
cached by ``(relative path, size, mtime_ns)`` in a small state file under
``settings.home/.dagster_state``. The same file keeps the index from document
key (sha256) to the landing path the extraction step reads. The state file is
only a cache: the set of known documents is the ``documents`` dynamic partitions
in the Dagster instance, and the index can always be rebuilt by re-hashing.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from warehouse.settings import Settings

log = logging.getLogger(__name__)

STATE_VERSION = 1
# Names that are never documents: partial uploads, editor locks, OS droppings.
_IGNORED_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".swp")
_IGNORED_NAMES = ("Thumbs.db", "desktop.ini")


@dataclass(frozen=True)
class LandingFile:
    document_id: str  # sha256 of the bytes, hex
    relative_path: str  # POSIX path relative to the landing folder
    size: int
    mtime_ns: int


def state_path(settings: Settings) -> Path:
    return settings.home / ".dagster_state" / "landing_index.json"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _is_candidate(path: Path) -> bool:
    name = path.name
    return not (
        name.startswith((".", "~$"))
        or name in _IGNORED_NAMES
        or name.lower().endswith(_IGNORED_SUFFIXES)
    )


# Why a file of the landing folder was not read (raw.refused_file, `fiscal status`): the code,
# and what the operator is told (Chinese first).
REFUSALS = {
    "symlink_outside": "符号链接指向登记目录之外（{target}），出于安全不读取；请把文件本身放入登记目录。"
                       " (symlink pointing outside the landing folder: not read)",
    "broken_link": "符号链接无效（目标不存在或链接循环），未读取；请放入文件本身。 (broken or looping symlink)",
    "unreadable": "无法读取该文件（{error}）；请检查文件权限或重新上传。 (the file cannot be read)",
}


def refusal(path: Path, root: Path, code: str, **details: str) -> dict:
    return {"file_path": path.relative_to(root).as_posix(), "error_code": code,
            "reason": REFUSALS[code].format(**details)}


def _outside_reason(path: Path, root_real: Path) -> tuple[str, dict] | None:
    """None when ``path``, symlinks resolved, is inside the landing folder; else why not. A symlink
    to a file (or through a folder) outside it is refused: only what was dropped into the folder is read."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling link, symlink loop
        return "broken_link", {}
    if real.is_relative_to(root_real):
        return None
    log.warning("landing: refusing %s: it resolves to %s, outside the landing folder %s", path, real, root_real)
    return "symlink_outside", {"target": str(real)}


def load_state(settings: Settings) -> dict:
    try:
        state = json.loads(state_path(settings).read_text(encoding="utf-8"))
        if state.get("version") == STATE_VERSION:
            return state
    except (OSError, ValueError):
        pass
    return {"version": STATE_VERSION, "hashes": {}, "documents": {}}


def save_state(settings: Settings, state: dict) -> None:
    """Atomic replace, so a crash mid-write never leaves a truncated index."""
    target = state_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".landing_index.", dir=target.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(state, fh, ensure_ascii=False, indent=1, sort_keys=True)
    os.replace(tmp, target)


def scan(settings: Settings, *, settle_seconds: float = 0.0, state: dict | None = None) -> tuple[list[LandingFile], dict]:
    """Every document file in the landing folder, hashing only new or changed files.

    Files modified less than ``settle_seconds`` ago are left for the next scan (an upload
    may still be in progress). Returns the files, in path order, and the updated state
    (not yet saved), whose ``documents`` map keeps every path each sha256 was seen at and whose
    ``refused`` list names every file that was not read, with the reason (:data:`REFUSALS`).
    """
    state = state if state is not None else load_state(settings)
    old_hashes: dict = state.get("hashes", {})
    new_hashes: dict = {}
    documents: dict = state.setdefault("documents", {})
    now = time.time()
    files: list[LandingFile] = []
    refused: list[dict] = []
    root = settings.landing_dir
    root_real = root.resolve()
    if root.exists():
        # is_symlink: a broken link is not is_file(), but it is a file someone dropped here
        for path in sorted(p for p in root.rglob("*") if (p.is_file() or p.is_symlink()) and _is_candidate(p)):
            outside = _outside_reason(path, root_real)
            if outside is not None:
                refused.append(refusal(path, root, outside[0], **outside[1]))
                continue
            if path.is_dir():  # a symlink to a folder inside: rglob lists what is under it
                continue
            try:
                st = path.stat()
            except OSError:  # deleted between listing and stat
                continue
            if settle_seconds and now - st.st_mtime < settle_seconds:
                continue
            rel = path.relative_to(root).as_posix()
            cached = old_hashes.get(rel)
            if cached and cached["size"] == st.st_size and cached["mtime_ns"] == st.st_mtime_ns:
                sha = cached["sha256"]
            else:
                try:
                    sha = sha256_file(path)
                except OSError as exc:
                    refused.append(refusal(path, root, "unreadable", error=exc.strerror or type(exc).__name__))
                    continue
            new_hashes[rel] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha}
            files.append(LandingFile(sha, rel, st.st_size, st.st_mtime_ns))
            entry = documents.setdefault(sha, {"first_path": rel, "size": st.st_size, "paths": []})
            if rel not in entry["paths"]:
                entry["paths"].append(rel)
    state["hashes"] = new_hashes
    state["refused"] = refused
    return files, state


def resolve(settings: Settings, document_ids: list[str]) -> dict[str, Path | None]:
    """Current landing path of each document key (``None``: no file with these bytes is there now).

    Re-scans the folder (a ``stat`` per file; only new or changed files are hashed), so a path
    overwritten by a corrected version no longer resolves to the old key.
    """
    files, state = scan(settings)
    save_state(settings, state)
    current: dict[str, Path] = {}
    for f in files:
        current.setdefault(f.document_id, settings.landing_dir / f.relative_path)
    return {sha: current.get(sha) for sha in document_ids}


def known_paths(settings: Settings, document_id: str) -> list[str]:
    """Every landing path a document key has been seen at (for messages about vanished files)."""
    return list(load_state(settings).get("documents", {}).get(document_id, {}).get("paths", []))


def describe(files: list[LandingFile]) -> list[dict]:
    return [asdict(f) for f in files]
