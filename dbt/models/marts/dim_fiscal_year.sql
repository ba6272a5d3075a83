-- Every fiscal year a registered document is about.
select
    fiscal_year,
    fiscal_year - 1                                             as previous_fiscal_year,
    cast(fiscal_year as varchar) || '年度'                      as label_zh,
    count(*) filter (where status = 'loaded' and doc_kind = 'final')  as current_final_documents,
    count(*) filter (where status = 'loaded' and doc_kind = 'budget') as current_budget_documents,
    count(*)                                                    as document_count
from {{ ref('int_document') }}
where fiscal_year is not null
group by fiscal_year
