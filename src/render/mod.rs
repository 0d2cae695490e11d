//! Rendering: the published articles into feeds and HTML pages, as one [`Site`] snapshot.
//!
//! Pure: takes the config, the published articles (newest first) and the build time, returns
//! bytes. Same input, byte-identical output (ETags depend on it).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::article::Article;
use crate::config::Config;
use crate::site::Site;

/// Render every feed and page for `published` (already sorted newest first).
pub fn render_site(config: &Config, published: &[Arc<Article>], now: DateTime<Utc>) -> Site {
    todo!("render helper: {config:?} {} {now}", published.len())
}
