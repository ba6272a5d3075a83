"""绩效目标表 (政策和项目预算绩效目标表, 项目支出绩效目标表, 部门整体支出绩效目标表): the
most frequent table of current 部门预算, printed as a form per project (项目名称 | …,
资金总额 | …, 年度目标 | …, then an indicator block) or as a list (one row per project or
per indicator, the project carried down).  Both become ``records.PERFORMANCE_TARGET``
rows: one per indicator (or one per project without indicators), with the project's
name, units, funds and goal repeated.  The labels are data (``catalog/tables.yaml``:
``performance_target_labels``)."""
from __future__ import annotations

import re
from functools import lru_cache

import yaml

from .catalog import CATALOG_DIR
from .tables import TableInstance
from .text import compact
from .values import parse_value

FIELDS = ("project_name", "department", "implementing_unit", "funds_total", "goal",
          "level1", "level2", "level3", "target_value", "unit_of_measure")


@lru_cache(maxsize=1)
def labels() -> dict[str, list[str]]:
    with open(CATALOG_DIR / "tables.yaml", encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)["performance_target_labels"]
    return {k: [compact(x) for x in v] for k, v in spec.items()}


_PAREN = re.compile(r"[(（][^()（）]*[)）]")
_COLUMN_NUMBER = re.compile(r"^[\d*#\-—]+$")
_LIST_FIELDS = {"level1", "level2", "level3", "target_value"}


def _field_of(text: str) -> str | None:
    """The field a printed label names (its parenthetical unit ignored: 预算数(单位:万元))."""
    full = compact(text)
    for t in (full, _PAREN.sub("", full)):  # 单位(项目)名称 as printed before 单位名称
        for name, aliases in labels().items():
            if t and t in aliases:
                return name
    return None


def _is_header(named: dict[int, str]) -> bool:
    """Column labels of an indicator block or of a list of projects, not a form line
    (主管部门 | X | 实施单位 | Y names two fields too)."""
    fields = set(named.values())
    return len(named) >= 2 and bool(fields & _LIST_FIELDS or {"project_name", "funds_total"} <= fields)


def _unit(texts: list[str], default: str | None) -> str | None:
    joined = "".join(texts)
    if "万元" in joined:
        return "万元"
    if "(元)" in joined or "单位:元" in joined:
        return "元"
    return default


def read_performance_targets(inst: TableInstance) -> list[dict]:
    """Rows of ``records.PERFORMANCE_TARGET`` (without document_id) for one table."""
    project: dict = {}
    header: dict[int, str] | None = None  # indicator (or list) columns: col → field
    out: list[dict] = []
    last: dict[str, str] = {}
    unit = inst.unit
    for g in inst.grids:
        for r in range(g.n_rows):
            cells = [(k, compact(c.text)) for k, c in g.distinct_cells(r)]
            texts = [t for _, t in cells if t]
            if not texts or all(_COLUMN_NUMBER.match(t) for t in texts):
                continue  # blank, or the 栏次 row (1 2 3 …, ** under a label)
            fields = {k: _field_of(t) for k, t in cells}
            # a header row: two or more column labels (一级指标 | 二级指标 | …, 项目名称 | 资金总额 | …)
            named = {k: f for k, f in fields.items() if f}
            if _is_header(named):
                header = named
                last = {}
                unit = _unit(texts, unit)
                continue
            if header is None or not any(k in header for k, _ in cells if _):
                # a form line: label | value (| label | value)
                for i, (k, t) in enumerate(cells):
                    f = fields.get(k)
                    if f and f in ("project_name", "department", "implementing_unit", "funds_total", "goal"):
                        nxt = next((v for _, v in cells[i + 1:] if v and not _field_of(v)), None)
                        if nxt and f not in project:
                            project[f] = nxt
                            if f == "project_name":  # a new form: indicators of the previous one end
                                header = None
                            if f == "funds_total":
                                unit = _unit(texts, unit)
                continue
            row = dict(project)
            by_field = {header[k]: t for k, t in cells if k in header}
            for f, t in by_field.items():
                if t:
                    row[f] = t
                elif f in ("project_name", "level1", "level2", "department"):
                    row[f] = last.get(f)  # merged (or blank) cells carry the value above down
            last = {f: row.get(f) for f in ("project_name", "level1", "level2", "department")}
            if not any(row.get(f) for f in ("level3", "target_value", "funds_total", "goal")):
                continue
            out.append(_record(inst, g.page, row, unit))
    if not out and project:
        out.append(_record(inst, inst.first_page, project, unit))
    for i, rec in enumerate(out, 1):
        rec["target_seq"] = i
    return out


def _record(inst: TableInstance, page: int, row: dict, unit: str | None) -> dict:
    funds = row.get("funds_total")
    value = parse_value(funds) if funds else None
    return {
        "table_seq": inst.seq,
        "table_name": inst.table_name,
        "target_seq": 0,
        **{f: row.get(f) for f in FIELDS if f != "funds_total"},
        "funds_text": funds,
        "funds_printed": value.printed if value is not None and value.kind in ("number", "zero") else None,
        "unit": unit,
        "page": page,
    }
