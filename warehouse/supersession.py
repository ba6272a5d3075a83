"""Which documents are current: quarantined, superseded or loaded, slot by slot.

:func:`resolve_status` is the decision, a pure function over registry rows (unit-tested on its
own); :func:`refresh_status` runs it over the whole ``raw.document_registry`` after every load
and writes status, reason, superseded_by, the current-slot flags, identity and review items
back (a new document can supersede an old one, and an edit of the alias seed can merge two
spellings of a department into one disclosure).

* ``quarantined``: extraction quarantined it, or it is a blank template;
* ``superseded``: a later document (new sha256) of the same disclosure (canonical department +
  fiscal_year + doc_kind + scope) covers the same part; "later" is the latest
  ``first_seen_at``, ties broken by the larger ``document_id``;
* ``loaded``: everything else (its records are used by the marts).

Parts are *slots*: ``full`` covers the ``tables`` and the ``narrative`` slot,
``tables``/``narrative`` one each; a document is current for a slot when it is the latest
document covering that slot (``is_current_tables`` / ``is_current_narrative``).
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Mapping, Sequence

import duckdb
import pyarrow as pa

from warehouse.db import execute, fetch_dicts, qtable, registered
from warehouse.identity import DepartmentAliases, disclosure_id_for, disclosure_key
from warehouse.manifest import QUARANTINED, coerce_bool

SUPERSEDED, LOADED = "superseded", "loaded"
TEMPLATE_REASON = "blank template, not a department disclosure"
#: slots each ``part`` covers (unknown / missing part = a full disclosure)
PART_SLOTS = {"full": ("tables", "narrative"), "tables": ("tables",), "narrative": ("narrative",)}

#: below this identity_confidence a document never supersedes nor is superseded (extract/catalog/identity.yaml)
MIN_IDENTITY_CONFIDENCE = 0.6


def _certain(r: Mapping[str, Any]) -> bool:
    """Confidently identified: no review item from extraction and a confidence at or above
    the threshold (an extraction from before confidences were scored counts as certain)."""
    conf = r.get("identity_confidence")
    return not r.get("identity_review") and (conf is None or conf >= MIN_IDENTITY_CONFIDENCE)


# The table set of a document that prints no table at all (not one whose tables have no name).
NO_TABLE = "(no table)"


def _same_content(a: Mapping[str, Any], b: Mapping[str, Any], slot: str) -> bool:
    """For the tables slot, two documents print the same kind of tables (half of the smaller
    set of tables in common, by catalog name or printed title): a 140-page 绩效目标表 file is no
    correction of a full budget.  Documents from before table sets were compared (None) count
    as the same; a document whose tables have neither name nor title cannot be compared."""
    if slot != "tables":
        return True
    ta, tb = a.get("tables"), b.get("tables")
    if ta is None or tb is None:
        return True
    if not ta or not tb:
        return False
    return len(set(ta) & set(tb)) * 2 >= min(len(ta), len(tb))


def resolve_status(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Decide status, reason, superseded_by, the current-slot flags and review items.

    ``rows`` need: document_id, disclosure_key (None = unidentified), part,
    is_template, extraction_status, error_code, error_message (optional), first_seen_at;
    optionally identity_confidence, identity_review (extraction's doubts, a list) and tables
    (mapped table names).  Pure function, unit-tested on its own.

    A later document supersedes an earlier one only when both are confidently the same
    disclosure (department, year, kind, scope) and part, and — for tables — print the same
    kind of tables.  Otherwise both stay current and each gets a "possible duplicate /
    correction?" review item naming the other: the operator decides, nothing is hidden.
    """
    out: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        doc_id = r["document_id"]
        if coerce_bool(r.get("is_template")):
            out[doc_id] = _status(QUARANTINED, TEMPLATE_REASON)
        elif str(r.get("extraction_status") or "").lower() == QUARANTINED:
            code, msg = r.get("error_code"), r.get("error_message")
            reason = ": ".join(str(x) for x in (code, msg) if x) or "quarantined by extraction"
            out[doc_id] = _status(QUARANTINED, reason)
        elif r.get("disclosure_key") is None:
            out[doc_id] = _status(LOADED, None, tables=True, narrative=True)
        else:
            groups.setdefault(r["disclosure_key"], []).append(r)
    for members in groups.values():
        # latest first: first_seen_at desc, then document_id desc
        ordered = sorted(members, key=lambda r: (r["first_seen_at"] or datetime.min, r["document_id"]), reverse=True)
        current: dict[str, list[Mapping[str, Any]]] = {}  # slot -> documents current for it
        owned: dict[str, set[str]] = {r["document_id"]: set() for r in ordered}
        by: dict[str, str] = {}
        doubts: dict[str, list[str]] = {r["document_id"]: [] for r in ordered}
        for r in ordered:
            for slot in PART_SLOTS.get(r.get("part") or "full", PART_SLOTS["full"]):
                newer = current.setdefault(slot, [])
                replacing = [o for o in newer if _certain(o) and _certain(r) and _same_content(o, r, slot)]
                if replacing:
                    by.setdefault(r["document_id"], replacing[0]["document_id"])
                    continue
                for o in newer:
                    doubts[o["document_id"]].append(r["document_id"])
                    doubts[r["document_id"]].append(o["document_id"])
                newer.append(r)
                owned[r["document_id"]].add(slot)
        for r in ordered:
            doc_id = r["document_id"]
            if owned[doc_id]:
                out[doc_id] = _status(LOADED, None, tables="tables" in owned[doc_id],
                                      narrative="narrative" in owned[doc_id])
            else:
                out[doc_id] = _status(SUPERSEDED, f"replaced by a later document of the same disclosure ({by[doc_id]})")
                out[doc_id]["superseded_by"] = by[doc_id]
            for other in dict.fromkeys(doubts[doc_id]):
                out[doc_id]["review"].append({
                    "field": "document_id", "code": "possible_duplicate",
                    "message": f"可能重复或更正？与文档 {other[:12]} 同为 {r['disclosure_key']}，但身份不够确定或表格不同，"
                               f"两份都保留为当前文档，请确认哪份有效 / possible duplicate or correction of {other}: "
                               "both kept current until the operator decides",
                    "other_document_id": other})
    return out


def _status(status: str, reason: str | None, *, tables: bool = False, narrative: bool = False) -> dict[str, Any]:
    return {
        "status": status,
        "reason": reason,
        "superseded_by": None,
        "is_current_tables": tables,
        "is_current_narrative": narrative,
        "review": [],
    }


def refresh_status(con: duckdb.DuckDBPyConnection, aliases: DepartmentAliases) -> dict[str, int]:
    """Recompute identity and status for the whole registry.

    A new document can supersede an old one, and an edit of the alias seed can merge two
    spellings of a department into one disclosure, so this runs over every document.
    """
    rows = fetch_dicts(
        con,
        f"""
        SELECT r.document_id, r.department_name, r.fiscal_year, r.doc_kind,
               coalesce(d.scope, r.scope) AS identified_scope, r.part,
               r.is_template, r.extraction_status, r.error_code, d.error_message, r.first_seen_at,
               d.parent_department AS printed_parent, d.identity_confidence, d.identity_review, t.tables,
               coalesce(n.n_tables, 0) AS n_tables
          FROM {qtable('document_registry')} AS r
          LEFT JOIN (SELECT document_id, any_value(error_message) AS error_message, any_value(scope) AS scope,
                            any_value(parent_department) AS parent_department,
                            any_value(identity_confidence) AS identity_confidence,
                            any_value(identity_review) AS identity_review
                       FROM {qtable('document')} GROUP BY document_id) AS d USING (document_id)
          LEFT JOIN (SELECT document_id,
                            list(DISTINCT CASE WHEN is_mapped THEN table_name ELSE printed_title END) AS tables
                       FROM {qtable('extracted_table')}
                      WHERE is_mapped OR printed_title IS NOT NULL GROUP BY document_id) AS t USING (document_id)
          LEFT JOIN (SELECT document_id, count(*) AS n_tables
                       FROM {qtable('extracted_table')} GROUP BY document_id) AS n USING (document_id)
        """
    )
    for r in rows:
        r["department_canonical"], r["scope"] = aliases.resolve(r["department_name"], r["identified_scope"])
        r["parent_department"] = aliases.parent_of(r["department_canonical"], r["printed_parent"])
        r["disclosure_key"] = disclosure_key(r["department_canonical"], r["fiscal_year"], r["doc_kind"], r["scope"])
        r["disclosure_id"] = disclosure_id_for(r["document_id"], r["disclosure_key"])
        try:
            r["identity_review"] = json.loads(r["identity_review"] or "[]")
        except (TypeError, ValueError):
            r["identity_review"] = []
        r["tables"] = list(r["tables"]) if r["tables"] is not None else ([] if r["identity_confidence"] is not None else None)
        if r["tables"] == [] and not r["n_tables"]:
            r["tables"] = [NO_TABLE]  # prints no table at all: comparable with another that prints none
    resolved = resolve_status(rows)
    by_id = {r["document_id"]: r for r in rows}
    ids = list(resolved)
    review = {i: by_id[i]["identity_review"] + resolved[i]["review"] for i in ids}
    data = pa.table(
        {
            "document_id": pa.array(ids, pa.string()),
            "parent_department": pa.array([by_id[i]["parent_department"] for i in ids], pa.string()),
            "identity_confidence": pa.array([by_id[i]["identity_confidence"] for i in ids], pa.float64()),
            "review_items": pa.array([json.dumps(review[i], ensure_ascii=False) for i in ids], pa.string()),
            "needs_review": pa.array([bool(review[i]) for i in ids], pa.bool_()),
            "department_canonical": pa.array([by_id[i]["department_canonical"] for i in ids], pa.string()),
            "scope": pa.array([by_id[i]["scope"] for i in ids], pa.string()),
            "disclosure_id": pa.array([by_id[i]["disclosure_id"] for i in ids], pa.string()),
            "status": pa.array([resolved[i]["status"] for i in ids], pa.string()),
            "reason": pa.array([resolved[i]["reason"] for i in ids], pa.string()),
            "superseded_by": pa.array([resolved[i]["superseded_by"] for i in ids], pa.string()),
            "is_current_tables": pa.array([resolved[i]["is_current_tables"] for i in ids], pa.bool_()),
            "is_current_narrative": pa.array([resolved[i]["is_current_narrative"] for i in ids], pa.bool_()),
        }
    )
    with registered(con, "_wh_status", data):
        execute(
            con,
            f"""
            UPDATE {qtable('document_registry')} AS r
               SET status = s.status, reason = s.reason, superseded_by = s.superseded_by,
                   department_canonical = s.department_canonical, disclosure_id = s.disclosure_id,
                   scope = s.scope, parent_department = s.parent_department,
                   identity_confidence = s.identity_confidence, review_items = s.review_items,
                   needs_review = s.needs_review,
                   is_current_tables = s.is_current_tables, is_current_narrative = s.is_current_narrative
              FROM _wh_status AS s
             WHERE r.document_id = s.document_id
               AND (r.status IS DISTINCT FROM s.status
                    OR r.parent_department IS DISTINCT FROM s.parent_department
                    OR r.identity_confidence IS DISTINCT FROM s.identity_confidence
                    OR r.review_items IS DISTINCT FROM s.review_items
                    OR r.department_canonical IS DISTINCT FROM s.department_canonical
                    OR r.scope IS DISTINCT FROM s.scope
                    OR r.disclosure_id IS DISTINCT FROM s.disclosure_id OR r.reason IS DISTINCT FROM s.reason
                    OR r.superseded_by IS DISTINCT FROM s.superseded_by
                    OR r.is_current_tables IS DISTINCT FROM s.is_current_tables
                    OR r.is_current_narrative IS DISTINCT FROM s.is_current_narrative)
            """
        )
    summary: dict[str, int] = {}
    for v in resolved.values():
        summary[v["status"]] = summary.get(v["status"], 0) + 1
    return summary
