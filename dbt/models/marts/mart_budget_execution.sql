-- Budget vs final: for every department × fiscal year × scope where both a current budget
-- document (doc_kind = 'budget') and a current final document exist, the budget amount and
-- the final amount of the same table row and measure. Budget tables are matched to final
-- tables and measures through seeds/budget_final_table_pairs.csv (a budget table not listed
-- is compared with the final table of the same name; a blank measure means the same measure).
with pairs as (
    select budget_table_name, budget_measure, final_table_name, final_measure
    from {{ ref('budget_final_table_pairs') }}
),
budget as (
    select
        c.department_id,
        c.fiscal_year,
        c.scope,
        coalesce(p.final_table_name, c.table_name)   as table_name,
        c.row_key,
        coalesce(p.final_measure, c.measure)         as measure,
        cast(sum(c.amount) as decimal(24, 6))        as budget_amount,
        list(distinct c.document_id)                 as budget_document_ids
    from {{ ref('int_current_table_cell') }} as c
    left join pairs as p
      on p.budget_table_name = c.table_name
     and (p.budget_measure is null or p.budget_measure = c.measure)
    where c.doc_kind = 'budget'
      and c.measure is not null
      and c.phase = 'budget'
      and c.department_id is not null
    group by all
),
final as (
    select
        department_id,
        any_value(department_name)                   as department_name,
        fiscal_year,
        scope,
        table_name,
        row_key,
        measure,
        any_value(classification)                    as classification,
        any_value(subject_code)                      as subject_code,
        any_value(subject_key)                       as subject_key,
        any_value(subject_level)                     as subject_level,
        any_value(line_name)                         as line_name,
        cast(sum(amount) as decimal(24, 6))          as final_amount,
        list(distinct document_id)                   as final_document_ids
    from {{ ref('int_current_table_cell') }}
    where doc_kind = 'final'
      and measure is not null
      and phase = 'final'
      and department_id is not null
    group by department_id, fiscal_year, scope, table_name, row_key, measure
)
select
    md5(concat_ws('|', f.department_id, f.fiscal_year, f.scope, f.table_name, f.row_key, f.measure)) as budget_execution_id,
    f.department_id,
    f.department_name,
    f.fiscal_year,
    f.scope,
    f.table_name,
    f.row_key,
    f.classification,
    f.subject_code,
    f.subject_key,
    f.subject_level,
    f.line_name,
    f.measure,
    b.budget_amount,
    f.final_amount,
    cast(f.final_amount - b.budget_amount as decimal(24, 6))                           as final_minus_budget,
    cast(round(f.final_amount / nullif(b.budget_amount, 0), 6) as decimal(18, 6))       as execution_rate,
    b.budget_document_ids,
    f.final_document_ids
from final as f
join budget as b
  on b.department_id = f.department_id
 and b.fiscal_year = f.fiscal_year
 and b.scope = f.scope
 and b.table_name = f.table_name
 and b.row_key = f.row_key
 and b.measure = f.measure
