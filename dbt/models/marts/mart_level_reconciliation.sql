-- Where a department's 汇总 document and documents of its 本级 / units are all current for
-- the same year and kind: the 汇总 line beside the sum of the same line over those parts.
-- Parts larger than the whole beyond the rounding allowance (0.005 万元 per printed term) is
-- a finding about the disclosures, never a reason to add both into a total.
with lines as (
    select top_department_id, top_department_name, fiscal_year, doc_kind, table_name, row_key, measure, phase,
           department_level, document_id, amount
    from {{ ref('fct_fiscal_line') }}
    where amount is not null
),
whole as (
    select top_department_id, fiscal_year, doc_kind, table_name, row_key, measure, phase,
           any_value(top_department_name) as department_name,
           sum(amount) as consolidated_amount, count(distinct document_id) as consolidated_documents
    from lines where department_level = '汇总'
    group by all
),
parts as (
    select top_department_id, fiscal_year, doc_kind, table_name, row_key, measure, phase,
           sum(amount) as parts_amount, count(*) as parts_terms,
           list(distinct department_level order by department_level) as parts_levels
    from lines where department_level in ('本级', '单位')
    group by all
)
select
    w.top_department_id                                  as department_id,
    w.department_name,
    w.fiscal_year,
    w.doc_kind,
    w.table_name,
    w.row_key,
    w.measure,
    w.phase,
    cast(w.consolidated_amount as decimal(24, 6))        as consolidated_amount,
    cast(p.parts_amount as decimal(24, 6))               as parts_amount,
    p.parts_levels,
    cast(p.parts_amount - w.consolidated_amount as decimal(24, 6)) as parts_minus_consolidated,
    cast(0.005 * (p.parts_terms + 1) as decimal(24, 6))  as allowance,
    p.parts_amount - w.consolidated_amount > 0.005 * (p.parts_terms + 1) as parts_exceed_whole
from whole as w
join parts as p using (top_department_id, fiscal_year, doc_kind, table_name, row_key, measure, phase)
