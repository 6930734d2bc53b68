//! Who may do what to a partner and its listings — and what a refusal says.
//!
//! **The 403/404 policy**, applied by [`partner_for`] to every route under
//! `/partners/{slug}/…`:
//!
//! - a partner that does not exist, and one that is not public (applied or suspended) when the
//!   caller is neither its member nor marketplace staff, is **404**: outsiders learn nothing
//!   about partners they cannot see;
//! - a partner the caller can see, when the caller may not do what it asks ([`Need`]), is
//!   **403** `forbidden`, with a sentence saying who may.
//!
//! Resources found through something else than the partner's path (a lead by its id, a
//! webhook endpoint of another partner) are 404 for callers who may not see them, since
//! their ids say nothing about whether they exist.

use mercato_shared::api::partners::PartnerRole;
use mercato_shared::validate::Slug;
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::auth::CurrentUser;
use crate::entities::{partner_members, partners};
use crate::error::{ApiError, ApiResult};
use crate::store;

/// What a caller asks to do with a partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Its public profile and listings: anyone who can see the partner.
    Profile,
    /// Its private side (members, drafts, history, leads, deal registrations): its members
    /// and marketplace admins.
    PrivateData,
    /// Its performance (the scorecard): its members, marketplace admins and analysts.
    Performance,
    /// Work as the partner (edit listings, register deals, answer reviews): its members.
    MemberWork,
    /// Administer it (profile, members, API keys, webhooks, domain verification): its admins.
    Administration,
    /// Read what its admins administer (the webhook log, the verification state): its admins
    /// and marketplace admins, who oversee every partner but change nothing of theirs.
    AdministrationRead,
    /// Change its marketplace-level settings (the single sign-on requirement): its admins and
    /// marketplace admins.
    Oversight,
}

/// The caller's standing towards one partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartnerAccess {
    /// The caller's role in the partner, if a member.
    pub role: Option<PartnerRole>,
    /// The caller is a marketplace admin (who sees everything but edits no partner content).
    pub marketplace_admin: bool,
    /// The caller is marketplace staff (admins and analysts).
    pub staff: bool,
}

impl PartnerAccess {
    pub const NONE: PartnerAccess = PartnerAccess {
        role: None,
        marketplace_admin: false,
        staff: false,
    };

    pub async fn of(
        db: &impl ConnectionTrait,
        user: Option<&CurrentUser>,
        partner_id: i64,
    ) -> ApiResult<PartnerAccess> {
        let Some(user) = user else {
            return Ok(PartnerAccess::NONE);
        };
        let role = partner_members::Entity::find_by_id((partner_id, user.id))
            .one(db)
            .await?
            .map(|m| m.role);
        Ok(PartnerAccess {
            role,
            marketplace_admin: user.is_admin(),
            staff: user.is_staff(),
        })
    }

    pub fn is_member(&self) -> bool {
        self.role.is_some()
    }

    fn is_partner_admin(&self) -> bool {
        self.role == Some(PartnerRole::Admin)
    }

    /// Sees drafts, history, members: the partner's own people and marketplace admins.
    pub fn can_view_private(&self) -> bool {
        self.is_member() || self.marketplace_admin
    }

    /// Sees a partner that is not public (applied, suspended): its members and marketplace
    /// staff.
    fn sees_hidden_partners(&self) -> bool {
        self.can_view_private() || self.staff
    }

    pub fn allows(&self, need: Need) -> bool {
        match need {
            Need::Profile => true,
            Need::PrivateData => self.can_view_private(),
            Need::Performance => self.can_view_private() || self.staff,
            Need::MemberWork => self.is_member(),
            Need::Administration => self.is_partner_admin(),
            Need::AdministrationRead | Need::Oversight => {
                self.is_partner_admin() || self.marketplace_admin
            }
        }
    }

    /// 403 with who may, unless the caller may.
    pub fn require(&self, need: Need) -> ApiResult<()> {
        if self.allows(need) {
            return Ok(());
        }
        Err(ApiError::Forbidden(match need {
            Need::Profile | Need::PrivateData => {
                "only the partner's members and marketplace admins may see this"
            }
            Need::Performance => {
                "only the partner's members, marketplace admins and analysts may see this"
            }
            Need::MemberWork => "only members of the partner may do this",
            Need::Administration => "only the partner's admins may do this",
            Need::AdministrationRead | Need::Oversight => {
                "only the partner's admins and marketplace admins may do this"
            }
        }))
    }
}

/// The partner named in the path, if the caller may see it and do what it needs — under the
/// policy above.
pub async fn partner_for(
    db: &impl ConnectionTrait,
    user: Option<&CurrentUser>,
    slug: &Slug,
    need: Need,
) -> ApiResult<(partners::Model, PartnerAccess)> {
    let partner = store::partners::by_slug(db, slug.as_str()).await?;
    let access = PartnerAccess::of(db, user, partner.id).await?;
    if !store::visibility::is_public_partner(&partner) && !access.sees_hidden_partners() {
        return Err(ApiError::NotFound("partner"));
    }
    access.require(need)?;
    Ok((partner, access))
}
