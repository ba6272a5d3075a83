select
    document_id,
    cast(page as integer)              as source_page,
    text,
    coalesce(text_source, 'text')      as text_source,
    ocr_confidence
from {{ source('raw', 'page_text') }}
where {{ not_held_back() }}
