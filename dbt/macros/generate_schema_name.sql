{#- Use the configured schema name as is (staging, intermediate, seeds); models without one
    (the marts) go to the target schema, DuckDB's "main". dbt's default would prefix it
    ("main_staging"), which analysts would have to type. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
