"""The 勾稽关系 rule engine: every rule of ``rules.yaml`` over every current document.

A rule's implementation (a *check*) is a function over one document's records
(:class:`Doc`) registered under its ``check`` name; one function may serve several
catalog entries through ``params`` (the 01 and 04 totals are one check).  A check
reports into an :class:`Outcome`: each comparison it makes either passes or adds a
:class:`Finding`; inputs it could not find are recorded as missing.  The outcome's
status is then

* ``fail``               at least one finding,
* ``pass``               at least one comparison made and none failed,
* ``insufficient_data``  nothing compared because inputs were missing (reason in detail),
* ``not_applicable``     nothing to compare (document kind, empty table, no such rows).

so every document × rule gets a row in ``raw.dq_result`` and a rule that did not run
never reads as a pass.  Amounts are :class:`decimal.Decimal` end to end.

Entry point: :func:`run_all` (``python -m expectations.rules [DUCKDB_PATH]``; ``--list`` prints
the catalog).
"""
from __future__ import annotations

import csv
import hashlib
import re
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_UP, Decimal, localcontext
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml

HERE = Path(__file__).resolve().parent
CATALOG_DIR = HERE.parent / "extract" / "catalog"
STATUSES = ("pass", "fail", "not_applicable", "insufficient_data")
ZERO = Decimal(0)
Q6 = Decimal("0.000001")

FINAL_TABLES = (
    "income_expenditure_summary",
    "income",
    "expenditure",
    "fiscal_appropriation_summary",
    "general_budget_expenditure",
    "general_budget_basic_expenditure",
    "government_fund",
    "state_capital",
    "three_public",
)
PERFORMANCE_TABLE = "performance_self_assessment"

# the columns of raw.dq_result / raw.dq_finding are defined once, with the loader that
# creates them empty before the rules ever ran
from warehouse.load import BOOKKEEPING_DDL  # noqa: E402

DQ_RESULT_COLUMNS = BOOKKEEPING_DDL["dq_result"]
DQ_FINDING_COLUMNS = BOOKKEEPING_DDL["dq_finding"]


# ---------------------------------------------------------------------------
# text helpers
# ---------------------------------------------------------------------------
_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_ORDINAL = re.compile(r"^(?:第?[一二三四五六七八九十]+[、.．]+|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．])")
_QUOTES = re.compile(r"[“”\"'‘’「」]")


def compact(text: str | None) -> str:
    """NFKC, no whitespace (the form the catalogs are matched in)."""
    if not text:
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


@lru_cache(maxsize=1 << 16)  # pure; called ~10^4 times per document on few distinct labels
def label(text: str | None) -> str:
    """A printed row label without its ordinal (``一、``) and markup, for matching."""
    t = re.sub(r"</?b>", "", compact(text))
    return _ORDINAL.sub("", t, count=1)


def fmt(d: Decimal | None) -> str:
    """1,266.32 style; more decimals only when the value has them (元 tables), never exponents."""
    if d is None:
        return "—"
    d = Decimal(d)
    cents = d.quantize(Decimal("0.01"))
    return f"{cents:,.2f}" if d == cents else f"{d.normalize():,f}"


def half_unit(text: str | None, value: Decimal | None = None) -> Decimal:
    """Half a unit of the last printed digit (``48.5`` → 0.05, ``68.40%`` → 0.005)."""
    if text:
        m = re.search(r"-?[\d,]*\.?\d+", compact(text))
        if m:
            num = m.group(0)
            decimals = len(num.split(".")[1]) if "." in num else 0
            return Decimal(5).scaleb(-(decimals + 1))
    if value is not None:
        exp = value.normalize().as_tuple().exponent
        decimals = max(0, -exp) if isinstance(exp, int) else 2
        return Decimal(5).scaleb(-(decimals + 1))
    return Decimal("0.005")


def ratio_interval(a: Decimal, ha: Decimal, b: Decimal, hb: Decimal) -> tuple[Decimal, Decimal] | None:
    """The range of a/b when a and b are each known to ± half a printed unit; None if b may be 0."""
    lo_b, hi_b = b - hb, b + hb
    if lo_b <= 0 <= hi_b:
        return None
    with localcontext() as ctx:
        ctx.prec = 28
        corners = [x / y for x in (a - ha, a + ha) for y in (lo_b, hi_b)]
    return min(corners), max(corners)


# ---------------------------------------------------------------------------
# catalogs
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RuleSpec:
    id: str
    title_zh: str
    title_en: str
    severity: str
    category: str
    tables: tuple[str, ...]
    check: str
    params: dict[str, Any]
    tolerance: str
    tolerance_reason: str | None
    applies_to: tuple[str, ...]
    description: str

    @property
    def title(self) -> str:
        return f"{self.title_zh} / {self.title_en}"


@lru_cache(maxsize=1)
def load_rules() -> tuple[RuleSpec, ...]:
    data = yaml.safe_load((HERE / "rules.yaml").read_text(encoding="utf-8"))
    defaults = data.get("defaults") or {}
    out = []
    seen = set()
    for r in data["rules"]:
        if r["id"] in seen:
            raise ValueError(f"duplicate rule id {r['id']}")
        seen.add(r["id"])
        if r["severity"] not in ("error", "warning"):
            raise ValueError(f"{r['id']}: severity must be error|warning")
        out.append(
            RuleSpec(
                id=r["id"],
                title_zh=r["title_zh"],
                title_en=r["title_en"],
                severity=r["severity"],
                category=r["category"],
                tables=tuple(r.get("tables") or ()),
                check=r["check"],
                params=dict(r.get("params") or {}),
                tolerance=r.get("tolerance", defaults.get("tolerance", "rounding")),
                tolerance_reason=r.get("tolerance_reason"),
                applies_to=tuple(r.get("applies_to") or defaults.get("applies_to") or ("final",)),
                description=r.get("description", ""),
            )
        )
    missing = {r.check for r in out} - set(CHECKS)
    if missing:
        raise ValueError(f"rules.yaml names checks that are not implemented: {sorted(missing)}")
    return tuple(out)


def rule_by_id(rule_id: str) -> RuleSpec:
    for r in load_rules():
        if r.id == rule_id:
            return r
    raise KeyError(rule_id)


@lru_cache(maxsize=1)
def rounding_unit() -> Decimal:
    data = yaml.safe_load((HERE / "rules.yaml").read_text(encoding="utf-8"))
    return Decimal(str((data.get("defaults") or {}).get("rounding_unit", "0.005")))


@lru_cache(maxsize=1)
def table_catalog() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((CATALOG_DIR / "tables.yaml").read_text(encoding="utf-8"))
    return {t["id"]: t for t in data["tables"]}


@lru_cache(maxsize=1)
def measure_labels() -> dict[str, str]:
    with open(CATALOG_DIR / "measures.csv", encoding="utf-8") as fh:
        return {row["measure"]: row["label_zh"] for row in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def functional_class_codes() -> dict[str, str]:
    """Normalised 类 name → 3-digit code (every name a code has had)."""
    path = CATALOG_DIR / "functional_classes.csv"
    out: dict[str, str] = {}
    if path.exists():
        with open(path, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                out[label(row["name"])] = row["code"]
    return out


@lru_cache(maxsize=1)
def narrative_topics() -> dict[str, Any]:
    return yaml.safe_load((HERE / "narrative_topics.yaml").read_text(encoding="utf-8"))


def table_no(table_name: str | None) -> str:
    """``公开05表``: the table's number in the national template, for messages (a document may
    print another order or no number at all; the report shows the title beside it)."""
    spec = table_catalog().get(table_name or "")
    if spec and spec.get("number") and table_name != PERFORMANCE_TABLE:
        return f"公开{spec['number']}表"
    return table_name or "—"


def table_en(table_name: str | None) -> str:
    spec = table_catalog().get(table_name or "")
    if spec and spec.get("number") and table_name != PERFORMANCE_TABLE:
        return f"Table {spec['number']}"
    return f"Table {table_name}"


def measure_zh(measure: str | None) -> str:
    return measure_labels().get(measure or "", measure or "")


# ---------------------------------------------------------------------------
# one document's records
# ---------------------------------------------------------------------------
class Doc:
    """One document's records, fetched with parameterised SQL and indexed for the checks."""

    def __init__(self, con, meta: dict[str, Any], table_source_id: str | None = None):
        self.meta = meta
        self.id: str = meta["document_id"]
        self.fiscal_year: int | None = meta.get("fiscal_year")
        self.doc_kind: str = (meta.get("doc_kind") or "").lower()
        self.part: str = (meta.get("part") or "full").lower()
        src = table_source_id or self.id
        self.table_rows = _fetch(con, "SELECT * FROM raw.extracted_table WHERE document_id = ? ORDER BY table_seq", [src])
        cells = _fetch(
            con,
            "SELECT * FROM raw.table_cell WHERE document_id = ? ORDER BY table_seq, row_index, col_index",
            [src],
        )
        self.figures = _fetch(con, "SELECT * FROM raw.narrative_figure WHERE document_id = ? ORDER BY figure_seq", [self.id])
        self.pages = _fetch(con, "SELECT page, text FROM raw.page_text WHERE document_id = ? ORDER BY page", [self.id])
        # standard tables printed by the other current files of the same disclosure (a tables file's
        # narrative sibling may print some of them); only completeness reads this
        self.sibling_tables: set[str] = set()
        for sib in meta.get("sibling_ids") or ():
            for t in _fetch(con, "SELECT DISTINCT table_name FROM raw.extracted_table WHERE document_id = ?", [sib]):
                if t.get("table_name"):
                    self.sibling_tables.add(t["table_name"])
        # The first instance of each standard table is the one the rules read.
        self.tables: dict[str, dict[str, Any]] = {}
        for t in self.table_rows:
            name = t.get("table_name")
            if name and name != "unmapped" and name != PERFORMANCE_TABLE and name not in self.tables:
                self.tables[name] = t
        chosen = {(n, t["table_seq"]) for n, t in self.tables.items()}
        self.cells: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.performance: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for c in cells:
            name = c.get("table_name")
            if name == PERFORMANCE_TABLE:
                self.performance[c["table_seq"]].append(c)
            elif (name, c["table_seq"]) in chosen:
                self.cells[name].append(c)
        self._rows: dict[tuple[str, str | None], list[Row]] = {}
        self._figs: list[Fig] | None = None  # narrative figures, prepared once (see _figs)
        self._index: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
        for name, cs in self.cells.items():
            for c in cs:
                self._index[(name, c.get("row_key"), c.get("measure"))].append(c)

    # -- tables ---------------------------------------------------------------
    def rounding(self, *tables: str) -> Decimal:
        """Half a printed unit in 万元: 0.005 for a 万元 table, 0.0000005 for a 元 table (unit_factor
        0.0001); the coarsest of the given tables."""
        factors = []
        for t in tables:
            f = (self.tables.get(t) or {}).get("unit_factor")
            factors.append(min(Decimal(1), Decimal(f)) if f else Decimal(1))
        return rounding_unit() * max(factors or [Decimal(1)])

    def has_table(self, name: str) -> bool:
        return name in self.tables

    def is_empty(self, name: str) -> bool:
        t = self.tables.get(name)
        if t is None:
            return False
        if t.get("is_empty"):
            return True
        return not any(c.get("amount") not in (None, ZERO) for c in self.cells.get(name, ()))

    def cell(self, table: str, row_key: str, measure: str | None, phase: str | None = None) -> dict[str, Any] | None:
        if measure is None:
            for c in self.cells.get(table, ()):
                if c.get("row_key") == row_key and (phase is None or c.get("phase") in (None, phase)):
                    return c
            return None
        for c in self._index.get((table, row_key, measure), ()):
            if phase is None or c.get("phase") in (None, phase):
                return c
        return None

    def measures(self, table: str, side: str | None = None) -> list[str]:
        seen: dict[str, None] = {}
        for c in self.cells.get(table, ()):
            if c.get("measure") and (side is None or c.get("side") == side):
                seen.setdefault(c["measure"], None)
        return list(seen)

    def rows(self, table: str, side: str | None = None) -> list["Row"]:
        """Rows of a table in printed order (optionally one side of a two-sided table)."""
        key = (table, side)
        if key not in self._rows:
            self._rows[key] = self._build_rows(table, side)
        return self._rows[key]

    def _build_rows(self, table: str, side: str | None) -> list["Row"]:
        out: dict[str, Row] = {}
        for c in self.cells.get(table, ()):
            if side is not None and c.get("side") != side:
                continue
            key = c.get("row_key")
            if key is None:
                continue
            r = out.get(key)
            if r is None:
                r = out[key] = Row(key, c.get("line_name"), c.get("row_number"), c.get("subject_code"), len(out))
            r.cells.setdefault((c.get("measure"), c.get("phase")), c)
        return list(out.values())


@dataclass
class Row:
    row_key: str
    line_name: str | None
    row_number: int | None
    subject_code: str | None
    order: int
    cells: dict[tuple[str | None, str | None], dict[str, Any]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return label(self.line_name)

    @property
    def code(self) -> str | None:
        code = self.subject_code or self.row_key
        return code if code and re.fullmatch(r"\d{3}(\d{2}){0,2}", code) else None

    def get(self, measure: str | None, phase: str | None = None) -> dict[str, Any] | None:
        for (m, p), c in self.cells.items():
            if (measure is None or m == measure) and (phase is None or p in (None, phase)):
                return c
        return None


def amount(cell: dict[str, Any] | None) -> Decimal:
    """A cell's amount for arithmetic: a printed blank or dash is zero."""
    if cell is None or cell.get("amount") is None:
        return ZERO
    return Decimal(cell["amount"])


def printed_count(cells: Iterable[dict[str, Any] | None]) -> int:
    return sum(1 for c in cells if c is not None and c.get("amount") is not None)


def _fetch(con, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


# ---------------------------------------------------------------------------
# outcome of one rule on one document
# ---------------------------------------------------------------------------
@dataclass
class Finding:
    table_name: str | None
    page: int | None
    row_key: str | None
    measure: str | None
    expected: Decimal | None
    printed: Decimal | None
    difference: Decimal | None
    tolerance: Decimal | None
    message: str


class Outcome:
    def __init__(self, rule: RuleSpec, doc: Doc):
        self.rule = rule
        self.doc = doc
        self.checked = 0
        self.findings: list[Finding] = []
        self.missing: list[str] = []
        self.not_applicable: list[str] = []
        self.notes: list[str] = []

    # -- recording --------------------------------------------------------------
    def ok(self) -> None:
        self.checked += 1

    def add(self, finding: Finding) -> None:
        self.checked += 1
        self.findings.append(finding)

    def insufficient(self, reason: str) -> None:
        if reason not in self.missing:
            self.missing.append(reason)

    def na(self, reason: str) -> None:
        if reason not in self.not_applicable:
            self.not_applicable.append(reason)

    # -- common comparisons -------------------------------------------------------
    def compare_sum(
        self,
        *,
        table: str,
        total: dict[str, Any] | None,
        terms: list[dict[str, Any] | None],
        row_key: str,
        measure: str | None,
        what_zh: str,
        what_en: str,
        terms_zh: str,
        phase: str | None = None,
    ) -> bool:
        """printed total = Σ printed terms, within n × 0.005 (n = printed terms, at least 1)."""
        expected = sum((amount(t) for t in terms), ZERO)
        printed = amount(total)
        tol = self.doc.rounding(table) * max(1, printed_count(terms))
        diff = printed - expected
        if abs(diff) <= tol:
            self.ok()
            return True
        where = f"{table_no(table)} {what_zh} {measure_zh(measure)}{'（' + phase_zh(phase) + '）' if phase else ''}"
        msg = (
            f"{where} 填报 {fmt(printed)}，{terms_zh} = {fmt(expected)}，差额 {fmt(diff)}（容差 {fmt(tol)}）"
            f" / {table_en(table)} {what_en} {measure or ''}{' (' + phase + ')' if phase else ''}:"
            f" printed {fmt(printed)}, sum of terms {fmt(expected)}, difference {fmt(diff)}"
        )
        self.add(
            Finding(table, _page(total, *terms), row_key, measure, expected, printed, diff, tol, msg)
        )
        return False

    def compare_equal(
        self,
        *,
        table: str,
        cell: dict[str, Any] | None,
        expected: Decimal,
        tolerance: Decimal,
        row_key: str | None,
        measure: str | None,
        msg_zh: str,
        msg_en: str,
        page_cells: Iterable[dict[str, Any] | None] = (),
        printed: Decimal | None = None,
    ) -> bool:
        printed = amount(cell) if printed is None else printed
        diff = printed - expected
        if abs(diff) <= tolerance:
            self.ok()
            return True
        msg = (
            f"{msg_zh}：填报 {fmt(printed)}，应为 {fmt(expected)}，差额 {fmt(diff)}（容差 {fmt(tolerance)}）"
            f" / {msg_en}: printed {fmt(printed)}, expected {fmt(expected)}, difference {fmt(diff)}"
        )
        self.add(Finding(table, _page(cell, *page_cells), row_key, measure, expected, printed, diff, tolerance, msg))
        return False

    # -- result -------------------------------------------------------------------
    @property
    def status(self) -> str:
        if self.findings:
            return "fail"
        if self.checked:
            return "pass"
        if self.missing:
            return "insufficient_data"
        return "not_applicable"

    @property
    def detail(self) -> str:
        s = self.status
        parts: list[str] = []
        if s in ("pass", "fail"):
            parts.append(f"{self.checked} comparisons, {len(self.findings)} failed")
        if self.missing:
            parts.append("missing: " + "; ".join(self.missing[:5]))
        if self.not_applicable and s == "not_applicable":
            parts.append("; ".join(self.not_applicable[:5]))
        if s == "not_applicable" and not self.not_applicable:
            parts.append("nothing to compare")
        parts.extend(self.notes[:3])
        return " | ".join(parts)


def phase_zh(phase: str | None) -> str:
    return {"budget": "预算数", "final": "决算数"}.get(phase or "", phase or "")


def _page(*cells: dict[str, Any] | None) -> int | None:
    for c in cells:
        if c is not None and c.get("page") is not None:
            return int(c["page"])
    return None


# ---------------------------------------------------------------------------
# check registry
# ---------------------------------------------------------------------------
CheckFn = Callable[[Outcome, Doc, dict[str, Any]], None]
CHECKS: dict[str, CheckFn] = {}


def check(name: str) -> Callable[[CheckFn], CheckFn]:
    def register(fn: CheckFn) -> CheckFn:
        if name in CHECKS:
            raise ValueError(f"check {name} registered twice")
        CHECKS[name] = fn
        return fn

    return register


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
    if not empty_ok and doc.is_empty(table):
        out.na(f"{table_no(table)} {table} printed empty")
        return False
    return True


# -- two-sided tables (01, 04) ------------------------------------------------------
_TOTALISH = re.compile(r"合计|小计|总计|^其中")


class Sides:
    """The rows of one side of a 01/04 table, classified by their printed labels."""

    def __init__(self, rows: list[Row], side: str):
        self.rows = rows
        self.side = side
        current = "本年收入合计" if side == "income" else "本年支出合计"
        self.current = self.find(lambda lb: lb == current or lb == current.replace("本年", ""))
        self.grand = self.find(lambda lb: lb in ("总计", "收入总计", "支出总计"))
        self.use_nonfiscal = self.find(lambda lb: "使用非财政拨款结余" in lb)
        # 年初结转和结余, 年初财政拨款结转和结余 (Shanghai), 年初结转结余
        self.carry_begin = self.find(lambda lb: bool(re.search(r"年初.{0,6}结转", lb)))
        self.distribution = self.find(lambda lb: "结余分配" in lb)
        self.carry_end = self.find(lambda lb: bool(re.search(r"年末.{0,6}结转", lb)))
        if self.current is not None:
            self.items = [
                r for r in rows
                if r.order < self.current.order and r.label and not _TOTALISH.search(r.label)
            ]
        else:
            self.items = []

    def find(self, pred: Callable[[str], bool]) -> Row | None:
        for r in self.rows:
            if r.label and pred(r.label):
                return r
        return None


def _side_measures(doc: Doc, table: str, side: str) -> list[str]:
    return doc.measures(table, side) or ["amount"]


@check("two_sided_current_total")
def _two_sided_current_total(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    table, side = p["table"], p["side"]
    if not need_table(out, doc, table):
        return
    s = Sides(doc.rows(table, side), side)
    what = "本年收入合计" if side == "income" else "本年支出合计"
    if s.current is None:
        out.insufficient(f"{table_no(table)} {what} row not found")
        return
    if not s.items:
        out.insufficient(f"{table_no(table)} no {side} item rows above {what}")
        return
    for m in _side_measures(doc, table, side):
        total = s.current.get(m)
        if total is None:
            continue
        out.compare_sum(
            table=table, total=total, terms=[r.get(m) for r in s.items], row_key=s.current.row_key,
            measure=m, what_zh=what, what_en="income of the year" if side == "income" else "expenditure of the year",
            terms_zh=f"{len(s.items)} 行" + ("收入项目" if side == "income" else "支出功能分类类") + "之和",
        )


@check("two_sided_grand_total")
def _two_sided_grand_total(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    table, side = p["table"], p["side"]
    if not need_table(out, doc, table):
        return
    s = Sides(doc.rows(table, side), side)
    if s.grand is None or s.current is None:
        out.insufficient(f"{table_no(table)} {side} 总计 or 本年合计 row not found")
        return
    if side == "income":
        parts = [s.current, s.use_nonfiscal, s.carry_begin]
        terms_zh = "本年收入合计 + 使用非财政拨款结余 + 年初结转和结余"
    else:
        parts = [s.current, s.distribution, s.carry_end]
        terms_zh = "本年支出合计 + 结余分配 + 年末结转和结余"
    for m in _side_measures(doc, table, side):
        total = s.grand.get(m)
        if total is None:
            continue
        out.compare_sum(
            table=table, total=total, terms=[r.get(m) if r else None for r in parts], row_key=s.grand.row_key,
            measure=m, what_zh=("收入" if side == "income" else "支出") + "总计",
            what_en=f"{side} grand total", terms_zh=terms_zh,
        )


@check("two_sided_balance")
def _two_sided_balance(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    table = p["table"]
    if not need_table(out, doc, table):
        return
    inc = Sides(doc.rows(table, "income"), "income")
    exp = Sides(doc.rows(table, "expenditure"), "expenditure")
    if inc.grand is None or exp.grand is None:
        out.insufficient(f"{table_no(table)} 总计 rows not found")
        return
    inc_cell = inc.grand.get("amount") or inc.grand.get(None)
    exp_cell = exp.grand.get("amount") or exp.grand.get("expenditure_total") or exp.grand.get(None)
    if inc_cell is None or exp_cell is None:
        out.insufficient(f"{table_no(table)} 总计 amounts not found")
        return
    out.compare_equal(
        table=table, cell=exp_cell, expected=amount(inc_cell), tolerance=doc.rounding(table),
        row_key=exp.grand.row_key, measure=exp_cell.get("measure"),
        msg_zh=f"{table_no(table)} 支出总计 与 收入总计 {fmt(amount(inc_cell))} 不等",
        msg_en=f"{table_en(table)} expenditure grand total differs from income grand total",
        page_cells=[inc_cell],
    )


# -- coded tables (02, 03, 05, 06, 07, 08) ---------------------------------------------
def _coded(doc: Doc, table: str) -> tuple[Row | None, dict[str, Row]]:
    total, by_code = None, {}
    for r in doc.rows(table):
        if r.row_key == "合计" or (r.code is None and r.label in ("合计", "总计")):
            total = total or r
        elif r.code:
            by_code.setdefault(r.code, r)
    return total, by_code


def _code_measures(doc: Doc, table: str) -> list[str]:
    return [m for m in doc.measures(table) if m] or ["amount"]


@check("coded_total_eq_classes")
def _coded_total_eq_classes(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    table = p["table"]
    if not need_table(out, doc, table):
        return
    total, by_code = _coded(doc, table)
    if total is None:
        out.insufficient(f"{table_no(table)} 合计 row not found")
        return
    classes = [r for c, r in by_code.items() if len(c) == 3]
    if not classes:
        out.insufficient(f"{table_no(table)} no 类 rows")
        return
    for m in _code_measures(doc, table):
        tcell = total.get(m)
        if tcell is None:
            continue
        out.compare_sum(
            table=table, total=tcell, terms=[r.get(m) for r in classes], row_key=total.row_key, measure=m,
            what_zh="合计", what_en="total row", terms_zh=f"{len(classes)} 个类之和",
        )


@check("coded_parent_eq_children")
def _coded_parent_eq_children(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    table = p["table"]
    if not need_table(out, doc, table):
        return
    _, by_code = _coded(doc, table)
    if not by_code:
        out.insufficient(f"{table_no(table)} no coded rows")
        return
    children: dict[str, list[Row]] = defaultdict(list)
    for code, r in by_code.items():
        if len(code) > 3 and code[:-2] in by_code:
            children[code[:-2]].append(r)
    if not children:
        out.na(f"{table_no(table)} no 类/款 row with printed sub-rows")
        return
    for m in _code_measures(doc, table):
        for parent, kids in children.items():
            pr = by_code[parent]
            pcell = pr.get(m)
            if pcell is None and printed_count(k.get(m) for k in kids) == 0:
                continue
            level = "类" if len(parent) == 3 else "款"
            out.compare_sum(
                table=table, total=pcell, terms=[k.get(m) for k in kids], row_key=parent, measure=m,
                what_zh=f"{level} {parent} {label(pr.line_name)}", what_en=f"{level} {parent}",
                terms_zh=f"{len(kids)} 个下级科目之和（{','.join(k.row_key for k in kids[:6])}{'…' if len(kids) > 6 else ''}）",
            )


@check("column_identity")
def _column_identity(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """On every row: total column = Σ term columns (per phase for table 09)."""
    table, total_m, terms_m = p["table"], p["total"], list(p["terms"])
    if not need_table(out, doc, table):
        return
    phases = ("budget", "final") if p.get("by_phase") else (None,)
    terms_zh = " + ".join(measure_zh(m) for m in terms_m)
    printed_measures = set(doc.measures(table, p.get("side")))
    if total_m in printed_measures and not printed_measures & set(terms_m):
        out.na(f"{table_no(table)} prints no {terms_zh} columns (template variant)")
        return
    any_row = False
    for r in doc.rows(table, p.get("side")):
        for ph in phases:
            tcell = r.get(total_m, ph)
            if ph is not None and tcell is not None and tcell.get("phase") not in (ph,):
                tcell = None
            if tcell is None:
                continue
            terms = [r.get(m, ph) for m in terms_m]
            if ph is not None:
                terms = [t if t is not None and t.get("phase") == ph else None for t in terms]
            if all(t is None for t in terms):
                out.insufficient(f"{table_no(table)} {r.row_key}: no {terms_zh} cells")
                continue
            any_row = True
            name = label(r.line_name) or r.row_key
            out.compare_sum(
                table=table, total=tcell, terms=terms, row_key=r.row_key, measure=total_m,
                what_zh=f"{name}", what_en=f"row {r.row_key}", terms_zh=terms_zh, phase=ph,
            )
    if not any_row and not out.missing:
        out.insufficient(f"{table_no(table)} no {measure_zh(total_m)} cells")


@check("economic_total")
def _economic_total(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    table = p["table"]
    if not need_table(out, doc, table):
        return
    rows = {r.row_key: r for r in doc.rows(table)}
    total_row = rows.get(p["total_row"]) or next((r for r in rows.values() if r.label == p["total_row"]), None)
    if total_row is None or total_row.get(None) is None:
        out.insufficient(f"{table_no(table)} {p['total_row']} not found")
        return
    present = [rows[c] for c in p["classes"] if c in rows]
    if not present:
        out.insufficient(f"{table_no(table)} none of the 类 {', '.join(p['classes'])} found")
        return
    tcell = total_row.get(None)
    out.compare_sum(
        table=table, total=tcell, terms=[r.get(None) for r in present], row_key=total_row.row_key,
        measure=tcell.get("measure"), what_zh=p["total_row"], what_en=p["total_row"],
        terms_zh=" + ".join(r.row_key for r in present),
    )


# -- performance --------------------------------------------------------------------
@check("execution_rate")
def _execution_rate(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    if not doc.performance:
        out.na("no 项目支出绩效自评表 in the document")
        return
    unit = doc.rounding(PERFORMANCE_TABLE)
    for seq, cells in sorted(doc.performance.items()):
        rows: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for c in cells:
            if c.get("row_key") and c.get("measure"):
                rows[c["row_key"]].setdefault(c["measure"], c)
        for key, ms in rows.items():
            rate, done, budget = ms.get("execution_rate"), ms.get("executed"), ms.get("adjusted_budget")
            if rate is None or rate.get("amount") is None:
                continue
            if done is None or budget is None:
                out.insufficient(f"table {seq} {key}: 全年执行数 or 全年预算数 missing")
                continue
            a, b, r = amount(done), amount(budget), amount(rate)
            rng = ratio_interval(a, half_unit(done.get("value_text"), a) if done.get("value_text") else unit,
                                 b, half_unit(budget.get("value_text"), b) if budget.get("value_text") else unit)
            if rng is None:
                out.notes.append(f"table {seq} {key}: 全年预算数 0, rate not computable")
                continue
            text = rate.get("value_text") or ""
            h = half_unit(text, r)
            if "%" in text:
                h = h / 100
            lo, hi = rng
            with localcontext() as ctx:
                ctx.prec = 28
                expected = a / b
            if lo - h <= r <= hi + h:
                out.ok()
                continue
            tol = max(expected - lo, hi - expected) + h
            project = next((c.get("line_name") for c in cells if c.get("line_name")), "")
            out.add(Finding(
                PERFORMANCE_TABLE, _page(rate), key, "execution_rate", expected.quantize(Q6), r,
                (r - expected).quantize(Q6), tol.quantize(Q6),
                f"绩效自评表(第{seq}表) {key} 执行率 填报 {text or fmt(r)}，全年执行数 {fmt(a)} / 全年预算数 {fmt(b)} = {expected * 100:.2f}%"
                f" / Performance table {seq} {key}: execution rate printed {text or fmt(r)}, executed/budget = {expected * 100:.2f}%",
            ))
    if not out.checked and not out.missing:
        out.na("no 执行率 printed")


# -- across tables ------------------------------------------------------------------
def _class_code(row: Row) -> str | None:
    if row.code and len(row.code) == 3:
        return row.code
    return functional_class_codes().get(row.label)


@check("cross_classes")
def _cross_classes(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """A two-sided table's expenditure column (total and 类 rows) vs a coded table's column."""
    left, right = p["left"], p["right"]
    lt, lm, rt, rm = left["table"], left["measure"], right["table"], right["measure"]
    if not need_table(out, doc, lt):
        return
    if not doc.has_table(rt):
        out.insufficient(f"{table_no(rt)} {rt} not extracted")
        return
    side = Sides(doc.rows(lt, "expenditure"), "expenditure")
    if side.current is None:
        out.insufficient(f"{table_no(lt)} 本年支出合计 row not found")
        return
    lmeasure = lm if lm in doc.measures(lt, "expenditure") else ("amount" if lm == "amount" else None)
    if lmeasure is None:
        out.insufficient(f"{table_no(lt)} column {measure_zh(lm)} not extracted")
        return
    right_empty = doc.is_empty(rt)
    if right_empty and not p.get("empty_right_is_zero"):
        out.na(f"{table_no(rt)} printed empty")
        return
    total, by_code = _coded(doc, rt)
    col = f"{table_no(lt)} {measure_zh(lm)}"
    # totals
    rtotal = ZERO if right_empty else (amount(total.get(rm)) if total is not None else None)
    if rtotal is None:
        out.insufficient(f"{table_no(rt)} 合计 row not found")
    else:
        out.compare_equal(
            table=lt, cell=side.current.get(lmeasure), expected=rtotal, tolerance=doc.rounding(lt, rt),
            row_key=side.current.row_key, measure=lmeasure,
            msg_zh=f"{col} 本年支出合计 与 {table_no(rt)} 合计 {measure_zh(rm)}{'（空表，应为 0）' if right_empty else ''} 不一致",
            msg_en=f"{table_en(lt)} {lm} expenditure of the year vs {table_en(rt)} total {rm}",
            page_cells=[total.get(rm) if total else None],
        )
    # 类 rows
    right_classes = {} if right_empty else {c: r for c, r in by_code.items() if len(c) == 3}
    matched: set[str] = set()
    for r in side.items:
        code = _class_code(r)
        lcell = r.get(lmeasure)
        if code is None:
            if amount(lcell) != 0:
                out.notes.append(f"{table_no(lt)} row {r.line_name!r} not mapped to a 类 code")
            continue
        rrow = right_classes.get(code)
        if rrow is None and amount(lcell) == 0:
            continue
        matched.add(code)
        rcell = rrow.get(rm) if rrow else None
        out.compare_equal(
            table=lt, cell=lcell, expected=amount(rcell), tolerance=doc.rounding(lt, rt), row_key=r.row_key,
            measure=lmeasure,
            msg_zh=f"{col} {r.label}({code}) 与 {table_no(rt)} 类 {code} {measure_zh(rm)} 不一致",
            msg_en=f"{table_en(lt)} {lm} class {code} vs {table_en(rt)} class {code} {rm}",
            page_cells=[rcell],
        )
    for code, rrow in right_classes.items():
        if code in matched or amount(rrow.get(rm)) == 0:
            continue
        rcell = rrow.get(rm)
        out.compare_equal(
            table=rt, cell=rcell, expected=ZERO, tolerance=doc.rounding(rt), row_key=code, measure=rm,
            msg_zh=f"{table_no(rt)} 类 {code} {label(rrow.line_name)} 在 {col} 中没有对应金额",
            msg_en=f"{table_en(rt)} class {code} has no amount in {table_en(lt)} column {lm}",
        )


@check("cross_income_01_02")
def _cross_income_01_02(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    lt, rt = "income_expenditure_summary", "income"
    if not need_table(out, doc, lt) or not need_table(out, doc, rt):
        return
    side = Sides(doc.rows(lt, "income"), "income")
    total, _ = _coded(doc, rt)
    if side.current is None or total is None:
        out.insufficient("01 本年收入合计 or 02 合计 row not found")
        return
    out.compare_equal(
        table=lt, cell=side.current.get("amount") or side.current.get(None), expected=amount(total.get("income_total")),
        tolerance=doc.rounding(lt, rt), row_key=side.current.row_key, measure="amount",
        msg_zh="公开01表 本年收入合计 与 公开02表 合计 本年收入合计 不一致",
        msg_en="Table 01 income of the year vs table 02 total income", page_cells=[total.get("income_total")],
    )
    item_measure = {label(name): m for m, names in p["items"].items() for name in names}
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in side.items:
        m = item_measure.get(r.label)
        if m:
            groups[m].append(r)
    for m, rows in groups.items():
        lsum = sum((amount(r.get("amount") or r.get(None)) for r in rows), ZERO)
        rcell = total.get(m)
        out.compare_equal(
            table=lt, cell=rows[0].get("amount"), printed=lsum, expected=amount(rcell), tolerance=doc.rounding(lt, rt) * len(rows),
            row_key=rows[0].row_key, measure="amount",
            msg_zh=f"公开01表 {'+'.join(r.label for r in rows)} 与 公开02表 合计 {measure_zh(m)} 不一致",
            msg_en=f"Table 01 income items vs table 02 total {m}", page_cells=[rcell],
        )


@check("cross_cells")
def _cross_cells(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    for pair in p["pairs"]:
        L, R = pair["left"], pair["right"]
        if not need_table(out, doc, L["table"]) or not doc.has_table(R["table"]):
            if not doc.has_table(R["table"]):
                out.insufficient(f"{table_no(R['table'])} {R['table']} not extracted")
            continue
        lcell = doc.cell(L["table"], L["row_key"], L.get("measure"), L.get("phase"))
        rcell = doc.cell(R["table"], R["row_key"], R.get("measure"), R.get("phase"))
        if lcell is None:
            out.insufficient(f"{table_no(L['table'])} {L['row_key']} {measure_zh(L.get('measure'))} not found")
            continue
        if rcell is None and R["row_key"] in ("人员经费合计", "公用经费合计"):
            out.insufficient(f"{table_no(R['table'])} {R['row_key']} not found")
            continue
        out.compare_equal(
            table=L["table"], cell=lcell, expected=amount(rcell), tolerance=doc.rounding(L["table"], R["table"]),
            row_key=L["row_key"], measure=L.get("measure"),
            msg_zh=f"{table_no(L['table'])} {L['row_key']} {measure_zh(L.get('measure'))}{phase_zh(L.get('phase'))} 与 {table_no(R['table'])} {R['row_key']} 不一致",
            msg_en=f"{table_en(L['table'])} {L['row_key']} {L.get('measure')} vs {table_en(R['table'])} {R['row_key']}",
            page_cells=[rcell],
        )


# -- narrative ------------------------------------------------------------------------
# Figure kinds as extraction writes them (records.py) and as older truth files spell them.
KIND_ALIASES = {"change": "change_amount", "share": "share_pct", "completion_rate": "completion_pct",
                "budget_amount": "budget", "executed": "final"}
AMOUNT_KINDS = ("amount", "final", "budget")
_TOPIC_PREFIX = re.compile(r"^(?:其中[:：]?|20\d{2}年度?|与20\d{2}年度?相比[,，]?|\d+[.、．]|[(（][一二三四五六七八九十\d]+[)）])+")
_TOPIC_SUFFIX = re.compile(r"(?:均为|为|是|各(?:增加|减少))$")
_TOPIC_PHASE = re.compile(r"(?:情况|决算数|支出决算|决算|预算数|年初预算|预算)$")


def _topic_key(topic: str | None) -> str:
    t = _QUOTES.sub("", compact(topic)).replace("、", "")
    t = _TOPIC_PREFIX.sub("", t)
    t = _TOPIC_SUFFIX.sub("", t)
    t = _TOPIC_PHASE.sub("", t)
    return t


@lru_cache(maxsize=1)
def _topic_index() -> dict[str, list[dict[str, Any]]]:
    idx: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in narrative_topics()["topics"]:
        for name in entry["names"]:
            idx[_topic_key(name)].append(entry)
    return dict(idx)


def _topic_entry(key: str, section: str = "") -> dict[str, Any] | None:
    """The topic entry for a key: the first whose section condition holds, else the first without one."""
    entries = _topic_index().get(key) or []
    for e in entries:
        if e.get("section_contains") and compact(e["section_contains"]) in section:
            return e
    return next((e for e in entries if not e.get("section_contains")), None)


@dataclass
class Fig:
    """A narrative figure with what the checks need precomputed."""

    row: dict[str, Any]
    seq: int
    kind: str
    key: str
    sentence: str
    section: str
    value: Decimal | None

    @property
    def text(self) -> str | None:
        return self.row.get("value_text")

    @property
    def half(self) -> Decimal:
        return half_unit(self.text, self.value)

    @property
    def is_amount(self) -> bool:
        return self.kind in AMOUNT_KINDS and self.value is not None and self.row.get("unit") in (None, "万元")

    @property
    def name(self) -> str:
        return self.row.get("topic") or self.row.get("subject_code") or ""


def _figs(doc: Doc) -> list[Fig]:
    if doc._figs is None:
        doc._figs = []
        for i, f in enumerate(doc.figures):
            kind = KIND_ALIASES.get(f.get("figure_kind") or "", f.get("figure_kind") or "")
            v = f.get("value")
            doc._figs.append(Fig(f, i, kind, _topic_key(f.get("topic")), compact(f.get("sentence")),
                                 compact(f.get("section")), None if v is None else Decimal(v)))
    return doc._figs


def _refs_for(doc: Doc, fig: Fig) -> tuple[list[dict[str, Any]] | None, dict[str, Any]]:
    """The table refs a figure restates (None: not printed in the tables / unknown) and its topic entry."""
    entry = _topic_entry(fig.key, fig.section)
    code = fig.row.get("subject_code")
    if entry is not None:
        ref = entry.get("ref")
        if ref is None:
            return None, entry
        refs = ref if isinstance(ref, list) else [ref]
        out = []
        for r in refs:
            if r.get("by_code"):
                if not code:
                    continue
                r = dict(r, row_key=str(code))
            out.append(r)
        return out or None, entry
    if not code:
        code = functional_class_codes().get(label(fig.row.get("topic")))
    if code and re.fullmatch(r"\d{3}(\d{2}){0,2}", str(code)):
        cfg = narrative_topics()
        ref = next((s["ref"] for s in cfg.get("sections", []) if s["contains"] in fig.section), cfg["default_section_ref"])
        return [dict(ref, row_key=str(code))], {"total": False}
    return None, {}


def _resolve_cell(doc: Doc, ref: dict[str, Any], phase: str | None) -> tuple[str, dict[str, Any] | None, str]:
    """(table, cell, row_key) of a table ref; cell None when the row is not printed."""
    table = ref["table"]
    if "line" in ref:
        s = Sides(doc.rows(table, ref["side"]), ref["side"])
        want = ref["line"]
        row = {"总计": s.grand, "本年收入合计": s.current, "本年支出合计": s.current}.get(want) or s.find(lambda lb: lb == want)
        if row is None:
            return table, None, want
        m = ref.get("measure")
        c = row.get(m) if m else (row.get("amount") or row.get("expenditure_total") or row.get(None))
        return table, c, row.row_key
    ph = phase if table == "three_public" else None
    c = doc.cell(table, ref["row_key"], ref.get("measure"), ph)
    if c is not None and ph and c.get("phase") not in (None, ph):
        c = None
    return table, c, ref["row_key"]


def _same_section(figs: list[Fig], fig: Fig) -> list[Fig]:
    return [f for f in figs if f.section == fig.section]


def _clip(s: str | None, n: int = 60) -> str:
    s = compact(s)
    return s if len(s) <= n else s[: n - 1] + "…"


@check("narrative_amount")
def _narrative_amount(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    figs = _figs(doc)
    if not figs:
        out.insufficient("no narrative figures extracted")
        return
    want_total = bool(p.get("totals"))
    for fig in figs:
        if not fig.is_amount:
            continue
        refs, entry = _refs_for(doc, fig)
        if not refs or bool(entry.get("total")) != want_total:
            continue
        for ref in refs:
            if fig.kind == "budget" and ref["table"] != "three_public":
                continue  # 年初预算 is not printed in the 决算 tables
            if not doc.has_table(ref["table"]):
                out.insufficient(f"{table_no(ref['table'])} not extracted (for {fig.name})")
                continue
            table, cell, row_key = _resolve_cell(doc, ref, "budget" if fig.kind == "budget" else "final")
            coded = bool(re.fullmatch(r"\d+", str(row_key)))
            if cell is None and not doc.is_empty(table) and not coded:
                out.insufficient(f"{table_no(table)} {row_key} {measure_zh(ref.get('measure'))} not found")
                continue
            measure = ref.get("measure") or (cell or {}).get("measure")
            where = label((cell or {}).get("line_name")) or row_key
            out.compare_equal(
                table=table, cell=cell, printed=fig.value, expected=amount(cell), tolerance=fig.half, row_key=row_key,
                measure=measure,
                msg_zh=f"情况说明 {fig.name}{'（预算数）' if fig.kind == 'budget' else ''} 与 {table_no(table)} {where} {measure_zh(measure)} 不一致（“{_clip(fig.row.get('sentence'))}”）",
                msg_en=f"Narrative {fig.kind} '{fig.name}' vs {table_en(table)} {row_key} {measure}",
            )
            if out.findings and out.findings[-1].page is None:
                out.findings[-1].page = fig.row.get("page")
    if not out.checked and not out.missing:
        out.na("no narrative " + ("totals" if want_total else "item amounts") + " that restate a table cell")


def _pct_finding(fig: Fig, rng: tuple[Decimal, Decimal], expected: Decimal, what_zh: str, what_en: str,
                 table: str | None = None, row_key: str | None = None) -> Finding | None:
    """None when the printed percentage lies in the range its operands allow, else the finding."""
    printed = abs(fig.value)
    h = fig.half
    lo, hi, exp = rng[0] * 100, rng[1] * 100, expected * 100
    if lo - h <= printed <= hi + h:
        return None
    tol = max(exp - lo, hi - exp) + h
    return Finding(
        table, fig.row.get("page"), row_key or fig.row.get("subject_code") or fig.row.get("topic"), fig.kind,
        _q(exp), _q(printed), _q(printed - exp), _q(tol),
        f"情况说明 {what_zh}：填报 {fmt(printed)}%，重算应为 {exp:.2f}%（“{_clip(fig.row.get('sentence'))}”）"
        f" / Narrative {what_en}: printed {fmt(printed)}%, recomputed {exp:.2f}%",
    )


def _change_triples(doc: Doc):
    """(pct, change, current) for every change percentage the narrative states."""
    figs = _figs(doc)
    for pct in figs:
        if pct.kind != "change_pct" or pct.value is None:
            continue
        sec = _same_section(figs, pct)
        before = [f for f in sec if f.seq < pct.seq and f.kind == "change_amount" and f.value is not None]
        same = [f for f in before if pct.key and f.key == pct.key]
        chg = (same or before or [None])[-1]
        if chg is None:
            continue
        amounts = [f for f in sec if f.is_amount]
        cur = None
        if chg.key:
            same_topic = [f for f in amounts if f.key == chg.key and f.kind != "budget"]
            if same_topic:
                cur = min(same_topic, key=lambda f: abs(f.seq - chg.seq))
        if cur is None:
            prior = [f for f in amounts if f.seq < chg.seq]
            prior_nb = [f for f in prior if f.kind != "budget"]
            cur = (prior_nb or prior or [None])[-1]
        if cur is not None:
            yield pct, chg, cur


def _change_signs(chg: Fig, pct: Fig) -> tuple[int, ...]:
    """+1 increase / -1 decrease: from a signed value, the direction field, or the printed words."""
    if (chg.value is not None and chg.value < 0) or (pct.value is not None and pct.value < 0):
        return (-1,)
    direction = chg.row.get("direction") or pct.row.get("direction")
    if direction in ("increase", "decrease"):
        return (1,) if direction == "increase" else (-1,)
    candidates = [compact(pct.row.get("topic")), compact(chg.row.get("topic"))]
    text = chg.text or (None if chg.value is None else f"{abs(chg.value)}")
    if text and chg.sentence:
        i = chg.sentence.find(compact(text).lstrip("-"))
        if i > 0:
            candidates.append(chg.sentence[max(0, i - 4): i])
    for words in candidates:
        up, down = bool(re.search(r"增加|增长|上升", words)), bool(re.search(r"减少|下降|降低", words))
        if up != down:
            return (1,) if up else (-1,)
    return (1, -1)


def _change_range(pct: Fig, chg: Fig, cur: Fig, sign: int):
    d, hd, c, hc = abs(chg.value), chg.half, cur.value, cur.half
    prev = c - sign * d
    return prev, ratio_interval(d, hd, prev, hc + hd)


@check("narrative_change")
def _narrative_change(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    if not doc.figures:
        out.insufficient("no narrative figures extracted")
        return
    for pct, chg, cur in _change_triples(doc):
        if abs(chg.value) == 0 and pct.value == 0:
            out.ok()
            continue
        failures: list[Finding] | None = []
        for sign in _change_signs(chg, pct):
            prev, rng = _change_range(pct, chg, cur, sign)
            if rng is None or prev <= 0:
                failures = None  # previous year 0 under this reading: N_RATE_UNDEFINED
                break
            f = _pct_finding(pct, rng, abs(chg.value) / prev,
                             f"{cur.name} 比上年{'增长' if sign > 0 else '下降'}率（上年 = {fmt(prev)} = {fmt(cur.value)} {'−' if sign > 0 else '+'} {fmt(abs(chg.value))}）",
                             f"'{cur.name}' year-on-year change (previous year {fmt(prev)})")
            if f is None:
                failures = None
                break
            failures.append(f)
        if failures is None:
            out.ok()
        elif failures:
            out.add(failures[0])
    if not out.checked:
        out.na("no change amount + change % + current amount stated together")


def _completion_pairs(doc: Doc):
    """(pct, final, budget) for every completion rate the narrative states."""
    figs = _figs(doc)
    for pct in figs:
        if pct.kind != "completion_pct" or pct.value is None:
            continue
        same = [f for f in figs if f.sentence == pct.sentence and f.seq < pct.seq]
        last_pct = max((f.seq for f in same if f.kind.endswith("_pct")), default=-1)
        amounts = [f for f in same if f.seq > last_pct and f.is_amount]
        budgets = [f for f in amounts if f.kind == "budget"]
        if budgets:
            den = budgets[-1]
            nums = [f for f in amounts if f.seq > den.seq and f.kind != "budget"]
            num = nums[-1] if nums else None
        elif len(amounts) >= 2:
            den, num = amounts[-2], amounts[-1]
        else:
            continue
        if num is not None:
            yield pct, num, den


@check("narrative_completion")
def _narrative_completion(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    if not doc.figures:
        out.insufficient("no narrative figures extracted")
        return
    for pct, num, den in _completion_pairs(doc):
        rng = ratio_interval(num.value, num.half, den.value, den.half)
        if rng is None:
            continue  # budget 0: N_RATE_UNDEFINED
        f = _pct_finding(pct, rng, num.value / den.value,
                         f"{pct.name or num.name} 完成预算比例（{fmt(num.value)} / {fmt(den.value)}）",
                         f"completion rate ({fmt(num.value)} / {fmt(den.value)})")
        out.add(f) if f else out.ok()
    if not out.checked:
        out.na("no completion rate stated with its budget and final amounts")


@check("narrative_rate_undefined")
def _narrative_rate_undefined(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    if not doc.figures:
        out.insufficient("no narrative figures extracted")
        return
    for pct, num, den in _completion_pairs(doc):
        if ratio_interval(num.value, num.half, den.value, den.half) is not None:
            continue
        if num.value == 0 and pct.value == 0:
            out.ok()
            continue
        out.add(Finding(None, pct.row.get("page"), pct.name, pct.kind, None, _q(pct.value), None, None,
                        f"情况说明 完成率 {fmt(pct.value)}% 无法计算：预算数为 {fmt(den.value)}，决算数 {fmt(num.value)}（“{_clip(pct.row.get('sentence'))}”）"
                        f" / completion rate printed with a zero budget"))
    for pct, chg, cur in _change_triples(doc):
        signs = _change_signs(chg, pct)
        ranges = [_change_range(pct, chg, cur, s) for s in signs]
        if any(rng is not None and prev > 0 for prev, rng in ranges):
            continue
        if pct.value == 0 and chg.value == 0:
            continue
        out.add(Finding(None, pct.row.get("page"), pct.name, pct.kind, None, _q(pct.value), None, None,
                        f"情况说明 增减率 {fmt(pct.value)}% 无法计算：上年数为 0（“{_clip(pct.row.get('sentence'))}”）"
                        f" / change rate printed with a zero previous year"))
    if not out.checked:
        out.na("no rate stated over a zero base")


def _base_value(doc: Doc, fig: Fig, base: dict[str, Any]) -> tuple[Decimal, Decimal] | None | str:
    """(value, half unit) of a share's base; a string says what is missing."""
    if "narrative_topic" in base:
        key = _topic_key(base["narrative_topic"])
        cands = [f for f in _figs(doc) if f.key == key and f.is_amount]
        if not cands:
            return f"narrative figure {base['narrative_topic']} not found"
        b = min(cands, key=lambda f: abs(f.seq - fig.seq))
        return b.value, b.half
    if not doc.has_table(base["table"]):
        return f"{table_no(base['table'])} not extracted"
    _, cell, key = _resolve_cell(doc, base, "final")
    if cell is None:
        return f"{table_no(base['table'])} {key} not found"
    return amount(cell), doc.rounding(base["table"])


@check("narrative_share")
def _narrative_share(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    figs = _figs(doc)
    if not figs:
        out.insufficient("no narrative figures extracted")
        return
    cfg = narrative_topics()
    for share in figs:
        if share.kind != "share_pct" or share.value is None:
            continue
        entry = _topic_entry(share.key, share.section)
        base = (entry or {}).get("share_base")
        if base is None and share.key.startswith("占"):  # 占本年支出合计的 X%: the share names its base
            named = _topic_entry(_topic_key(re.sub(r"^占|的$", "", share.key)), share.section)
            if named and isinstance(named.get("ref"), dict) and not named["ref"].get("by_code"):
                base = named["ref"]
        if base is None and entry is not None and isinstance(entry.get("ref"), dict):
            # 基本支出 518.72 万元，占 40.9%: a share of its own table's 合计 row
            base = cfg.get("table_share_bases", {}).get(entry["ref"]["table"])
        if base is None:
            base = next((s["base"] for s in cfg.get("section_share_bases", []) if s["contains"] in share.section), None)
        if base is None:
            continue
        prior = [f for f in figs if f.sentence == share.sentence and f.seq < share.seq and f.is_amount]
        if not prior:
            continue
        num_fig = prior[-1]
        refs, _ = _refs_for(doc, num_fig)
        a, ha = num_fig.value, num_fig.half
        table, row_key = None, num_fig.name
        if refs and doc.has_table(refs[0]["table"]):
            table, cell, row_key = _resolve_cell(doc, refs[0], "final")
            if cell is not None:
                a, ha = amount(cell), doc.rounding(table)
        bv = _base_value(doc, share, base)
        if isinstance(bv, str):
            out.insufficient(bv)
            continue
        if bv is None:
            continue
        b, hb = bv
        rng = ratio_interval(a, ha, b, hb)
        if rng is None:
            continue
        f = _pct_finding(share, rng, a / b, f"{num_fig.name} 占比（{fmt(a)} / {fmt(b)}）",
                         f"share of '{num_fig.name}' ({fmt(a)} / {fmt(b)})", table, row_key)
        out.add(f) if f else out.ok()
    if not out.checked and not out.missing:
        out.na("no share (占 X%) with a known base")


# -- completeness -------------------------------------------------------------------
@check("tables_present")
def _tables_present(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """Every standard table of the disclosure is printed (params ``tables``: the list, default the
    nine 决算 tables).  A split disclosure is judged on its tables file, counting the tables its
    narrative file prints too (``Doc.sibling_tables``)."""
    if doc.part == "narrative":
        out.na("narrative-only file of a split disclosure")
        return
    expected = list(p.get("tables") or FINAL_TABLES)
    if p.get("variants"):
        # template variants (the 12 Jiangsu 公开表, a 7-table 预算 template …): the document is held
        # to the smallest variant that contains every standard table it prints, else the largest
        printed = set(doc.tables) | doc.sibling_tables
        variants = sorted((list(v) for v in p["variants"]), key=len)
        fitting = [v for v in variants if printed and printed <= set(v)]
        expected = fitting[0] if fitting else variants[-1]
        out.notes.append(f"template variant of {len(expected)} tables")
    for t in expected:
        if doc.has_table(t) or t in doc.sibling_tables:
            out.ok()
            continue
        title = (table_catalog().get(t, {}).get("titles") or [t])[0]
        out.add(Finding(
            t, None, None, None, None, None, None, None,
            f"缺少 {table_no(t)} {title}（空表也须公开并说明） / {table_en(t)} {t} is missing",
        ))


def _says_no_funds(got: str, want: str) -> bool:
    """本单位没有政府性基金预算财政拨款 or a variant (XX局无政府性基金预算财政拨款支出，故本表无数据),
    not the template's own instruction (…的，仍保留该表格式，并在本表下方作下述说明)."""
    subject = re.sub(r"^本单位没有", "", want).rstrip("。")
    return bool(re.search(r"没有|无", got)) and subject in got and not re.search(r"仍保留|下述说明|表格式", got)


@check("empty_table_sentence")
def _empty_table_sentence(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    for t in ("government_fund", "state_capital"):
        if not doc.has_table(t):
            continue
        if not doc.is_empty(t):
            out.na(f"{table_no(t)} has amounts")
            continue
        want = compact(table_catalog().get(t, {}).get("empty_sentence"))
        got = compact(doc.tables[t].get("empty_sentence"))
        if not got:
            text = "".join(compact(pg.get("text")) for pg in doc.pages)
            if want and want in text:
                got = want
        page = doc.tables[t].get("last_page")
        if not got:
            out.add(Finding(t, page, None, None, None, None, None, None,
                            f"{table_no(t)} 为空表，但未说明“{want}” / {table_en(t)} is empty without its '{want}' sentence"))
        elif want and not _says_no_funds(got, want):
            out.add(Finding(t, page, None, None, None, None, None, None,
                            f"{table_no(t)} 空表说明“{_clip(got)}”未说明“{want}” / the empty-table sentence does not say '{want}'"))
        else:
            out.ok()
    if not out.checked and not out.not_applicable:
        out.insufficient("tables 07/08 not extracted")


# -- residue ------------------------------------------------------------------------
# …… (or its NFKC form ......) but not a table-of-contents dot leader (a longer run, or one
# followed by a page number); XX / ×× placeholders that are not part of a Latin word.
_RESIDUE = re.compile(r"(?<![.…])(?:…{1,2}|\.{3}|\.{6})(?![.…]|\s*\d)|(?<![A-Za-z])[XＸ×]{2,}(?![A-Za-z])|某某")
_ALTERNATIVE = re.compile(r"增加[（(]减少[)）]|减少[（(]增加[)）]|增长[（(](?:下降|减少|降低)[)）]|下降[（(]增长[)）]|大[（(]小[)）]于")
_MISSING_FIGURE = re.compile(r"(?:为|余|加|少|出|入|计|额|是)\s*万元|[（(]下降[)）]\s*%|增长\s*%|下降\s*%")
_YEAR = re.compile(r"(?<![\d.])(20\d{2})(?![\d.])\s*年")
_DOC_YEAR = re.compile(r"(?<!\d)(20\d{2})\s*年度?\s*(?:部门)?(决算|预算)")
_PUB_DATE = re.compile(r"(?<!截至)(?<!截止)(?<![\d.])(20\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")


def _page_texts(out: Outcome, doc: Doc) -> list[tuple[int | None, str]] | None:
    pages = [(pg.get("page"), unicodedata.normalize("NFKC", pg.get("text") or "")) for pg in doc.pages]
    if not any(t.strip() for _, t in pages):
        out.insufficient("no page text (scanned or not extracted)")
        return None
    return pages


def _text_findings(out: Outcome, doc: Doc, patterns: list[tuple[re.Pattern, str, str]]) -> None:
    """One finding per page and matched text (with how often it occurs there)."""
    pages = _page_texts(out, doc)
    if pages is None:
        return
    for page, text in pages:
        for pattern, what_zh, what_en in patterns:
            hits: dict[str, list[re.Match]] = defaultdict(list)
            for m in pattern.finditer(text):
                hits[compact(m.group(0))].append(m)
            for hit, ms in hits.items():
                m = ms[0]
                ctx = _clip(text[max(0, m.start() - 20): m.end() + 20], 50)
                times = f"（共 {len(ms)} 处）" if len(ms) > 1 else ""
                out.add(Finding(None, page, hit, None, None, None, None, None,
                                f"第{page}页 {what_zh}“{hit}”{times}：…{ctx}… / page {page}: {what_en} '{hit}'"
                                + (f" ×{len(ms)}" if len(ms) > 1 else "")))
    if not out.findings:
        out.ok()


@check("template_residue")
def _template_residue(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    _text_findings(out, doc, [(_RESIDUE, "模板残留", "template placeholder")])


@check("unresolved_alternative")
def _unresolved_alternative(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    _text_findings(out, doc, [(_ALTERNATIVE, "模板选项未删除", "template alternative left in"),
                              (_MISSING_FIGURE, "金额或比例空缺", "figure left blank")])


@check("wrong_year")
def _wrong_year(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    fy = doc.fiscal_year
    if not fy:
        out.insufficient("fiscal year unknown")
        return
    pages = _page_texts(out, doc)
    if pages is None:
        return
    allowed = {fy - 1, fy, fy + 1}
    if len(pages) >= 3:  # the cover's date is the publication date
        allowed |= {int(y) for y in _PUB_DATE.findall(pages[0][1])}
    for page, text in pages:
        masked = re.sub(r"《[^》]{0,80}》", lambda m: " " * len(m.group(0)), text)
        masked = re.sub(r"20\d{2}\s*[-—–~至]\s*20\d{2}", lambda m: " " * len(m.group(0)), masked)
        for m in _DOC_YEAR.finditer(masked):
            y = int(m.group(1))
            if y != fy:
                out.add(_year_finding(page, text, m, y, fy, f"“{m.group(0)}”应为 {fy} 年度", f"'{m.group(0)}' names {y}, the document is {fy}"))
        for m in _YEAR.finditer(masked):
            y = int(m.group(1))
            if y not in allowed:
                out.add(_year_finding(page, text, m, y, fy, f"年份 {y} 既非本年度 {fy}、上年度 {fy - 1}，也非发布年度",
                                      f"year {y} is neither the fiscal year {fy}, the previous year nor the publication year"))
    if not out.findings:
        out.ok()


def _year_finding(page, text, m, y, fy, zh, en) -> Finding:
    ctx = _clip(text[max(0, m.start() - 20): m.end() + 20], 50)
    return Finding(None, page, str(y), "year", Decimal(fy), Decimal(y), Decimal(y - fy), None,
                   f"第{page}页 {zh}：…{ctx}… / page {page}: {en}")


@check("income_vs_expenditure_classes")
def _income_vs_expenditure_classes(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """02 本年收入 vs 03 本年支出 per 类: they differ by at most the year's carry-over movement."""
    if not need_table(out, doc, "income") or not need_table(out, doc, "expenditure"):
        return
    movement = ZERO
    if doc.has_table("income_expenditure_summary"):
        inc = Sides(doc.rows("income_expenditure_summary", "income"), "income")
        exp = Sides(doc.rows("income_expenditure_summary", "expenditure"), "expenditure")
        val = lambda r: amount(r.get("amount") or r.get(None)) if r else ZERO  # noqa: E731
        movement = abs(val(exp.carry_end) - val(inc.carry_begin)) + val(inc.use_nonfiscal) + val(exp.distribution)
    itotal, icodes = _coded(doc, "income")
    etotal, ecodes = _coded(doc, "expenditure")
    pairs = [("合计", itotal, etotal)] + [
        (c, icodes.get(c), ecodes.get(c)) for c in sorted(set(icodes) | set(ecodes)) if len(c) == 3]
    tol = doc.rounding("income", "expenditure", "income_expenditure_summary") * 2 + movement
    for key, ir, er in pairs:
        icell = ir.get("income_total") if ir else None
        ecell = er.get("expenditure_total") if er else None
        if icell is None and ecell is None:
            continue
        out.compare_equal(
            table="income", cell=icell, expected=amount(ecell), tolerance=tol, row_key=key, measure="income_total",
            msg_zh=f"公开02表 {key} 本年收入 与 公开03表 {key} 本年支出 之差超出结转结余变动 {fmt(movement)}",
            msg_en=f"Table 02 {key} income vs table 03 {key} expenditure differ by more than the carry-over movement",
            page_cells=[ecell],
        )


@check("project_count")
def _project_count(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    figs = [f for f in _figs(doc) if f.kind == "count" and f.value is not None
            and ("二级项目" in f.key or f.key == "performance_projects")]
    if not figs:
        out.na("the narrative states no number of self-assessed projects")
        return
    printed_tables = len(doc.performance) or sum(1 for t in doc.table_rows if t.get("table_name") == PERFORMANCE_TABLE)
    for f in figs:
        out.compare_equal(
            table=PERFORMANCE_TABLE, cell=None, printed=f.value, expected=Decimal(printed_tables), tolerance=ZERO,
            row_key=f.name, measure="count",
            msg_zh=f"情况说明 称绩效自评项目 {int(f.value)} 个，公开的项目支出绩效自评表 {printed_tables} 张",
            msg_en=f"Narrative states {int(f.value)} self-assessed projects, {printed_tables} self-assessment tables are printed",
        )
        if out.findings and out.findings[-1].page is None:
            out.findings[-1].page = f.row.get("page")


_EMPTY_DEPT_LINE = re.compile(r"部门[:：][ \t\u3000]*(?=\r?\n|$)")


@check("empty_department_line")
def _empty_department_line(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    _text_findings(out, doc, [(_EMPTY_DEPT_LINE, "表头“部门：”未填写", "empty 部门: line")])



# ---------------------------------------------------------------------------
# 部门预算 (Jiangsu 2017–2019 templates: 收支预算总表 … 政府采购预算表)
# ---------------------------------------------------------------------------
BUDGET_TABLES = (
    "budget_summary", "budget_income", "budget_expenditure", "budget_fiscal_summary",
    "budget_fiscal_expenditure", "budget_fiscal_basic", "budget_government_fund",
    "budget_general_expenditure", "budget_general_basic", "budget_admin_operating",
    "budget_three_public", "budget_procurement",
)
_TOP_ORDINAL = re.compile(r"^第?[一二三四五六七八九十]+[、.．]")
_SUB_ORDINAL = re.compile(r"^(?:\d+[、.．]|[（(][\d一二三四五六七八九十]+[)）])")
# "当年收入" alone: the label 当年收入小计 wrapped over a page break (its amount on the first line)
_B_INC_CURRENT = ("当年收入小计", "收入小计", "本年收入小计", "本年收入合计", "当年收入合计", "当年收入")
_B_INC_TOTAL = ("收入合计", "收入总计", "总计")
_B_EXP_CURRENT = ("当年支出小计", "支出小计", "本年支出小计", "本年支出合计", "当年支出合计", "当年支出")
_B_EXP_TOTAL = ("支出合计", "支出总计", "总计")
_B_INC_CARRY = re.compile(r"^上年结转")
_B_EXP_CARRY = re.compile(r"^结转下年")
_B_TOTALISH = re.compile(r"合计|小计|总计")


def _bval(row: Row | None) -> dict[str, Any] | None:
    """The amount cell of a row of a one-column (金额) two-sided budget table."""
    if row is None:
        return None
    return row.get("amount") or row.get(None)


class BudgetSides:
    """收支预算总表 / 财政拨款收支预算总表 rows, classified by their printed labels.

    Income side: items (一、… with nested 1./2. under them), 当年收入小计, 上年结转, 收入合计.
    Expenditure: 功能分类 类 rows (side ``expenditure``), 支出用途 rows (side ``purpose``), and the
    totals 当年支出小计 / 结转下年 / 支出合计, looked up on every side (Jiangsu prints their labels
    across the 功能分类 and 支出用途 columns).
    """

    def __init__(self, doc: Doc, table: str):
        rows = doc.rows(table)
        inc = [r for r in rows if r.row_key.startswith("income:")]
        exp = [r for r in rows if not r.row_key.startswith("income:")]

        def first(rs, names=(), pattern=None):
            for r in rs:
                lb = r.label
                if lb and ((lb in names) or (pattern is not None and pattern.search(lb))):
                    return r
            return None

        self.inc_current = first(inc, _B_INC_CURRENT)
        self.inc_carry = first(inc, pattern=_B_INC_CARRY)
        self.inc_total = first(inc, _B_INC_TOTAL)
        self.exp_current = first(exp, _B_EXP_CURRENT)
        self.exp_carry = first(exp, pattern=_B_EXP_CARRY)
        self.exp_total = first(exp, _B_EXP_TOTAL)
        stop = min((r.order for r in (self.inc_current, self.inc_carry, self.inc_total) if r is not None), default=None)
        items = [r for r in inc if r.label and not _B_TOTALISH.search(r.label) and not _B_INC_CARRY.search(r.label)
                 and (stop is None or r.order < stop)]
        raw = {r.row_key: compact(re.sub(r"</?b>", "", r.line_name or "")) for r in items}
        has_top = any(_TOP_ORDINAL.match(raw[r.row_key]) for r in items)
        self.income_top: list[Row] = []
        self.income_nested: dict[str, list[Row]] = {}
        parent: Row | None = None
        for r in items:
            if has_top and _SUB_ORDINAL.match(raw[r.row_key]) and parent is not None:
                self.income_nested.setdefault(parent.row_key, []).append(r)
            else:
                self.income_top.append(r)
                parent = r
        self.income_items = items

        def body(side):
            return [r for r in rows if r.row_key.startswith(side + ":") and r.label
                    and not _B_TOTALISH.search(r.label) and not _B_EXP_CARRY.search(r.label)]

        self.classes = body("expenditure")
        self.purposes = body("purpose")

    def income_current_or_total(self) -> tuple[Row | None, list[Row]]:
        """The row the income items add up to, and the extra terms (上年结转 when that row is 收入合计)."""
        if self.inc_current is not None:
            return self.inc_current, []
        if self.inc_total is not None:
            return self.inc_total, [self.inc_carry] if self.inc_carry is not None else []
        return None, []

    def expenditure_current_or_total(self) -> tuple[Row | None, list[Row]]:
        if self.exp_current is not None:
            return self.exp_current, []
        if self.exp_total is not None:
            return self.exp_total, [self.exp_carry] if self.exp_carry is not None else []
        return None, []

    def general_budget_only(self) -> bool | None:
        """True when every income other than 一般公共预算 (and the 财政拨款 line over it) is blank or 0;
        None when the income side was not extracted."""
        if not self.income_items:
            return None
        for r in self.income_items:
            lb = r.label
            if "一般公共预算" in lb or lb in ("财政拨款", "财政拨款收入"):
                continue
            if amount(_bval(r)) != 0:
                return False
        return amount(_bval(self.inc_carry)) == 0


_BUDGET_IDENTITIES = {
    "income_items": ("当年收入小计 = 各项收入之和", "income of the year = sum of income items"),
    "income_nested": ("财政拨款 = 一般公共预算 + 政府性基金预算", "appropriation = general budget + government fund"),
    "income_total": ("收入合计 = 当年收入小计 + 上年结转", "income total = income of the year + carry-over"),
    "expenditure_total": ("支出合计 = 当年支出小计 + 结转下年", "expenditure total = expenditure of the year + carry-forward"),
    "balance": ("收入合计 = 支出合计", "income total = expenditure total"),
    "classes": ("当年支出小计 = 各功能分类类之和", "expenditure of the year = sum of functional 类 rows"),
    "purpose": ("当年支出小计 = 基本支出 + 项目支出 + 单位预留机动经费", "expenditure of the year = sum of purpose rows"),
}


@check("budget_two_sided")
def _budget_two_sided(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """The identities of a 收支预算总表 / 财政拨款收支预算总表 (params ``table``, ``identity``)."""
    table, ident = p["table"], p["identity"]
    if not need_table(out, doc, table):
        return
    s = BudgetSides(doc, table)
    zh, en = _BUDGET_IDENTITIES[ident]
    tno = table_no(table)

    def sum_(total: Row, terms: list[Row | None], what_zh: str, what_en: str, terms_zh: str) -> None:
        out.compare_sum(table=table, total=_bval(total), terms=[_bval(t) for t in terms], row_key=total.row_key,
                        measure="amount", what_zh=what_zh, what_en=what_en, terms_zh=terms_zh)

    if ident == "income_items":
        target, extra = s.income_current_or_total()
        if target is None:
            out.insufficient(f"{tno} 当年收入小计 / 收入合计 row not found")
            return
        if not s.income_top:
            out.insufficient(f"{tno} no income item rows above {target.label}")
            return
        terms = s.income_top + extra
        sum_(target, terms, target.label, "income of the year",
             "+".join(r.label for r in terms[:6]) + ("…" if len(terms) > 6 else ""))
    elif ident == "income_nested":
        if not s.income_nested:
            out.na(f"{tno} no nested income rows (1.一般公共预算 …)")
            return
        by_key = {r.row_key: r for r in s.income_top}
        for key, kids in s.income_nested.items():
            parent = by_key[key]
            if _bval(parent) is None and printed_count(_bval(k) for k in kids) == 0:
                continue
            sum_(parent, kids, parent.label, f"income item {parent.label}", "+".join(k.label for k in kids))
        if not out.checked:
            out.na(f"{tno} nested income rows all blank")
    elif ident == "income_total":
        if s.inc_total is None:
            out.insufficient(f"{tno} 收入合计 row not found")
            return
        if s.inc_current is None:
            out.na(f"{tno} prints no 当年收入小计 (收入合计 is checked against the items)")
            return
        sum_(s.inc_total, [s.inc_current, s.inc_carry], s.inc_total.label, "income total", "当年收入小计 + 上年结转")
    elif ident == "expenditure_total":
        if s.exp_total is None:
            out.insufficient(f"{tno} 支出合计 row not found (label not extracted)")
            return
        if s.exp_current is None:
            out.na(f"{tno} prints no 当年支出小计 (支出合计 is checked against the 支出用途 rows)")
            return
        sum_(s.exp_total, [s.exp_current, s.exp_carry], s.exp_total.label, "expenditure total", "当年支出小计 + 结转下年")
    elif ident == "balance":
        if s.inc_total is None or s.exp_total is None:
            out.insufficient(f"{tno} 收入合计 or 支出合计 row not found (label not extracted)")
            return
        icell, ecell = _bval(s.inc_total), _bval(s.exp_total)
        out.compare_equal(table=table, cell=ecell, expected=amount(icell), tolerance=doc.rounding(table),
                          row_key=s.exp_total.row_key, measure="amount",
                          msg_zh=f"{tno} 支出合计 与 收入合计 {fmt(amount(icell))} 不等",
                          msg_en=f"{table_en(table)} expenditure total differs from income total", page_cells=[icell])
    elif ident in ("classes", "purpose"):
        body = s.classes if ident == "classes" else s.purposes
        what = "功能分类类" if ident == "classes" else "支出用途"
        if not body:
            out.na(f"{tno} prints no {what} rows")
            return
        target, extra = s.expenditure_current_or_total()
        if target is None:
            out.insufficient(f"{tno} 当年支出小计 / 支出合计 row not found (label not extracted)")
            return
        terms = body + extra
        sum_(target, terms, target.label, en, f"{len(body)} 行{what}之和" + (" + 结转下年" if extra else ""))
    else:  # pragma: no cover - catalog error
        raise ValueError(f"unknown budget identity {ident}")


def _budget_ref(doc: Doc, ref: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None, str]:
    """A cell named in a budget cross rule: ``row`` is ``@income_current`` / ``@income_total`` /
    ``@expenditure_current`` / ``@expenditure_total`` (two-sided tables), ``合计`` (coded tables)
    or ``side:label`` (label without ordinal).  Returns (cell, row_key, description)."""
    table, measure = ref["table"], ref.get("measure")
    if ref.get("keys"):  # a labelled table's row keys ('其他资金/小计'), in order of preference
        keys = list(ref["keys"])
        desc = f"{table_no(table)} {keys[0]}"
        rows = {r.row_key: r for r in doc.rows(table)}
        for k in keys:
            if k in rows:
                r = rows[k]
                return (r.get(measure) if measure else _bval(r)), r.row_key, desc
        return None, None, desc
    row = ref["row"]
    if "|" in row:  # alternatives, the first one found wins
        got = (None, None, "")
        for alt in row.split("|"):
            got = _budget_ref(doc, dict(ref, row=alt))
            if got[1] is not None:
                return got
        return got
    desc = f"{table_no(table)} {row.lstrip('@')}{' ' + measure_zh(measure) if measure else ''}"
    if row.startswith("@"):
        s = BudgetSides(doc, table)
        r = {"@income_current": s.income_current_or_total()[0], "@income_total": s.inc_total,
             "@expenditure_current": s.expenditure_current_or_total()[0], "@expenditure_total": s.exp_total}[row]
        return _bval(r), (r.row_key if r else None), desc
    if row == "合计":
        total, _ = _coded(doc, table)
        if total is None:
            return None, None, desc
        cell = total.get(measure) if measure else (total.get("amount") or total.get(None))
        return cell, total.row_key, desc
    side, _, want = row.partition(":")
    for r in doc.rows(table):
        if r.row_key.startswith(side + ":") and r.label == label(want):
            return (r.get(measure) if measure else _bval(r)), r.row_key, desc
    return None, None, desc


@check("labelled_groups")
def _labelled_groups(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """A labelled table of groups ('其他资金/小计', '其他资金/事业收入' …): the grand total row
    (params ``total``) = Σ group 小计, and each group's 小计 = Σ its other rows (其中 rows excluded)."""
    table, total_key = p["table"], p["total"]
    if not need_table(out, doc, table):
        return
    rows = doc.rows(table)
    total = next((r for r in rows if r.row_key == total_key), None)
    subtotals = [r for r in rows if r.row_key.endswith("/小计")]
    if not subtotals:
        out.insufficient(f"{table_no(table)} no group 小计 rows")
        return
    if total is not None and p.get("check_total", True):
        out.compare_sum(table=table, total=_bval(total), terms=[_bval(r) for r in subtotals], row_key=total.row_key,
                        measure="amount", what_zh=total_key, what_en=total_key,
                        terms_zh=f"{len(subtotals)} 组小计之和")
    elif total is None:
        out.insufficient(f"{table_no(table)} {total_key} row not found")
    orphans = [r for r in rows if "/" not in r.row_key and r is not total and amount(_bval(r)) != 0]
    if orphans:
        out.insufficient(f"{table_no(table)} rows without a group ({', '.join(r.row_key for r in orphans[:3])})")
        return
    for sub in subtotals:
        group = sub.row_key[: -len("/小计")]
        kids = [r for r in rows if r.row_key.startswith(group + "/") and r is not sub
                and not label(r.row_key.split("/")[-1]).startswith("其中")]
        if not kids or (_bval(sub) is None and printed_count(_bval(k) for k in kids) == 0):
            continue
        out.compare_sum(table=table, total=_bval(sub), terms=[_bval(k) for k in kids], row_key=sub.row_key,
                        measure="amount", what_zh=f"{group} 小计", what_en=f"{group} subtotal",
                        terms_zh=f"{len(kids)} 项之和")


@check("budget_cross_cells")
def _budget_cross_cells(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """Pairs of cells of one budget disclosure that restate each other (params ``pairs``;
    ``when: general_budget_only`` skips a document whose 收支预算总表 has other funds than 一般公共预算)."""
    if p.get("when") == "general_budget_only":
        if not need_table(out, doc, "budget_summary"):
            return
        only = BudgetSides(doc, "budget_summary").general_budget_only()
        if only is None:
            out.insufficient("公开01表 budget_summary income rows not extracted")
            return
        if not only:
            out.na("the 收支预算总表 has funds other than 一般公共预算 (其他资金, 财政专户, 上年结转 …)")
            return
    for pair in p["pairs"]:
        L, R = pair["left"], pair["right"]
        if not need_table(out, doc, L["table"]):
            continue
        if not need_table(out, doc, R["table"], empty_ok=True):
            continue
        lcell, lkey, ldesc = _budget_ref(doc, L)
        if doc.is_empty(R["table"]) and pair.get("empty_right_is_zero"):
            rcell, rdesc, rval = None, f"{table_no(R['table'])}（空表）", ZERO
        else:
            if doc.is_empty(R["table"]):
                out.na(f"{table_no(R['table'])} printed empty")
                continue
            rcell, _, rdesc = _budget_ref(doc, R)
            if rcell is None:
                out.insufficient(f"{rdesc} not found")
                continue
            rval = amount(rcell)
        if lcell is None:
            if lkey is None:
                out.insufficient(f"{ldesc} not found")
                continue
        out.compare_equal(
            table=L["table"], cell=lcell, expected=rval, tolerance=doc.rounding(L["table"], R["table"]),
            row_key=lkey, measure=(lcell or {}).get("measure") or L.get("measure"),
            msg_zh=f"{ldesc} 与 {rdesc} 不一致",
            msg_en=f"{L['table']} {L.get('row') or L['keys'][0]} vs {R['table']} {R.get('row') or R['keys'][0]}",
            page_cells=[rcell],
        )


@check("budget_classes_cross")
def _budget_classes_cross(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """收支预算总表 功能分类 类 rows vs the 类 rows (and 合计) of a coded budget table, for a document
    funded by 一般公共预算 only (otherwise the summary also carries 其他资金 …)."""
    lt, rt, rm = "budget_summary", p["right"], p.get("measure", "amount")
    if not need_table(out, doc, lt) or not need_table(out, doc, rt, empty_ok=True):
        return
    s = BudgetSides(doc, lt)
    only = s.general_budget_only()
    if only is None:
        out.insufficient("公开01表 budget_summary income rows not extracted")
        return
    if not only:
        out.na("the 收支预算总表 has funds other than 一般公共预算 (其他资金, 财政专户, 上年结转 …)")
        return
    if not s.classes:
        out.na("公开01表 prints no 功能分类 rows")
        return
    if doc.is_empty(rt):
        out.na(f"{table_no(rt)} printed empty")
        return
    total, by_code = _coded(doc, rt)
    right_classes = {c: r for c, r in by_code.items() if len(c) == 3}
    tol = doc.rounding(lt, rt)
    target, extra = s.expenditure_current_or_total()
    if target is not None and not extra and total is not None:
        out.compare_equal(table=lt, cell=_bval(target), expected=amount(total.get(rm)), tolerance=tol,
                          row_key=target.row_key, measure="amount",
                          msg_zh=f"公开01表 {target.label} 与 {table_no(rt)} 合计 不一致",
                          msg_en=f"Table 01 expenditure of the year vs {table_en(rt)} total", page_cells=[total.get(rm)])
    matched: set[str] = set()
    for r in s.classes:
        code = _class_code(r)
        lcell = _bval(r)
        if code is None:
            if amount(lcell) != 0:
                out.notes.append(f"公开01表 row {r.line_name!r} not mapped to a 类 code")
            continue
        rrow = right_classes.get(code)
        if rrow is None and amount(lcell) == 0:
            continue
        matched.add(code)
        rcell = rrow.get(rm) if rrow else None
        out.compare_equal(table=lt, cell=lcell, expected=amount(rcell), tolerance=tol, row_key=r.row_key, measure="amount",
                          msg_zh=f"公开01表 {r.label}({code}) 与 {table_no(rt)} 类 {code} 不一致",
                          msg_en=f"Table 01 class {code} vs {table_en(rt)} class {code}", page_cells=[rcell])
    for code, rrow in right_classes.items():
        if code in matched or amount(rrow.get(rm)) == 0:
            continue
        rcell = rrow.get(rm)
        out.compare_equal(table=rt, cell=rcell, expected=ZERO, tolerance=doc.rounding(rt), row_key=code, measure=rm,
                          msg_zh=f"{table_no(rt)} 类 {code} {label(rrow.line_name)} 在 公开01表 功能分类 中没有对应金额",
                          msg_en=f"{table_en(rt)} class {code} has no amount in table 01")


# ---------------------------------------------------------------------------
# cross-document checks: a 决算 against the same department's 部门预算 of the same year
# ---------------------------------------------------------------------------
class Peers:
    """The current documents of a DuckDB file indexed by (canonical department, fiscal year, scope,
    doc_kind), so a check on one document can read another (run_all attaches it as ``doc.peers``).

    The department is the registry's ``department_canonical`` (after the alias seed, see
    warehouse/load.py) where the registry exists, else the identified department name; the
    scope is the registry's effective scope, else the identified one."""

    def __init__(self, con, metas: list[dict[str, Any]]):
        self.con = con
        reg: dict[str, dict[str, Any]] = {}
        if _table_exists(con, "raw", "document_registry"):
            cols = _columns(con, "raw", "document_registry")
            if "department_canonical" in cols:
                reg = {r["document_id"]: r for r in _fetch(con, "SELECT * FROM raw.document_registry", [])}
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
        m = sorted(metas, key=lambda x: x["document_id"])[0]
        if m["document_id"] not in self._docs:
            self._docs[m["document_id"]] = Doc(self.con, m, m.get("table_source_id"))
        return self._docs[m["document_id"]]


def _budget_peer(out: Outcome, doc: Doc, table: str) -> Doc | None:
    peers: Peers | None = getattr(doc, "peers", None)
    if peers is None:
        out.insufficient("cross-document check evaluated without the other documents")
        return None
    budget = peers.find(doc, "budget")
    if budget is None:
        out.na(f"no 部门预算 of this department for {doc.fiscal_year} (scope {peers.key_of.get(doc.id, ('', '', '?'))[2]})")
        return None
    if not budget.has_table(table):
        out.insufficient(f"the 部门预算 {budget.meta.get('file_name') or budget.id} has no {table}")
        return None
    return budget


def _budget_file(budget: Doc) -> str:
    return budget.meta.get("file_name") or budget.id


@check("narrative_budget_vs_budget_doc")
def _narrative_budget_vs_budget_doc(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """The 年初预算 a 决算 narrative quotes per 功能分类 科目 = that 科目 in the 部门预算's
    一般公共预算支出预算表 (a 科目 the budget does not print counts as zero)."""
    table, measure = p.get("table", "budget_general_expenditure"), p.get("measure", "amount")
    topics = set(p.get("topics") or ["item_initial_budget"])
    figs = [f for f in _figs(doc) if f.value is not None and f.row.get("subject_code")
            and re.fullmatch(r"\d{3}(\d{2}){0,2}", str(f.row["subject_code"]))
            and (f.kind == "budget" or (f.row.get("topic") in topics and f.kind == "amount"))
            and f.row.get("unit") in (None, "万元")]
    if not figs:
        out.na("the narrative quotes no 年初预算 per 科目")
        return
    budget = _budget_peer(out, doc, table)
    if budget is None:
        return
    tol_budget = budget.rounding(table)
    for fig in figs:
        code = str(fig.row["subject_code"])
        cell = budget.cell(table, code, measure)
        expected = amount(cell)
        tol = fig.half + tol_budget
        before = len(out.findings)
        out.compare_equal(
            table=None, cell=None, printed=fig.value, expected=expected, tolerance=tol, row_key=code, measure=measure,
            msg_zh=(f"情况说明所列 {code} 年初预算与同年部门预算 {_budget_file(budget)} 一般公共预算支出预算表不一致"
                    f"（“{_clip(fig.row.get('sentence'))}”）"),
            msg_en=f"Narrative initial budget of {code} vs the {doc.fiscal_year} budget document {_budget_file(budget)} ({table})",
        )
        if len(out.findings) > before and out.findings[-1].page is None:
            out.findings[-1].page = fig.row.get("page")


@check("three_public_budget_vs_budget_doc")
def _three_public_budget_vs_budget_doc(out: Outcome, doc: Doc, p: dict[str, Any]) -> None:
    """The 预算数 columns of the 决算's 三公 table = the 部门预算's “三公”经费 预算表 items."""
    final_t, budget_t = p.get("table", "three_public"), p.get("budget_table", "budget_three_public")
    measures = p.get("measures") or list(TP_ITEMS)
    if not need_table(out, doc, final_t, empty_ok=True):
        return
    budget = _budget_peer(out, doc, budget_t)
    if budget is None:
        return
    brow = next(iter(budget.rows(budget_t)), None)
    frow = next(iter(doc.rows(final_t)), None)
    if brow is None or frow is None:
        out.insufficient("三公 row not extracted")
        return
    for m in measures:
        fc, bc = frow.get(m, "budget"), brow.get(m)
        if fc is not None and fc.get("phase") not in (None, "budget"):
            fc = None
        if fc is None and bc is None:
            continue
        tol = doc.rounding(final_t) + budget.rounding(budget_t)
        out.compare_equal(
            table=final_t, cell=fc, expected=amount(bc), tolerance=tol, row_key=frow.row_key, measure=m,
            msg_zh=f"{table_no(final_t)} 预算数 {measure_zh(m)} 与同年部门预算 {_budget_file(budget)} “三公”经费预算表不一致",
            msg_en=f"{table_en(final_t)} budget {m} vs the {doc.fiscal_year} budget document {_budget_file(budget)}",
        )


TP_ITEMS = ("three_public_total", "outbound_travel", "vehicle_total", "vehicle_purchase", "vehicle_operation",
            "official_reception")


# ---------------------------------------------------------------------------
# evaluation
# ---------------------------------------------------------------------------
TABLE_CATEGORIES = ("within_table", "cross_table", "completeness")


def evaluate_document(doc: Doc, rules: Iterable[RuleSpec] | None = None) -> list[Outcome]:
    """Every rule on one document; never raises for a rule's sake (a crash is insufficient_data)."""
    outcomes = []
    for rule in rules or load_rules():
        out = Outcome(rule, doc)
        if doc.doc_kind not in rule.applies_to:
            out.na(f"applies to {'/'.join(rule.applies_to)} documents, this one is {doc.doc_kind or 'unknown'}")
        elif doc.part == "narrative" and rule.category in TABLE_CATEGORIES:
            out.na("narrative-only file; its tables are in another file of the disclosure")
        elif doc.part == "tables" and rule.category == "narrative":
            out.na("tables-only file; its narrative is in another file of the disclosure")
        else:
            try:
                CHECKS[rule.check](out, doc, rule.params)
            except Exception as exc:  # a bug or odd records must not hide the other rules' results
                out.findings.clear()
                out.checked = 0
                out.insufficient(f"check raised {type(exc).__name__}: {exc}")
        outcomes.append(out)
    return outcomes


def _table_exists(con, schema: str, table: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, table]
    ).fetchone()[0])


def _columns(con, schema: str, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?", [schema, table]
    ).fetchall()}


def current_documents(con) -> list[dict[str, Any]]:
    """Documents the rules evaluate: extracted, not a template, not superseded in the registry.

    Adds ``table_source_id``: for a narrative-only file of a split disclosure, the current
    tables file of the same disclosure (so the narrative rules can read its tables).
    """
    docs = _fetch(con, "SELECT * FROM raw.document WHERE status = ? AND NOT coalesce(is_template, false) ORDER BY document_id",
                  ["extracted"])
    if not _table_exists(con, "raw", "document_registry"):
        return docs
    cols = _columns(con, "raw", "document_registry")
    reg = {r["document_id"]: r for r in _fetch(con, "SELECT * FROM raw.document_registry", [])}
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


def _finding_id(document_id: str, rule_id: str, f: Finding, seq: int) -> str:
    key = "|".join(str(x) for x in (document_id, rule_id, f.table_name, f.row_key, f.measure, f.page, seq))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


def _ddl(con, table: str, columns: list[tuple[str, str]]) -> None:
    cols = ", ".join(f'"{n}" {t}' for n, t in columns)
    con.execute(f'CREATE TABLE IF NOT EXISTS raw."{table}" ({cols})')


def _q(d: Decimal | None, rounding: str | None = None) -> Decimal | None:
    if d is None:
        return None
    with localcontext() as ctx:
        ctx.prec = 40
        return d.quantize(Q6, rounding=rounding) if rounding else d.quantize(Q6)


OCR_NOTE = "（依据未经核实的 OCR 识别值，请核对扫描页 / rests on OCR values no identity confirmed: check the scanned page）"


def rests_on_unconfirmed_ocr(doc: Doc, f: Finding) -> bool:
    """A finding on a table page read by OCR where some value is unconfirmed: the misreading may
    be ours, not the department's, so it is a warning until a person has looked."""
    for c in doc.cells.get(f.table_name, ()) if f.table_name else ():
        if c.get("value_source") == "ocr" and not c.get("confirmed") and (f.page is None or c.get("page") == f.page):
            return True
    return False


def run_all(duckdb_path: str | Path) -> dict[str, Any]:
    """Evaluate every rule on every current document; replace raw.dq_result / raw.dq_finding.

    Returns ``{"documents": n, "results": {status: n}, "findings": {severity: n},
    "rules": {rule_id: {status: n}}}``.
    """
    import duckdb
    import pyarrow as pa

    con = duckdb.connect(str(duckdb_path))
    try:
        rules = load_rules()
        results: list[dict[str, Any]] = []
        findings: list[dict[str, Any]] = []
        docs = current_documents(con) if _table_exists(con, "raw", "document") else []
        peers = Peers(con, docs)
        for meta in docs:
            doc = Doc(con, meta, meta.get("table_source_id"))
            doc.peers = peers  # cross-document checks read the department's other documents
            for out in evaluate_document(doc, rules):
                r = out.rule
                results.append({
                    "document_id": doc.id, "rule_id": r.id, "rule_title": r.title, "severity": r.severity,
                    "category": r.category, "status": out.status, "detail": out.detail,
                })
                for seq, f in enumerate(out.findings):
                    ocr = rests_on_unconfirmed_ocr(doc, f)
                    findings.append({
                        "finding_id": _finding_id(doc.id, r.id, f, seq), "document_id": doc.id, "rule_id": r.id,
                        "severity": "warning" if ocr else r.severity, "category": r.category, "table_name": f.table_name,
                        "page": f.page, "row_key": f.row_key, "measure": f.measure,
                        "expected": _q(f.expected), "printed": _q(f.printed), "difference": _q(f.difference),
                        "tolerance": _q(f.tolerance, ROUND_UP),
                        "message": f.message + (OCR_NOTE if ocr else ""),
                    })

        def arrow(rows, columns):
            fields = [(n, pa.decimal128(24, 6) if t.startswith("DECIMAL") else pa.int32() if t == "INTEGER" else pa.string())
                      for n, t in columns]
            return pa.Table.from_pylist(rows, schema=pa.schema(fields))

        res_tbl, fnd_tbl = arrow(results, DQ_RESULT_COLUMNS), arrow(findings, DQ_FINDING_COLUMNS)
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.execute("BEGIN TRANSACTION")
        try:
            _ddl(con, "dq_result", DQ_RESULT_COLUMNS)
            _ddl(con, "dq_finding", DQ_FINDING_COLUMNS)
            con.execute("DELETE FROM raw.dq_result")
            con.execute("DELETE FROM raw.dq_finding")
            con.register("_dq_result_new", res_tbl)
            con.register("_dq_finding_new", fnd_tbl)
            names_r = ", ".join(f'"{n}"' for n, _ in DQ_RESULT_COLUMNS)
            names_f = ", ".join(f'"{n}"' for n, _ in DQ_FINDING_COLUMNS)
            con.execute(f"INSERT INTO raw.dq_result ({names_r}) SELECT {names_r} FROM _dq_result_new")
            con.execute(f"INSERT INTO raw.dq_finding ({names_f}) SELECT {names_f} FROM _dq_finding_new")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        finally:
            for v in ("_dq_result_new", "_dq_finding_new"):
                try:
                    con.unregister(v)
                except Exception:
                    pass
    finally:
        con.close()
    by_status: dict[str, int] = {s: 0 for s in STATUSES}
    by_rule: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in results:
        by_status[r["status"]] += 1
        by_rule[r["rule_id"]][r["status"]] += 1
    by_severity: dict[str, int] = {"error": 0, "warning": 0}
    for f in findings:
        by_severity[f["severity"]] = by_severity.get(f["severity"], 0) + 1
    return {
        "documents": len(docs),
        "results": by_status,
        "findings": by_severity,
        "rules": {k: dict(v) for k, v in by_rule.items()},
    }


def main(argv: list[str] | None = None) -> int:
    import json

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--list"]:  # the catalog as a Markdown table
        print("| id | severity | category | rule |\n|---|---|---|---|")
        for r in load_rules():
            print(f"| `{r.id}` | {r.severity} | {r.category} | {r.title_zh} / {r.title_en} |")
        return 0
    if not argv:
        from warehouse.settings import Settings

        path = Settings.from_env().duckdb_path
    else:
        path = Path(argv[0])
    counts = run_all(path)
    print(json.dumps({k: v for k, v in counts.items() if k != "rules"}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
