//! System roles grant named permissions; every API endpoint names the one it needs.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Permission {
    /// Create, edit, disable and import users; unlock locked accounts.
    #[serde(rename = "users.manage")]
    ManageUsers,
    /// See the user list (managers need it to pick people).
    #[serde(rename = "users.view")]
    ViewUsers,
    /// Create, edit and delete organisations.
    #[serde(rename = "orgs.manage")]
    ManageOrganizations,
    /// Create, edit and delete system roles.
    #[serde(rename = "roles.manage")]
    ManageRoles,
    /// Change system settings (organisation name, default language and time zone, sessions).
    #[serde(rename = "settings.manage")]
    ManageSettings,
    /// See everyone's attendance records, not only one's own.
    #[serde(rename = "attendance.view")]
    ViewAttendance,
    /// Manage projects and work items, compare plan with actual, lock and export.
    #[serde(rename = "projects.manage")]
    ManageProjects,
    /// Enter one's own hours per day and task.
    #[serde(rename = "effort.enter")]
    EnterEffort,
    /// Publish client releases, choose the one offered, and set the client update policy.
    #[serde(rename = "updates.manage")]
    ManageUpdates,
}

impl Permission {
    pub const ALL: [Permission; 9] = [
        Permission::ManageUsers,
        Permission::ViewUsers,
        Permission::ManageOrganizations,
        Permission::ManageRoles,
        Permission::ManageSettings,
        Permission::ViewAttendance,
        Permission::ManageProjects,
        Permission::EnterEffort,
        Permission::ManageUpdates,
    ];

    /// The stable name stored in the database and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            Permission::ManageUsers => "users.manage",
            Permission::ViewUsers => "users.view",
            Permission::ManageOrganizations => "orgs.manage",
            Permission::ManageRoles => "roles.manage",
            Permission::ManageSettings => "settings.manage",
            Permission::ViewAttendance => "attendance.view",
            Permission::ManageProjects => "projects.manage",
            Permission::EnterEffort => "effort.enter",
            Permission::ManageUpdates => "updates.manage",
        }
    }

    pub fn from_key(key: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.key() == key)
    }

    /// Permissions that imply this one (managing users implies seeing them).
    pub fn is_granted_by(self, granted: &[Permission]) -> bool {
        granted.contains(&self) || (self == Permission::ViewUsers && granted.contains(&Permission::ManageUsers))
    }
}

/// The roles created on first setup. Their keys are stable; administrators may rename them and
/// change the permissions of all but the administrator role, which always keeps every permission
/// so that nobody can lock the organisation out of its own console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltinRole {
    Administrator,
    Manager,
    Member,
}

impl BuiltinRole {
    pub const ALL: [BuiltinRole; 3] = [BuiltinRole::Administrator, BuiltinRole::Manager, BuiltinRole::Member];

    pub fn key(self) -> &'static str {
        match self {
            BuiltinRole::Administrator => "administrator",
            BuiltinRole::Manager => "manager",
            BuiltinRole::Member => "member",
        }
    }

    pub fn default_name(self) -> &'static str {
        match self {
            BuiltinRole::Administrator => "Administrator",
            BuiltinRole::Manager => "Manager",
            BuiltinRole::Member => "Member",
        }
    }

    pub fn permissions(self) -> Vec<Permission> {
        match self {
            BuiltinRole::Administrator => Permission::ALL.to_vec(),
            BuiltinRole::Manager => {
                vec![Permission::ViewUsers, Permission::ViewAttendance, Permission::ManageProjects, Permission::EnterEffort]
            }
            BuiltinRole::Member => vec![Permission::EnterEffort],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_match_serde() {
        for p in Permission::ALL {
            assert_eq!(Permission::from_key(p.key()), Some(p));
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.key()));
        }
        assert_eq!(Permission::from_key("users.delete_everything"), None);
    }

    #[test]
    fn managing_users_implies_viewing_them() {
        assert!(Permission::ViewUsers.is_granted_by(&[Permission::ManageUsers]));
        assert!(!Permission::ManageUsers.is_granted_by(&[Permission::ViewUsers]));
    }

    #[test]
    fn member_cannot_administer() {
        let member = BuiltinRole::Member.permissions();
        assert!(!Permission::ManageUsers.is_granted_by(&member));
        assert!(!Permission::ViewAttendance.is_granted_by(&member));
    }
}
