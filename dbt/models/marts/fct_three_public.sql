-- 三公经费 by item: 预算数 and 决算数 side by side, per current document.
-- Incremental by document, like fct_fiscal_line (dbt/macros/night.sql).
{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ night_delete() }}") }}
-- depends_on: {{ source('raw', 'night_affected') }}
select
    md5(concat_ws('|', c.document_id, c.row_key, c.measure))      as three_public_id,
    c.document_id,
    c.disclosure_id,
    c.department_id,
    c.department_name,
    c.fiscal_year,
    c.doc_kind,
    c.scope,
    c.department_level,
    c.top_department_id,
    c.counts_in_department_total,
    c.row_key,
    c.measure                                                       as item,
    m.label_zh                                                      as item_label_zh,
    cast(sum(c.amount) filter (where c.phase = 'budget') as decimal(24, 6))  as budget_amount,
    cast(sum(c.amount) filter (where c.phase = 'final') as decimal(24, 6))   as final_amount,
    cast(sum(c.amount) filter (where c.phase = 'final')
         - sum(c.amount) filter (where c.phase = 'budget') as decimal(24, 6)) as final_minus_budget,
    min(c.source_page)                                              as source_page
from {{ ref('int_current_table_cell') }} as c
left join {{ ref('dim_measure') }} as m using (measure)
where c.table_name = 'three_public'
  and c.measure is not null
  and {{ night_scope('c.document_id') }}
group by all
