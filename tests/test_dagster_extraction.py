"""Which documents the extraction step hands to ``extract.api.extract_many``, and what it
reports per document. The extractor is replaced by a stub that records its calls."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import extract.api
from dagster_project.defs import assets
from dagster_project.defs.resources import FiscalResource
from tests.conftest import clear_fiscal_env


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    clear_fiscal_env(monkeypatch)
    monkeypatch.setenv("FISCAL_HOME", str(tmp_path))
    (tmp_path / "landing").mkdir()
    return tmp_path


@pytest.fixture
def extractor(monkeypatch):
    calls: list[list[str]] = []

    def extract_many(paths, out_root, *, workers, timeout_s, memory_mb, landing_root=None, progress=None, **_):
        calls.append([Path(p).name for p in paths])
        out = []
        for p in paths:
            data = Path(p).read_bytes()
            m = {"document_id": hashlib.sha256(data).hexdigest(), "status": "extracted" if data else "quarantined",
                 "error_code": None if data else "empty_file", "error_message": None if data else "empty",
                 "file_path": Path(p).relative_to(landing_root).as_posix(), "extractor_version": "2",
                 "department_name": "青川州测试局", "fiscal_year": 2023}
            write_manifest(Path(out_root), m)
            out.append(m)
            if progress:
                progress(m)
        return out

    monkeypatch.setattr(extract.api, "EXTRACTOR_VERSION", "2")
    monkeypatch.setattr(extract.api, "extract_many", extract_many)
    return calls


def write_manifest(out_root: Path, manifest: dict) -> None:
    (out_root / manifest["document_id"]).mkdir(parents=True, exist_ok=True)
    (out_root / manifest["document_id"] / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def drop(home: Path, name: str, data: bytes) -> str:
    (home / "landing" / name).write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_only_documents_not_yet_extracted_by_this_version_are_extracted(home, extractor):
    a, b, c = drop(home, "a.pdf", b"%PDF a"), drop(home, "b.pdf", b"%PDF b"), drop(home, "c.pdf", b"%PDF c")
    write_manifest(home / "extracted", {"document_id": a, "status": "extracted", "extractor_version": "2"})
    write_manifest(home / "extracted", {"document_id": b, "status": "extracted", "extractor_version": "1"})
    manifests = assets.extract_documents(FiscalResource(), [a, b, c])
    assert extractor == [["b.pdf", "c.pdf"]]  # a is current; b was extracted by an older version
    assert manifests[a]["reused"] and not manifests[c].get("reused")
    assert assets.document_summary(manifests[c])["department"] == "青川州测试局"


def test_force_re_extracts_everything(home, extractor):
    a = drop(home, "a.pdf", b"%PDF a")
    write_manifest(home / "extracted", {"document_id": a, "status": "extracted", "extractor_version": "2"})
    assets.extract_documents(FiscalResource(), [a], force=True)
    assert extractor == [["a.pdf"]]


def test_a_timeout_is_retried_but_a_broken_file_is_not(home, extractor):
    slow = drop(home, "slow.pdf", b"%PDF slow")
    empty = drop(home, "empty.pdf", b"")
    write_manifest(home / "extracted", {"document_id": slow, "status": "quarantined", "extractor_version": "2",
                                        "error_code": "resource_limit"})
    write_manifest(home / "extracted", {"document_id": empty, "status": "quarantined", "extractor_version": "2",
                                        "error_code": "empty_file", "error_message": "zero bytes"})
    manifests = assets.extract_documents(FiscalResource(), [slow, empty])
    assert extractor == [["slow.pdf"]]
    summary = assets.document_summary(manifests[empty])
    assert summary["status"] == "quarantined" and summary["error_code"] == "empty_file"


def test_a_document_whose_file_left_the_landing_folder(home, extractor):
    gone = hashlib.sha256(b"%PDF gone").hexdigest()
    kept = hashlib.sha256(b"%PDF kept").hexdigest()
    write_manifest(home / "extracted", {"document_id": kept, "status": "extracted", "extractor_version": "1"})
    manifests = assets.extract_documents(FiscalResource(), [gone, kept], force=True)
    assert extractor == []
    assert manifests[gone]["status"] == "missing"  # never extracted: said so, not an error
    assert manifests[kept]["status"] == "extracted"  # keeps its last extraction


def test_quarantine_table_lists_file_code_and_reason():
    table = assets.quarantine_table({"ab" * 32: {"file": "x.pdf", "error_code": "not_a_pdf", "reason": "a|b"}})
    assert "x.pdf" in table and "not_a_pdf" in table and "a\\|b" in table


def test_a_partition_is_labelled_by_department_year_kind_and_file():
    """The sha256 partitions are found by name: each carries this label as metadata."""
    summary = assets.document_summary({"status": "extracted", "department_name": "青川州财政局", "fiscal_year": 2025,
                                       "doc_kind": "budget", "file_path": "2025/青川州财政局2025年部门预算.pdf"})
    assert assets.partition_label(summary) == "青川州财政局2025年预算 · 2025/青川州财政局2025年部门预算.pdf"
    assert assets.partition_label(assets.document_summary({"file_path": "x.pdf"})) == "x.pdf"
