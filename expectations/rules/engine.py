"""The rule engine: a rule's spec (``rules.yaml``), what one check reports (:class:`Outcome`,
:class:`Finding`), the registry of checks and the evaluation of every rule on one document.

A rule's implementation (a *check*) is a function over one document's records
(:class:`~expectations.rules.model.Doc`) registered under its ``check`` name with
:func:`check`; one function may serve several catalog entries through ``params`` (the 01 and
04 totals are one check).  A check reports into an :class:`Outcome`: each comparison it makes
either passes or adds a :class:`Finding`; inputs it could not find are recorded as missing.
The outcome's status is then

* ``fail``               at least one finding,
* ``pass``               at least one comparison made and none failed,
* ``insufficient_data``  nothing compared because inputs were missing (reason in detail),
* ``not_applicable``     nothing to compare (document kind, empty table, no such rows).

so every document × rule gets a row in ``raw.dq_result`` and a rule that did not run
never reads as a pass.  Amounts are :class:`decimal.Decimal` end to end.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext
from functools import lru_cache
from typing import Any

import yaml

from extract.text import compact

from .common import HERE, measure_zh, table_en, table_no
from .model import ZERO, Doc, amount, printed_count

STATUSES = ("pass", "fail", "not_applicable", "insufficient_data")
Q6 = Decimal("0.000001")


# ---------------------------------------------------------------------------
# printed numbers
# ---------------------------------------------------------------------------
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


def printed_half(doc: Doc, table: str, cell: dict[str, Any] | None) -> Decimal:
    """Half a unit of the cell's printed last digit, in 万元 (0 when nothing or a zero is printed:
    a table printing its zeros as ``0`` says nothing about the precision of its amounts)."""
    text = (cell or {}).get("value_text")
    if not text or not amount(cell):
        return ZERO
    f = (doc.tables.get(table) or {}).get("unit_factor")
    return half_unit(text) * (min(Decimal(1), Decimal(f)) if f else Decimal(1))


def _parent_with_children(terms: list[dict[str, Any] | None], diff: Decimal, tol: Decimal) -> dict | None:
    """A term that is the sum of the 2+ terms printed right after it, when the sum exceeds the total
    by exactly that term: 财政拨款 100 followed by 一般公共预算 60 + 政府性基金 40, all read as items."""
    vals = [amount(t) for t in terms]
    for i, t in enumerate(terms):
        v = vals[i]
        if not v or abs(diff + v) > tol:
            continue
        run = ZERO
        for j in range(i + 1, len(terms)):
            run += vals[j]
            if j > i + 1 and abs(run - v) <= tol:
                return t
            if run > v + tol:
                break
    return None


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
# the rule catalog
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
    # None: the rule's severity.  A check lowers it to "warning" where the inconsistency is not
    # certain from what was read (a stray year that may be a name, an unrecognised template …)
    severity: str | None = None
    # the standard tables the comparison rests on (its own table and the other side's)
    rests_on: tuple[str, ...] = ()


def _tables_of(table: str | None, cells: Iterable[dict[str, Any] | None]) -> tuple[str, ...]:
    out = [table] if table else []
    for c in cells:
        t = (c or {}).get("table_name")
        if t and t not in out:
            out.append(t)
    return tuple(out)


class Outcome:
    def __init__(self, rule: RuleSpec, doc: Doc):
        self.rule = rule
        self.doc = doc
        self.checked = 0
        self.findings: list[Finding] = []
        self.missing: list[str] = []
        self.not_applicable: list[str] = []
        self.notes: list[str] = []
        self.duplicates: list[str] = []  # findings already reported by another rule / side

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
        """printed total = Σ printed terms, within n × half a printed unit (n = printed terms, at
        least 1; the unit of the coarsest printed digit, 0.01 万元 as a rule).

        Terms adding up to twice the total (or more) are the signature of parent rows summed with
        their own children (一、本年支出 and its 类 rows; 财政拨款收入 and 一般公共预算拨款收入; 类, 款
        and 项 alike): the row hierarchy was not read, so the identity is ``insufficient_data``,
        not a finding."""
        expected = sum((amount(t) for t in terms), ZERO)
        printed = amount(total)
        half = max([self.doc.rounding(table)] + [printed_half(self.doc, table, c) for c in (total, *terms)])
        tol = half * max(1, printed_count(terms))
        diff = printed - expected
        if abs(diff) <= tol:
            self.ok()
            return True
        parent = _parent_with_children(terms, diff, tol)
        if parent is not None:
            self.insufficient(f"{table_no(table)} {what_zh}: the term {fmt(amount(parent))} equals the rows printed"
                              f" after it and the difference is that term (a parent row read together with its"
                              f" children; row hierarchy not established)")
            return False
        if printed > 0 and (abs(expected - 2 * printed) <= 2 * tol or expected >= printed * Decimal("1.9")):
            # every level of a hierarchy adds up to the total: Σ ≈ k × total means k levels were read
            self.insufficient(f"{table_no(table)} {what_zh}: terms add up to {fmt(expected)}, about"
                              f" {expected / printed:.1f} × the total {fmt(printed)} (parent rows and their children"
                              f" read as terms alike; row hierarchy not established)")
            return False
        where = f"{table_no(table)} {what_zh} {measure_zh(measure)}{'（' + phase_zh(phase) + '）' if phase else ''}"
        msg = (
            f"{where} 填报 {fmt(printed)}，{terms_zh} = {fmt(expected)}，差额 {fmt(diff)}（容差 {fmt(tol)}）"
            f" / {table_en(table)} {what_en} {measure or ''}{' (' + phase + ')' if phase else ''}:"
            f" printed {fmt(printed)}, sum of terms {fmt(expected)}, difference {fmt(diff)}"
        )
        self.add(
            Finding(table, first_page(total, *terms), row_key, measure, expected, printed, diff, tol, msg,
                    rests_on=_tables_of(table, (total,)))
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
        page_cells = list(page_cells)
        self.add(Finding(table, first_page(cell, *page_cells), row_key, measure, expected, printed, diff, tolerance, msg,
                         rests_on=_tables_of(table, [cell, *page_cells])))
        return False

    # -- result -------------------------------------------------------------------
    @property
    def status(self) -> str:
        if self.findings or self.duplicates:
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
            parts.append(f"{self.checked} comparisons, {len(self.findings) + len(self.duplicates)} failed")
        if self.duplicates:
            parts.append("reported once under " + ", ".join(sorted(set(self.duplicates))[:5]))
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


def first_page(*cells: dict[str, Any] | None) -> int | None:
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

# ---------------------------------------------------------------------------
# evaluation
# ---------------------------------------------------------------------------
TABLE_CATEGORIES = ("within_table", "cross_table", "completeness", "extraction")


def evaluate_document(doc: Doc, rules: Iterable[RuleSpec] | None = None) -> list[Outcome]:
    """Every rule on one document; never raises for a rule's sake (a crash is insufficient_data).

    Then, over the document's outcomes: a restatement that rests on a table whose own totals do
    not balance is withdrawn (``insufficient_data``: the table was read wrong or printed wrong,
    its failing identity says which, the restatement cannot), and a defect seen twice — on both
    sides of a two-sided table, or by two rules comparing the same cells — is reported once."""
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
            except Exception as exc:  # noqa: BLE001 - a bug or odd records must not hide the other rules' results
                out.findings.clear()
                out.checked = 0
                out.insufficient(f"check raised {type(exc).__name__}: {exc}")
        outcomes.append(out)
    _withhold_unverified(outcomes)
    _report_once(outcomes)
    return outcomes


def severity_of(out: Outcome, f: Finding) -> str:
    return f.severity or out.rule.severity


def _withhold_unverified(outcomes: list[Outcome]) -> None:
    """A cross-table or narrative finding resting on a table whose own identities fail is not
    certain (the table may be misread, or the defect is the table's, already reported by its own
    identity): it stays a finding, as a warning that says so."""
    unbalanced: dict[str, str] = {}
    for out in outcomes:
        if out.rule.category == "within_table":
            for f in out.findings:
                if f.table_name and severity_of(out, f) == "error":
                    unbalanced.setdefault(f.table_name, out.rule.id)
    if not unbalanced:
        return
    for out in outcomes:
        if out.rule.category not in ("cross_table", "narrative"):
            continue
        for f in out.findings:
            bad = [t for t in f.rests_on if t in unbalanced]
            if bad and severity_of(out, f) == "error":
                t = bad[0]
                f.severity = "warning"
                f.message += (f"（{table_no(t)} 自身勾稽不成立（{unbalanced[t]}），本项未核实）"
                              f" [{table_en(t)} does not balance internally ({unbalanced[t]}); not verified]")


_SIDE = re.compile(r"^(?:income|expenditure|purpose):")


def _report_once(outcomes: list[Outcome]) -> None:
    """One finding per defect: the same printed and expected values at the same place (the row
    key without its side), whichever rule or side saw it first."""
    seen: dict[tuple, str] = {}
    for out in outcomes:
        for f in list(out.findings):
            if f.printed is None and f.expected is None:
                continue  # text findings are one per page and matched text already
            # the two sides of a 01/04 table print their 总计 in different columns: no measure there
            sided = bool(_SIDE.match(f.row_key or ""))
            key = (f.table_name, f.page, _SIDE.sub("", f.row_key or ""), None if sided else f.measure,
                   f.printed, f.expected)
            if key in seen:
                out.findings.remove(f)
                out.duplicates.append(seen[key])
            else:
                seen[key] = out.rule.id


def q6(d: Decimal | None, rounding: str | None = None) -> Decimal | None:
    if d is None:
        return None
    with localcontext() as ctx:
        ctx.prec = 40
        return d.quantize(Q6, rounding=rounding) if rounding else d.quantize(Q6)

