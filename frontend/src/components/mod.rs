//! Components that pages share.

mod category_list;
mod contact_form;
mod listing_card;
mod listing_grid;
mod status;

pub use category_list::CategoryList;
pub use contact_form::{ContactForm, ContactFormView};
pub use listing_card::ListingCard;
pub use listing_grid::ListingGrid;
pub use status::{ErrorNotice, Loading};
