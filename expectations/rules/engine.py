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
            Finding(table, first_page(total, *terms), row_key, measure, expected, printed, diff, tol, msg)
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
        self.add(Finding(table, first_page(cell, *page_cells), row_key, measure, expected, printed, diff, tolerance, msg))
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
            except Exception as exc:  # noqa: BLE001 - a bug or odd records must not hide the other rules' results
                out.findings.clear()
                out.checked = 0
                out.insufficient(f"check raised {type(exc).__name__}: {exc}")
        outcomes.append(out)
    return outcomes

def q6(d: Decimal | None, rounding: str | None = None) -> Decimal | None:
    if d is None:
        return None
    with localcontext() as ctx:
        ctx.prec = 40
        return d.quantize(Q6, rounding=rounding) if rounding else d.quantize(Q6)

