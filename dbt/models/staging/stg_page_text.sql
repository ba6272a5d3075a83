select
    document_id,
    cast(page as integer)              as source_page,
    text
from {{ source('raw', 'page_text') }}
where {{ not_held_back() }}
