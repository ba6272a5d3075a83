"""What a check needs before it may compare: the table is printed and part of the document's
template (else ``not_applicable``), and extracted (else ``insufficient_data``)."""
from __future__ import annotations

from .common import table_no
from .engine import Outcome, load_rules
from .model import Doc


def template_variant(doc: Doc) -> list[str] | None:
    """The standard tables of the document's template variant, for kinds whose completeness rule
    lists variants (预算: the 12 Jiangsu tables or the seven-table template): the smallest variant
    containing every table the document (and its narrative sibling) prints, else (or when it prints
    none) the largest."""
    for rule in load_rules():
        if rule.check == "tables_present" and rule.params.get("variants") and doc.doc_kind in rule.applies_to:
            printed = set(doc.tables) | doc.sibling_tables
            variants = sorted((list(v) for v in rule.params["variants"]), key=len)
            fitting = [v for v in variants if printed and printed <= set(v)]
            return fitting[0] if fitting else variants[-1]
    return None


def need_table(out: Outcome, doc: Doc, table: str, *, empty_ok: bool = False) -> bool:
    """True when the table is there to be checked; otherwise records why not."""
    if not doc.has_table(table):
        variant = template_variant(doc)
        if variant is not None and table not in variant:
            out.na(f"{table_no(table)} {table} is not part of this document's template ({len(variant)} tables)")
        else:
            out.insufficient(f"{table_no(table)} {table} not extracted")
        return False
    if doc.tables[table].get("extraction_problem"):
        out.insufficient(f"{table_no(table)} {table} could not be read (E_TABLE_UNREAD)")
        return False
    merged = doc.looks_merged(table)
    if merged:
        out.insufficient(f"{table_no(table)} {table} not read reliably: {merged}")
        return False
    if not empty_ok and doc.is_empty(table):
        out.na(f"{table_no(table)} {table} printed empty")
        return False
    return True



def family_verified(doc: Doc) -> bool:
    """The document prints every table of a template variant of its kind (or its kind lists
    none): a restatement between two tables of the variant then means what the catalog says."""
    variant = template_variant(doc)
    return variant is None or set(variant) <= set(doc.tables) | doc.sibling_tables


def unverified_family_is_warning(out: Outcome, doc: Doc, before: int = 0) -> None:
    """Findings after index ``before`` become warnings when the template family is not verified."""
    if family_verified(doc):
        return
    for f in out.findings[before:]:
        if f.severity is None:
            f.severity = "warning"
            f.message += "（模板族未核实：文件未印出该模板的全部表 / template family not verified）"
