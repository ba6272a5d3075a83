-- Budget vs final of the 一般公共预算 per department over the years: one row per department ×
-- scope × fiscal year × 功能分类 类 (and the 合计 row), from mart_budget_execution (budget =
-- 一般公共预算支出预算表 of the 部门预算, final = 一般公共预算财政拨款支出决算表 of the 决算),
-- with the previous year's figures of the same department and 类 next to it.
with base as (
    select
        department_id,
        department_name,
        scope,
        fiscal_year,
        row_key,
        case when row_key = '合计' then null else subject_code end  as subject_code,
        case when row_key = '合计' then 0 else 1 end                as subject_level,
        line_name,
        budget_amount,
        final_amount,
        final_minus_budget,
        execution_rate
    from {{ ref('mart_budget_execution') }}
    where table_name = 'general_budget_expenditure'
      and measure = 'expenditure_total'
      and (row_key = '合计' or subject_level = 1)
)
select
    md5(concat_ws('|', department_id, scope, row_key, fiscal_year))             as budget_series_id,
    department_id,
    department_name,
    scope,
    row_key,
    subject_code,
    subject_level,
    line_name,
    fiscal_year,
    budget_amount,
    final_amount,
    final_minus_budget,
    execution_rate,
    lag(fiscal_year) over w                                                      as previous_fiscal_year,
    lag(budget_amount) over w                                                    as previous_budget_amount,
    lag(final_amount) over w                                                     as previous_final_amount,
    cast(budget_amount - lag(budget_amount) over w as decimal(24, 6))            as budget_change,
    cast(final_amount - lag(final_amount) over w as decimal(24, 6))              as final_change,
    count(*) over (partition by department_id, scope, row_key)                   as years_in_series
from base
window w as (partition by department_id, scope, row_key order by fiscal_year)
