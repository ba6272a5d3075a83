{#- Incremental nights (warehouse/incremental.py). The load step writes tonight's plan to
    raw.night_affected: the documents to recompute (the changed ones and every document of their
    departments), or every document with is_full when tonight rebuilds everything. The models and
    tests read the plan from the warehouse when they run, not from a dbt variable: every night's
    `dbt build` has the same command line, so dbt's partial parsing keeps the parsed project from
    one night to the next (a --vars that differs from the last parse makes dbt parse it all again).

    A full night passes --full-refresh: the incremental models rebuild whole. `dbt build` by hand
    (no --full-refresh) recomputes last night's affected documents again, which changes nothing.

    night_scope(column): a predicate true for the rows to (re)compute tonight.
    night_delete(column): the pre-hook of an incremental model — the affected documents' rows
    leave before their new rows are appended (delete+insert by document, including documents
    that are no longer current and so have no new rows). -#}
{% macro night_partial() -%}
{#- True when tonight's plan recomputes only some documents: raw.night_affected exists and none of
    its rows says is_full. Asked of the warehouse when a node compiles (not while dbt parses). -#}
{%- if not execute -%}{{ return(false) }}{%- endif -%}
{%- set plan = source('raw', 'night_affected') -%}
{%- if adapter.get_relation(plan.database, plan.schema, plan.identifier) is none -%}{{ return(false) }}{%- endif -%}
{%- set answer = run_query('select coalesce(bool_or(is_full), true) from ' ~ plan) -%}
{{ return(not answer.columns[0].values()[0]) }}
{%- endmacro %}

{% macro night_incremental() -%}
{{ return(is_incremental() and night_partial()) }}
{%- endmacro %}

{% macro night_affected_documents() -%}
(select document_id from {{ source('raw', 'night_affected') }} where document_id is not null)
{%- endmacro %}

{% macro night_scope(column='document_id', departments=none) -%}
{%- if night_incremental() and departments is not none -%}
{#- a department-level model: the top departments of the affected documents (from int_document) -#}
exists (select 1 from {{ departments }} as night_d
         where night_d.document_id in {{ night_affected_documents() }}
           and night_d.top_department_id is not distinct from {{ column }})
{%- elif night_incremental() -%}
{{ column }} in {{ night_affected_documents() }}
{%- else -%}
true
{%- endif -%}
{%- endmacro %}

{% macro night_delete(column='document_id') -%}
{%- if night_incremental() -%}
delete from {{ this }} where {{ column }} in {{ night_affected_documents() }}
{%- elif is_incremental() -%}
delete from {{ this }}
{%- endif -%}
{%- endmacro %}

{#- The pre-hook of a department-level incremental model (rows keyed by top department): the
    affected documents' departments leave, and so do departments no document counts in any more. -#}
{% macro night_delete_departments(documents, lines, column='department_id') -%}
{%- if night_incremental() -%}
delete from {{ this }} as t
 where exists (select 1 from {{ documents }} as d
                where d.document_id in {{ night_affected_documents() }}
                  and d.top_department_id is not distinct from t.{{ column }})
    or not exists (select 1 from {{ lines }} as f
                    where f.counts_in_department_total and f.top_department_id is not distinct from t.{{ column }})
{%- elif is_incremental() -%}
delete from {{ this }}
{%- endif -%}
{%- endmacro %}

{#- Generic data tests on the night-scoped models (var night_scoped_models) read only the
    affected documents' rows on an incremental night: the other rows did not change and passed
    on the night they were built. dbt calls this macro for every generic test's model. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set scoped = relation.identifier in var('night_scoped_models', []) and night_partial() -%}
    {%- if where or scoped -%}
        {%- set filters = [] -%}
        {%- if where -%}{%- do filters.append('(' ~ where ~ ')') -%}{%- endif -%}
        {%- if scoped -%}{%- do filters.append('document_id in ' ~ night_affected_documents()) -%}{%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ filters | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
