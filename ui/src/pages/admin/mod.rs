pub mod organizations;
pub mod roles;
pub mod settings;
pub mod updates;
pub mod users;
