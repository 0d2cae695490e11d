//! The wall clock. chrono's `Utc::now()` panics when the system clock reads before 1970 (a board
//! whose RTC battery died boots at 1969 or 1900 on some firmware); this reads the same time and
//! never panics, so a wrong clock only dates things wrongly.

use chrono::{DateTime, Utc};

/// Now, as the system clock says, whatever it says.
pub fn now() -> DateTime<Utc> {
    DateTime::from(std::time::SystemTime::now())
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_system_clock() {
        let before = chrono::Utc::now();
        let now = super::now();
        assert!(now >= before && now - before < chrono::TimeDelta::seconds(60));
    }
}
