use mercato_shared::api::listings::{ListingStatus, PricingModel};
use sea_orm::entity::prelude::*;

use super::json::{Screenshots, StringList};

/// A listing. Its content columns hold the live version once published (edits then go to
/// `listing_revisions`), and the draft before that.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "listings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub partner_id: i64,
    /// See `mercato_shared::api::listings::ListingStatus`.
    pub status: ListingStatus,
    pub name: String,
    pub tagline: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    #[sea_orm(column_type = "Json")]
    pub use_cases: StringList,
    #[sea_orm(column_type = "Json")]
    pub screenshots: Screenshots,
    pub video_url: Option<String>,
    pub install_url: Option<String>,
    pub pricing_model: PricingModel,
    #[sea_orm(column_type = "Text", nullable)]
    pub pricing_details: Option<String>,
    pub support_url: Option<String>,
    pub documentation_url: Option<String>,
    pub privacy_policy_url: Option<String>,
    #[sea_orm(column_type = "Json")]
    pub badges: StringList,
    /// Installs reported from outside (imports); popularity adds `active_installs`.
    pub monthly_installs: i64,
    /// Workspaces with the listing installed now.
    pub active_installs: i64,
    pub rating_sum: i64,
    pub review_count: i64,
    /// The reviewer's note while changes are requested.
    #[sea_orm(column_type = "Text", nullable)]
    pub review_note: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::partners::Entity",
        from = "Column::PartnerId",
        to = "super::partners::Column::Id"
    )]
    Partner,
}

impl Related<super::partners::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Partner.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
