//! Customers' reviews of listings.

use mercato_shared::api::reviews::Review;

use crate::entities::reviews;

/// A review with the names shown beside it: the reviewing workspace's, and its author's while
/// the account exists.
pub fn review(
    r: &reviews::Model,
    listing_slug: &str,
    workspace_name: String,
    author_name: Option<String>,
) -> Review {
    Review {
        id: r.id,
        listing: listing_slug.to_string(),
        workspace_name,
        author_name,
        rating: r.rating as u8,
        body: r.body.clone(),
        reply: r.reply.clone(),
        replied_at: r.replied_at,
        hidden: r.hidden,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}
