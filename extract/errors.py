"""Typed extraction errors: each says what the file is and what a person can do.

A document that raises one of these is quarantined with ``code`` and
``message``; nothing else in the run is affected.  The message is Chinese first — the
problem and what the officer does, from ``catalog/remedies.yaml`` (the same wording the
report and the Excel workbooks use) — then the technical detail and the English action.
"""
from __future__ import annotations

from pathlib import Path

import yaml

REMEDIES = Path(__file__).with_name("catalog") / "remedies.yaml"


# Read at import, in the parent process: a forked extraction worker that quarantines a
# document after hitting its memory cap must not parse YAML then (it crashed doing so).
_REMEDIES: dict[str, dict[str, str]] = yaml.safe_load(REMEDIES.read_text(encoding="utf-8"))


def remedies() -> dict[str, dict[str, str]]:
    """Problem and action in Chinese for every error code and registry status."""
    return _REMEDIES


class ExtractionError(Exception):
    code = "extraction_error"
    action = "Send the file to the data team with this message."

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail

    @property
    def message(self) -> str:
        zh = remedies().get(self.code) or remedies()["extraction_error"]
        return f"{zh['problem']}：{zh['action']}（{self.detail} — {self.action}）"


class EmptyFile(ExtractionError):
    code = "empty_file"
    action = "The upload is zero bytes: ask the department to upload the PDF again."


class NotAPdf(ExtractionError):
    code = "not_a_pdf"
    action = "Only PDF disclosures are read: ask the department for the PDF export (not Word/Excel/an image)."


class TruncatedPdf(ExtractionError):
    code = "truncated_pdf"
    action = "The file is damaged or incomplete (interrupted upload?): ask for the file again."


class EncryptedPdf(ExtractionError):
    code = "encrypted_pdf"
    action = "The PDF is password-protected: ask the department for an unprotected copy."


class ImageOnlyPdf(ExtractionError):
    code = "image_only"
    action = ("The PDF is a scan without a text layer and OCR read no text from it (or OCR is off, "
              "FISCAL_OCR=0, or its engine is not installed): check the scan, ask the department for the "
              "digital export, or a cleaner scan.")


class GarbledText(ExtractionError):
    code = "garbled_text"
    action = ("The text layer cannot be decoded (fonts without a Unicode map): ask the department to "
              "re-export with fonts embedded, or OCR the file.")


class NotADisclosure(ExtractionError):
    code = "not_a_disclosure"
    action = "No 部门决算/部门预算 content was found: check that the right file was uploaded."


class TooLarge(ExtractionError):
    code = "too_large"
    action = "The file exceeds the configured page/size limit: split it or raise the limit if it is genuine."


class ResourceLimit(ExtractionError):
    code = "resource_limit"
    action = ("Extraction exceeded its time or memory cap (a pathological or huge file): inspect it, "
              "or raise FISCAL_DOC_TIMEOUT_S / FISCAL_DOC_MEMORY_MB if it is genuine.")


class WorkerCrashed(ExtractionError):
    code = "worker_crashed"
    action = "The extraction process died on this file; it is kept in quarantine for the data team."
