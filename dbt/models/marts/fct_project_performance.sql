-- One row per project of the 项目支出绩效自评表 of current documents, with the funds of its
-- total row (年度资金总额, else the first fund row) and the execution rate recomputed.
-- Incremental by document, like fct_fiscal_line (dbt/macros/night.sql).
{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ night_delete() }}") }}
-- depends_on: {{ source('raw', 'night_affected') }}
with docs as (
    select * from {{ ref('int_current_document') }} where is_current_tables
),
projects as (
    select p.*
    from {{ ref('stg_performance_project') }} as p
    join docs using (document_id)
),
fund_rows as (
    select
        document_id,
        table_seq,
        row_key,
        min(row_index)                                                   as row_index,
        max(amount) filter (where measure = 'initial_budget')            as initial_budget,
        max(amount) filter (where measure = 'adjusted_budget')           as adjusted_budget,
        max(amount) filter (where measure = 'executed')                  as executed,
        max(amount) filter (where measure = 'execution_rate')            as execution_rate_printed,
        max(value_text) filter (where measure = 'execution_rate')        as execution_rate_text,
        min(source_page)                                                 as funds_page
    from {{ ref('int_current_table_cell') }}
    where table_name = 'performance_self_assessment'
    group by document_id, table_seq, row_key
),
total_row as (
    select *
    from fund_rows
    qualify row_number() over (
        partition by document_id, table_seq
        order by (row_key like '%总额%' or row_key like '%合计%') desc, row_index
    ) = 1
),
keys as (
    select document_id, table_seq from projects
    union
    select document_id, table_seq from total_row
)
select
    md5(concat_ws('|', k.document_id, k.table_seq))                    as project_id,
    k.document_id,
    {{ document_columns('d') }}
    k.table_seq,
    p.project_name,
    p.implementing_unit,
    p.goal_planned,
    p.goal_achieved,
    f.row_key                                                          as fund_row_key,
    f.initial_budget,
    f.adjusted_budget,
    f.executed,
    f.execution_rate_printed,
    f.execution_rate_text,
    cast(round(f.executed / nullif(f.adjusted_budget, 0), 6) as decimal(18, 6)) as execution_rate_recomputed,
    cast(f.execution_rate_printed
         - cast(round(f.executed / nullif(f.adjusted_budget, 0), 6) as decimal(18, 6)) as decimal(18, 6))
                                                                       as execution_rate_difference,
    coalesce(p.source_page, f.funds_page)                              as source_page
from keys as k
join docs as d using (document_id)
left join projects as p using (document_id, table_seq)
left join total_row as f using (document_id, table_seq)
where {{ night_scope('k.document_id') }}
