"""The tables a disclosure says it contains: the lines of its 目录 (table of contents) that
read as table titles, each named by title alone and matched with the tables found.

Completeness can then come from the document itself: a table listed and printed
(``printed_page``) but not extracted (``is_found`` false) is an extraction problem for the
operator; listed and printed nowhere is the department's omission (a finding), unless the
document is the narrative half of a split disclosure (``document.part = 'narrative'``);
not listed (and not in the document's template family) is neither.
Records: ``records.LISTED_TABLE``.
"""
from __future__ import annotations

import re

from .recognize import is_title_like, name_by_title, normalise_title
from .text import compact

_TOC = re.compile(r"^目录$")
_LEADER = re.compile(r"[.…·_\-—\s]*\d{0,3}$")  # dot leaders and the page number after a title
_PART = re.compile(r"^第[一二三四五六七八九十]+部分")


def toc_pages(pages, first: int = 6) -> list:
    """Pages among the first few whose own line reads 目录."""
    return [p for p in pages[:first] if any(_TOC.match(compact(ln)) for ln in p.text.splitlines())]


def listed_tables(cheap_pages, instances, *, doc_kind: str | None = None,
                  department: str | None = None) -> list[dict]:
    """One record per table title a 目录 lists (``records.LISTED_TABLE`` without document_id)."""
    out: list[dict] = []
    found: dict[str, list[int]] = {}
    titles_found: dict[str, list[int]] = {}
    for inst in instances:
        if inst.template is not None:
            found.setdefault(inst.template.id, []).append(inst.seq)
        rec = inst.recognition
        if rec and rec.normalised_title:
            titles_found.setdefault(rec.normalised_title, []).append(inst.seq)
    tocs = toc_pages(cheap_pages)
    toc_numbers = {p.number for p in tocs}
    printed: dict[str, int] = {}  # normalised title → first page (outside the 目录) printing it
    for page in cheap_pages:
        if page.number in toc_numbers:
            continue
        for ln in page.text.splitlines():
            if "表" in ln and is_title_like(ln):
                printed.setdefault(normalise_title(ln, department), page.number)
    for page in tocs:
        lines = page.text.splitlines()
        start = next(i for i, ln in enumerate(lines) if _TOC.match(compact(ln)))
        for ln in lines[start + 1:]:
            text = _LEADER.sub("", compact(ln))
            if not text or _PART.match(text) or not is_title_like(text):
                continue
            template, score, ambiguous = name_by_title(text, doc_kind=doc_kind, department=department)
            norm = normalise_title(text, department)
            seqs = found.get(template.id, []) if template else titles_found.get(norm, [])
            out.append({
                "list_seq": len(out) + 1,
                "source": "toc",
                "printed_title": text,
                "normalised_title": norm or None,
                "table_name": template.id if template else None,
                "title_score": score,
                "is_ambiguous": ambiguous,
                "is_found": bool(seqs),
                "printed_page": printed.get(norm),
                "found_table_seq": seqs[0] if seqs else None,
                "page": page.number,
            })
    return out
