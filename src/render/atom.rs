//! Atom 1.0 through `atom_syndication`.
//!
//! The crate writes every text (including `type="html"` content) as escaped character data, never
//! CDATA, so `]]>`, `<` and `&` round-trip. `updated` defaults to 1970 in the crate: it is always
//! set here, from the newest item, or `now` for an empty feed.

use atom_syndication::{
    Category, Content, Entry, Feed, Generator, Link, Person, Text, WriteConfig,
};
use chrono::FixedOffset;

use super::feed::{self, split_author, FeedDoc, GENERATOR};
use super::html::escape_html;
use super::ATOM_FILE;

pub(super) fn render(doc: &FeedDoc<'_>) -> Vec<u8> {
    let entries: Vec<Entry> = (0..doc.items.len()).map(|i| entry(doc, i)).collect();
    let feed = Feed {
        title: Text::plain(doc.title),
        id: doc.dir_url.clone(),
        updated: doc
            .updated
            .with_timezone(&FixedOffset::east_opt(0).expect("zero offset is valid")),
        authors: vec![person(doc.feed_author())],
        generator: Some(Generator {
            value: GENERATOR.to_string(),
            uri: None,
            version: None,
        }),
        links: vec![
            Link {
                href: doc.url_of(ATOM_FILE),
                rel: "self".to_string(),
                mime_type: Some("application/atom+xml".to_string()),
                ..Link::default()
            },
            Link {
                href: doc.home_page().to_string(),
                rel: "alternate".to_string(),
                mime_type: Some("text/html".to_string()),
                ..Link::default()
            },
        ],
        subtitle: Some(Text::plain(doc.description)).filter(|_| doc.description != doc.title),
        lang: doc.language.map(str::to_string),
        entries,
        ..Feed::default()
    };
    let size: usize = doc
        .items
        .iter()
        .map(|a| {
            a.summary.len() * 2
                + if doc.full_content() {
                    a.content_html.len() * 5 / 4
                } else {
                    0
                }
                + 768
        })
        .sum();
    let config = WriteConfig {
        write_document_declaration: true,
        indent_size: None,
    };
    feed.write_with_config(Vec::with_capacity(size + 1024), config)
        .expect("writing XML into a Vec cannot fail")
}

fn entry(doc: &FeedDoc<'_>, i: usize) -> Entry {
    let article = doc.items[i];
    let html = if doc.full_content() {
        feed::content(article).map(|html| html.into_owned())
    } else if article.summary.trim().is_empty() {
        None
    } else {
        Some(format!("<p>{}</p>", escape_html(&article.summary)))
    };
    // The article's language on each of its texts: the entry inherits the feed's `xml:lang`
    // (the site's), and atom_syndication writes no `xml:lang` on an entry.
    let lang = feed::own_lang(article, &doc.config.site.language).map(str::to_string);
    let text = |value: &str| Text {
        lang: lang.clone(),
        ..Text::plain(value)
    };
    Entry {
        title: text(&article.title),
        id: atom_id(doc.item_id(i)),
        updated: feed::modified(article),
        published: Some(article.date),
        authors: doc.item_author(article).map(person).into_iter().collect(),
        links: vec![Link {
            href: doc.links[i].clone(),
            rel: "alternate".to_string(),
            mime_type: Some("text/html".to_string()),
            ..Link::default()
        }],
        categories: article
            .tags
            .iter()
            .map(|t| Category {
                term: t.clone(),
                scheme: None,
                label: None,
            })
            .collect(),
        summary: Some(text(feed::summary(article))),
        content: html.map(|html| Content {
            content_type: Some("html".to_string()),
            value: Some(html),
            lang: lang.clone(),
            ..Content::default()
        }),
        ..Entry::default()
    }
}

/// An Atom id must be an absolute IRI (RFC 4287 §4.2.6). A front matter `id` that is not one
/// (say `post-17`) is wrapped in a URN, so the entry id stays stable and the feed stays valid;
/// RSS and JSON Feed carry the id as written. An id already in that URN is wrapped again, so
/// two different ids never give one Atom id.
fn atom_id(id: &str) -> String {
    const PREFIX: &str = "urn:feedpub:id:";
    let has_scheme = id.split_once(':').is_some_and(|(scheme, rest)| {
        !rest.is_empty()
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    // Characters an IRI never holds (RFC 3987 §2.2), which `<`, `\` or `{` in an id would be.
    let outside_iri = |c: char| c.is_whitespace() || c.is_control() || "<>\"{}|\\^`".contains(c);
    if has_scheme && !id.chars().any(outside_iri) && !id.starts_with(PREFIX) {
        return id.to_string();
    }
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let encoded = percent_encoding::utf8_percent_encode(id, KEEP);
    format!("{PREFIX}{encoded}")
}

fn person(author: &str) -> Person {
    let (name, email) = split_author(author);
    Person {
        name: name.to_string(),
        email: email.map(str::to_string),
        ..Person::default()
    }
}

#[cfg(test)]
mod id_tests {
    use super::atom_id;

    #[test]
    fn ids_that_are_not_iris_are_wrapped() {
        let cases = [
            ("https://example.com/a/", "https://example.com/a/"),
            ("tag:example.com,2025:x", "tag:example.com,2025:x"),
            ("urn:uuid:1234", "urn:uuid:1234"),
            ("post-17", "urn:feedpub:id:post-17"),
            ("a b:c", "urn:feedpub:id:a%20b%3Ac"),
            ("1:2", "urn:feedpub:id:1%3A2"),
            ("x:<y>", "urn:feedpub:id:x%3A%3Cy%3E"),
            ("c:\\posts\\1", "urn:feedpub:id:c%3A%5Cposts%5C1"),
            ("news:{123}", "urn:feedpub:id:news%3A%7B123%7D"),
            // Wrapped too, or `a b` and `urn:feedpub:id:a%20b` would be one entry.
            (
                "urn:feedpub:id:a%20b",
                "urn:feedpub:id:urn%3Afeedpub%3Aid%3Aa%2520b",
            ),
        ];
        for (id, want) in cases {
            assert_eq!(atom_id(id), want, "{id}");
        }
    }
}
