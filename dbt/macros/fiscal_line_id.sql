{#- The id of a printed table cell: every component of its position, so it is unique by
    construction. A table of several column groups or two sides prints several cells at
    the same (row_index, col_index) of its stitched grid; row_key carries the group or
    side (g1r3, income:5, a subject code), side and header_path the column's place.
    to_json of a list is injective (quoted strings, explicit nulls), unlike a joined string
    where 'a|b' + NULL and 'a' + 'b' collide. tests/test_fiscal_line_id.py renders this
    macro and checks uniqueness on the seed, the synthetic sample and the real corpus. -#}
{% macro fiscal_line_id(c) -%}
md5(to_json([
    {{ c }}.document_id,
    cast({{ c }}.table_seq as varchar),
    {{ c }}.side,
    {{ c }}.row_key,
    cast({{ c }}.row_index as varchar),
    cast({{ c }}.col_index as varchar),
    {{ c }}.header_path
]))
{%- endmacro %}
