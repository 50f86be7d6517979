// The shape of the tables in `migrations/`, kept by hand because the
// diesel CLI needs libpq. Every column is read and written by the API
// tests against a migrated database, so a mismatch fails them.

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
        version -> Int8,
    }
}

diesel::joinable!(posts -> users (author_id));
diesel::allow_tables_to_appear_in_same_query!(posts, users);
