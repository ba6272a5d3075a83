"""warehouse/storage.py: landing and extracted stores as a local folder or an s3:// prefix.

The S3 tests run against moto's S3-compatible server on 127.0.0.1 (``moto[s3]`` + flask from
the lock file; nothing leaves the machine) and skip, saying so, when it is not installed.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from warehouse import storage


def write_document(root: Path, doc: str, manifest: dict) -> Path:
    d = root / doc
    d.mkdir(parents=True)
    (d / "table_cell.parquet").write_bytes(b"PAR1 cells " + doc.encode())
    (d / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return d


@pytest.fixture
def s3(monkeypatch):
    pytest.importorskip("s3fs", reason="s3fs is not installed: s3:// stores cannot be tested")
    server_mod = pytest.importorskip("moto.server", reason="moto[s3] is not installed: no local S3 server")
    pytest.importorskip("flask", reason="moto's server mode needs flask")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    monkeypatch.setenv("FISCAL_S3_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    # moto accepts any credentials; these keep botocore from looking for real ones
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    import uuid

    import fsspec

    bucket = f"fiscal-{uuid.uuid4().hex[:12]}"  # moto keeps buckets per process, across servers
    fsspec.filesystem("s3", skip_instance_cache=True, client_kwargs={"endpoint_url": f"http://127.0.0.1:{port}"}).mkdir(
        bucket)
    try:
        yield f"s3://{bucket}"
    finally:
        server.stop()


def test_a_plain_path_is_a_local_store(tmp_path):
    store = storage.Store(tmp_path / "x")
    assert store.is_local and store.local_path == (tmp_path / "x").resolve()
    store.write_bytes("a/b.pdf", b"%PDF-1.4 hello")
    assert store.exists("a/b.pdf") and store.read_bytes("a/b.pdf") == b"%PDF-1.4 hello"
    assert [f.relative_path for f in store.list_files(".pdf")] == ["a/b.pdf"]
    assert store.read_manifest("nope") is None


def test_mirror_copies_only_changed_documents(tmp_path):
    remote = storage.Store(tmp_path / "remote")
    write_document(tmp_path / "remote", "d1", {"document_id": "d1", "status": "extracted"})
    write_document(tmp_path / "remote", "d2", {"document_id": "d2", "status": "quarantined"})
    local = tmp_path / "local"
    assert storage.mirror_extracted(remote, local, ["d1", "d2", "never"]) == ["d1", "d2"]
    assert (local / "d1" / "table_cell.parquet").read_bytes() == b"PAR1 cells d1"
    assert storage.mirror_extracted(remote, local, ["d1", "d2"]) == []  # unchanged manifests
    (tmp_path / "remote" / "d2" / "manifest.json").write_text('{"document_id": "d2", "status": "extracted"}')
    assert storage.mirror_extracted(remote, local, ["d1", "d2"]) == ["d2"]
    assert json.loads((local / "d2" / "manifest.json").read_text())["status"] == "extracted"
    # the store that *is* the loader's folder: nothing to copy
    assert storage.mirror_extracted(storage.Store(local), local, ["d1"]) == []


def test_s3_store_round_trip(s3, tmp_path):
    landing = storage.Store(f"{s3}/landing")
    assert not landing.is_local
    landing.write_bytes("2023/a.pdf", b"%PDF-1.4 first")
    landing.write_bytes("2023/b.PDF", b"%PDF-1.4 second")
    landing.write_bytes("2023/.partial.pdf", b"upload in progress")
    found, cache = storage.scan_landing(landing)
    import hashlib

    assert found == [(hashlib.sha256(b"%PDF-1.4 first").hexdigest(), "2023/a.pdf"),
                     (hashlib.sha256(b"%PDF-1.4 second").hexdigest(), "2023/b.PDF")]
    # unchanged objects are not hashed again: a poisoned cache entry is believed
    cache["2023/a.pdf"]["sha256"] = "cached"
    assert storage.scan_landing(landing, cache)[0][0] == ("cached", "2023/a.pdf")
    landing.write_bytes("2023/a.pdf", b"%PDF-1.4 corrected")  # new bytes, new ETag: hashed again
    assert storage.scan_landing(landing, cache)[0][0][0] == hashlib.sha256(b"%PDF-1.4 corrected").hexdigest()
    assert landing.get_file("2023/b.PDF", tmp_path / "dl" / "b.pdf").read_bytes() == b"%PDF-1.4 second"

    extracted = storage.Store(f"{s3}/extracted")
    src = write_document(tmp_path / "work", "d1", {"document_id": "d1", "status": "extracted"})
    extracted.put_dir(src, "d1")
    assert extracted.read_manifest("d1") == {"document_id": "d1", "status": "extracted"}
    assert sorted(f.relative_path for f in extracted.list_files()) == ["d1/manifest.json", "d1/table_cell.parquet"]
    assert storage.mirror_extracted(extracted, tmp_path / "mirror", ["d1"]) == ["d1"]
    assert (tmp_path / "mirror" / "d1" / "table_cell.parquet").read_bytes() == b"PAR1 cells d1"
    # a re-extraction replaces the directory; the mirror follows
    (src / "manifest.json").write_text('{"document_id": "d1", "status": "quarantined"}')
    extracted.put_dir(src, "d1")
    assert storage.mirror_extracted(extracted, tmp_path / "mirror", ["d1"]) == ["d1"]
    assert json.loads((tmp_path / "mirror" / "d1" / "manifest.json").read_text())["status"] == "quarantined"


@pytest.mark.slow  # imports the Dagster definitions and extracts a PDF: ~55 s on the shared machine
def test_extract_batch_reads_and_writes_s3_stores(s3, tmp_path, monkeypatch):
    """The distributed job's batch step with both stores on S3: PDF downloaded, records uploaded,
    then mirrored for the loader by the collect step."""
    import dagster as dg

    from dagster_project.defs import distributed
    from dagster_project.defs.resources import FiscalResource
    from tests import pdf_factory

    monkeypatch.setenv("FISCAL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FISCAL_WORKERS", "1")
    monkeypatch.setenv("FISCAL_LANDING_STORE", f"{s3}/landing")
    monkeypatch.setenv("FISCAL_EXTRACTED_STORE", f"{s3}/extracted")
    pdf = pdf_factory.text_pdf(tmp_path / "src.pdf", pdf_factory.disclosure_lines("青川州测试局", 2023))
    landing = storage.Store(f"{s3}/landing")
    landing.write_bytes("测试局/2023.pdf", pdf.read_bytes())
    from warehouse.settings import Settings

    settings = Settings.from_env()
    (key, rel), = distributed.scan_store(settings, landing)
    assert distributed.locate(settings, landing, [key, "0" * 64]) == {key: rel, "0" * 64: None}

    result = distributed.extract_batch(dg.build_op_context(resources={"fiscal": FiscalResource()}), batch={key: rel})
    summary = result["documents"][key]
    assert summary["file"] == "测试局/2023.pdf" and summary["status"] in ("extracted", "quarantined")
    manifest = storage.Store(f"{s3}/extracted").read_manifest(key)
    assert manifest["document_id"] == key and manifest["file_path"] == "测试局/2023.pdf"
    assert not (settings.extracted_dir / key).exists()  # nothing local until the collect step
    assert storage.mirror_extracted(storage.extracted_store(settings), settings.extracted_dir, [key]) == [key]
    assert (settings.extracted_dir / key / "document.parquet").exists()
