use mercato_shared::api::partners::{PartnerStatus, Tier};
use sea_orm::entity::prelude::*;

use super::json::{Certifications, Motions, Regions};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partners")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub website: Option<String>,
    pub logo_url: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    #[sea_orm(column_type = "Json")]
    pub motions: Motions,
    #[sea_orm(column_type = "Json")]
    pub regions: Regions,
    /// `registered`, `select` or `premier`.
    pub tier: Tier,
    #[sea_orm(column_type = "Json")]
    pub certifications: Certifications,
    /// `applied`, `active` or `suspended`.
    pub status: PartnerStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The website domain the partner has proven control of (see `verification/`); none:
    /// not verified.
    pub verified_domain: Option<String>,
}

/// Relations are declared on the side that holds the foreign key only (listings, members), so
/// the entity modules depend one way.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
