pub mod confirm_delete;
pub mod csv_transfer;
pub mod dialog;
pub mod field;
pub mod form_errors;
pub mod header;
pub mod password_meter;
pub mod period_picker;
