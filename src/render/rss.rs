//! RSS 2.0 through the `rss` crate.
//!
//! The crate writes `description` and `content:encoded` as CDATA and splits any `]]>` across two
//! sections (`BytesCData::escaped`), and escapes every other text and attribute, so any text
//! round-trips. `<description>` is HTML by convention: the plain-text summary (else the title) is
//! HTML-escaped first, so a summary reading `a <b> c` is shown as written, not as markup.
//!
//! The crate's typed atom extension sits behind a feature we do not enable; the
//! `atom:link rel="self"` is written as a generic extension element instead.

use std::collections::BTreeMap;

use ::rss::extension::dublincore::DublinCoreExtension;
use ::rss::extension::{Extension, ExtensionMap};
use ::rss::{Category, Channel, Guid, Item};

use super::feed::{self, rss_author, FeedDoc, GENERATOR};
use super::html::escape_html;
use super::RSS_FILE;

const CONTENT_NS: &str = "http://purl.org/rss/1.0/modules/content/";
const DC_NS: &str = "http://purl.org/dc/elements/1.1/";
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

pub(super) fn render(doc: &FeedDoc<'_>) -> Vec<u8> {
    let items: Vec<Item> = (0..doc.items.len()).map(|i| item(doc, i)).collect();

    let self_link = Extension {
        name: "atom:link".to_string(),
        value: None,
        attrs: BTreeMap::from([
            ("href".to_string(), doc.url_of(RSS_FILE)),
            ("rel".to_string(), "self".to_string()),
            ("type".to_string(), "application/rss+xml".to_string()),
        ]),
        children: BTreeMap::new(),
    };
    let mut extensions = ExtensionMap::new();
    extensions
        .entry("atom".to_string())
        .or_default()
        .insert("link".to_string(), vec![self_link]);

    // Declared whether used or not, so the root element does not change with the content.
    let namespaces = BTreeMap::from([
        ("atom".to_string(), ATOM_NS.to_string()),
        ("content".to_string(), CONTENT_NS.to_string()),
        ("dc".to_string(), DC_NS.to_string()),
    ]);

    let size: usize = doc
        .items
        .iter()
        .map(|a| {
            a.summary.len()
                + if doc.full_content() {
                    a.content_html.len()
                } else {
                    0
                }
                + 512
        })
        .sum();
    let channel = Channel {
        title: doc.title.to_string(),
        link: doc.home_page().to_string(),
        description: doc.description.to_string(),
        language: doc.language.map(str::to_string),
        last_build_date: Some(doc.updated.to_rfc2822()),
        generator: Some(GENERATOR.to_string()),
        items,
        extensions,
        namespaces,
        ..Channel::default()
    };
    channel
        .write_to(Vec::with_capacity(size + 1024))
        .expect("writing XML into a Vec cannot fail")
}

fn item(doc: &FeedDoc<'_>, i: usize) -> Item {
    let article = doc.items[i];
    let link = &doc.links[i];
    let guid = doc.item_id(i);

    // <author> must be an email address; any other name goes in <dc:creator>.
    let (author, dublin_core_ext) = match doc.item_author(article).map(|a| (a, rss_author(a))) {
        Some((_, Some(email))) => (Some(email), None),
        Some((a, None)) => (
            None,
            Some(DublinCoreExtension {
                creators: vec![a.to_string()],
                ..DublinCoreExtension::default()
            }),
        ),
        None => (None, None),
    };

    Item {
        title: Some(article.title.clone()),
        link: Some(link.clone()),
        description: Some(escape_html(feed::summary(article)).into_owned()),
        author,
        categories: article
            .tags
            .iter()
            .map(|t| Category {
                name: t.clone(),
                domain: None,
            })
            .collect(),
        // The crate's default is isPermaLink="true": say it explicitly either way.
        guid: Some(Guid {
            value: guid.to_string(),
            permalink: guid == link,
        }),
        pub_date: Some(article.date.to_rfc2822()),
        content: doc
            .full_content()
            .then(|| feed::content(article))
            .flatten()
            .map(|html| html.into_owned()),
        dublin_core_ext,
        ..Item::default()
    }
}
