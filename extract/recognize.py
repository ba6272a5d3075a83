"""Name a table by what it means: its printed title AND its header, scored against every
template of the catalog (``catalog/tables.yaml``).

A printed title is first normalised (:func:`normalise_title`): numbering (``公开01表:``,
``表1-1``, ``一、``), the year, the department's name, 部门/单位/预算单位 prefixes and
情况表/预算表 endings go, so that ``一、2018年度<部门>收支预算总表`` and ``部门收支总体情况表``
both read ``收支总表``.  The normalised title is cut into the catalog's title terms
(longest first: ``一般公共预算`` before ``预算``) and compared with every template title as
weighted term sets, so ``收支总表`` is not ``财政拨款收支总表`` (the latter has a term the
former lacks) however the strings nest.

The header is scored independently: which of the template's column labels and row
markers appear, whether the rows carry 功能分类 (2xx) or 经济分类 (3xx/5xx) codes, and
whether the table is two-sided (收入 | 支出).  A table with a fragmentary title or none
is named by its header alone.  When the two best templates score within ``MARGIN`` the
table is *ambiguous* and left unnamed, with its candidates recorded: never a silent pick.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .catalog import Catalog, TableTemplate, load_catalog, title_rules
from .rows import _CODE
from .text import compact

MARGIN = 0.05  # two templates closer than this are ambiguous
TITLE_ACCEPT = 0.6  # a title this similar to a template's names it (with the header agreeing)
HEADER_ACCEPT = 0.6  # a header this typical of a template names it without a title
_NUMERIC_HEADER = re.compile(r"^[\d*#\-—]+$")


@dataclass
class Recognition:
    template: TableTemplate | None
    by: str | None  # title | header | both | None
    score: float
    ambiguous: bool
    normalised_title: str | None
    kind: str | None  # budget | final when the title says so
    candidates: list[tuple[str, float]] = field(default_factory=list)  # best few (id, score)


# ----------------------------------------------------------------------------------------
# titles


def normalise_title(text: str | None, department: str | None = None) -> str:
    """The title without numbering, year, department name, scope prefixes and its
    情况表/预算表 ending (kept: 决算/预算 inside fund names such as 一般公共预算)."""
    rules = title_rules()
    t = compact(text)
    if not t:
        return ""
    # the year first: without spaces 表1-1 2026年… reads 表1-12026年…
    t = rules["year"].sub("", t)
    for _ in range(3):  # numbering may stack: 一、表1:
        before = t
        for rx in rules["numbering"]:
            t = rx.sub("", t)
        if t == before:
            break
    if department:
        d = compact(department)
        for v in {d, re.sub(r"[（(](?:汇总|本级|部门)[)）]$", "", d)}:
            if len(v) >= 3:
                t = t.replace(v, "")
    t = rules["year"].sub("", t)
    for rx in rules["numbering"]:  # numbering after the year (2026年表1:…) or before a wrapped end
        t = rx.sub("", t)
    changed = True
    while changed:
        changed = False
        for p in rules["prefixes"]:
            if t.startswith(p) and len(t) > len(p) + 2:
                t = t[len(p):]
                changed = True
    for old, new in rules["endings"]:
        if t.endswith(old):
            t = t[: -len(old)] + new
            break
    return t


@dataclass(frozen=True)
class Terms:
    terms: tuple[str, ...]  # canonical terms, in order
    residue: int  # characters no term covers (names, connectives)
    kind: str | None


def title_terms(normalised: str) -> Terms:
    """Cut a normalised title into canonical terms, longest alias first."""
    rules = title_rules()
    aliases = rules["term_aliases"]  # [(alias, canonical)] longest first
    out: list[str] = []
    residue = 0
    kind = None
    i = 0
    while i < len(normalised):
        for alias, canon in aliases:
            if normalised.startswith(alias, i):
                if canon in ("预算", "决算"):
                    kind = "budget" if canon == "预算" else "final"
                else:
                    out.append(canon)
                i += len(alias)
                break
        else:
            if normalised[i] not in "、的及和与暨(（)）“”\"表":
                residue += 1
            i += 1
    return Terms(tuple(out), residue, kind)


def _weight(term: str) -> float:
    return title_rules()["weights"].get(term, 1.0)


def term_similarity(a: Terms, b: Terms) -> float:
    """Weighted Jaccard over term sets: 1.0 when the same terms, lower for each term one
    side has and the other lacks (收支总表 vs 财政拨款收支总表: 2.5 / 4)."""
    sa, sb = set(a.terms), set(b.terms)
    union = sum(_weight(t) for t in sa | sb)
    return sum(_weight(t) for t in sa & sb) / union if union else 0.0


@lru_cache(maxsize=None)
def _template_terms(catalog_id: int, template_id: str) -> list[tuple[str, Terms]]:
    t = load_catalog().by_id(template_id)
    out = []
    for title in t.titles:
        n = normalise_title(title)
        out.append((n, title_terms(n)))
    return out


def title_score(norm: str, terms: Terms, template: TableTemplate) -> float:
    best = 0.0
    for n, tt in _template_terms(id(load_catalog()), template.id):
        if n == norm:
            return 1.0
        best = max(best, term_similarity(terms, tt))
    # names, places and project titles inside the printed title lower the score a little
    covered = sum(len(x) for x in terms.terms) or 1
    return best * (1 - 0.25 * min(1.0, terms.residue / (covered + terms.residue)))


def is_heading_title(text: str) -> bool:
    """A short heading over a table printed without a title (``七、重点项目预算绩效目标情况``):
    it names a table by a distinctive term (weight 2) though it does not end in 表."""
    t = compact(text)
    if not t or len(t) > 30 or t.startswith(("注", "备注", "说明")) or t.endswith(("。", ":", ";")):
        return False
    if re.search(r"\d\.\d|万元", t):  # a sentence stating an amount, not a heading
        return False
    return any(_weight(x) >= 2 for x in title_terms(normalise_title(t)).terms)


def is_title_like(text: str) -> bool:
    """A line that reads as a table title: ends in 表 and names at least one title term."""
    t = compact(text)
    if not t or t.startswith(("注", "备注", "说明")) or len(t) > 60:
        return False
    n = normalise_title(t)
    if not n.endswith("表"):
        return False
    terms = title_terms(n)
    return sum(_weight(x) for x in set(terms.terms)) >= 0.5


# ----------------------------------------------------------------------------------------
# headers


@dataclass
class HeaderFacts:
    texts: list[str]  # header components and row labels, normalised
    labels: list[str]  # header components only (no 栏次 numbers, no overlong data)
    classification: str  # functional | economic | none (from the codes the rows carry)
    two_sided: bool
    data_rows: int


def header_facts(paths: list[list[str]], rows: list[list[str]]) -> HeaderFacts:
    """What the header and the first rows of a table say, independent of any template."""
    texts: list[str] = []
    for p in paths:
        for c in p:
            c = compact(c)
            if c and not _NUMERIC_HEADER.match(c) and c not in texts:
                texts.append(c)
    # the top header row: header whatever the rows below are (a table of names only, or of
    # amounts printed without decimals, has no row the header split can stop at, so lower
    # "header" rows may be data); the lower rows count as texts for the markers
    labels = list(dict.fromkeys(_plain(p[0]) for p in paths if p and not _NUMERIC_HEADER.match(compact(p[0]))
                                and not compact(p[0]).endswith(("。", ";", ";"))))  # sentences are no labels
    codes: list[str] = []
    for i, r in enumerate(rows[:80]):
        cells = [compact(x) for x in r]
        # row labels: the first of every row, and all of the first rows (forms such as a
        # 绩效目标表 print their labels inside the body)
        row_labels = [x for x in cells if x and len(x) <= 30 and not _CODE.match(x) and not _numberish(x)]
        for label in row_labels if i < 40 else row_labels[:1]:
            if label not in texts:
                texts.append(label)
        lead = [x for x in cells[:4] if x.isdigit()]
        # whole codes (2010301) or split over 类|款|项 (201 | 03 | 01)
        if lead and len(lead[0]) in (3, 5, 7) and _CODE.match(lead[0]):
            codes.append(lead[0])
    fun = sum(c[0] == "2" for c in codes)
    eco = sum(c[0] in "35" for c in codes)
    cls = "none"
    if codes and max(fun, eco) >= 0.8 * len(codes):
        cls = "functional" if fun >= eco else "economic"
    # two-sided: a 收入 group of columns and a 支出 group side by side, with no 科目 code
    # column (a fund table's 本年收入 | 本年支出 columns share one coded row)
    tops = [compact(p[0]) for p in paths if p]
    income_top = any(t.startswith("收入") or t in ("本年收入", "财政拨款收入") for t in tops)
    spend_top = any(t.startswith("支出") or t in ("本年支出", "财政拨款支出") for t in tops)
    coded = any(("编码" in c or "代码" in c or c in ("类", "款", "项")) for p in paths for c in p[:3])
    two_sided = income_top and spend_top and not coded
    return HeaderFacts(texts, labels, cls, bool(two_sided), len(rows))


_QUOTES = re.compile(r"[“”\"'‘’]")
_OF_WHICH = re.compile(r"^其中[:：]")


@lru_cache(maxsize=1 << 14)
def _plain(x: str) -> str:
    """Compact text without quotes and 其中: (“三公”经费 and 三公经费 are one label)."""
    return _OF_WHICH.sub("", _QUOTES.sub("", compact(x)))


def _numberish(x: str) -> bool:
    return bool(re.match(r"^[-−(]?[\d,]+(?:\.\d+)?%?\)?$", x))


def _has(texts: list[str], term: str) -> bool:
    term = _plain(term)
    return any(term in _plain(t) for t in texts)


@lru_cache(maxsize=None)
def _header_terms(catalog_id: int, template_id: str) -> tuple[tuple[str, float], ...]:
    """The labels a template's header (and row labels) may print: its ``markers`` and the
    components of its column aliases (weights kept for inspection)."""
    t = load_catalog().by_id(template_id)
    terms: dict[str, float] = {}
    for m in t.raw.get("markers", []) or []:
        terms[compact(m)] = 2.0
    aliases = list(t.columns) + list(t.funds_columns)
    for side in t.sides.values():
        aliases += list((side.get("measure_aliases") or {}))
    for a in aliases:
        for part in a.split("/"):
            part = compact(part)
            if part and part not in terms:
                terms[part] = 1.0 if len(part) >= 4 else 0.5
    return tuple(terms.items())


def header_score(facts: HeaderFacts, template: TableTemplate) -> float:
    terms = _header_terms(id(load_catalog()), template.id)
    # how much of the printed header the template explains (a template is not penalised
    # for optional columns a table leaves out) …
    plain_terms = [_plain(t) for t, _ in terms]
    explained = [c for c in facts.labels if any(t in c or (len(c) >= 2 and c in t) for t in plain_terms)]
    precision = len(explained) / len(facts.labels) if facts.labels else 0.0
    # … and how many of its distinctive markers the header or row labels print
    markers = [compact(m) for m in template.raw.get("markers", []) or []]
    marker_recall = sum(_has(facts.texts, m) for m in markers) / len(markers) if markers else 0.0
    coverage = 0.7 * precision + 0.3 * marker_recall
    # markers the table must not print (a 三公 table has no 科目 codes)
    for m in template.raw.get("absent_markers", []) or []:
        if _has(facts.texts, m):
            coverage -= 0.5
    # structure counts where the template has one (codes, two sides) or the table
    # contradicts it; the score is relative to what the template can show, so a form
    # (绩效目标表) is named by its labels alone
    cls = None
    if template.classification in ("functional", "economic"):
        if facts.classification == template.classification:
            cls = 1.0
        elif facts.classification != "none":
            cls = -1.0
    elif facts.classification != "none" and template.layout not in ("labelled", "form"):
        cls = -1.0
    layout = None
    if template.layout == "two_sided":
        layout = 1.0 if facts.two_sided else -1.0
    elif facts.two_sided:
        layout = -1.0
    elif template.layout == "single_row" and facts.data_rows > 12:
        layout = -0.5
    parts = [(0.5, coverage)] + [(0.25, x) for x in (cls, layout) if x is not None]
    return sum(w * x for w, x in parts) / sum(w for w, _ in parts)


# ----------------------------------------------------------------------------------------
# the decision


def recognise(title: str | None, paths: list[list[str]], rows: list[list[str]], *,
              doc_kind: str | None = None, department: str | None = None,
              catalog: Catalog | None = None, heading: bool = False) -> Recognition:
    """Name a table by its title (``heading``: a section heading over an untitled table,
    weaker evidence that the header must support) and its header paths and data rows."""
    catalog = catalog or load_catalog()
    norm = normalise_title(title, department) if title else ""
    terms = title_terms(norm) if norm else Terms((), 0, None)
    kind = terms.kind or (None if not title else _kind_of_words(compact(title)))
    want_kind = kind or doc_kind
    facts = header_facts(paths, rows)
    has_title = sum(_weight(x) for x in set(terms.terms)) >= 0.5
    scored = []
    for t in catalog.tables:
        if want_kind and t.kind not in (want_kind, "any"):
            continue
        if t.classification in ("functional", "economic") and facts.classification not in ("none", t.classification):
            continue  # the codes it prints say otherwise: 经济分类 rows are no 功能分类 table
        ts = title_score(norm, terms, t) if has_title else 0.0
        hs = header_score(facts, t)
        total = 0.65 * ts + 0.35 * hs if has_title else hs
        scored.append((total, ts, hs, t))
    scored.sort(key=lambda s: -s[0])
    cands = [(s[3].id, round(s[0], 3)) for s in scored[:3]]
    if not scored:
        return Recognition(None, None, 0.0, False, norm or None, kind, cands)
    total, ts, hs, best = scored[0]
    # a title names the table unless the header contradicts it (codes of the other
    # classification, one side where two are expected …); without one the header must
    # (a header of one label, or of sentences, is no evidence)
    accepted = (has_title and ts >= TITLE_ACCEPT and hs >= (0.4 if heading else -0.2)) or (
        hs >= HEADER_ACCEPT and len(facts.labels) >= 2)
    if not accepted:
        return Recognition(None, None, round(total, 3), False, norm or None, kind, cands)
    if len(scored) > 1 and total - scored[1][0] < MARGIN:
        return Recognition(None, None, round(total, 3), True, norm or None, kind, cands)
    if has_title and ts >= TITLE_ACCEPT:
        by = "both" if hs >= 0.5 else "title"
    else:
        by = "header"
    return Recognition(best, by, round(total, 3), False, norm or None, kind, cands)


def _kind_of_words(t: str) -> str | None:
    if "决算" in t:
        return "final"
    if re.search(r"预算(?:总|明细|情况)?表(?:[(（][^()（）]*[)）])?$", t):
        return "budget"
    return None


def name_by_title(title: str, *, doc_kind: str | None = None, department: str | None = None,
                  catalog: Catalog | None = None) -> tuple[TableTemplate | None, float, bool]:
    """(template, score, ambiguous) for a title alone, as a 目录 lists it: no header to
    confirm it, so the title must reach TITLE_ACCEPT and beat the runner-up by MARGIN."""
    catalog = catalog or load_catalog()
    norm = normalise_title(title, department)
    terms = title_terms(norm)
    kind = terms.kind or _kind_of_words(compact(title)) or doc_kind
    scored = sorted(((title_score(norm, terms, t), t) for t in catalog.tables
                     if not kind or t.kind in (kind, "any")), key=lambda s: -s[0])
    if not scored or scored[0][0] < TITLE_ACCEPT:
        return None, round(scored[0][0], 3) if scored else 0.0, False
    if len(scored) > 1 and scored[0][0] - scored[1][0] < MARGIN:
        return None, round(scored[0][0], 3), True
    return scored[0][1], round(scored[0][0], 3), False
