pub mod admin;
pub mod attendance;
pub mod connection;
pub mod effort;
pub mod home;
pub mod login;
pub mod preferences;
pub mod setup_wizard;
