use chrono::{DateTime, Datelike, Utc};

/// A publication date: any instant in the years 0000–9999. That is what
/// RFC 3339 can write (so every date Folio sends back is valid RFC 3339) and
/// well inside what PostgreSQL `timestamptz` stores (4713 BC–294276 AD);
/// chrono parses far wider, and a year such as -9999 failed at the
/// database as a 500.
pub fn parse(at: DateTime<Utc>) -> Result<DateTime<Utc>, &'static str> {
    if (0..=9999).contains(&at.year()) {
        Ok(at)
    } else {
        Err("must be between 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(raw: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(raw)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn accepts_the_years_rfc_3339_can_write() {
        assert!(parse(at("0000-01-01T00:00:00Z")).is_ok());
        assert!(parse(at("2024-05-01T09:30:00Z")).is_ok());
        assert!(parse(at("9999-12-31T23:59:59Z")).is_ok());
    }

    #[test]
    fn refuses_years_outside_them() {
        let before = at("0000-01-01T00:00:00Z") - chrono::Duration::seconds(1);
        let after = at("9999-12-31T23:59:59Z") + chrono::Duration::seconds(1);
        assert!(parse(before).is_err());
        assert!(parse(after).is_err());
        assert!(parse(DateTime::<Utc>::MIN_UTC).is_err());
        assert!(parse(DateTime::<Utc>::MAX_UTC).is_err());
    }
}
