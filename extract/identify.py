"""Who published what, for which year and at which level: read from the pages, with evidence.

Every field — department, fiscal year, kind (决算/预算), scope (汇总 / 本级 / 单位) and the
主管部门 of a unit — is voted on by the places a disclosure states it: the cover, the
``部门：`` / ``单位名称：`` / ``预算单位：`` / ``主管部门：`` lines, and titles that carry
``XX局2026年度部门预算``.  Each vote is kept as evidence (source, page, text).  A name counts
only when it is built like an organisation name (``catalog/identity.yaml``): headings such as
``第一部分`` or ``部门综合`` never are.  A field that no strong source states, or whose strong
sources disagree, gets a confidence below ``min_confidence`` and a review item for the
operator; the loader never lets such a document supersede another.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from .text import CATALOG_DIR, compact

FIELDS = ("department_name", "fiscal_year", "doc_kind", "scope")
_KIND = {"预算": "budget", "决算": "final"}
_LEVEL = r"(?:省级|市级|区级|县级|州级)?(?:部门汇总|部门|单位)"
# "XX局2026年度部门预算", "2026年度XX局部门预算", "2026年度部门预算" (the org, if any, is validated later)
_AFTER = re.compile(rf"(?P<org>.{{2,40}}?)(?P<year>20\d{{2}})年度?(?P<lvl>{_LEVEL})?(?P<kind>预算|决算)")
_BEFORE = re.compile(r"(?P<year>20\d{2})年度?(?P<org>.{2,40}?)(?P<lvl>部门汇总|部门|单位)(?P<kind>预算|决算)")
# "北京市人民政府国有资产监督管理委员会2026部门预算情况的说明": the year without 年
_AFTER_NO_NIAN = re.compile(rf"(?P<org>.{{2,40}}?)(?P<year>20\d{{2}})(?P<lvl>{_LEVEL})(?P<kind>预算|决算)")
_BARE = re.compile(rf"(?P<year>20\d{{2}})年度?(?P<lvl>{_LEVEL})?(?P<kind>预算|决算)")
_COMPARE = re.compile(r"(?:比|较|与|同|对比|上年|去年|低于|高于)$")
# what follows a kind word in a column header or a sentence, never in a title: 2025年预算数, …预算执行
_AMOUNT = re.compile(r"数|执行|收入|支出|拨款|安排|批复|调整")
# what follows the kind word of a title (…部门预算信息公开, …部门决算表, …预算情况说明)
_TITLE_END = re.compile(r"(?:信息公开|公开|情况说明|情况的说明|说明|报表|表|草案|文件|\(.{1,8}\))*$")
_TABLE_TITLE_YEAR = re.compile(r"(20\d{2})年度?.{0,30}表$")
_PLACEHOLDER = re.compile(r"X{2,}|×{2,}|＊{2,}")
_NARRATIVE_MARKERS = ("情况说明", "编制说明", "名词解释", "部门概况", "主要职能", "主要职责", "机构设置")
# per source: weight of one vote and the most one source may add to one value
_WEIGHT = {"cover": (3.0, 3.0), "label": (2.0, 6.0), "parent_label": (2.0, 4.0), "title": (1.5, 3.0),
           "table_title": (1.5, 3.0), "header": (1.0, 2.0), "narrative": (0.75, 1.0), "file_name": (0.5, 0.5)}
_STRONG = 1.5  # a disagreeing source at least this heavy makes a field "disputed"


@dataclass
class Evidence:
    field: str
    value: Any
    source: str  # cover | label | parent_label | title | table_title | header | narrative | file_name
    page: int | None
    text: str


@dataclass
class Identity:
    department_name: str | None = None
    fiscal_year: int | None = None
    doc_kind: str | None = None
    scope: str = "unknown"  # consolidated (汇总) | own (本级) | unit (下属单位) | unknown
    parent_department: str | None = None  # 主管部门 of an own / unit document
    part: str = "full"
    is_template: bool = False
    confidence: dict[str, float] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    review: list[dict] = field(default_factory=list)  # {"field", "code", "message"} for the operator
    name_conflicts: list[dict] = field(default_factory=list)

    @property
    def identity_confidence(self) -> float:
        """The weakest of the four fields (0 when one is missing)."""
        return min(self.confidence.get(f, 0.0) for f in FIELDS)

    def flag(self, fld: str, code: str, message: str) -> None:
        if not any(r["code"] == code and r["field"] == fld for r in self.review):
            self.review.append({"field": fld, "code": code, "message": message})


@dataclass(frozen=True)
class Rules:
    org_suffixes: tuple[str, ...]
    parent_suffixes: tuple[str, ...]
    document_words: tuple[str, ...]
    leading_noise: tuple[re.Pattern, ...]
    label_re: re.Pattern
    labels: dict[str, dict]
    scope_markers: dict[str, str]
    kind_words: dict[str, tuple[str, ...]]
    min_confidence: float


@lru_cache(maxsize=1)
def rules() -> Rules:
    with open(CATALOG_DIR / "identity.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    labels = {compact(x["label"]): x for x in raw["labels"]}
    alternatives = "|".join(sorted(labels, key=len, reverse=True))
    may_follow = raw["label_may_follow"]
    label_re = re.compile(rf"(?:^|(?<=[{may_follow}]))(?P<label>{alternatives}):(?P<value>.*)")
    return Rules(
        org_suffixes=tuple(sorted((compact(s) for s in raw["org_suffixes"]), key=len, reverse=True)),
        parent_suffixes=tuple(compact(s) for s in raw["parent_suffixes"]),
        document_words=tuple(compact(s) for s in raw["document_words"]),
        leading_noise=tuple(re.compile(p) for p in raw["leading_noise"]),
        label_re=label_re,
        labels=labels,
        scope_markers={compact(k): v for k, v in raw["scope_markers"].items()},
        kind_words={k: tuple(compact(w) for w in v) for k, v in raw["kind_words"].items()},
        min_confidence=float(raw["min_confidence"]),
    )


def is_org_name(name: str) -> bool:
    """Built like an organisation name: an organisation ending, no document word, no digits."""
    r = rules()
    return (3 <= len(name) <= 40 and name.endswith(r.org_suffixes) and not re.search(r"[0-9A-Za-z]", name)
            and not any(w in name for w in r.document_words))


def clean_name(raw: str) -> tuple[str | None, str | None]:
    """(organisation name, scope marker) of a printed candidate; name None when it is not one."""
    r = rules()
    s = compact(raw).strip(":;,.。，；、 ")
    for _ in range(3):
        before = s
        for pat in r.leading_noise:
            s = pat.sub("", s)
        if s == before:
            break
    marker = None
    for word, scope in sorted(r.scope_markers.items(), key=lambda kv: -len(kv[0])):
        m = re.search(rf"\(?{word}\)?$", s)
        if m and m.start() > 0:
            s, marker = s[: m.start()], scope
            break
    s = s.strip(":;,.。，；、 ")
    while s.endswith("部门") and is_org_name(s[:-2]):  # 北京市统计局部门2026年度部门预算
        s = s[:-2]
    return (s if is_org_name(s) else None), marker


def same_organisation(a: str, b: str) -> bool:
    """Two spellings of one organisation: the shorter is an abbreviation (a subsequence) of the
    longer and both end alike (省人大办公厅 / 江苏省人大常委会办公厅; not 北京市公安局 /
    北京市公安局交通管理局)."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if short[-2:] != long_[-2:]:
        return False
    it = iter(long_)
    return all(ch in it for ch in short)


class _Votes:
    """Evidence per field, with per-source weights and caps."""

    def __init__(self) -> None:
        self.items: list[tuple[Evidence, float, str | None]] = []  # (evidence, weight, scope marker)
        self._seen: set[tuple] = set()

    def add(self, fld: str, value: Any, source: str, page: int | None, text: str, marker: str | None = None,
            weight: float | None = None) -> None:
        if value is None:
            return
        key = (fld, value, source, page)
        if key in self._seen:
            return
        self._seen.add(key)
        self.items.append((Evidence(fld, value, source, page, text[:120]), weight or _WEIGHT[source][0], marker))

    def tally(self, fld: str, *, sources: tuple[str, ...] | None = None) -> dict[Any, float]:
        per: dict[tuple, float] = defaultdict(float)
        for ev, w, _ in self.items:
            if ev.field == fld and (sources is None or ev.source in sources):
                per[(ev.value, ev.source)] += w
        out: dict[Any, float] = defaultdict(float)
        for (value, source), w in per.items():
            out[value] += min(w, _WEIGHT[source][1])
        return dict(out)

    def of(self, fld: str, values: set) -> list[tuple[Evidence, float, str | None]]:
        return [x for x in self.items if x[0].field == fld and x[0].value in values]


def _cover(page_texts: list[str]) -> tuple[int, str]:
    """The first page with text among the first two (a cover can be an image), compacted."""
    for i, text in enumerate(page_texts[:2]):
        c = compact(text)
        if len(re.sub(r"[-—–\d\s]", "", c)) >= 6:
            return i + 1, compact("".join(text.splitlines()[:14]))
    return 1, ""


def _phrases(text: str) -> list[re.Match]:
    """Year/kind phrases of a compact text; comparisons (比2025年预算) are not statements."""
    out = []
    for pat in (_AFTER, _AFTER_NO_NIAN, _BEFORE, _BARE):
        for m in pat.finditer(text):
            if _COMPARE.search(text[max(0, m.start("year") - 4): m.start("year")]) or _AMOUNT.match(text, m.end()):
                continue
            out.append(m)
    return out


def _read_phrases(text: str, page: int, votes: _Votes, *, cover: bool) -> None:
    for m in _phrases(text):
        # a title names the department or the level and ends with its kind word or a title word
        # (…部门预算信息公开, …部门决算表); a column header (2025年预算) or a sentence does not
        if cover:
            source = "cover"
        elif (m.group("lvl") or "org" in m.re.groupindex) and _TITLE_END.fullmatch(text, m.end()) and len(text) <= 45:
            source = "title"
        else:
            source = "narrative"
        year, kind = int(m.group("year")), _KIND[m.group("kind")]
        votes.add("fiscal_year", year, source, page, text)
        votes.add("doc_kind", kind, source, page, text)
        lvl = m.group("lvl") or ""
        if lvl:
            votes.add("level", "单位" if lvl.endswith("单位") else "部门", source, page, text)
            if "汇总" in lvl:
                votes.add("marker", "consolidated", source, page, text)
        if "org" in m.re.groupindex:
            name, marker = clean_name(m.group("org"))
            if name:
                votes.add("name", name, source, page, text, marker)
                if marker:
                    votes.add("marker", marker, source, page, text)


def _read_label(line: str, page: int | None, votes: _Votes) -> None:
    r = rules()
    m = r.label_re.search(line)
    if not m:
        head = re.match(r"^(?P<value>.+?)单位:(?:万元|元|千元)$", line)  # 606-湖州市交通运输局 单位：万元
        if head:
            name, marker = clean_name(head.group("value"))
            if name:
                votes.add("name", name, "header", page, line, marker)
        return
    value = re.split(r"\(?(?:金额)?单位:|\(?单位\((?:万元|元)\)", m.group("value"))[0]
    name, marker = clean_name(value)
    if not name:
        return
    spec = r.labels[m.group("label")]
    if spec["role"] == "parent":
        votes.add("parent", name, "parent_label", page, line)
    else:
        votes.add("name", name, "label", page, line, marker)
    if marker:
        votes.add("marker", marker, "label", page, line)
    if spec.get("level"):
        votes.add("level", spec["level"], "label", page, line)


def _groups(tally: dict[str, float]) -> list[tuple[list[str], float]]:
    """Names grouped by organisation (abbreviations together), heaviest first."""
    groups: list[list[str]] = []
    for name in sorted(tally, key=lambda n: (-tally[n], -len(n))):
        for g in groups:
            # a lighter name that opens a heavier one is that name cut by a line break
            # (部门:中国共产党江苏省委员会办 | 公厅)
            if same_organisation(name, g[0]) or (g[0].startswith(name) and tally[name] < tally[g[0]]):
                g.append(name)
                break
        else:
            groups.append([name])
    return sorted(((g, sum(tally[n] for n in g)) for g in groups), key=lambda x: -x[1])


def _confidence(best: float, runner: float) -> float:
    return round(min(1.0, best / 2.0) * best / (best + runner), 2) if best else 0.0


def _choose(ident: Identity, votes: _Votes, fld: str, tally: dict[Any, float], what: str) -> Any:
    """The heaviest value; confidence, evidence and review items recorded on ``ident``."""
    if not tally:
        ident.confidence[fld] = 0.0
        ident.flag(fld, f"{fld}_missing", f"文件中未找到{what}，请人工确认 / no {fld} stated in the document")
        return None
    ranked = sorted(tally.items(), key=lambda kv: -kv[1])
    best, best_w = ranked[0]
    runner_w = ranked[1][1] if len(ranked) > 1 else 0.0
    ident.confidence[fld] = _confidence(best_w, runner_w)
    ident.evidence += [ev for ev, _, _ in votes.of(fld, {best})][:3]
    if runner_w >= _STRONG:
        ident.flag(fld, f"{fld}_conflict", f"{what}来源不一致：{best}（{best_w:g}）与 {ranked[1][0]}（{runner_w:g}），"
                                           f"请核对 / sources disagree on {fld}")
    elif ident.confidence[fld] < rules().min_confidence:
        ident.flag(fld, f"{fld}_weak", f"{what}只有弱证据（{best}），请核对 / {fld} only weakly stated")
    return best


def identify(page_texts: list[str], dept_lines: list, file_name: str, *, has_tables: bool) -> Identity:
    """Identity of a document from its page texts and the header lines of its table pages.

    ``dept_lines``: ``(page, text)`` pairs (or bare texts) read by the table engine, which
    keeps a ``部门：XX`` line the text layer may split.
    """
    votes = _Votes()
    cover_page, cover = _cover(page_texts)
    _read_phrases(cover, cover_page, votes, cover=True)
    for pno, text in enumerate(page_texts, 1):
        for raw in text.splitlines():
            line = compact(raw)
            if not line:
                continue
            _read_label(line, pno, votes)
            _read_phrases(line, pno, votes, cover=False)
            tt = _TABLE_TITLE_YEAR.search(re.sub(r"\([^()]{1,12}\)$", "", line))
            if tt and len(line) <= 45:
                votes.add("fiscal_year", int(tt.group(1)), "table_title", pno, line)
    for item in dept_lines:
        page, text = item if isinstance(item, tuple) else (None, item)
        _read_label(compact(text), page, votes)
    all_c = compact("\n".join(page_texts))
    for kind, words in rules().kind_words.items():
        n = sum(all_c.count(w) for w in words)
        if n:
            # table titles (收支预算总表 …) name the kind of a tables-only file; a few stray words
            # elsewhere must not dispute a cover, hence half a vote each
            votes.add("doc_kind", kind, "table_title", None, "/".join(words), weight=min(n * 0.5, 2.0))

    ident = Identity()
    ident.fiscal_year = _choose(ident, votes, "fiscal_year", votes.tally("fiscal_year"), "年度")
    ident.doc_kind = _choose(ident, votes, "doc_kind", votes.tally("doc_kind"), "文件类型（预算/决算）")
    level_tally = votes.tally("level")
    # a 主管部门 printed beside another organisation's 预算单位/单位名称 says "a unit's document",
    # whatever the cover calls it (some places title a unit's budget 部门预算)
    names, parents = votes.tally("name"), votes.tally("parent")
    if names and parents:
        head = _groups(names)[0][0]
        other = sum(w for p, w in parents.items() if not any(same_organisation(p, n) for n in head))
        if other >= _STRONG:
            if level_tally.get("部门", 0.0) >= _STRONG:
                ident.flag("scope", "scope_conflict", "标题称部门预算/决算，表头却另印主管部门，按单位处理，请核对 / "
                                                      "titled a department's, but a different 主管部门 is printed")
            level_tally = {"单位": other + level_tally.get("单位", 0.0)}
    level = max(level_tally, key=level_tally.get) if level_tally else None
    _resolve_names(ident, votes, level, file_name)
    _resolve_scope(ident, votes, level, level_tally)

    ident.is_template = bool(_PLACEHOLDER.search(cover)) or bool(
        ident.department_name and _PLACEHOLDER.search(ident.department_name)) or (
        "XX" in compact("".join(page_texts[:3]))[:300] and not ident.department_name)
    narrative = any(w in all_c for w in _NARRATIVE_MARKERS)
    if has_tables and not narrative:
        ident.part = "tables"
    elif narrative and not has_tables:
        ident.part = "narrative"
    ident.name_conflicts = ident.name_conflicts + name_conflicts(file_name, ident)
    return ident


def _resolve_names(ident: Identity, votes: _Votes, level: str | None, file_name: str) -> None:
    names = votes.tally("name")
    parents = votes.tally("parent")
    if level != "单位":  # a department's 预算主管部门 is the department itself
        for n, w in parents.items():
            names[n] = names.get(n, 0.0) + w
    if not names:
        stem = compact(re.sub(r"\.pdf$", "", file_name, flags=re.I))
        stem = re.sub(r"20\d{2}年度?|_|部门预算|部门决算|单位预算|单位决算|预算|决算|公开", "", stem)
        name, _ = clean_name(stem)
        if name:
            votes.add("name", name, "file_name", None, file_name)
            names = {name: _WEIGHT["file_name"][0]}
            ident.name_conflicts.append({"field": "department_name", "file_name": name, "content": None,
                                         "note": "no department printed in the document; taken from the file name"})
    groups = _groups(names)
    tally = {g[0] if len(g) == 1 else _representative(g, names): w for g, w in groups}
    best = _choose(ident, votes, "department_name", tally, "部门/单位名称")
    if best is None:
        return
    group = next(g for g, _ in groups if best in g)
    ident.evidence += [ev for ev, _, _ in votes.of("name", set(group))][:3]
    ident.department_name = best
    ident._group = group  # type: ignore[attr-defined]
    if level == "单位":
        pg = [(g, w) for g, w in _groups(parents) if not any(same_organisation(best, n) for n in g)]
        if pg:
            ident.parent_department = _representative(pg[0][0], parents)
            ident.evidence += [ev for ev, _, _ in votes.of("parent", set(pg[0][0]))][:2]


def _representative(group: list[str], tally: dict[str, float]) -> str:
    """The spelling of an organisation to keep: the heaviest, then the fullest."""
    return max(group, key=lambda n: (tally.get(n, 0.0), len(n)))


def _resolve_scope(ident: Identity, votes: _Votes, level: str | None, level_tally: dict[str, float]) -> None:
    name = ident.department_name
    group = set(getattr(ident, "_group", [name] if name else []))
    markers = Counter()
    for ev, w, marker in votes.items:
        if ev.field == "marker":
            markers[ev.value] += w
        elif ev.field == "name" and marker and ev.value in group:
            markers[marker] += w
    total = sum(level_tally.values())
    level_conf = _confidence(level_tally.get(level, 0.0), total - level_tally.get(level, 0.0)) if level else 0.0
    if markers.get("own", 0) >= _STRONG:
        ident.scope, ident.confidence["scope"] = "own", 0.9
        ident.parent_department = ident.parent_department or name
    elif level == "单位":
        if ident.parent_department:
            ident.scope, ident.confidence["scope"] = "unit", level_conf
        elif any(same_organisation(name or "", p) for p in votes.tally("parent")):
            ident.scope, ident.confidence["scope"] = "own", level_conf
            ident.parent_department = name
        else:
            ident.scope = "unit"
            inferred = _parent_from_name(name or "")
            ident.parent_department = inferred
            ident.confidence["scope"] = 0.5 if inferred else 0.4
            ident.flag("parent_department", "parent_inferred" if inferred else "parent_missing",
                       f"单位预算/决算未印主管部门，由单位名称推断为 {inferred}，请核对 / 主管部门 inferred from the name"
                       if inferred else "单位预算/决算未印主管部门，请人工确认 / a unit's 主管部门 is not printed")
    elif level == "部门" or markers.get("consolidated", 0) >= _STRONG:
        ident.scope = "consolidated"
        ident.confidence["scope"] = max(level_conf, 0.9 if markers.get("consolidated", 0) >= _STRONG else 0.0)
    else:
        ident.scope, ident.confidence["scope"] = "unknown", 0.0
        ident.flag("scope", "scope_missing", "未印明是部门（汇总）还是单位的预算/决算，请人工确认 / level not stated")
    if ident.confidence["scope"] < rules().min_confidence and ident.scope in ("consolidated", "unit", "own"):
        ident.flag("scope", "scope_weak", f"级次（{ident.scope}）证据不足，请核对 / scope weakly stated")


def _parent_from_name(unit: str) -> str | None:
    """福州市公安局治安管理支队 → 福州市公安局: the longest department-like name that opens the
    unit's name and leaves an organisation name behind."""
    r = rules()
    for i in range(len(unit) - 2, 2, -1):
        head, tail = unit[:i], unit[i:]
        if head.endswith(r.parent_suffixes) and is_org_name(head) and len(tail) >= 2 and tail.endswith(r.org_suffixes):
            return head
    return None


def complete_identity(ident: Identity, instances, file_name: str, text: str) -> None:
    """Tables-only files print no "20xx年度部门预算" phrase: kind from the mapped tables,
    year from any "20xx年" of the text, and only as a last resort from the file name (flagged)."""
    if ident.doc_kind is None:
        kinds = Counter(i.template.kind for i in instances if i.template is not None)
        if kinds:
            ident.doc_kind = kinds.most_common(1)[0][0]
            ident.confidence["doc_kind"] = 0.7
            ident.review = [r for r in ident.review if r["code"] != "doc_kind_missing"]
    if ident.fiscal_year is None:
        years = Counter(int(y) for y in re.findall(r"(20\d{2})\s*年", text))
        from_name = [int(y) for y in re.findall(r"(20\d{2})", file_name)]
        if years:
            ident.fiscal_year = years.most_common(1)[0][0]
            ident.confidence["fiscal_year"] = 0.5
            ident.flag("fiscal_year", "fiscal_year_weak", f"年度只由正文中的年份推断为 {ident.fiscal_year}，请核对")
        elif from_name:
            ident.fiscal_year = from_name[0]
            ident.confidence["fiscal_year"] = 0.3
            ident.flag("fiscal_year", "fiscal_year_from_file_name", f"文件中未印年度，取自文件名 {from_name[0]}，请核对")
            ident.name_conflicts.append({"field": "fiscal_year", "file_name": from_name[0], "content": None,
                                         "note": "no year printed in the document; taken from the file name"})


def identity_fields(ident: Identity | None) -> dict:
    """What the content says the document is (all None for a quarantined file)."""
    import json

    return {
        "department_name": ident.department_name if ident else None,
        "fiscal_year": ident.fiscal_year if ident else None,
        "doc_kind": ident.doc_kind if ident else None,
        "scope": ident.scope if ident else None,
        "parent_department": ident.parent_department if ident else None,
        "part": ident.part if ident else None,
        "is_template": bool(ident.is_template) if ident else False,
        "identity_confidence": ident.identity_confidence if ident else None,
        "identity_review": json.dumps(ident.review, ensure_ascii=False) if ident else "[]",
        "identity_evidence": json.dumps([asdict(e) for e in ident.evidence], ensure_ascii=False) if ident else "[]",
    }


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
    stem = re.sub(r"\.pdf$|20\d{2}年度?|_|部门预算|部门决算|单位预算|单位决算|预算|决算|公开.*$", "", name, flags=re.I)
    if ident.department_name and is_org_name(stem) and not same_organisation(stem, ident.department_name) \
            and not ident.department_name.endswith(stem):
        out.append({"field": "department_name", "file_name": stem, "content": ident.department_name})
    return out
