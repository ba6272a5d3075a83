-- Sums over departments done the one right way.  Per department (the 主管部门 a document
-- rolls up to), fiscal year and kind: the lines of its 汇总 document when it published one,
-- else the lines of its 本级 and units' documents added up — never both
-- (fct_fiscal_line.counts_in_department_total).  Summing this mart over departments gives
-- the prefecture's total without counting money twice.
-- Incremental by department (dbt/macros/night.sql): an incremental night recomputes the
-- departments of tonight's affected documents and drops the departments no document counts in
-- any more.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ night_delete_departments(ref('int_document'), ref('fct_fiscal_line')) }}") }}
-- depends_on: {{ source('raw', 'night_affected') }}
select
    md5(concat_ws('|', top_department_id, fiscal_year, doc_kind, table_name, coalesce(side, ''), coalesce(row_key, ''),
                  measure, coalesce(phase, '')))
                                                        as department_total_id,
    top_department_id                                   as department_id,
    any_value(top_department_name)                      as department_name,
    fiscal_year,
    doc_kind,
    table_name,
    side,
    row_key,
    any_value(classification)                           as classification,
    any_value(subject_key)                              as subject_key,
    any_value(subject_code)                             as subject_code,
    any_value(subject_level)                            as subject_level,
    any_value(line_name order by document_id)           as line_name,
    measure,
    phase,
    cast(sum(amount) as decimal(24, 6))                 as amount,
    string_agg(distinct department_level, '+' order by department_level) as source_level,
    count(distinct document_id)                         as document_count,
    list(distinct document_id order by document_id)     as document_ids
from {{ ref('fct_fiscal_line') }} as f
where counts_in_department_total
  and {{ night_scope('f.top_department_id', departments=ref('int_document')) }}
group by top_department_id, fiscal_year, doc_kind, table_name, side, row_key, measure, phase
