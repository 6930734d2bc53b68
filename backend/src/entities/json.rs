//! Typed JSON columns (stored as `json` on PostgreSQL and as text on SQLite).

use mercato_shared::api::listings::{ListingContent, Screenshot};
use mercato_shared::api::partners::{Certification, Motion, Region};
use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct StringList(pub Vec<String>);

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Motions(pub Vec<Motion>);

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Regions(pub Vec<Region>);

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Certifications(pub Vec<Certification>);

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Screenshots(pub Vec<Screenshot>);

/// The content of a listing revision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct RevisionContent(pub ListingContent);
