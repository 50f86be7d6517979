// The shape of the tables in `migrations/`, kept by hand because the
// diesel CLI needs libpq. Every column is read and written by the API
// tests against a migrated database, so a mismatch fails them.
//
// Left out on purpose: `posts.search_vector` (tsvector, kept by a trigger)
// and the `search_settings` table. Diesel has no tsvector type; both are
// used only through the SQL in `db/post_list.rs`.

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        role -> Text,
        disabled_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        token_version -> Int4,
        deleted_at -> Nullable<Timestamptz>,
        slug -> Text,
        bio -> Nullable<Text>,
        avatar_url -> Nullable<Text>,
    }
}

diesel::table! {
    posts (id) {
        id -> Uuid,
        slug -> Text,
        title -> Text,
        markdown -> Text,
        html -> Text,
        excerpt -> Text,
        custom_excerpt -> Bool,
        status -> Text,
        published_at -> Nullable<Timestamptz>,
        tags -> Array<Text>,
        metadata -> Jsonb,
        author_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        plain_text -> Text,
        toc -> Jsonb,
        word_count -> Int4,
        reading_time -> Int4,
        renderer_version -> Int4,
        version -> Int8,
        change_seq -> Int8,
        feature_image -> Nullable<Text>,
        feature_image_alt -> Nullable<Text>,
        feature_image_caption -> Nullable<Text>,
        featured -> Bool,
        meta_title -> Nullable<Text>,
        meta_description -> Nullable<Text>,
        canonical_url -> Nullable<Text>,
        og_image -> Nullable<Text>,
        ever_public -> Bool,
        media -> Jsonb,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        family_id -> Uuid,
        user_id -> Uuid,
        token_hash -> Bytea,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Uuid,
        name -> Text,
        prefix -> Text,
        key_hash -> Bytea,
        scopes -> Array<Text>,
        created_by -> Uuid,
        expires_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        account -> Nullable<Text>,
        failures -> Int4,
        last_failure -> Timestamptz,
        blocked_until -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(posts -> users (author_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(api_keys -> users (created_by));
diesel::allow_tables_to_appear_in_same_query!(posts, users, refresh_tokens, api_keys);

diesel::table! {
    post_revisions (post_id, number) {
        post_id -> Uuid,
        number -> Int4,
        user_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        snapshot -> Jsonb,
    }
}

diesel::table! {
    post_slug_aliases (slug) {
        slug -> Text,
        post_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(post_revisions -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(post_revisions, users);

diesel::table! {
    post_tombstones (id) {
        id -> Uuid,
        slug -> Text,
        author_id -> Uuid,
        was_public -> Bool,
        deleted_at -> Timestamptz,
        change_seq -> Int8,
    }
}

diesel::table! {
    tags (slug) {
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    tag_names (name) {
        name -> Text,
        tag_slug -> Text,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Uuid,
        kind -> Text,
        url -> Text,
        events -> Array<Text>,
        active -> Bool,
        description -> Nullable<Text>,
        secret -> Nullable<Text>,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Timestamptz>,
        debounce_ms -> Int4,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    events (id) {
        id -> Uuid,
        #[sql_name = "type"]
        event_type -> Text,
        subject_id -> Nullable<Uuid>,
        data -> Jsonb,
        sync_token -> Nullable<Int8>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        webhook_id -> Uuid,
        event_id -> Uuid,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        leased_until -> Nullable<Timestamptz>,
        first_event_at -> Timestamptz,
        last_status -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        completed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Int8,
        delivery_id -> Uuid,
        attempt -> Int4,
        status_code -> Nullable<Int4>,
        latency_ms -> Int4,
        error -> Nullable<Text>,
        response_snippet -> Nullable<Text>,
        at -> Timestamptz,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> events (event_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::allow_tables_to_appear_in_same_query!(
    webhooks,
    webhook_deliveries,
    events,
    webhook_attempts
);

diesel::table! {
    post_previews (id) {
        id -> Uuid,
        post_id -> Uuid,
        prefix -> Text,
        token_hash -> Bytea,
        revision -> Nullable<Int4>,
        snapshot -> Nullable<Jsonb>,
        created_by -> Uuid,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(post_previews -> users (created_by));
diesel::allow_tables_to_appear_in_same_query!(post_previews, users);

diesel::table! {
    media (id) {
        id -> Uuid,
        sha256 -> Text,
        content_type -> Text,
        ext -> Text,
        bytes -> Int8,
        width -> Int4,
        height -> Int4,
        alt -> Nullable<Text>,
        caption -> Nullable<Text>,
        focal_x -> Nullable<Float4>,
        focal_y -> Nullable<Float4>,
        placeholder -> Nullable<Text>,
        original_filename -> Nullable<Text>,
        uploaded_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    media_variants (media_id, width, format) {
        media_id -> Uuid,
        width -> Int4,
        format -> Text,
        height -> Int4,
        bytes -> Nullable<Int8>,
        status -> Text,
    }
}

diesel::table! {
    media_jobs (media_id) {
        media_id -> Uuid,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        leased_until -> Nullable<Timestamptz>,
        leased_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        completed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    post_media (post_id, media_id) {
        post_id -> Uuid,
        media_id -> Uuid,
    }
}

diesel::joinable!(media -> users (uploaded_by));
diesel::joinable!(media_variants -> media (media_id));
diesel::joinable!(media_jobs -> media (media_id));
diesel::joinable!(post_media -> media (media_id));
diesel::joinable!(post_media -> posts (post_id));
diesel::allow_tables_to_appear_in_same_query!(media, media_variants, media_jobs, post_media, posts);
diesel::allow_tables_to_appear_in_same_query!(media, users);
