"""The landing and extracted stores behind one interface (fsspec): a local folder or an ``s3://`` prefix.

Workers of the distributed engine share nothing but these two stores. A store is addressed
by a URL; a plain path is a local folder (``file://``), ``s3://bucket/prefix`` is object
storage (s3fs; any S3-compatible server through ``FISCAL_S3_ENDPOINT_URL``).

| variable | default | meaning |
|---|---|---|
| ``FISCAL_LANDING_STORE`` | ``FISCAL_LANDING_DIR`` | where PDFs are read from (distributed job) |
| ``FISCAL_EXTRACTED_STORE`` | ``FISCAL_EXTRACTED_DIR`` | where workers write ``<sha256>/`` Parquet + manifest |
| ``FISCAL_S3_ENDPOINT_URL`` | (AWS) | an S3-compatible endpoint (MinIO, Ceph, moto) |

Credentials come from the usual AWS variables or files (botocore), never from this project.

A document directory is complete when its ``manifest.json`` exists: ``put_dir`` uploads the
Parquet files first and the manifest last, so a reader (the loader's mirror) never takes a
half-written document for a finished one, as ``extract.api.write_records`` guarantees locally
with a rename.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import fsspec

from extract.records import replace_folder
from warehouse.settings import Settings

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class StoredFile:
    relative_path: str  # POSIX path under the store's root
    size: int
    version: str  # what changes when the bytes change: mtime locally, ETag on S3


def _storage_options(protocol: str) -> dict:
    if protocol in ("s3", "s3a"):
        endpoint = os.environ.get("FISCAL_S3_ENDPOINT_URL")
        return {"client_kwargs": {"endpoint_url": endpoint}} if endpoint else {}
    return {}


class Store:
    """A folder of files addressed by relative POSIX paths, local or remote."""

    def __init__(self, url: str | os.PathLike):
        url = str(url)
        protocol = url.split("://", 1)[0] if "://" in url else "file"
        if protocol == "file":
            url = str(Path(url.removeprefix("file://")).expanduser().resolve())
        self.url = url.rstrip("/")
        self.protocol = protocol
        self.fs = fsspec.filesystem(protocol, **_storage_options(protocol))
        self.root = self.url if protocol == "file" else self.url.split("://", 1)[1]

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    @property
    def is_local(self) -> bool:
        return self.protocol == "file"

    @property
    def local_path(self) -> Path:
        if not self.is_local:
            raise ValueError(f"{self.url} is not a local folder")
        return Path(self.root)

    def path(self, rel: str) -> str:
        return f"{self.root}/{rel.lstrip('/')}" if rel else self.root

    # -------------------------------------------------------------- files

    def exists(self, rel: str) -> bool:
        return self.fs.exists(self.path(rel))

    def read_bytes(self, rel: str) -> bytes:
        return self.fs.cat_file(self.path(rel))

    def write_bytes(self, rel: str, data: bytes) -> None:
        if self.is_local:  # atomic locally: temp file, then rename
            target = Path(self.path(rel))
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        else:  # an S3 PUT is atomic: readers see the old object or the new one
            self.fs.pipe_file(self.path(rel), data)

    def get_file(self, rel: str, local: Path) -> Path:
        local = Path(local)
        local.parent.mkdir(parents=True, exist_ok=True)
        self.fs.get_file(self.path(rel), str(local))
        return local

    def sha256(self, rel: str, chunk: int = 1 << 20) -> str:
        digest = hashlib.sha256()
        with self.fs.open(self.path(rel), "rb") as fh:
            while block := fh.read(chunk):
                digest.update(block)
        return digest.hexdigest()

    def list_files(self, suffix: str = "") -> list[StoredFile]:
        """Every file under the root (recursively), in path order; hidden names left out."""
        if not self.fs.exists(self.root):
            return []
        out = []
        for full, info in sorted(self.fs.find(self.root, detail=True).items()):
            rel = full[len(self.root.rstrip("/")) + 1:] if full.startswith(self.root) else full
            if any(part.startswith(".") for part in rel.split("/")) or not rel.lower().endswith(suffix):
                continue
            version = info.get("ETag") or info.get("mtime") or info.get("LastModified") or info.get("created")
            out.append(StoredFile(rel, int(info.get("size") or 0), str(version)))
        return out

    # -------------------------------------------------------------- document directories

    def read_manifest(self, document_id: str) -> dict | None:
        try:
            return json.loads(self.read_bytes(f"{document_id}/{MANIFEST}").decode("utf-8"))
        except (OSError, ValueError):  # FileNotFoundError is an OSError
            return None

    def put_dir(self, local_dir: Path, rel: str) -> None:
        """Upload a document directory: data files first, the manifest (completeness mark) last."""
        local_dir = Path(local_dir)
        files = sorted(p for p in local_dir.rglob("*") if p.is_file())
        files.sort(key=lambda p: p.name == MANIFEST)
        if self.is_local:
            target = Path(self.path(rel))
            if target.resolve() == local_dir.resolve():
                return
            tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(local_dir, tmp)
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            if target.exists():
                os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
            return
        if self.exists(f"{rel}/{MANIFEST}"):  # a re-extraction: the old manifest goes first
            self.fs.rm_file(self.path(f"{rel}/{MANIFEST}"))
        for p in files:
            self.fs.put_file(str(p), self.path(f"{rel}/{p.relative_to(local_dir).as_posix()}"))

    def get_dir(self, rel: str, local_dir: Path) -> Path:
        """Download a complete document directory into ``local_dir``, replacing it atomically."""
        local_dir = Path(local_dir)
        if self.is_local and Path(self.path(rel)).resolve() == local_dir.resolve():
            return local_dir
        local_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{local_dir.name}.tmp-", dir=local_dir.parent))
        try:
            base = self.path(rel).rstrip("/")
            for full in sorted(self.fs.find(base)):
                sub = full[len(base) + 1:] if full.startswith(base) else Path(full).name
                (tmp / sub).parent.mkdir(parents=True, exist_ok=True)
                self.fs.get_file(full, str(tmp / sub))
            replace_folder(tmp, local_dir)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return local_dir


def landing_store(settings: Settings | None = None) -> Store:
    settings = settings or Settings.from_env()
    return Store(os.environ.get("FISCAL_LANDING_STORE") or settings.landing_dir)


def extracted_store(settings: Settings | None = None) -> Store:
    settings = settings or Settings.from_env()
    return Store(os.environ.get("FISCAL_EXTRACTED_STORE") or settings.extracted_dir)


def mirror_extracted(store: Store, local_root: Path, document_ids: list[str]) -> list[str]:
    """Bring these documents' directories from the extracted store into the loader's local folder,
    when the local manifest differs from the store's (the loader reads local Parquet).
    Returns the ids copied. Nothing to do when the store is that folder."""
    local_root = Path(local_root)
    if store.is_local and store.local_path.resolve() == local_root.resolve():
        return []
    copied = []
    for doc in document_ids:
        try:
            remote = store.read_bytes(f"{doc}/{MANIFEST}")
        except OSError:
            continue  # never extracted (a file that left the landing store)
        local = local_root / doc / MANIFEST
        if local.exists() and local.read_bytes() == remote:
            continue
        store.get_dir(doc, local_root / doc)
        copied.append(doc)
    return copied


def scan_landing(store: Store, cache: dict | None = None) -> tuple[list[tuple[str, str]], dict]:
    """``(sha256, relative path)`` of every PDF in a landing store, hashing only new or changed
    objects (``cache``: relative path → size, version, sha256, as returned last time)."""
    cache = cache or {}
    found, new_cache = [], {}
    for f in store.list_files(suffix=".pdf"):
        hit = cache.get(f.relative_path)
        if hit and hit["size"] == f.size and hit["version"] == f.version:
            sha = hit["sha256"]
        else:
            sha = store.sha256(f.relative_path)
        new_cache[f.relative_path] = {"size": f.size, "version": f.version, "sha256": sha}
        found.append((sha, f.relative_path))
    return found, new_cache
