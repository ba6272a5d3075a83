-- The name each subject code was printed with in each fiscal year (the most frequent
-- spelling that year); codes are renamed between years, e.g. 210 医疗卫生与计划生育支出 →
-- 卫生健康支出.
select
    classification || ':' || subject_code                        as subject_key,
    classification,
    subject_code,
    fiscal_year,
    arg_max(subject_name, document_count)                        as subject_name,
    list(distinct subject_name order by subject_name)            as name_variants,
    cast(sum(document_count) as bigint)                          as document_count
from {{ ref('int_subject_observed') }}
group by classification, subject_code, fiscal_year
