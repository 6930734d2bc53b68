use sea_orm::entity::prelude::*;

/// One person's vote for an integration request, with the contact it may become a lead for.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "integration_request_votes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub request_id: i64,
    /// `user:<id>` or `email:<address>`.
    pub voter_key: String,
    pub user_id: Option<i64>,
    pub email: String,
    pub contact_name: Option<String>,
    pub company_name: Option<String>,
    pub company_domain: Option<String>,
    /// The voter agrees to be introduced to the partner when the integration ships.
    pub consent: bool,
    pub ip_hash: String,
    /// The lead made of this vote when the request shipped.
    pub lead_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
