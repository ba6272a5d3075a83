select
    document_id,
    cast(figure_seq as integer)        as figure_seq,
    section,
    topic,
    subject_code,
    figure_kind,
    direction,
    cast(value as decimal(24, 6))      as value,
    unit,
    value_text,
    reason,
    sentence,
    cast(page as integer)              as source_page,
    x0,
    top,
    x1,
    bottom
from {{ source('raw', 'narrative_figure') }}
where {{ not_held_back() }}
