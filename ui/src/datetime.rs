//! Shows API timestamps (unix seconds) in a time zone with the browser's `Intl.DateTimeFormat`
//! (a time zone database in wasm would be far too big).

use js_sys::{Array, Date, Function, Object, Reflect};
use kinmu_shared::Language;
use kinmu_shared::api::Timestamp;
use wasm_bindgen::{JsCast, JsValue};

fn formatter(locale: &str, time_zone: Option<&str>) -> Option<JsValue> {
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let ctor: Function = Reflect::get(&intl, &"DateTimeFormat".into()).ok()?.dyn_into().ok()?;
    let opts = Object::new();
    let _ = Reflect::set(&opts, &"dateStyle".into(), &"medium".into());
    let _ = Reflect::set(&opts, &"timeStyle".into(), &"short".into());
    if let Some(tz) = time_zone.filter(|t| !t.is_empty()) {
        let _ = Reflect::set(&opts, &"timeZone".into(), &tz.into());
    }
    // Throws (caught here) for an unknown time zone.
    Reflect::construct(&ctor, &Array::of2(&locale.into(), &opts)).ok()
}

pub fn format_timestamp(ts: Timestamp, time_zone: Option<&str>, lang: Language) -> String {
    let locale = match lang {
        Language::Ja => "ja-JP",
        Language::En => "en-GB",
    };
    let date = Date::new(&JsValue::from_f64(ts as f64 * 1000.0));
    let fmt = formatter(locale, time_zone).or_else(|| formatter(locale, None));
    fmt.and_then(|f| {
        let format: Function = Reflect::get(&f, &"format".into()).ok()?.dyn_into().ok()?;
        format.call1(&f, &date).ok()?.as_string()
    })
    .unwrap_or_else(|| String::from(date.to_iso_string()))
}

/// The time zones the browser knows (`Intl.supportedValuesOf("timeZone")`), for pickers when
/// the server sends no list (it does only while setup is pending). "UTC" comes first.
pub fn browser_time_zones() -> Vec<String> {
    let mut zones = vec!["UTC".to_string()];
    let list = (|| {
        let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
        let f: Function = Reflect::get(&intl, &"supportedValuesOf".into()).ok()?.dyn_into().ok()?;
        f.call1(&intl, &"timeZone".into()).ok()?.dyn_into::<Array>().ok()
    })();
    if let Some(list) = list {
        zones.extend(list.iter().filter_map(|v| v.as_string()).filter(|z| z != "UTC"));
    }
    zones
}
