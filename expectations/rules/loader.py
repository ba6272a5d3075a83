"""Reading the rules' input from DuckDB: the current documents, one :class:`Doc` per document
(:func:`load_doc`), and the department's other documents (:class:`Peers`)."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from extract.text import compact
from warehouse.db import fetch_dicts, table_columns, table_exists

from .model import Doc


def load_doc(con, meta: dict[str, Any], table_source_id: str | None = None) -> Doc:
    """One document's records, fetched with parameterised SQL.  ``table_source_id``: the file whose
    tables a narrative-only file of a split disclosure reads (see :func:`current_documents`)."""
    doc_id = meta["document_id"]
    src = table_source_id or doc_id
    sibling_tables = [
        t["table_name"]
        for sib in meta.get("sibling_ids") or ()
        for t in fetch_dicts(con, "SELECT DISTINCT table_name FROM raw.extracted_table WHERE document_id = ?", [sib])
    ]
    return Doc(
        meta,
        table_rows=fetch_dicts(con, "SELECT * FROM raw.extracted_table WHERE document_id = ? ORDER BY table_seq", [src]),
        cells=fetch_dicts(con, "SELECT * FROM raw.table_cell WHERE document_id = ? ORDER BY table_seq, row_index, col_index",
                     [src]),
        figures=fetch_dicts(con, "SELECT * FROM raw.narrative_figure WHERE document_id = ? ORDER BY figure_seq", [doc_id]),
        pages=fetch_dicts(con, "SELECT page, text FROM raw.page_text WHERE document_id = ? ORDER BY page", [doc_id]),
        sibling_tables=sibling_tables,
        listed=fetch_dicts(con, "SELECT * FROM raw.listed_table WHERE document_id = ? ORDER BY list_seq", [src])
        if table_exists(con, "raw", "listed_table") else [],
    )


class Peers:
    """The current documents of a DuckDB file indexed by (canonical department, fiscal year, scope,
    doc_kind), so a check on one document can read another (run_all attaches it as ``doc.peers``).

    The department is the registry's ``department_canonical`` (after the alias seed, see
    warehouse/load.py) where the registry exists, else the identified department name; the
    scope is the registry's effective scope, else the identified one."""

    def __init__(self, con, metas: list[dict[str, Any]]):
        self.con = con
        reg: dict[str, dict[str, Any]] = {}
        if table_exists(con, "raw", "document_registry"):
            cols = set(table_columns(con, "raw", "document_registry"))
            if "department_canonical" in cols:
                reg = {r["document_id"]: r for r in fetch_dicts(con, "SELECT * FROM raw.document_registry", [])}
        self.index: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
        self.key_of: dict[str, tuple] = {}
        for m in metas:
            k = self.key(m, reg.get(m["document_id"]))
            self.key_of[m["document_id"]] = k
            self.index[k + ((m.get("doc_kind") or "").lower(),)].append(m)
        self._docs: dict[str, Doc] = {}

    @staticmethod
    def key(meta: dict[str, Any], reg: dict[str, Any] | None) -> tuple:
        name = (reg or {}).get("department_canonical") or meta.get("department_name")
        scope = (reg or {}).get("scope") or meta.get("scope") or "consolidated"
        return (compact(name), meta.get("fiscal_year"), str(scope).lower())

    def find(self, doc: Doc, doc_kind: str) -> Doc | None:
        """The same department's current document of another kind, same fiscal year and scope
        (the file with the tables when the disclosure is split)."""
        k = self.key_of.get(doc.id)
        if k is None or not k[0] or k[1] is None:
            return None
        metas = [m for m in self.index.get(k + (doc_kind,), []) if (m.get("part") or "full").lower() != "narrative"]
        if not metas:
            return None
        m = min(metas, key=lambda x: x["document_id"])
        if m["document_id"] not in self._docs:
            self._docs[m["document_id"]] = load_doc(self.con, m, m.get("table_source_id"))
        return self._docs[m["document_id"]]


def current_documents(con) -> list[dict[str, Any]]:
    """Documents the rules evaluate: extracted, not a template, not superseded in the registry.

    Adds ``table_source_id``: for a narrative-only file of a split disclosure, the current
    tables file of the same disclosure (so the narrative rules can read its tables).
    """
    docs = fetch_dicts(con, "SELECT * FROM raw.document WHERE status = ? AND NOT coalesce(is_template, false) ORDER BY document_id",
                  ["extracted"])
    if not table_exists(con, "raw", "document_registry"):
        return docs
    cols = set(table_columns(con, "raw", "document_registry"))
    reg = {r["document_id"]: r for r in fetch_dicts(con, "SELECT * FROM raw.document_registry", [])}
    out = []
    for d in docs:
        r = reg.get(d["document_id"])
        if r is not None and str(r.get("status") or "").lower() in ("superseded", "quarantined"):
            continue
        if r is not None and "disclosure_id" in cols and (d.get("part") or "").lower() == "narrative":
            sib = [x for x in reg.values() if x.get("disclosure_id") == r.get("disclosure_id")
                   and x.get("is_current_tables") and x["document_id"] != d["document_id"]]
            if sib:
                d = dict(d, table_source_id=sib[0]["document_id"])
        if r is not None and "disclosure_id" in cols and (d.get("part") or "").lower() == "tables":
            sibs = [x["document_id"] for x in reg.values() if x.get("disclosure_id") == r.get("disclosure_id")
                    and x["document_id"] != d["document_id"]
                    and str(x.get("status") or "").lower() not in ("superseded", "quarantined")
                    and (x.get("part") or "").lower() == "narrative"]
            if sibs:
                d = dict(d, sibling_ids=sibs)
        out.append(d)
    return out

