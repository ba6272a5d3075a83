"""项目支出绩效自评表: project, unit, funds (with 执行率) and indicator rows."""
from __future__ import annotations

from .tables import TableInstance, _cell_record
from .text import compact

FUND_ROWS = ("当年财政拨款", "上年结转资金", "其他资金", "年度资金总和", "年度资金总额", "资金总额", "合计")
LEVEL_HEADERS = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "偏差原因")


def read_performance(inst: TableInstance) -> tuple[dict, list[dict]]:
    t = inst.template
    project = {"table_seq": inst.seq, "project_name": None, "implementing_unit": None,
               "goal_planned": None, "goal_achieved": None, "page": inst.first_page}
    indicators: list[dict] = []
    fund_cols: dict[int, str] = {}
    in_indicators = False
    ind_cols: dict[str, int] = {}
    goal_next = False
    row_index = 0
    for g in inst.grids:
        for r in range(g.n_rows):
            cells = g.distinct_cells(r)
            texts = [compact(c.text) for _, c in cells]
            if not any(texts):
                continue
            row_index += 1
            if "项目名称" in texts:
                i = texts.index("项目名称")
                project["project_name"] = next((x for x in texts[i + 1:] if x), None)
                inst.project_name = project["project_name"]
                continue
            if any(x in ("实施单位", "主管部门", "项目单位") for x in texts):
                i = next(j for j, x in enumerate(texts) if x in ("实施单位", "主管部门", "项目单位"))
                project["implementing_unit"] = next((x for x in texts[i + 1:] if x), None)
                continue
            if "年初预算数" in texts:
                for k, c in cells:
                    m = t.funds_columns.get(compact(c.text))
                    if m:
                        fund_cols[k] = m
                continue
            label = next((x for x in texts if x in FUND_ROWS or x.startswith("年度资金")), None)
            if label and fund_cols:
                for k, measure in fund_cols.items():
                    rec = _cell_record(inst, g, r, k, row_index=row_index, row_key=label, measure=measure,
                                       phase=None, header_path=["资金情况", label, measure],
                                       line_name=label, rate=measure == "execution_rate")
                    if rec:
                        inst.cells.append(rec)
                continue
            if "预期目标" in texts:
                goal_next = True
                continue
            if goal_next:
                vals = [x for x in texts if x and x not in ("年度总体目标",)]
                if vals:
                    project["goal_planned"] = vals[0]
                    project["goal_achieved"] = vals[1] if len(vals) > 1 else None
                goal_next = False
                continue
            if "一级指标" in texts:
                in_indicators = True
                for k, c in cells:
                    tx = compact(c.text)
                    for h in LEVEL_HEADERS:
                        if tx.startswith(h):
                            ind_cols[h] = k
                continue
            if in_indicators and ind_cols:
                def at(h):
                    k = ind_cols.get(h)
                    if k is None:
                        return None
                    c = g.slot(r, k)
                    return compact(c.text) if c and compact(c.text) else None
                l3 = at("三级指标")
                tv, av = at("年度指标值"), at("实际完成值")
                if l3 is None and tv is None and av is None:
                    continue
                indicators.append({
                    "table_seq": inst.seq,
                    "indicator_seq": len(indicators) + 1,
                    "level1": at("一级指标"),
                    "level2": at("二级指标"),
                    "level3": l3,
                    "target_value": tv,
                    "actual_value": av,
                    "deviation_reason": at("偏差原因"),
                    "page": g.page,
                })
    return project, indicators
