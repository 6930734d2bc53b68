//! Public pages rendered on the server: complete HTML documents (content, title, description,
//! canonical link, Open Graph, JSON-LD) that crawlers and visitors without JavaScript read as
//! they are. The body comes from the web app's own components (`mercato_frontend::ssr`); this
//! module adds the document around it. `seo.rs` builds the structured data and the sitemap.

pub mod seo;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::state::AppState;

/// What goes into a page's `<head>`.
pub struct Head {
    pub title: String,
    pub description: String,
    /// Absolute URL of the page.
    pub canonical: String,
    /// `website`, `product`, …
    pub og_type: &'static str,
    pub image: Option<String>,
    /// JSON-LD, already serialised.
    pub json_ld: Option<String>,
}

/// Escapes text for HTML content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    crate::search::text::escape_html(text, &mut out);
    out
}

/// JSON inside `<script>`: `</script>` (in any case) and `<!--` must not appear in it.
pub fn script_json(json: &str) -> String {
    json.replace('<', "\\u003c")
}

/// The site's origin for absolute links: the configured public URL, else the request's own.
pub fn origin(req: &HttpRequest, state: &AppState) -> String {
    match &state.settings.public_url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    }
}

/// Which WASM bundle hydrates a page: the public islands, or one console's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bundle {
    Public,
    /// A console page: `boot.js` loads `/pkg/mercato_{name}.js`; search engines stay out.
    Console(&'static str),
}

/// A whole public document around `body` (the rendered page).
pub fn document(head: &Head, body: &str) -> String {
    document_with(head, body, Bundle::Public)
}

/// A whole document around `body`, hydrated by `bundle`.
pub fn document_with(head: &Head, body: &str, bundle: Bundle) -> String {
    let mut meta = String::new();
    let html_attrs = match bundle {
        Bundle::Public => String::new(),
        Bundle::Console(name) => {
            meta.push_str("<meta name=\"robots\" content=\"noindex\">\n");
            format!(" data-bundle=\"{name}\"")
        }
    };
    let property = |meta: &mut String, key: &str, value: &str| {
        meta.push_str(&format!(
            "<meta property=\"{key}\" content=\"{}\">\n",
            escape(value)
        ));
    };
    property(&mut meta, "og:type", head.og_type);
    property(&mut meta, "og:site_name", "Mercato");
    property(&mut meta, "og:title", &head.title);
    property(&mut meta, "og:description", &head.description);
    property(&mut meta, "og:url", &head.canonical);
    if let Some(image) = &head.image {
        property(&mut meta, "og:image", image);
    }
    meta.push_str(&format!(
        "<meta name=\"twitter:card\" content=\"{}\">\n",
        if head.image.is_some() {
            "summary_large_image"
        } else {
            "summary"
        }
    ));
    if let Some(json_ld) = &head.json_ld {
        meta.push_str(&format!(
            "<script type=\"application/ld+json\">{}</script>\n",
            script_json(json_ld)
        ));
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"{html_attrs}>\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<meta name=\"description\" content=\"{description}\">\n\
         <link rel=\"canonical\" href=\"{canonical}\">\n{meta}\
         <meta name=\"theme-color\" content=\"#1f4fd1\">\n{ICON}\n\
         <link rel=\"stylesheet\" href=\"/style.css\">\n\
         <script type=\"module\" src=\"/boot.js\"></script>\n</head>\n<body>\n{body}\n</body>\n</html>\n",
        title = escape(&head.title),
        description = escape(&head.description),
        canonical = escape(&head.canonical),
    )
}

const ICON: &str = "<link rel=\"icon\" href=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='7' fill='%231f4fd1'/%3E%3Ctext x='16' y='23' font-family='system-ui,sans-serif' font-size='19' font-weight='700' fill='white' text-anchor='middle'%3EM%3C/text%3E%3C/svg%3E\">";

/// Cuts `text` to at most `max` characters at a word boundary, with an ellipsis.
pub fn summary(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}

/// An HTML answer, cacheable briefly by browsers and shared caches.
pub fn html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// Marks an answer as not for any cache: it is for one visitor (a form's outcome, a console,
/// a 404 that may not stay one).
pub fn no_store(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    res
}

/// The real 404 page, with the site's frame.
pub fn not_found(req: &HttpRequest, state: &AppState) -> HttpResponse {
    let head = Head {
        title: "Page not found · Mercato".into(),
        description: "This page does not exist on Mercato, the integration marketplace.".into(),
        canonical: format!("{}{}", origin(req, state), req.path()),
        og_type: "website",
        image: None,
        json_ld: None,
    };
    no_store(html(
        actix_web::http::StatusCode::NOT_FOUND,
        document(&head, &mercato_frontend::ssr::not_found_page()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_script_json_cannot_break_out() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(
            script_json(r#"{"a":"</script><!--"}"#),
            r#"{"a":"\u003c/script>\u003c!--"}"#
        );
    }

    #[test]
    fn summaries_end_at_a_word() {
        assert_eq!(summary("short  text", 50), "short text");
        assert_eq!(
            summary("Sync contacts, deals and notes between tools", 20),
            "Sync contacts…"
        );
    }
}
