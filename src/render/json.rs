//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>) with serde, borrowing the article text.
//!
//! Every item has `content_html` (the article, when `feeds.full_content` and it has markup) or
//! `content_text` (the plain-text summary, else the title): the spec requires one of them.

use serde::Serialize;

use super::feed::{self, split_author, FeedDoc};
use super::JSON_FEED_FILE;

const VERSION: &str = "https://jsonfeed.org/version/1.1";

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
}

pub(super) fn render(doc: &FeedDoc<'_>) -> Vec<u8> {
    let full = doc.full_content();
    let bodies: Vec<_> = doc
        .items
        .iter()
        .map(|a| full.then(|| feed::content(a)).flatten())
        .collect();
    let items = doc
        .items
        .iter()
        .enumerate()
        .map(|(i, article)| JsonItem {
            id: doc.item_id(i),
            url: &doc.links[i],
            title: &article.title,
            content_html: bodies[i].as_deref(),
            content_text: bodies[i].is_none().then(|| feed::summary(article)),
            summary: Some(feed::summary(article)),
            date_published: article.date.to_rfc3339(),
            date_modified: feed::modified(article).to_rfc3339(),
            tags: &article.tags,
            authors: authors(article.author.as_deref()),
            language: feed::own_lang(article, &doc.config.site.language),
        })
        .collect();
    let site = &doc.config.site;
    let feed = JsonFeed {
        version: VERSION,
        title: doc.title,
        home_page_url: doc.home_page(),
        feed_url: doc.url_of(JSON_FEED_FILE),
        description: Some(site.description.as_str()).filter(|d| !d.trim().is_empty()),
        language: doc.language,
        authors: authors(site.author.as_deref()),
        items,
    };
    serde_json::to_vec(&feed).expect("serializing strings into a Vec cannot fail")
}

/// The `authors` list: one author, or none for a missing or blank name.
fn authors(name: Option<&str>) -> Vec<Author<'_>> {
    name.filter(|a| !a.trim().is_empty())
        .map(author)
        .into_iter()
        .collect()
}

fn author(a: &str) -> Author<'_> {
    Author {
        name: split_author(a).0,
    }
}
