//! Locale-aware number formatting, through the browser's `Intl`.

use slicewise_core::catalog::DisplayFormat;
use slicewise_core::result::ColumnValues;

use crate::i18n::{Locale, Text};

/// A number as people of `locale` write it, with at most two decimals.
pub fn format_number(value: f64, locale: Locale) -> String {
    format_digits(value, locale, 0, 2)
}

/// A figure in the catalog's display format: money with two decimals, a
/// count whole, a percentage or hours with their unit.
pub fn format_value(value: f64, format: Option<DisplayFormat>, locale: Locale) -> String {
    match format {
        Some(DisplayFormat::Money) => format_digits(value, locale, 2, 2),
        Some(DisplayFormat::Count) => format_digits(value, locale, 0, 0),
        Some(DisplayFormat::Percent) => format!("{} %", format_digits(value, locale, 0, 1)),
        Some(DisplayFormat::Hours) => format!("{} h", format_digits(value, locale, 0, 1)),
        Some(DisplayFormat::Rating) => format_digits(value, locale, 0, 2),
        Some(DisplayFormat::Number | DisplayFormat::Duration) | None => {
            format_number(value, locale)
        }
    }
}

/// How old the data is, said by the time of its newest record (not by the
/// extract that carries it): "Data age 3 days · latest record 2025-11-14".
pub fn data_age(newest: Option<&str>, text: &Text) -> Option<String> {
    let when = newest?;
    let ms = js_sys::Date::parse(&format!("{}Z", when.replacen(' ', "T", 1)));
    (!ms.is_nan()).then(|| {
        format!(
            "{} {} · {} {}",
            text.data_as_of,
            age_text(js_sys::Date::now() - ms, text),
            text.data_latest,
            when.get(..10).unwrap_or(when),
        )
    })
}

/// An age in the largest unit that keeps it a whole number people read at
/// a glance: minutes, then hours, then days.
fn age_text(ms: f64, text: &Text) -> String {
    let minutes = (ms.max(0.0) / 60_000.0).floor() as i64;
    match minutes {
        m if m < 120 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} {}", m / 60, text.hours),
        m => format!("{} {}", m / (24 * 60), text.days),
    }
}

/// A period as the calendar writes it: `2024`, never `2,024`.
pub fn period_text(values: &ColumnValues, row: usize) -> String {
    match values.number_at(row) {
        Some(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", n as i64),
        _ => values.text_at(row),
    }
}

fn format_digits(value: f64, locale: Locale, min: u8, max: u8) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(
            &options,
            &"minimumFractionDigits".into(),
            &wasm_bindgen::JsValue::from_f64(f64::from(min)),
        );
        let _ = js_sys::Reflect::set(
            &options,
            &"maximumFractionDigits".into(),
            &wasm_bindgen::JsValue::from_f64(f64::from(max)),
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
    #[cfg(not(target_arch = "wasm32"))]
    let _ = min;
    plain(value, locale, max)
}

/// The same without `Intl` (native tests, or a browser that lacks it).
fn plain(value: f64, locale: Locale, max: u8) -> String {
    let scale = 10f64.powi(i32::from(max));
    let rounded = (value * scale).round() / scale;
    let text = if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.*}", usize::from(max))
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
        assert_eq!(plain(1234.5, Locale::En, 2), "1234.50");
        assert_eq!(plain(1234.5, Locale::De, 2), "1234,50");
        assert_eq!(plain(7.0, Locale::De, 2), "7");
    }

    #[test]
    fn periods_keep_their_calendar_spelling() {
        let years = ColumnValues::Number(vec![Some(2024.0), None]);
        assert_eq!(period_text(&years, 0), "2024");
        assert_eq!(period_text(&years, 1), "");
        let months = ColumnValues::Text(vec![Some("2025-03".into())]);
        assert_eq!(period_text(&months, 0), "2025-03");
    }
}
