//! Markdown from partners, rendered to HTML that is safe to put into a page: raw HTML is
//! shown as text, links and images only keep http(s)/mailto/relative targets, and links carry
//! `rel="nofollow ugc noopener"`. [`plain_text`] is the same Markdown as the words a reader
//! sees, for search snippets and meta descriptions.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

pub fn render(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        // Raw HTML is displayed, never interpreted.
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            dest_url, title, ..
        }) => {
            let href = if is_safe_url(&dest_url) {
                dest_url
            } else {
                CowStr::from("#")
            };
            let mut tag = format!(
                "<a href=\"{}\" rel=\"nofollow ugc noopener\"",
                escape(&href)
            );
            if !title.is_empty() {
                tag.push_str(&format!(" title=\"{}\"", escape(&title)));
            }
            tag.push('>');
            Event::InlineHtml(tag.into())
        }
        Event::End(TagEnd::Link) => Event::InlineHtml("</a>".into()),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: if is_safe_url(&dest_url) && !dest_url.starts_with("mailto:") {
                dest_url
            } else {
                CowStr::from("")
            },
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// The words a reader of the rendered Markdown sees, without its markup: block ends become
/// one space, link and image targets are dropped (their text and alt text stay), raw HTML
/// stays as the text it is shown as. Runs of whitespace are one space.
pub fn plain_text(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut text = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                text.push_str(&t)
            }
            // Inline markup joins what it surrounds ("**a**b" reads "ab"); everything else
            // (a block's end, a line break, a rule) separates.
            Event::End(
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Image,
            ) => {}
            Event::SoftBreak | Event::HardBreak | Event::End(_) | Event::Rule => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.split_once(':') {
        // A colon before any slash, ? or # is a scheme.
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => {
            matches!(scheme, "http" | "https" | "mailto")
        }
        _ => true,
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    crate::search::text::escape_html(s, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_keeps_the_words_and_drops_the_markup() {
        assert_eq!(
            plain_text("## Features\n\n- **Fast** sync of `orders`\n- [Docs](https://x.example) and ![logo](a.png)\n\nDone."),
            "Features Fast sync of orders Docs and logo Done."
        );
        assert_eq!(plain_text("<b>raw</b> html"), "<b>raw</b> html");
        assert_eq!(plain_text("plain words"), "plain words");
    }

    #[test]
    fn renders_markdown() {
        let html = render("# Title\n\n**bold** and [docs](https://example.com/docs)");
        assert!(html.contains("<h1>Title</h1>"));
        assert!(html.contains("<strong>bold</strong>"));
        assert!(html.contains(
            r#"<a href="https://example.com/docs" rel="nofollow ugc noopener">docs</a>"#
        ));
    }

    #[test]
    fn neutralises_html_and_scripts() {
        for evil in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "hello <b onclick=\"x()\">x</b>",
            "<iframe src=\"https://evil\"></iframe>",
        ] {
            let html = render(evil);
            assert!(!html.contains("<script"), "{html}");
            assert!(!html.contains("<img src=x"), "{html}");
            assert!(!html.contains("<b onclick"), "{html}");
            assert!(!html.contains("<iframe"), "{html}");
        }
        let html =
            render("[x](javascript:alert(1)) [y](JAVASCRIPT:alert(1)) ![i](data:text/html,x)");
        assert!(!html.to_lowercase().contains("javascript:"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        let html = render(r#"[x](https://e.com "a\" onmouseover=\"x")"#);
        assert!(!html.contains("\" onmouseover"), "{html}");
    }

    #[test]
    fn relative_links_are_kept() {
        assert!(render("[x](/docs)").contains(r#"href="/docs""#));
    }
}
