"""The 勾稽关系 rules: every rule of ``rules.yaml`` over every current document.

Layout (modelled on pudl's ``transform/classes.py`` + per-dataset modules):

* :mod:`.engine`         rule spec, :class:`Outcome` / :class:`Finding`, the check registry, evaluation
* :mod:`.model`          :class:`Doc` / :class:`Row`, the document the checks read (``Doc.from_rows`` for tests)
* :mod:`.loader`         :class:`Doc` from DuckDB, the current documents, a department's other documents
* :mod:`.preconditions`  what a check needs before it compares
* :mod:`.common`         catalog lookups (through :mod:`extract.catalog`) and message names
* :mod:`.store`          :func:`run_all` → ``raw.dq_result`` / ``raw.dq_finding``, the CLI
* one module per kind of check: :mod:`.two_sided`, :mod:`.coded`, :mod:`.performance`,
  :mod:`.cross_table`, :mod:`.narrative`, :mod:`.completeness` (completeness and residue),
  :mod:`.budget`, :mod:`.cross_document`, :mod:`.extraction` (what extraction could not read).

Entry point: :func:`run_all` (``python -m expectations.rules [DUCKDB_PATH]``; ``--list`` prints
the catalog).
"""
from __future__ import annotations

# the kind modules register their checks on import; load_rules() verifies every check exists
from . import (  # noqa: F401
    budget,
    coded,
    completeness,
    cross_document,
    cross_table,
    extraction,
    narrative,
    performance,
    two_sided,
)
from .common import (
    FINAL_TABLES,
    PERFORMANCE_TABLE,
    label,
    measure_zh,
    table_catalog,
    table_en,
    table_no,
)
from .engine import (
    CHECKS,
    STATUSES,
    Finding,
    Outcome,
    RuleSpec,
    check,
    evaluate_document,
    load_rules,
    rule_by_id,
)
from .loader import Peers, current_documents, load_doc
from .model import Doc, Row
from .store import DQ_FINDING_COLUMNS, DQ_RESULT_COLUMNS, main, run_all

__all__ = [
    "CHECKS", "DQ_FINDING_COLUMNS", "DQ_RESULT_COLUMNS", "FINAL_TABLES", "PERFORMANCE_TABLE", "STATUSES",
    "Doc", "Finding", "Outcome", "Peers", "Row", "RuleSpec", "check", "current_documents", "evaluate_document",
    "label", "load_doc", "load_rules", "main", "measure_zh", "rule_by_id", "run_all", "table_catalog", "table_en",
    "table_no",
]
