-- One row per current disclosure (department × fiscal year × doc_kind × scope): headline
-- totals taken from the tables (int_disclosure_headline), 机关运行经费 from the narrative
-- (else the 机关运行经费 budget table), and the change against the same department's
-- disclosure of the previous year.
with disclosures as (
    select
        disclosure_id,
        any_value(department_id)      as department_id,
        any_value(department_name)    as department_name,
        any_value(fiscal_year)        as fiscal_year,
        any_value(doc_kind)           as doc_kind,
        any_value(scope)              as scope,
        list(document_id order by document_id) as document_ids
    from {{ ref('int_current_document') }}
    where department_name is not null and fiscal_year is not null
    group by disclosure_id
),
totals as (
    -- which table defines each figure: seeds/headline_figures.csv
    select
        disclosure_id,
        max(amount) filter (where figure = 'income_total')               as income_total,
        max(amount) filter (where figure = 'expenditure_total')          as expenditure_total,
        max(amount) filter (where figure = 'basic_expenditure')          as basic_expenditure,
        max(amount) filter (where figure = 'project_expenditure')        as project_expenditure,
        max(amount) filter (where figure = 'personnel_expenditure')      as personnel_expenditure,
        max(amount) filter (where figure = 'public_expenditure')         as public_expenditure,
        max(amount) filter (where figure = 'three_public_budget')        as three_public_budget,
        max(amount) filter (where figure = 'three_public_final')         as three_public_final,
        max(amount) filter (where figure = 'institution_operating_cost') as institution_operating_cost_table
    from {{ ref('int_disclosure_headline') }}
    group by disclosure_id
),
operating_cost as (
    select disclosure_id, arg_min(value, figure_seq) as institution_operating_cost
    from {{ ref('fct_narrative_figure') }}
    where topic like '%机关运行经费%' and figure_kind = 'amount' and unit = '万元' and value is not null
    group by disclosure_id
),
summary as (
    select
        d.disclosure_id,
        d.department_id,
        d.department_name,
        d.fiscal_year,
        d.doc_kind,
        d.scope,
        d.document_ids,
        t.income_total,
        t.expenditure_total,
        t.basic_expenditure,
        t.project_expenditure,
        t.personnel_expenditure,
        t.public_expenditure,
        cast(round(t.personnel_expenditure / nullif(t.personnel_expenditure + t.public_expenditure, 0), 6)
             as decimal(18, 6)) as personnel_share_of_basic,
        t.three_public_budget,
        t.three_public_final,
        coalesce(o.institution_operating_cost, t.institution_operating_cost_table) as institution_operating_cost
    from disclosures as d
    left join totals as t using (disclosure_id)
    left join operating_cost as o using (disclosure_id)
),
with_previous as (
    select
        s.*,
        lag(fiscal_year)       over w as previous_fiscal_year,
        lag(income_total)      over w as previous_income_total,
        lag(expenditure_total) over w as previous_expenditure_total,
        lag(three_public_final) over w as previous_three_public_final
    from summary as s
    window w as (partition by department_id, doc_kind, scope order by fiscal_year)
)
select
    disclosure_id,
    department_id,
    department_name,
    fiscal_year,
    doc_kind,
    scope,
    document_ids,
    income_total,
    expenditure_total,
    basic_expenditure,
    project_expenditure,
    personnel_expenditure,
    public_expenditure,
    personnel_share_of_basic,
    three_public_budget,
    three_public_final,
    institution_operating_cost,
    case when previous_fiscal_year = fiscal_year - 1 then previous_income_total end      as income_total_previous_year,
    case when previous_fiscal_year = fiscal_year - 1 then cast(income_total - previous_income_total as decimal(24, 6)) end
                                                                                          as income_total_change,
    case when previous_fiscal_year = fiscal_year - 1
         then cast(round((income_total - previous_income_total) / nullif(previous_income_total, 0), 6) as decimal(18, 6))
    end                                                                                   as income_total_change_pct,
    case when previous_fiscal_year = fiscal_year - 1 then previous_expenditure_total end  as expenditure_total_previous_year,
    case when previous_fiscal_year = fiscal_year - 1 then cast(expenditure_total - previous_expenditure_total as decimal(24, 6)) end
                                                                                          as expenditure_total_change,
    case when previous_fiscal_year = fiscal_year - 1
         then cast(round((expenditure_total - previous_expenditure_total) / nullif(previous_expenditure_total, 0), 6)
                   as decimal(18, 6))
    end                                                                                   as expenditure_total_change_pct,
    case when previous_fiscal_year = fiscal_year - 1 then cast(three_public_final - previous_three_public_final as decimal(24, 6)) end
                                                                                          as three_public_final_change
from with_previous
