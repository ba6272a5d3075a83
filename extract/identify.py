"""Who published what, for which year: identified from the content, not the file name."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .text import compact

_KIND_WORDS = {"final": ("部门决算", "决算"), "budget": ("部门预算", "预算")}
_YEAR_KIND = re.compile(r"(20\d{2})年度?(?:部门|单位)?(?:预算|决算)")
_SCOPE = {"汇总": "consolidated", "本级": "own"}
_DEPT_LINE = re.compile(r"^(?:部门|单位名称|编制单位|部门名称|预算单位)[:：](.+?)(?:单位[:：].*|金额单位.*)?$")
_COVER = [
    re.compile(r"^(?P<dept>.{2,60}?)(?P<year>20\d{2})年度?(?:部门|单位)?(?P<kind>决算|预算)"),
    re.compile(r"(?P<year>20\d{2})年度?(?P<dept>.{2,60}?)(?:部门|单位)?(?P<kind>决算|预算)"),
]
_SCOPE_SUFFIX = re.compile(r"[（(](汇总|本级|部门汇总|单位)[)）]$")
_ORG_SUFFIX = re.compile(r"(?:厅|局|委员会|委|办公室|办|院|部|中心|会|署|站|所|馆|队|校)$")
_PLACEHOLDER = re.compile(r"X{2,}|×{2,}|＊{2,}")
_NARRATIVE_MARKERS = ("情况说明", "编制说明", "名词解释", "部门概况", "主要职能", "主要职责", "机构设置")


@dataclass
class Identity:
    department_name: str | None = None
    fiscal_year: int | None = None
    doc_kind: str | None = None
    scope: str = "consolidated"
    part: str = "full"
    is_template: bool = False
    name_conflicts: list[dict] = field(default_factory=list)


def _clean_department(name: str) -> tuple[str, str | None]:
    name = compact(name)
    name = re.sub(r"^(?:附件\d*[:：]?)", "", name)
    name = re.sub(r"^[-\d\s]+", "", name)
    scope = None
    m = _SCOPE_SUFFIX.search(name)
    if m:
        scope = _SCOPE.get(m.group(1).replace("部门", ""), "unit" if m.group(1) == "单位" else None)
        name = name[: m.start()]
    name = name.strip("：:，,。 ")
    return name, scope


def identify(page_texts: list[str], dept_lines: list[str], file_name: str, *, has_tables: bool) -> Identity:
    ident = Identity()
    head = "\n".join(page_texts[:3])
    head_c = compact(head)
    all_c = compact("\n".join(page_texts))

    # kind and year: the first "20xx年度…决算/预算" phrase of the first pages
    m = _YEAR_KIND.search(head_c) or _YEAR_KIND.search(all_c)
    if m:
        ident.fiscal_year = int(m.group(1))
        ident.doc_kind = "final" if m.group(0).endswith("决算") else "budget"
    else:
        counts = {k: sum(all_c.count(w) for w in words[:1]) for k, words in _KIND_WORDS.items()}
        if max(counts.values()) > 0:
            ident.doc_kind = max(counts, key=counts.get)

    # department: the 部门： line of the tables is the most reliable; then the cover
    votes: Counter[str] = Counter()
    scopes: Counter[str] = Counter()
    for line in dept_lines:
        mm = _DEPT_LINE.match(compact(line))
        if mm:
            name, scope = _clean_department(mm.group(1))
            if len(name) >= 2:
                votes[name] += 1
                if scope:
                    scopes[scope] += 1
    cover_lines = [compact(x) for x in "\n".join(page_texts[:1]).splitlines() if compact(x)]
    cover = "".join(cover_lines[:12])
    for pat in _COVER:
        mm = pat.search(cover)
        if mm:
            name, scope = _clean_department(mm.group("dept"))
            name = re.sub(r"\d{4}年度?$", "", name)
            if len(name) >= 2 and not votes:
                votes[name] += 1
            if scope:
                scopes[scope] += 2
            if ident.fiscal_year is None:
                ident.fiscal_year = int(mm.group("year"))
            if ident.doc_kind is None:
                ident.doc_kind = "final" if mm.group("kind") == "决算" else "budget"
            break
    if not votes:
        # cover is an image or says only the year: the first "XX厅2019年度部门预算" phrase anywhere
        for line in "\n".join(page_texts).splitlines():
            for pat in _COVER:
                mm = pat.search(compact(line))
                if mm:
                    name, _ = _clean_department(mm.group("dept"))
                    name = re.sub(r"\d{4}年度?$", "", name)
                    if _ORG_SUFFIX.search(name):
                        votes[name] += 1
                        break
            if votes:
                break
    if not votes:
        stem = re.sub(r"\.pdf$", "", compact(file_name), flags=re.I)
        mm = re.match(r"^(.{2,40}?(?:厅|局|委员会|委|办公室|办|院|部|中心|会|署|站|所|馆|队))", re.sub(r"^\d{4}年度?", "", stem))
        if mm:
            votes[mm.group(1)] += 1
            ident.name_conflicts.append({"field": "department_name", "file_name": mm.group(1), "content": None,
                                         "note": "no department printed in the document; taken from the file name"})
    if votes:
        ident.department_name = votes.most_common(1)[0][0]
    if scopes:
        ident.scope = scopes.most_common(1)[0][0]
    elif "（本级）" in head or "(本级)" in head_c[:200]:
        ident.scope = "own"

    # a blank template: placeholders where the department or the year should be
    ident.is_template = bool(_PLACEHOLDER.search(cover)) or (
        ident.department_name is not None and bool(_PLACEHOLDER.search(ident.department_name))
    ) or ("XX" in head_c[:300] and ident.department_name in (None, "") )

    narrative = any(w in all_c for w in _NARRATIVE_MARKERS)
    if has_tables and not narrative:
        ident.part = "tables"
    elif narrative and not has_tables:
        ident.part = "narrative"

    ident.name_conflicts = ident.name_conflicts + name_conflicts(file_name, ident)
    return ident


def name_conflicts(file_name: str, ident: Identity) -> list[dict]:
    """Where the file name says something else than the content (the content wins)."""
    name = compact(file_name)
    out = []
    years = {int(y) for y in re.findall(r"(20\d{2})", name)}
    if ident.fiscal_year and years and ident.fiscal_year not in years:
        out.append({"field": "fiscal_year", "file_name": sorted(years), "content": ident.fiscal_year})
    if ident.doc_kind:
        other = "预算" if ident.doc_kind == "final" else "决算"
        own = "决算" if ident.doc_kind == "final" else "预算"
        if other in name and own not in name:
            out.append({"field": "doc_kind", "file_name": other, "content": own})
    return out
