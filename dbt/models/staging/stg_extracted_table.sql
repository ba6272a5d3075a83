select
    document_id,
    cast(table_seq as integer)         as table_seq,
    table_name,
    is_mapped,
    printed_number,
    printed_title,
    unit_printed,
    unit_factor,
    cast(first_page as integer)        as first_page,
    cast(last_page as integer)         as last_page,
    cast(row_count as integer)         as row_count,
    is_empty,
    empty_sentence,
    project_name,
    recognised_by,
    recognition_score,
    coalesce(is_ambiguous, false)      as is_ambiguous,
    normalised_title,
    recognition_candidates,
    coalesce(ruled, true)              as ruled,
    extraction_problem
from {{ source('raw', 'extracted_table') }}
where {{ not_held_back() }}
