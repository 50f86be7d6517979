DROP FUNCTION folio_ensure_tags(text[], text[]);
DROP FUNCTION folio_record_revision(uuid, uuid, timestamptz, jsonb, integer);
