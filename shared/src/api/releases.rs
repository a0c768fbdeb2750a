//! Client releases: the versions of the desktop's files published, per platform, as a signed TUF
//! repository, and the one offered to the clients of each platform.

use serde::{Deserialize, Serialize};

use super::{Id, Timestamp};

/// One published release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Release {
    pub id: Id,
    pub version: String,
    /// e.g. `windows-x86_64`, `linux-x86_64`.
    pub platform: String,
    pub published_at: Timestamp,
    /// The login of whoever published it through the API (none from the command line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_by: Option<String>,
    /// The release clients of its platform are offered (one per platform at most).
    pub offered: bool,
    /// How many files it has, and their total size in bytes.
    pub files: i64,
    pub bytes: i64,
}

/// One file of a release, as its targets metadata signs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseFile {
    /// The TUF target path: `<platform>/<version>/<path in the release>`.
    pub target: String,
    pub length: i64,
    /// Hex.
    pub sha256: String,
}

/// Every release, newest first, with the repository's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseList {
    pub releases: Vec<Release>,
}
