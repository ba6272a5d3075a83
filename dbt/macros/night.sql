{#- Incremental nights (warehouse/incremental.py). The pipeline passes
    `--vars '{night_incremental: true}'` when only some documents changed since the last
    complete night; raw.night_affected then lists the documents to recompute (the changed ones
    and every document of their departments). Without the variable (a full night, which also
    passes --full-refresh, or dbt run by hand) every model and test covers every row.

    night_scope(column): a predicate true for the rows to (re)compute tonight.
    night_delete(column): the pre-hook of an incremental model — the affected documents' rows
    leave before their new rows are appended (delete+insert by document, including documents
    that are no longer current and so have no new rows). -#}
{% macro night_incremental() -%}
{{ return(var('night_incremental', false) and is_incremental()) }}
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
    {%- set scoped = var('night_incremental', false) and relation.identifier in var('night_scoped_models', []) -%}
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
