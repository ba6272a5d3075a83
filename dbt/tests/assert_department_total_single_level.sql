-- A sum over departments never mixes levels: for one department, year and kind, the lines
-- that count come from its 汇总 document or from its 本级 and units, never from both.
select top_department_id, fiscal_year, doc_kind, list(distinct department_level) as levels
from {{ ref('fct_fiscal_line') }}
where counts_in_department_total
group by top_department_id, fiscal_year, doc_kind
having count(distinct department_level = '汇总') > 1
