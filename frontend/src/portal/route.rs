//! Which console view a path names. The server renders one frame for every `/partner/...` and
//! `/admin/...` path; the console's island parses the path here and shows that view.

/// A view of the partner portal (`/partner/{partner}/...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartnerRoute {
    /// `/partner`: on to the portal of the account's (first) partner.
    Home,
    Listings(String),
    NewListing(String),
    EditListing(String, String),
    ListingAnalytics(String, String),
    Leads(String),
    Deals(String),
    ApiKeys(String),
    Webhooks(String),
    Profile(String),
    NotFound,
}

impl PartnerRoute {
    pub fn parse(path: &str) -> Self {
        let parts = segments(path, "partner");
        let Some(parts) = parts else {
            return PartnerRoute::NotFound;
        };
        let owned = |s: &&str| s.to_string();
        match parts.as_slice() {
            [] => PartnerRoute::Home,
            [p] => PartnerRoute::Listings(owned(p)),
            [p, "listings", "new"] => PartnerRoute::NewListing(owned(p)),
            [p, "listings", l] => PartnerRoute::EditListing(owned(p), owned(l)),
            [p, "listings", l, "analytics"] => PartnerRoute::ListingAnalytics(owned(p), owned(l)),
            [p, "leads"] => PartnerRoute::Leads(owned(p)),
            [p, "deals"] => PartnerRoute::Deals(owned(p)),
            [p, "api-keys"] => PartnerRoute::ApiKeys(owned(p)),
            [p, "webhooks"] => PartnerRoute::Webhooks(owned(p)),
            [p, "profile"] => PartnerRoute::Profile(owned(p)),
            _ => PartnerRoute::NotFound,
        }
    }

    /// The bundle that renders the view (`mercato_{bundle}`): the portal's listings half or
    /// its operations half, so neither page downloads the other's code.
    pub fn bundle(&self) -> &'static str {
        use PartnerRoute::*;
        match self {
            Leads(_) | Deals(_) | ApiKeys(_) | Webhooks(_) | Profile(_) => "partner_ops",
            _ => "partner",
        }
    }

    /// The partner the view belongs to.
    pub fn partner(&self) -> Option<&str> {
        use PartnerRoute::*;
        match self {
            Listings(p)
            | NewListing(p)
            | EditListing(p, _)
            | ListingAnalytics(p, _)
            | Leads(p)
            | Deals(p)
            | ApiKeys(p)
            | Webhooks(p)
            | Profile(p) => Some(p),
            Home | NotFound => None,
        }
    }
}

impl AdminRoute {
    /// The bundle that renders the view: reviewing and the catalogue, or partners, routing,
    /// demand and the audit log.
    pub fn bundle(&self) -> &'static str {
        use AdminRoute::*;
        match self {
            Partners | Routing | Demand | Audit => "admin_ops",
            _ => "admin",
        }
    }
}

/// A view of the admin console (`/admin/...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminRoute {
    ReviewQueue,
    Review(String),
    Partners,
    Catalog,
    Routing,
    Demand,
    Audit,
    NotFound,
}

impl AdminRoute {
    pub fn parse(path: &str) -> Self {
        match segments(path, "admin").as_deref() {
            Some([]) => AdminRoute::ReviewQueue,
            Some(["review", listing]) => AdminRoute::Review(listing.to_string()),
            Some(["partners"]) => AdminRoute::Partners,
            Some(["catalog"]) => AdminRoute::Catalog,
            Some(["routing"]) => AdminRoute::Routing,
            Some(["demand"]) => AdminRoute::Demand,
            Some(["audit"]) => AdminRoute::Audit,
            _ => AdminRoute::NotFound,
        }
    }
}

/// The path's segments after `/{root}`, or `None` for a path outside it.
fn segments<'a>(path: &'a str, root: &str) -> Option<Vec<&'a str>> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let mut parts = path.split('/').filter(|s| !s.is_empty());
    (parts.next() == Some(root)).then(|| parts.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_paths() {
        use PartnerRoute::*;
        assert_eq!(PartnerRoute::parse("/partner"), Home);
        assert_eq!(PartnerRoute::parse("/partner/"), Home);
        assert_eq!(
            PartnerRoute::parse("/partner/acme"),
            Listings("acme".into())
        );
        assert_eq!(
            PartnerRoute::parse("/partner/acme/listings/new"),
            NewListing("acme".into())
        );
        assert_eq!(
            PartnerRoute::parse("/partner/acme/listings/sync/analytics?x=1"),
            ListingAnalytics("acme".into(), "sync".into())
        );
        assert_eq!(
            PartnerRoute::parse("/partner/acme/leads"),
            Leads("acme".into())
        );
        assert_eq!(PartnerRoute::parse("/partner/acme/nope"), NotFound);
        assert_eq!(PartnerRoute::parse("/admin"), NotFound);
        assert_eq!(Leads("acme".into()).partner(), Some("acme"));
    }

    #[test]
    fn admin_paths() {
        assert_eq!(AdminRoute::parse("/admin"), AdminRoute::ReviewQueue);
        assert_eq!(
            AdminRoute::parse("/admin/review/slack-sync"),
            AdminRoute::Review("slack-sync".into())
        );
        assert_eq!(AdminRoute::parse("/admin/audit"), AdminRoute::Audit);
        assert_eq!(AdminRoute::parse("/admin/review"), AdminRoute::NotFound);
        assert_eq!(AdminRoute::parse("/partner"), AdminRoute::NotFound);
    }
}
