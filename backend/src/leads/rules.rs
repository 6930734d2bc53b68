//! The routing rules document: stored as JSON in `routing_rules`, defaults until admins save.

use chrono::{DateTime, Utc};
use mercato_shared::api::audit::AuditAction;
use mercato_shared::api::leads::RoutingRules;
use mercato_shared::validate::{Slug, Validator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};

use crate::auth::CurrentUser;
use crate::entities::{categories, partners, routing_rules};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::audit::{self, Subject};

/// The longest SLA admins may set: a month.
pub const MAX_SLA_HOURS: u32 = 720;

/// The rules in force.
pub async fn load(db: &impl ConnectionTrait) -> ApiResult<RoutingRules> {
    match routing_rules::Entity::find_by_id(1).one(db).await? {
        None => Ok(RoutingRules::default()),
        Some(row) => serde_json::from_str(&row.rules).map_err(|e| ApiError::Unexpected(e.into())),
    }
}

/// Checks every partner and category the rules name, then stores them.
pub async fn save(
    db: &impl ConnectionTrait,
    rules: &RoutingRules,
    by: i64,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    let mut v = Validator::new();
    if rules.sla_hours == 0 || rules.sla_hours > MAX_SLA_HOURS {
        v.push(
            "sla_hours",
            mercato_shared::validate::Invalid::new(
                "out_of_range",
                format!("must be between 1 and {MAX_SLA_HOURS}"),
            ),
        );
    }
    let mut named_partners: Vec<(String, String)> = rules
        .implementation_help
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                format!("implementation_help[{i}].partner"),
                r.partner.clone(),
            )
        })
        .collect();
    if let Some(other) = &rules.other {
        named_partners.push(("other".into(), other.clone()));
    }
    for (field, slug) in named_partners {
        let known = match Slug::parse(&slug) {
            Ok(s) => partners::Entity::find()
                .filter(partners::Column::Slug.eq(s.as_str()))
                .one(db)
                .await?
                .is_some(),
            Err(_) => false,
        };
        if !known {
            v.push(
                field,
                mercato_shared::validate::Invalid::new(
                    "unknown_partner",
                    "no partner has this slug",
                ),
            );
        }
    }
    for (i, rule) in rules.implementation_help.iter().enumerate() {
        for (j, category) in rule.categories.iter().enumerate() {
            let known = categories::Entity::find()
                .filter(categories::Column::Slug.eq(category.as_str()))
                .one(db)
                .await?
                .is_some();
            if !known {
                v.push(
                    format!("implementation_help[{i}].categories[{j}]"),
                    mercato_shared::validate::Invalid::new(
                        "unknown_category",
                        "no category has this slug",
                    ),
                );
            }
        }
    }
    if !v.is_empty() {
        return Err(ApiError::Validation(v.into_errors()));
    }
    let text = serde_json::to_string(rules).map_err(|e| ApiError::Unexpected(e.into()))?;
    let row = routing_rules::ActiveModel {
        id: Set(1),
        rules: Set(text),
        updated_by: Set(Some(by)),
        updated_at: Set(at),
    };
    if routing_rules::Entity::find_by_id(1)
        .one(db)
        .await?
        .is_some()
    {
        row.update(db).await?;
    } else {
        row.insert(db).await?;
    }
    Ok(())
}

/// Replaces the rules (the caller checked that an admin asks), audited with what they were.
pub async fn replace(
    state: &AppState,
    admin: &CurrentUser,
    rules: RoutingRules,
) -> ApiResult<RoutingRules> {
    let now = state.settings.clock.now();
    let txn = state.db.write.begin().await?;
    let before = load(&txn).await?;
    save(&txn, &rules, admin.id, now).await?;
    audit::record(
        &txn,
        now,
        admin.into(),
        AuditAction::RoutingRulesChanged,
        Subject::RoutingRules,
        serde_json::json!({ "from": before, "to": rules }),
    )
    .await?;
    txn.commit().await?;
    Ok(rules)
}
