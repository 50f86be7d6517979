DROP TRIGGER media_emit_events ON media;
DROP FUNCTION media_emit_events();
DROP FUNCTION folio_media_summary(media);
DROP TABLE post_media;
DROP TABLE media_jobs;
DROP TABLE media_variants;
DROP TABLE media;
