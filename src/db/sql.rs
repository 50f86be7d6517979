//! Statements written as SQL text that diesel-async may keep prepared.

use std::marker::PhantomData;

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, Untyped};

/// An SQL statement written as text, with its bound values.
///
/// Unlike diesel's `sql_query`, it lets diesel-async cache the prepared
/// statement per connection (keyed by its text and bind types): a
/// statement is then one round trip instead of a parse, a plan and an
/// execute each time. A statement whose text the caller shapes (how many
/// alternatives a filter has, say) should not be cached
/// ([`Sql::never_cached`]): a connection would keep every shape it saw.
pub struct Sql {
    /// The text, with placeholders `$1`, `$2`… numbering `binds`.
    text: String,
    binds: Vec<Box<dyn QueryFragment<Pg> + Send>>,
    cacheable: bool,
}

/// One bound value.
struct Bind<ST, V> {
    value: V,
    sql_type: PhantomData<fn() -> ST>,
}

impl<ST, V> QueryFragment<Pg> for Bind<ST, V>
where
    Pg: HasSqlType<ST>,
    V: ToSql<ST, Pg>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        out.push_bind_param::<ST, V>(&self.value)
    }
}

impl Sql {
    pub fn new(start: &str) -> Self {
        Self {
            text: start.to_owned(),
            binds: Vec::new(),
            cacheable: true,
        }
    }

    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    /// Binds a value and returns its placeholder (`$n`).
    pub fn bind<ST, V>(&mut self, value: V) -> String
    where
        Pg: HasSqlType<ST>,
        V: ToSql<ST, Pg> + Send + 'static,
        ST: 'static,
    {
        self.binds.push(Box::new(Bind::<ST, V> {
            value,
            sql_type: PhantomData,
        }));
        format!("${}", self.binds.len())
    }

    /// [`Self::bind`], for a statement written with its placeholders.
    pub fn with<ST, V>(mut self, value: V) -> Self
    where
        Pg: HasSqlType<ST>,
        V: ToSql<ST, Pg> + Send + 'static,
        ST: 'static,
    {
        self.bind::<ST, V>(value);
        self
    }

    /// Not to be kept as a prepared statement.
    pub fn never_cached(&mut self) {
        self.cacheable = false;
    }
}

impl QueryFragment<Pg> for Sql {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        if !self.cacheable {
            out.unsafe_to_cache_prepared();
        }
        // Every `$` in the text is a placeholder: the statements written
        // with this have no other, and values are never spliced in. A
        // placeholder used twice binds its value twice.
        let mut rest = self.text.as_str();
        while let Some(at) = rest.find('$') {
            out.push_sql(&rest[..at]);
            let digits = rest[at + 1..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(rest.len() - at - 1, |n| n);
            let n: usize = rest[at + 1..at + 1 + digits]
                .parse()
                .map_err(|_| diesel::result::Error::QueryBuilderError("a stray `$`".into()))?;
            let bind = self.binds.get(n.wrapping_sub(1)).ok_or_else(|| {
                diesel::result::Error::QueryBuilderError(format!("no value for ${n}").into())
            })?;
            bind.walk_ast(out.reborrow())?;
            rest = &rest[at + 1 + digits..];
        }
        out.push_sql(rest);
        Ok(())
    }
}

impl QueryId for Sql {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Sql {
    type SqlType = Untyped;
}
