-- Every document ever registered, including superseded and quarantined ones.
select * from {{ ref('int_document') }}
