-- Table cells of the documents that currently provide their disclosure's tables, with the
-- document's attributes; one row per printed cell.
select
    md5(concat_ws('|', c.document_id, c.table_seq, c.row_index, c.col_index)) as fiscal_line_id,
    c.document_id,
    d.disclosure_id,
    d.department_id,
    d.department_name,
    d.fiscal_year,
    d.doc_kind,
    d.scope,
    c.table_seq,
    c.table_name,
    c.row_index,
    c.col_index,
    c.row_key,
    c.side,
    c.classification,
    c.subject_code,
    case when c.subject_code is not null and c.classification in ('functional', 'economic')
         then c.classification || ':' || c.subject_code end as subject_key,
    coalesce(c.subject_level,
             case when c.subject_code is null then null
                  when length(c.subject_code) = 3 then 1
                  when length(c.subject_code) = 5 then 2
                  when length(c.subject_code) = 7 then 3 end) as subject_level,
    c.parent_code,
    c.line_name,
    c.row_number,
    c.measure,
    c.phase,
    c.header_path,
    c.value_text,
    c.value_kind,
    c.amount,
    c.amount_printed,
    c.source_page,
    c.x0,
    c.top,
    c.x1,
    c.bottom,
    c.value_source,
    c.confidence,
    c.confirmed,
    c.review_reason
from {{ ref('stg_table_cell') }} as c
join {{ ref('int_current_document') }} as d
  on d.document_id = c.document_id
 and d.is_current_tables
