"""项目支出绩效自评表: the printed 执行率 against 全年执行数 / 全年预算数."""
from __future__ import annotations

from collections import defaultdict
from decimal import localcontext
from typing import Any

from .common import PERFORMANCE_TABLE
from .engine import (
    Q6,
    Finding,
    Outcome,
    check,
    first_page,
    fmt,
    half_unit,
    ratio_interval,
)
from .model import Doc, amount


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
            out.add(Finding(
                PERFORMANCE_TABLE, first_page(rate), key, "execution_rate", expected.quantize(Q6), r,
                (r - expected).quantize(Q6), tol.quantize(Q6),
                f"绩效自评表(第{seq}表) {key} 执行率 填报 {text or fmt(r)}，全年执行数 {fmt(a)} / 全年预算数 {fmt(b)} = {expected * 100:.2f}%"
                f" / Performance table {seq} {key}: execution rate printed {text or fmt(r)}, executed/budget = {expected * 100:.2f}%",
            ))
    if not out.checked and not out.missing:
        out.na("no 执行率 printed")


