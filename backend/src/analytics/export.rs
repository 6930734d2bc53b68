//! The analytics answers as CSV documents (`format=csv`), every cell through [`crate::csv`].

use mercato_shared::api::analytics::{AdoptionRanking, ChurnReport, ListingAnalytics};

/// A CSV document and the file name it is saved under.
pub struct CsvExport {
    pub filename: String,
    pub document: String,
}

fn export(filename: String, header: &[&str], lines: Vec<Vec<String>>) -> CsvExport {
    CsvExport {
        filename,
        document: crate::csv::document(header, &lines),
    }
}

/// A listing's series, a line per interval.
pub fn listing(body: &ListingAnalytics) -> CsvExport {
    let lines = body
        .series
        .iter()
        .map(|p| {
            vec![
                p.start.to_string(),
                p.installs.to_string(),
                p.uninstalls.to_string(),
                p.active_installs.to_string(),
                p.active_workspaces.to_string(),
                p.mau.to_string(),
                p.adoption.to_string(),
                p.views.to_string(),
                p.clicks.to_string(),
            ]
        })
        .collect();
    export(
        format!("{}-{}.csv", body.listing, body.interval),
        &[
            "start",
            "installs",
            "uninstalls",
            "active_installs",
            "active_workspaces",
            "mau",
            "adoption",
            "views",
            "clicks",
        ],
        lines,
    )
}

/// The adoption ranking, a line per listing.
pub fn adoption(body: &AdoptionRanking) -> CsvExport {
    let lines = body
        .rows
        .iter()
        .map(|r| {
            vec![
                r.listing.clone(),
                r.name.clone(),
                r.partner.clone(),
                r.mau.to_string(),
                r.active_installs.to_string(),
                r.adoption.to_string(),
            ]
        })
        .collect();
    export(
        format!("adoption-{}.csv", body.as_of),
        &[
            "listing",
            "name",
            "partner",
            "mau",
            "active_installs",
            "adoption",
        ],
        lines,
    )
}

/// Churn by number of integrations, a line per bucket.
pub fn churn(body: &ChurnReport) -> CsvExport {
    let lines = body
        .buckets
        .iter()
        .map(|b| {
            vec![
                b.integrations.clone(),
                b.workspaces.to_string(),
                b.churned.to_string(),
                b.churn_rate.to_string(),
            ]
        })
        .collect();
    export(
        format!("churn-{}-{}.csv", body.from, body.to),
        &["integrations", "workspaces", "churned", "churn_rate"],
        lines,
    )
}
