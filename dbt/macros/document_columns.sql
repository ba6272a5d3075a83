{#- The document attributes every fact carries next to its document_id (from int_document or
    int_current_document, aliased d): which disclosure, department, year, 决算/预算 and level.
    One list, so a fact's columns and their order cannot drift from the others'. -#}
{% macro document_columns(d) -%}
    {{ d }}.disclosure_id,
    {{ d }}.department_id,
    {{ d }}.department_name,
    {{ d }}.fiscal_year,
    {{ d }}.doc_kind,
    {{ d }}.scope,
{%- endmacro %}
