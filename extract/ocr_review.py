"""OCR values checked by the tables' own identities (勾稽关系), before they leave extraction.

The identities are the rule catalog's (``expectations/rules.yaml``, within- and
cross-table rules), run here on the document's own records exactly as the nightly rule
run does, with one difference: every comparison remembers the cells it read.

* An identity that holds **exactly** (difference 0) confirms every OCR cell in it: an OCR
  error that keeps a sum exact would need two errors that cancel to the cent.
* An identity violated beyond the rounding allowance contradicts its cells: one of them
  is misread, or the disclosure is wrong — a person must look (``review_reason =
  'identity_failed'`` for every unconfirmed OCR cell in it).
* Within the allowance but not exact: neither (printed rounding differences are normal).

A value is trusted when confirmed, or when its characters were read with confidence
(``>= ocr.CONFIDENT``) and no identity contradicts it; anything else carries a
``review_reason``.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from .ocr import CONFIDENT

CATEGORIES = ("within_table", "cross_table")


def _key(cell: dict[str, Any] | None) -> tuple | None:
    if not cell:
        return None
    return (cell.get("table_seq"), cell.get("row_index"), cell.get("col_index"))


def _doc(result: dict):
    """The rule engine's view of this document, built from its own records."""
    from expectations.rules import Doc

    from .assemble import records_for

    ident = result["identity"]
    path = result["path"]
    recs = records_for("ocr-review", path, path.name, result, 0.0)
    meta = {"document_id": "ocr-review", "fiscal_year": ident.fiscal_year, "doc_kind": ident.doc_kind,
            "part": ident.part}
    return Doc.from_rows(meta, recs["table_cell"], tables=recs["extracted_table"], figures=recs["narrative_figure"],
                         pages=recs["page_text"])


def evidence(result: dict) -> tuple[set[tuple], set[tuple], int]:
    """Cells confirmed by an exact identity, cells in a violated identity, comparisons run."""
    from expectations.rules import CHECKS, Outcome, load_rules
    from expectations.rules.model import amount

    confirmed: set[tuple] = set()
    contradicted: set[tuple] = set()
    runs = [0]

    class Recording(Outcome):
        def _note(self, cells, printed: Decimal, expected: Decimal, tol: Decimal) -> None:
            keys = {k for k in map(_key, cells) if k is not None}
            runs[0] += 1
            diff = abs(printed - expected)
            if diff == 0:
                confirmed.update(keys)
            elif diff > tol:
                contradicted.update(keys)

        def compare_sum(self, *, table, total, terms, **kw):
            expected = sum((amount(t) for t in terms), Decimal(0))
            tol = self.doc.rounding(table) * max(1, sum(1 for t in terms if t is not None and t.get("amount") is not None))
            self._note([total, *terms], amount(total), expected, tol)
            return super().compare_sum(table=table, total=total, terms=terms, **kw)

        def compare_equal(self, *, table, cell, expected, tolerance, page_cells=(), printed=None, **kw):
            page_cells = list(page_cells)
            if any(c is not None for c in page_cells):  # two printed sides, not a bare expectation
                self._note([cell, *page_cells], amount(cell) if printed is None else printed, expected, tolerance)
            return super().compare_equal(table=table, cell=cell, expected=expected, tolerance=tolerance,
                                         page_cells=page_cells, printed=printed, **kw)

    doc = _doc(result)
    for rule in load_rules():
        if rule.category not in CATEGORIES or doc.doc_kind not in rule.applies_to:
            continue
        try:
            CHECKS[rule.check](Recording(rule, doc), doc, rule.params)
        except Exception:  # noqa: BLE001 - a rule that cannot run confirms nothing
            continue
    return confirmed, contradicted - confirmed, runs[0]


def review(result: dict) -> dict:
    """Set ``confirmed`` and ``review_reason`` on every OCR cell; returns counts."""
    try:
        confirmed, contradicted, runs = evidence(result)
        error = None
    except Exception as exc:  # noqa: BLE001 - without identities nothing is confirmed; confidence alone decides
        confirmed, contradicted, runs, error = set(), set(), 0, f"{type(exc).__name__}: {exc}"
    counts = {"ocr_cells": 0, "confirmed": 0, "flagged": 0, "identities": runs, "error": error}
    for inst in result["instances"]:
        for c in inst.cells:
            if c.get("value_source") != "ocr":
                continue
            counts["ocr_cells"] += 1
            key = (inst.seq, c["row_index"], c["col_index"])
            c["confirmed"] = key in confirmed
            conf = c.get("confidence")
            if c["confirmed"]:
                c["review_reason"] = None
            elif conf is not None and conf == 0:
                c["review_reason"] = "ink_not_read"
            elif key in contradicted:
                c["review_reason"] = "identity_failed"
            elif conf is None or conf < CONFIDENT:
                c["review_reason"] = "low_confidence"
            elif c.get("measure") and c.get("value_kind") == "text":
                c["review_reason"] = "not_a_number"
            else:
                c["review_reason"] = None
            counts["confirmed"] += c["confirmed"]
            counts["flagged"] += c["review_reason"] is not None
    result["ocr"]["review"] = counts
    return counts
