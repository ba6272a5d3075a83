select
    document_id,
    file_path,
    file_name,
    first_seen_at,
    last_seen_at
from {{ source('raw', 'document_file') }}
