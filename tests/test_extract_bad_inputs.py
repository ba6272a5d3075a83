"""Every kind of unusable upload gets a typed error with an actionable message, and
extraction of the other documents is unaffected."""
from __future__ import annotations

import json

import pytest
from reportlab.lib.pdfencrypt import StandardEncryption

from extract.api import extract_document, extract_many
from tests import pdf_factory as pf


def _extract(path, tmp_path):
    return extract_document(path, tmp_path / "out")


def _empty(tmp_path):
    p = tmp_path / "empty.pdf"
    p.write_bytes(b"")
    return p


def _locked(tmp_path):
    enc = StandardEncryption("secret", ownerPassword="owner", strength=128)
    return pf.text_pdf(tmp_path / "locked.pdf", pf.disclosure_lines(), encrypt=enc)


def _invoice(tmp_path):
    lines = ["Invoice number 4711", "Thank you for your order of office chairs."] * 10
    return pf.text_pdf(tmp_path / "invoice.pdf", lines, font="Helvetica")


# (what the upload is, error_code, a word the message must hold for the operator, or None)
UNUSABLE = [
    pytest.param(_empty, "empty_file", "upload", id="zero_byte"),
    pytest.param(lambda tmp_path: pf.docx_file(tmp_path / "report.pdf"), "not_a_pdf", "Word", id="docx_renamed_to_pdf"),
    pytest.param(_locked, "encrypted_pdf", "password", id="encrypted_with_user_password"),
    pytest.param(lambda tmp_path: pf.image_only_pdf(tmp_path / "scan.pdf"), "image_only", "OCR", id="image_only_scan"),
    pytest.param(lambda tmp_path: pf.garbled_pdf(tmp_path / "garbled.pdf"), "garbled_text", None,
                 id="garbled_text_layer"),
    pytest.param(_invoice, "not_a_disclosure", None, id="not_a_disclosure"),
]


@pytest.mark.parametrize("make, code, word", UNUSABLE)
def test_an_unusable_upload_is_quarantined_with_a_typed_error(tmp_path, make, code, word):
    m = _extract(make(tmp_path), tmp_path)
    assert m["status"] == "quarantined" and m["error_code"] == code, m
    assert word is None or word in m["error_message"]


def test_truncated(tmp_path):
    good = pf.text_pdf(tmp_path / "good.pdf", pf.disclosure_lines(), pages=3)
    p = pf.truncated_pdf(tmp_path / "cut.pdf", good)
    m = _extract(p, tmp_path)
    assert m["status"] == "quarantined"
    assert m["error_code"] in ("truncated_pdf", "image_only")


def test_encrypted_owner_password_only_is_read(tmp_path):
    enc = StandardEncryption("", ownerPassword="owner", canPrint=0, canCopy=0, strength=128)
    p = pf.text_pdf(tmp_path / "owner.pdf", pf.disclosure_lines(), encrypt=enc)
    m = _extract(p, tmp_path)
    assert m["status"] == "extracted", m
    assert m["fiscal_year"] == 2023 and m["doc_kind"] == "final"


def test_bad_file_does_not_stop_the_others(tmp_path):
    good = pf.text_pdf(tmp_path / "good.pdf", pf.disclosure_lines())
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"")
    results = extract_many([bad, good], tmp_path / "out", workers=2, timeout_s=60, memory_mb=2048)
    by_name = {r["file_name"]: r for r in results}
    assert by_name["bad.pdf"]["status"] == "quarantined"
    assert by_name["good.pdf"]["status"] == "extracted"
    manifest = json.loads((tmp_path / "out" / by_name["good.pdf"]["document_id"] / "manifest.json").read_text())
    assert manifest["status"] == "extracted"


def test_timeout_kills_and_quarantines(tmp_path, monkeypatch):
    import time

    from extract import api

    # the forked worker inherits this: a document that hangs
    monkeypatch.setattr(api, "extract_document", lambda *a, **k: time.sleep(60))
    good = pf.text_pdf(tmp_path / "slow.pdf", pf.disclosure_lines())
    t0 = time.monotonic()
    results = extract_many([good], tmp_path / "out", workers=1, timeout_s=1, memory_mb=2048)
    assert time.monotonic() - t0 < 20
    assert results[0]["status"] == "quarantined"
    assert results[0]["error_code"] == "resource_limit"
    assert "longer than" in results[0]["error_message"]


def test_worker_crash_is_quarantined(tmp_path, monkeypatch):
    import os

    from extract import api

    monkeypatch.setattr(api, "extract_document", lambda *a, **k: os._exit(3))
    p = pf.text_pdf(tmp_path / "crash.pdf", pf.disclosure_lines())
    results = extract_many([p], tmp_path / "out", workers=1, timeout_s=30)
    assert results[0]["error_code"] == "worker_crashed"


def test_every_error_code_has_a_chinese_remedy_and_leads_with_it():
    """The operator reads the quarantine reason in `fiscal status`: Chinese problem and
    action first (the catalog the report uses), the technical detail after."""
    from extract import errors
    codes = {cls.code: cls for cls in vars(errors).values()
             if isinstance(cls, type) and issubclass(cls, errors.ExtractionError)}
    assert len(codes) >= 10
    for code, cls in codes.items():
        rem = errors.remedies()[code]  # KeyError = an error code without Chinese wording
        msg = cls("x.pdf: detail").message
        assert msg.startswith(f"{rem['problem']}：{rem['action']}"), msg
        assert "x.pdf: detail" in msg and cls.action in msg
