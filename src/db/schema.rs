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
        window_start -> Timestamptz,
        failures -> Int4,
    }
}

diesel::joinable!(posts -> users (author_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(api_keys -> users (created_by));
diesel::allow_tables_to_appear_in_same_query!(posts, users, refresh_tokens, api_keys);
