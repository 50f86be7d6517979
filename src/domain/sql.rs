//! Domain values stored as text: they are written to PostgreSQL as their
//! text and parsed again when read, so a value in a row is as valid as one
//! that came through a request (a row that fails to parse is an error, not
//! a silently wrong value).

/// Maps a type with `as_str` and `parse` to a `text` column.
macro_rules! text_column {
    ($ty:ty) => {
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $ty {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let raw = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    diesel::pg::Pg,
                >>::from_sql(bytes)?;
                <$ty>::parse(&raw).map_err(|e| {
                    format!("a stored {} is invalid ({raw:?}): {e}", stringify!($ty)).into()
                })
            }
        }
    };
}

pub(crate) use text_column;
