//! Days as whole numbers (days since 1970-01-01, UTC): compact, fast to range over, the same
//! on SQLite and PostgreSQL.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};

const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => panic!("1970-01-01 exists"),
};

pub fn number(date: NaiveDate) -> i32 {
    (date - EPOCH).num_days() as i32
}

pub fn of_time(t: DateTime<Utc>) -> i32 {
    number(t.date_naive())
}

pub fn date(day: i32) -> NaiveDate {
    if day >= 0 {
        EPOCH
            .checked_add_days(Days::new(day as u64))
            .unwrap_or(EPOCH)
    } else {
        EPOCH
            .checked_sub_days(Days::new((-day) as u64))
            .unwrap_or(EPOCH)
    }
}

/// The first day of the ISO week (Monday) of `day`.
pub fn week_start(day: i32) -> i32 {
    day - date(day).weekday().num_days_from_monday() as i32
}

/// The first day of the calendar month of `day`.
pub fn month_start(day: i32) -> i32 {
    let d = date(day);
    number(NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_buckets() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(date(number(d)), d);
        assert_eq!(number(EPOCH), 0);
        assert_eq!(
            date(week_start(number(d))),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        assert_eq!(
            date(month_start(number(d))),
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
        );
    }
}
