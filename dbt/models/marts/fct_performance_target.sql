-- 绩效目标表 of current documents (部门预算: 项目支出/政策和项目 and 部门整体): one row per
-- indicator (or per project without indicators), with the project's funds in 万元.
-- Incremental by document, like fct_fiscal_line (dbt/macros/night.sql).
{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ night_delete() }}") }}
-- depends_on: {{ source('raw', 'night_affected') }}
select
    md5(concat_ws('|', t.document_id, t.table_seq, t.target_seq)) as performance_target_id,
    t.document_id,
    d.disclosure_id,
    d.department_id,
    d.department_name,
    d.fiscal_year,
    d.scope,
    t.table_seq,
    t.table_name,
    t.target_seq,
    t.project_name,
    t.department                                                   as department_printed,
    t.implementing_unit,
    t.goal,
    t.level1,
    t.level2,
    t.level3,
    t.target_value,
    t.unit_of_measure,
    t.funds_text,
    cast(case t.unit when '元' then t.funds_printed / 10000 else t.funds_printed end
         as decimal(24, 6))                                        as funds_amount,
    t.unit                                                         as funds_unit_printed,
    t.source_page
from {{ ref('stg_performance_target') }} as t
join {{ ref('int_current_document') }} as d
  on d.document_id = t.document_id
 and d.is_current_tables
where {{ night_scope('t.document_id') }}
