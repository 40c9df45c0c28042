//! Locale-aware number formatting, through the browser's `Intl`.

use crate::i18n::Locale;

/// A number as people of `locale` write it, with at most two decimals.
pub fn format_number(value: f64, locale: Locale) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(
            &options,
            &"maximumFractionDigits".into(),
            &wasm_bindgen::JsValue::from_f64(2.0),
        );
        let locales = js_sys::Array::of1(&locale.tag().into());
        let formatter = js_sys::Intl::NumberFormat::new(&locales, &options);
        let format = formatter.format();
        if let Ok(text) = format.call1(&wasm_bindgen::JsValue::NULL, &value.into()) {
            if let Some(text) = text.as_string() {
                return text;
            }
        }
    }
    plain(value, locale)
}

/// The same without `Intl` (native tests, or a browser that lacks it).
fn plain(value: f64, locale: Locale) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    let text = if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.2}")
    };
    match locale {
        Locale::En => text,
        Locale::De => text.replace('.', ","),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_formatting_follows_the_locale() {
        assert_eq!(plain(1234.5, Locale::En), "1234.50");
        assert_eq!(plain(1234.5, Locale::De), "1234,50");
        assert_eq!(plain(7.0, Locale::De), "7");
    }
}
