"""Exact parsing of printed amounts and rates (never float)."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .text import compact

DASHES = {"-", "—", "–", "－", "--", "——", "/", "─", "━", "一"}
_NUMBER = re.compile(r"^\(?[-−]?\d{1,3}(,\d{3})*(\.\d+)?\)?$|^[-−]?\d+(\.\d+)?$")
_PERCENT = re.compile(r"^[-−]?\d+(\.\d+)?%$")
WAN = Decimal(10000)


@dataclass(frozen=True)
class Value:
    kind: str  # number | percent | zero | blank | dash | text
    printed: Decimal | None  # the number as printed (percent: as a fraction)
    text: str


def parse_value(raw: str | None, *, rate: bool = False) -> Value:
    """Parse one cell.

    ``rate=True`` reads a bare number as a fraction (执行率 printed as ``1.00``
    means 100%) and ``68.40%`` as 0.684.
    """
    text = compact(raw)
    if text == "":
        return Value("blank", None, text)
    if text in DASHES:
        return Value("dash", None, text)
    if _PERCENT.match(text):
        num = Decimal(text[:-1].replace("−", "-")) / 100
        return Value("percent", num, text)
    if _NUMBER.match(text):
        neg = text.startswith("(") and text.endswith(")")
        clean = text.strip("()").replace(",", "").replace("−", "-")
        try:
            num = Decimal(clean)
        except InvalidOperation:  # pragma: no cover - regex guards this
            return Value("text", None, text)
        if neg:
            num = -num
        if rate:
            return Value("percent", num, text)
        return Value("zero" if num == 0 else "number", num, text)
    return Value("text", None, text)


def to_wan(printed: Decimal | None, unit_factor: Decimal) -> Decimal | None:
    """Printed amount → 万元 (exact: 元 / 10000 keeps every digit)."""
    if printed is None:
        return None
    return printed * unit_factor


def unit_factor(unit: str | None) -> Decimal:
    if unit == "元":
        return Decimal(1) / WAN
    if unit == "亿元":
        return Decimal(10000)
    return Decimal(1)


_UNIT = re.compile(r"(?:金额)?单位[:：]\s*(万元|元|亿元)")


def find_unit(text: str) -> str | None:
    m = _UNIT.search(compact(text))
    return m.group(1) if m else None


def inherit_units(instances) -> None:
    """A table that prints no 单位 line is in the unit the document's other tables print
    (the unit line sits once above a group of tables in some templates)."""
    units = Counter(i.unit for i in instances if i.unit)
    if not units:
        return
    common = units.most_common(1)[0][0]
    for inst in instances:
        if inst.unit is None and inst.template is not None and inst.template.layout != "performance":
            inst.unit = common
            inst.unit_inherited = True
