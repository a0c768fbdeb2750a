pub fn placeholder_until_ui_lands() {}
