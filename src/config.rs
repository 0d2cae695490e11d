//! Configuration: the TOML file and the command-line flags, resolved into one [`Config`].
//!
//! Precedence, lowest to highest: built-in defaults, the config file, flags. Defaults live in one
//! place ([`Config::default`]). The file is read key by key from a TOML table rather than through
//! a serde derive, so that every error names the exact key (`unknown key "feeds.limt"`,
//! `key "feeds.limit": expected a positive integer`).

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use chrono_tz::Tz;

/// Where the config file is looked for when `--config` is not given.
pub const DEFAULT_CONFIG_PATH: &str = "config/feedpub.toml";

/// The resolved configuration every command runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub site: SiteSettings,
    pub articles: ArticleSettings,
    pub feeds: FeedSettings,
    pub server: ServerSettings,
    pub watch: WatchSettings,
    /// The file this was read from, if any (SIGHUP re-reads it).
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SiteSettings {
    pub title: String,
    pub description: String,
    /// Always absolute http(s) and ending in `/`.
    pub base_url: String,
    /// False when the base URL is derived from `server.listen` (the daemon then uses the
    /// address it actually bound, which matters with port 0).
    pub base_url_explicit: bool,
    pub language: String,
    pub author: Option<String>,
    pub timezone: Tz,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArticleSettings {
    pub dir: PathBuf,
    pub max_bytes: u64,
    pub sanitize_html: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FeedSettings {
    pub out_dir: PathBuf,
    /// Items per feed.
    pub limit: usize,
    /// Put the full article HTML in feeds (else only the summary).
    pub full_content: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerSettings {
    pub listen: SocketAddr,
    pub cache_control: String,
    pub header_read_timeout_ms: u64,
    pub idle_timeout_ms: u64,
    pub max_connections: usize,
    pub shutdown_grace_ms: u64,
    pub access_log: bool,
    /// Threads answering requests; 0 picks [`ServerSettings::workers`]' default.
    pub worker_threads: usize,
}

impl ServerSettings {
    /// The number of request threads: `worker_threads`, or half the cores (at least one) when
    /// it is 0. Rebuilds, file writes and compression run on other threads, and the kernel's
    /// network stack needs CPU too: on two cores one request thread answered 304s ~20% faster
    /// than two (which spent their time waking each other), and plain and gzip GETs as fast.
    pub fn workers(&self) -> usize {
        match self.worker_threads {
            0 => (crate::parallel::cores() / 2).max(1),
            n => n,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WatchSettings {
    /// Rebuild once no event has come for this long.
    pub debounce_ms: u64,
    /// Rebuild at the latest this long after the first event of a burst.
    pub max_delay_ms: u64,
    /// Use notify's poll watcher with this interval (0: use inotify).
    pub poll_interval_ms: u64,
}

/// Command-line values that override the file. `None` means "not given".
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub articles: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub listen: Option<String>,
    pub base_url: Option<String>,
}

/// A config problem; its message names the file and the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read config: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}:{line}: TOML syntax error: {message}")]
    Syntax {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: unknown key \"{key}\"")]
    UnknownKey { path: String, key: String },
    #[error("{path}: key \"{key}\": {reason}")]
    BadValue {
        path: String,
        key: String,
        reason: String,
    },
    #[error("--{flag}: {reason}")]
    BadFlag { flag: &'static str, reason: String },
}

impl Default for Config {
    fn default() -> Self {
        let listen = SocketAddr::from(([127, 0, 0, 1], 8080));
        Config {
            site: SiteSettings {
                title: "feedpub".to_string(),
                description: "Articles published with feedpub".to_string(),
                base_url: base_url_for(listen),
                base_url_explicit: false,
                language: "en".to_string(),
                author: None,
                timezone: Tz::UTC,
            },
            articles: ArticleSettings {
                dir: PathBuf::from("articles"),
                max_bytes: 10 * 1024 * 1024,
                sanitize_html: true,
            },
            feeds: FeedSettings {
                out_dir: PathBuf::from("feeds"),
                limit: 50,
                full_content: true,
            },
            server: ServerSettings {
                listen,
                cache_control: "public, max-age=60".to_string(),
                header_read_timeout_ms: 10_000,
                idle_timeout_ms: 60_000,
                max_connections: 10_000,
                shutdown_grace_ms: 4_000,
                access_log: false,
                worker_threads: 0,
            },
            watch: WatchSettings {
                debounce_ms: 10,
                max_delay_ms: 100,
                poll_interval_ms: 0,
            },
            file: None,
        }
    }
}

impl SiteSettings {
    /// The path of the base URL without its last `/`: `/blog` for `https://example.org/blog/`,
    /// empty for a site at the root of its host.
    pub fn base_path(&self) -> &str {
        let after_scheme = self.base_url.split_once("://").map_or("", |(_, rest)| rest);
        let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
        path.strip_suffix('/').unwrap_or(path)
    }
}

/// `http://<listen>/`, the base URL when none is configured. A wildcard address (`0.0.0.0`,
/// `[::]`) is no address a reader can fetch: loopback stands in for it.
pub fn base_url_for(mut listen: SocketAddr) -> String {
    if listen.ip().is_unspecified() {
        listen.set_ip(match listen {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("http://{listen}/")
}

impl Config {
    /// Load the config for a command: `--config`, else `config/feedpub.toml` when it exists, else
    /// defaults; then apply the flags.
    pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
        let file = match &overrides.config {
            Some(path) => Some(path.clone()),
            None => Some(PathBuf::from(DEFAULT_CONFIG_PATH)).filter(|p| p.is_file()),
        };
        let mut config = match &file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
                let mut c = Config::parse(&text, &path.display().to_string())?;
                c.file = Some(path.clone());
                c
            }
            None => Config::default(),
        };
        config.apply(overrides)?;
        config.check_out_dir(file.as_deref())?;
        Ok(config)
    }

    /// The out dir must not be the articles dir or inside it (unless hidden in a dot-dir): every
    /// rebuild would write pages that the next walk or the watcher publishes as articles, again
    /// and again. Nor may the articles dir be the out dir's `articles/` or `tags/`, which the
    /// writer fills.
    fn check_out_dir(&self, file: Option<&Path>) -> Result<(), ConfigError> {
        let articles = resolve_dir(&self.articles.dir);
        let out = resolve_dir(&self.feeds.out_dir);
        let out_in_articles = out
            .strip_prefix(&articles)
            .is_ok_and(|_| !crate::scan::is_ignored_path(&articles, &out));
        let articles_in_output = articles.strip_prefix(&out).is_ok_and(|rel| {
            rel.components()
                .next()
                .is_some_and(|c| c.as_os_str() == "articles" || c.as_os_str() == "tags")
        });
        if !(out_in_articles || articles_in_output) {
            return Ok(());
        }
        let reason = format!(
            "{:?} overlaps the articles directory {:?}: the pages written there would be read back as articles",
            self.feeds.out_dir.display().to_string(),
            self.articles.dir.display().to_string(),
        );
        Err(match file {
            Some(path) => ConfigError::BadValue {
                path: path.display().to_string(),
                key: "feeds.out_dir".to_string(),
                reason,
            },
            None => ConfigError::BadFlag {
                flag: "out",
                reason,
            },
        })
    }

    /// Parse a config file's text. `origin` names the file in errors. Pure.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::Syntax {
                    path: origin.to_string(),
                    line: e
                        .span()
                        .and_then(|span| text.get(..span.start))
                        .map_or(1, |t| t.matches('\n').count() + 1),
                    message: e.message().trim().to_string(),
                })?;
        let mut r = Reader {
            origin,
            table: &table,
        };
        r.check_known()?;
        let mut c = Config::default();
        let s = &mut c.site;
        r.string("site", "title", &mut s.title)?;
        r.string("site", "description", &mut s.description)?;
        r.string("site", "language", &mut s.language)?;
        if !crate::article::is_language_tag(&s.language) {
            return Err(r.bad(
                "site",
                "language",
                format!("{:?} is not {}", s.language, crate::article::A_LANGUAGE_TAG),
            ));
        }
        if let Some(author) = r.get_str("site", "author")? {
            s.author = Some(author.to_string()).filter(|a| !a.trim().is_empty());
        }
        if let Some(tz) = r.get_str("site", "timezone")? {
            s.timezone = Tz::from_str(tz).map_err(|_| {
                r.bad(
                    "site",
                    "timezone",
                    format!(
                        "unknown time zone {tz:?} (use an IANA name such as \"Asia/Shanghai\")"
                    ),
                )
            })?;
        }
        let a = &mut c.articles;
        r.path("articles", "dir", &mut a.dir)?;
        r.uint("articles", "max_bytes", 1, &mut a.max_bytes)?;
        r.bool("articles", "sanitize_html", &mut a.sanitize_html)?;
        let f = &mut c.feeds;
        r.path("feeds", "out_dir", &mut f.out_dir)?;
        let mut limit = f.limit as u64;
        r.uint("feeds", "limit", 1, &mut limit)?;
        f.limit = usize::try_from(limit).unwrap_or(usize::MAX);
        r.bool("feeds", "full_content", &mut f.full_content)?;
        let v = &mut c.server;
        if let Some(listen) = r.get_str("server", "listen")? {
            v.listen = parse_listen(listen).map_err(|reason| r.bad("server", "listen", reason))?;
        }
        r.string("server", "cache_control", &mut v.cache_control)?;
        if hyper::header::HeaderValue::from_str(&v.cache_control).is_err() {
            return Err(r.bad(
                "server",
                "cache_control",
                format!(
                    "{:?} cannot be sent as an HTTP header value (control characters)",
                    v.cache_control
                ),
            ));
        }
        r.uint(
            "server",
            "header_read_timeout_ms",
            1,
            &mut v.header_read_timeout_ms,
        )?;
        r.uint("server", "idle_timeout_ms", 1, &mut v.idle_timeout_ms)?;
        let mut max = v.max_connections as u64;
        r.uint("server", "max_connections", 1, &mut max)?;
        v.max_connections = usize::try_from(max).unwrap_or(usize::MAX);
        r.uint("server", "shutdown_grace_ms", 0, &mut v.shutdown_grace_ms)?;
        r.bool("server", "access_log", &mut v.access_log)?;
        let mut workers = v.worker_threads as u64;
        r.uint("server", "worker_threads", 0, &mut workers)?;
        v.worker_threads = usize::try_from(workers).unwrap_or(usize::MAX).min(1024);
        let w = &mut c.watch;
        r.uint("watch", "debounce_ms", 0, &mut w.debounce_ms)?;
        r.uint("watch", "max_delay_ms", 0, &mut w.max_delay_ms)?;
        r.uint("watch", "poll_interval_ms", 0, &mut w.poll_interval_ms)?;
        if w.max_delay_ms < w.debounce_ms {
            return Err(r.bad(
                "watch",
                "max_delay_ms",
                format!("must be at least watch.debounce_ms ({})", w.debounce_ms),
            ));
        }
        match r.get_str("site", "base_url")? {
            Some(url) => {
                c.site.base_url =
                    normalize_base_url(url).map_err(|reason| r.bad("site", "base_url", reason))?;
                c.site.base_url_explicit = true;
            }
            None => c.site.base_url = base_url_for(c.server.listen),
        }
        Ok(c)
    }

    /// Apply command-line flags on top of this config.
    pub fn apply(&mut self, o: &Overrides) -> Result<(), ConfigError> {
        if let Some(dir) = &o.articles {
            self.articles.dir = dir.clone();
        }
        if let Some(dir) = &o.out {
            self.feeds.out_dir = dir.clone();
        }
        if let Some(listen) = &o.listen {
            self.server.listen = parse_listen(listen).map_err(|reason| ConfigError::BadFlag {
                flag: "listen",
                reason,
            })?;
            if !self.site.base_url_explicit {
                self.site.base_url = base_url_for(self.server.listen);
            }
        }
        if let Some(url) = &o.base_url {
            self.site.base_url =
                normalize_base_url(url).map_err(|reason| ConfigError::BadFlag {
                    flag: "base-url",
                    reason,
                })?;
            self.site.base_url_explicit = true;
        }
        Ok(())
    }
}

/// Every key the file may hold, by section.
const SCHEMA: &[(&str, &[&str])] = &[
    (
        "site",
        &[
            "title",
            "description",
            "base_url",
            "language",
            "author",
            "timezone",
        ],
    ),
    ("articles", &["dir", "max_bytes", "sanitize_html"]),
    ("feeds", &["out_dir", "limit", "full_content"]),
    (
        "server",
        &[
            "listen",
            "cache_control",
            "header_read_timeout_ms",
            "idle_timeout_ms",
            "max_connections",
            "shutdown_grace_ms",
            "access_log",
            "worker_threads",
        ],
    ),
    (
        "watch",
        &["debounce_ms", "max_delay_ms", "poll_interval_ms"],
    ),
];

struct Reader<'a> {
    origin: &'a str,
    table: &'a toml::Table,
}

impl Reader<'_> {
    fn check_known(&mut self) -> Result<(), ConfigError> {
        for (section, value) in self.table {
            let Some((_, keys)) = SCHEMA.iter().find(|(s, _)| s == section) else {
                return Err(ConfigError::UnknownKey {
                    path: self.origin.to_string(),
                    key: section.clone(),
                });
            };
            let Some(inner) = value.as_table() else {
                return Err(ConfigError::BadValue {
                    path: self.origin.to_string(),
                    key: section.clone(),
                    reason: format!("expected a table [{section}], found {}", describe(value)),
                });
            };
            if let Some(key) = inner.keys().find(|k| !keys.contains(&k.as_str())) {
                return Err(ConfigError::UnknownKey {
                    path: self.origin.to_string(),
                    key: format!("{section}.{key}"),
                });
            }
        }
        Ok(())
    }

    fn bad(&self, section: &str, key: &str, reason: String) -> ConfigError {
        ConfigError::BadValue {
            path: self.origin.to_string(),
            key: format!("{section}.{key}"),
            reason,
        }
    }

    fn get(&self, section: &str, key: &str) -> Option<&toml::Value> {
        self.table.get(section)?.as_table()?.get(key)
    }

    fn get_str(&self, section: &str, key: &str) -> Result<Option<&str>, ConfigError> {
        match self.get(section, key) {
            None => Ok(None),
            // Site strings end up in every feed: a character XML forbids would make them
            // ill-formed (found by fuzzing the config, fuzz/fuzz_targets/config.rs).
            Some(toml::Value::String(s)) => match s
                .chars()
                .find(|&c| crate::article::xml_safe::is_forbidden(c))
            {
                Some(c) => Err(self.bad(
                    section,
                    key,
                    format!(
                        "contains U+{:04X}, a character feeds cannot hold",
                        u32::from(c)
                    ),
                )),
                None => Ok(Some(s)),
            },
            Some(v) => Err(self.bad(
                section,
                key,
                format!("expected a string, found {}", describe(v)),
            )),
        }
    }

    fn string(&self, section: &str, key: &str, out: &mut String) -> Result<(), ConfigError> {
        if let Some(s) = self.get_str(section, key)? {
            *out = s.to_string();
        }
        Ok(())
    }

    fn path(&self, section: &str, key: &str, out: &mut PathBuf) -> Result<(), ConfigError> {
        if let Some(s) = self.get_str(section, key)? {
            if s.is_empty() {
                return Err(self.bad(section, key, "must not be empty".to_string()));
            }
            *out = Path::new(s).to_path_buf();
        }
        Ok(())
    }

    fn bool(&self, section: &str, key: &str, out: &mut bool) -> Result<(), ConfigError> {
        match self.get(section, key) {
            None => Ok(()),
            Some(toml::Value::Boolean(b)) => {
                *out = *b;
                Ok(())
            }
            Some(v) => Err(self.bad(
                section,
                key,
                format!("expected true or false, found {}", describe(v)),
            )),
        }
    }

    fn uint(&self, section: &str, key: &str, min: u64, out: &mut u64) -> Result<(), ConfigError> {
        match self.get(section, key) {
            None => Ok(()),
            Some(toml::Value::Integer(i)) if *i >= 0 && (*i as u64) >= min => {
                *out = *i as u64;
                Ok(())
            }
            Some(v) => Err(self.bad(
                section,
                key,
                format!(
                    "expected an integer of at least {min}, found {}",
                    describe(v)
                ),
            )),
        }
    }
}

fn describe(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("string {s:?}"),
        toml::Value::Integer(i) => format!("integer {i}"),
        toml::Value::Float(f) => format!("float {f}"),
        toml::Value::Boolean(b) => format!("boolean {b}"),
        toml::Value::Datetime(d) => format!("datetime {d}"),
        toml::Value::Array(_) => "an array".to_string(),
        toml::Value::Table(_) => "a table".to_string(),
    }
}

fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    s.parse::<SocketAddr>().map_err(|_| {
        format!("{s:?} is not an address such as \"127.0.0.1:8080\" or \"[::1]:8080\"")
    })
}

/// Check that `url` is an absolute http(s) URL and make it end in `/`.
pub fn normalize_base_url(url: &str) -> Result<String, String> {
    let parsed =
        url::Url::parse(url.trim()).map_err(|e| format!("{url:?} is not an absolute URL: {e}"))?;
    // It is written into every link of every feed and page: a password there would be
    // published to every reader. Checked first, and the URL not repeated, so that no message
    // (printed, logged) shows the password either.
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(
            "must not hold a user name or password (they would appear in every link)".to_string(),
        );
    }
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(format!(
            "{url:?} must be an http:// or https:// URL with a host"
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("{url:?} must not have a query or fragment"));
    }
    let mut s = parsed.to_string();
    // The URL parser leaves a stray `%` as it is, and every link built on it would be an
    // invalid URI (RFC 3986: `%` HEXDIG HEXDIG).
    let mut rest = s.as_str();
    while let Some(at) = rest.find('%') {
        rest = &rest[at + 1..];
        if rest.bytes().take(2).filter(u8::is_ascii_hexdigit).count() != 2 {
            return Err(format!(
                "{url:?} must write % only as an escape of two hex digits (%25 for % itself)"
            ));
        }
    }
    if !s.ends_with('/') {
        s.push('/');
    }
    Ok(s)
}

/// `dir` made absolute with `.`/`..` resolved and symlinks followed as far as it exists (the out
/// dir may not exist yet).
fn resolve_dir(dir: &Path) -> PathBuf {
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut existing = PathBuf::new();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if rest.pop().is_none() {
                    existing = existing.canonicalize().unwrap_or(existing);
                    existing.pop();
                }
            }
            Component::Normal(name) if rest.is_empty() && existing.join(name).exists() => {
                existing.push(name);
            }
            Component::Normal(name) => rest.push(name.to_os_string()),
            other => existing.push(other.as_os_str()),
        }
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    out.extend(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match Config::parse(text, "config/feedpub.toml") {
            Ok(c) => panic!("expected an error, got {c:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c = Config::parse("", "x").expect("empty config parses");
        assert_eq!(c, Config::default());
        assert_eq!(c.site.base_url, "http://127.0.0.1:8080/");
    }

    #[test]
    fn a_wildcard_listen_address_gives_a_loopback_base_url() {
        let url = |listen: &str| base_url_for(listen.parse().expect("an address"));
        assert_eq!(url("0.0.0.0:80"), "http://127.0.0.1:80/");
        assert_eq!(url("[::]:8080"), "http://[::1]:8080/");
        assert_eq!(url("192.0.2.7:8080"), "http://192.0.2.7:8080/");
    }

    #[test]
    fn the_base_path_is_the_base_url_path_without_its_last_slash() {
        let path = |url: &str| {
            let mut c = Config::default();
            c.site.base_url = normalize_base_url(url).expect("valid");
            c.site.base_path().to_string()
        };
        assert_eq!(path("https://example.org"), "");
        assert_eq!(path("https://example.org/"), "");
        assert_eq!(path("http://127.0.0.1:8080/blog"), "/blog");
        assert_eq!(path("https://example.org/a/b/"), "/a/b");
        assert_eq!(path("https://example.org/新闻/"), "/%E6%96%B0%E9%97%BB");
        assert_eq!(path("https://example.org/a%2fb%25/"), "/a%2fb%25");
    }

    #[test]
    fn worker_threads_default_to_half_the_cores() {
        let auto = Config::parse("", "x").expect("parses").server;
        assert_eq!(auto.workers(), (crate::parallel::cores() / 2).max(1));
        let set = Config::parse("[server]\nworker_threads = 3\n", "x").expect("parses");
        assert_eq!(set.server.workers(), 3);
        assert!(err("[server]\nworker_threads = -1\n").contains("\"server.worker_threads\""));
    }

    #[test]
    fn unknown_keys_are_named() {
        assert_eq!(
            err("[feeds]\nlimt = 3\n"),
            "config/feedpub.toml: unknown key \"feeds.limt\""
        );
        assert_eq!(
            err("[sight]\ntitle = 'x'\n"),
            "config/feedpub.toml: unknown key \"sight\""
        );
        assert_eq!(
            err("title = 'x'\n"),
            "config/feedpub.toml: unknown key \"title\""
        );
    }

    #[test]
    fn wrong_types_name_the_key() {
        let cases = [
            (
                "[feeds]\nlimit = \"many\"\n",
                "key \"feeds.limit\": expected an integer of at least 1, found string \"many\"",
            ),
            ("[feeds]\nlimit = 0\n", "key \"feeds.limit\""),
            (
                "[articles]\nsanitize_html = 1\n",
                "key \"articles.sanitize_html\": expected true or false",
            ),
            (
                "[site]\ntimezone = \"Mars/Olympus\"\n",
                "key \"site.timezone\": unknown time zone",
            ),
            ("[site]\nbase_url = \"ftp://x/\"\n", "key \"site.base_url\""),
            (
                "[site]\nbase_url = \"https://example.com/%zz/\"\n",
                "key \"site.base_url\": \"https://example.com/%zz/\" must write % only as an escape",
            ),
            (
                "[site]\nbase_url = \"https://example.com/a%2\"\n",
                "must write % only as an escape of two hex digits",
            ),
            (
                "[site]\nbase_url = \"https://editor:s3cret@news.example/\"\n",
                "must not hold a user name or password",
            ),
            (
                "[site]\nbase_url = \"https://editor@news.example/\"\n",
                "must not hold a user name or password",
            ),
            (
                "[server]\nlisten = \"localhost\"\n",
                "key \"server.listen\"",
            ),
            ("site = 3\n", "key \"site\": expected a table"),
            (
                "[site]\nlanguage = \"en US\"\n",
                "key \"site.language\": \"en US\" is not a language tag",
            ),
            (
                "[site]\nlanguage = \"chinese\"\n",
                "\"chinese\" is not a language tag: a 2 or 3 letter ISO 639 code",
            ),
            (
                "[watch]\ndebounce_ms = 50\nmax_delay_ms = 10\n",
                "key \"watch.max_delay_ms\"",
            ),
            (
                "[site]\nauthor = \"\\u007f\"\n",
                "key \"site.author\": contains U+007F, a character feeds cannot hold",
            ),
            (
                "[site]\ntitle = \"a\\ufffeb\"\n",
                "key \"site.title\": contains U+FFFE",
            ),
            (
                "[site]\ndescription = \"\\u0001\"\n",
                "key \"site.description\"",
            ),
        ];
        for (text, want) in cases {
            let got = err(text);
            assert!(
                got.contains(want),
                "{text:?}: got {got:?}, want it to contain {want:?}"
            );
        }
    }

    #[test]
    fn cache_control_must_be_a_header_value() {
        let got = err("[server]\ncache_control = \"public\\nmax-age=1\"\n");
        assert!(
            got.starts_with("config/feedpub.toml: key \"server.cache_control\": "),
            "{got}"
        );
        let ok = Config::parse("[server]\ncache_control = \"no-cache\"\n", "x").expect("parses");
        assert_eq!(ok.server.cache_control, "no-cache");
    }

    #[test]
    fn syntax_errors_carry_a_line() {
        let got = err("[site]\ntitle = \"x\"\nbroken =\n");
        assert!(
            got.starts_with("config/feedpub.toml:3: TOML syntax error"),
            "{got}"
        );
    }

    #[test]
    fn values_are_read() {
        let c = Config::parse(
            "[site]\ntitle = \"T\"\nbase_url = \"https://example.com/news\"\ntimezone = \"Asia/Shanghai\"\nauthor = \"A\"\n[feeds]\nlimit = 7\nfull_content = false\n[watch]\npoll_interval_ms = 500\n",
            "x",
        )
        .expect("valid config");
        assert_eq!(c.site.title, "T");
        assert_eq!(c.site.base_url, "https://example.com/news/");
        assert!(c.site.base_url_explicit);
        assert_eq!(c.site.timezone, chrono_tz::Asia::Shanghai);
        assert_eq!(c.feeds.limit, 7);
        assert!(!c.feeds.full_content);
        assert_eq!(c.watch.poll_interval_ms, 500);
    }

    #[test]
    fn flags_override_the_file() {
        let mut c = Config::parse(
            "[server]\nlisten = \"127.0.0.1:9000\"\n[articles]\ndir = \"a\"\n",
            "x",
        )
        .expect("valid");
        assert_eq!(c.site.base_url, "http://127.0.0.1:9000/");
        c.apply(&Overrides {
            articles: Some("b".into()),
            listen: Some("127.0.0.1:9100".into()),
            ..Overrides::default()
        })
        .expect("valid flags");
        assert_eq!(c.articles.dir, PathBuf::from("b"));
        assert_eq!(c.site.base_url, "http://127.0.0.1:9100/");
        c.apply(&Overrides {
            base_url: Some("https://x.org".into()),
            ..Overrides::default()
        })
        .expect("valid");
        assert_eq!(c.site.base_url, "https://x.org/");
        let bad = c.apply(&Overrides {
            listen: Some("nope".into()),
            ..Overrides::default()
        });
        assert!(matches!(
            bad,
            Err(ConfigError::BadFlag { flag: "listen", .. })
        ));
    }

    #[test]
    fn a_refused_base_url_does_not_show_its_password() {
        for url in [
            "https://editor:s3cret@news.example/",
            "https://editor:s3cret@news.example/?q",
            "ftp://editor:s3cret@news.example/",
        ] {
            let e = normalize_base_url(url).expect_err(url);
            assert!(!e.contains("s3cret"), "{e}");
            assert!(e.contains("user name or password"), "{e}");
        }
    }
}
