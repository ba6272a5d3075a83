-- “三公”经费、会议费、培训费: budget vs final per department × fiscal year × scope × item.
--   budget_doc_amount        the 部门预算's “三公”经费、会议费、培训费支出预算表 (budget_three_public)
--   final_doc_budget_amount  the 预算数 printed in the 决算's 三公 table (three_public, phase budget)
--   final_amount             the 决算数 of the 决算's 三公 table; for 会议费 / 培训费 the 决算's
--                            一般公共预算财政拨款基本支出 table (经济分类 30215 / 30216) when printed
-- An item printed in only one of the documents keeps NULLs on the other side.
with budget_doc as (
    select
        department_id,
        fiscal_year,
        scope,
        measure                                                   as item,
        any_value(department_name)                                as department_name,
        cast(sum(amount) as decimal(24, 6))                       as budget_doc_amount,
        list(distinct document_id)                                as budget_document_ids
    from {{ ref('int_current_table_cell') }}
    where doc_kind = 'budget'
      and table_name = 'budget_three_public'
      and measure is not null
      and department_id is not null
    group by department_id, fiscal_year, scope, measure
),
final_cells as (
    select department_id, department_name, fiscal_year, scope, document_id, measure as item, phase, amount
    from {{ ref('int_current_table_cell') }}
    where doc_kind = 'final'
      and table_name = 'three_public'
      and measure is not null
      and department_id is not null
    union all
    select department_id, department_name, fiscal_year, scope, document_id,
           case row_key when '30215' then 'meeting_expense' else 'training_expense' end as item,
           'final' as phase, amount
    from {{ ref('int_current_table_cell') }}
    where doc_kind = 'final'
      and table_name = 'general_budget_basic_expenditure'
      and row_key in ('30215', '30216')
      and department_id is not null
),
final_doc as (
    select
        department_id,
        fiscal_year,
        scope,
        item,
        any_value(department_name)                                                  as department_name,
        cast(sum(amount) filter (where phase = 'budget') as decimal(24, 6))         as final_doc_budget_amount,
        cast(sum(amount) filter (where phase = 'final') as decimal(24, 6))          as final_amount,
        list(distinct document_id)                                                  as final_document_ids
    from final_cells
    group by department_id, fiscal_year, scope, item
),
joined as (
    select
        coalesce(b.department_id, f.department_id)       as department_id,
        coalesce(b.department_name, f.department_name)   as department_name,
        coalesce(b.fiscal_year, f.fiscal_year)           as fiscal_year,
        coalesce(b.scope, f.scope)                       as scope,
        coalesce(b.item, f.item)                         as item,
        b.budget_doc_amount,
        f.final_doc_budget_amount,
        f.final_amount,
        b.budget_document_ids,
        f.final_document_ids
    from budget_doc as b
    full outer join final_doc as f
      on f.department_id = b.department_id
     and f.fiscal_year = b.fiscal_year
     and f.scope = b.scope
     and f.item = b.item
)
select
    md5(concat_ws('|', j.department_id, j.fiscal_year, j.scope, j.item))                     as three_public_budget_final_id,
    j.department_id,
    j.department_name,
    j.fiscal_year,
    j.scope,
    j.item,
    m.label_zh                                                                               as item_label_zh,
    j.budget_doc_amount,
    j.final_doc_budget_amount,
    j.final_amount,
    cast(j.final_amount - j.budget_doc_amount as decimal(24, 6))                             as final_minus_budget,
    cast(round(j.final_amount / nullif(j.budget_doc_amount, 0), 6) as decimal(18, 6))        as execution_rate,
    cast(j.final_doc_budget_amount - j.budget_doc_amount as decimal(24, 6))                  as final_doc_budget_minus_budget_doc,
    j.budget_document_ids is not null and j.final_document_ids is not null                  as has_both_documents,
    j.budget_document_ids,
    j.final_document_ids
from joined as j
left join {{ ref('dim_measure') }} as m on m.measure = j.item
