-- Every (classification, subject code, fiscal year, printed name) seen in a table of a
-- registered, non-quarantined document, with how often: the basis of the name-by-year
-- dimension (the same code is printed with different names across years).
select
    c.classification,
    c.subject_code,
    d.fiscal_year,
    c.line_name                      as subject_name,
    max(c.subject_level)             as subject_level,
    max(c.parent_code)               as parent_code,
    count(distinct c.document_id)    as document_count,
    count(*)                         as cell_count
from {{ ref('stg_table_cell') }} as c
join {{ ref('int_document') }} as d using (document_id)
where c.subject_code is not null
  and c.classification in ('functional', 'economic')
  and d.status in ('loaded', 'superseded')
  and d.fiscal_year is not null
group by all
