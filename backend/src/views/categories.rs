//! Categories with their public listing counts.

use mercato_shared::api::categories::Category;

use crate::entities::categories;

pub fn category(c: &categories::Model, listing_count: i64) -> Category {
    Category {
        slug: c.slug.clone(),
        name: c.name.clone(),
        description: c.description.clone(),
        listing_count,
    }
}
