//! Saving a result or a chart as a file, made in the browser: CSV, SVG (with
//! its styles inlined, so it looks the same outside the widget) and PNG
//! (that SVG drawn on a canvas at twice the size).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    Blob, BlobPropertyBag, CanvasRenderingContext2d, Element, HtmlAnchorElement, HtmlCanvasElement,
    HtmlImageElement, Url,
};

/// Computed properties an exported chart needs to look as on screen.
const STYLE_PROPS: &[&str] = &[
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "opacity",
    "font-family",
    "font-size",
    "font-weight",
];

/// PNG pixels per CSS pixel of the chart.
const PNG_SCALE: f64 = 2.0;

/// Offers `content` as a download named `filename`.
pub fn download(filename: &str, mime: &str, content: &str) {
    let bag = BlobPropertyBag::new();
    bag.set_type(mime);
    let parts = js_sys::Array::of1(&content.into());
    if let Ok(blob) = Blob::new_with_str_sequence_and_options(&parts, &bag) {
        download_blob(filename, &blob);
    }
}

/// Offers a blob as a download named `filename`.
fn download_blob(filename: &str, blob: &Blob) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(url) = Url::create_object_url_with_blob(blob) else {
        return;
    };
    if let Some(anchor) = document
        .create_element("a")
        .ok()
        .and_then(|a| a.dyn_into::<HtmlAnchorElement>().ok())
    {
        anchor.set_href(&url);
        anchor.set_download(filename);
        anchor.click();
    }
    let _ = Url::revoke_object_url(&url);
}

/// The chart's markup as a file of its own: a copy of the `<svg>` whose
/// elements carry their computed styles (the widget's stylesheet does not
/// travel with it), with its namespace and size.
pub fn standalone_svg(svg: &Element) -> String {
    let Some(window) = web_sys::window() else {
        return svg.outer_html();
    };
    let Ok(copy) = svg.clone_node_with_deep(true) else {
        return svg.outer_html();
    };
    let Ok(copy) = copy.dyn_into::<Element>() else {
        return svg.outer_html();
    };
    let inline = |from: &Element, to: &Element| {
        if let Ok(Some(style)) = window.get_computed_style(from) {
            let css: String = STYLE_PROPS
                .iter()
                .filter_map(|p| {
                    let v = style.get_property_value(p).ok()?;
                    (!v.is_empty()).then(|| format!("{p}:{v};"))
                })
                .collect();
            let _ = to.set_attribute("style", &css);
        }
    };
    inline(svg, &copy);
    if let (Ok(from), Ok(to)) = (svg.query_selector_all("*"), copy.query_selector_all("*")) {
        for i in 0..from.length().min(to.length()) {
            if let (Some(a), Some(b)) = (
                from.item(i).and_then(|n| n.dyn_into::<Element>().ok()),
                to.item(i).and_then(|n| n.dyn_into::<Element>().ok()),
            ) {
                inline(&a, &b);
            }
        }
    }
    let _ = copy.set_attribute("xmlns", "http://www.w3.org/2000/svg");
    let _ = copy.set_attribute("width", &svg.client_width().max(1).to_string());
    let _ = copy.set_attribute("height", &svg.client_height().max(1).to_string());
    copy.outer_html()
}

/// Draws the chart on a canvas (on the widget's background, at twice its
/// size) and offers it as a PNG.
pub fn download_png(filename: &str, svg: &Element) {
    let (width, height) = (
        f64::from(svg.client_width().max(1)),
        f64::from(svg.client_height().max(1)),
    );
    let background = web_sys::window()
        .and_then(|w| w.get_computed_style(svg).ok().flatten())
        .and_then(|s| s.get_property_value("--sw-bg").ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "#ffffff".into());
    let markup = standalone_svg(svg);
    let Ok(image) = HtmlImageElement::new() else {
        return;
    };
    let filename = filename.to_string();
    let drawn = image.clone();
    let onload = Closure::once_into_js(move || {
        if let Err(err) = draw_png(&drawn, width, height, &background, filename) {
            web_sys::console::warn_2(&"slicewise: PNG export failed".into(), &err);
        }
    });
    image.set_onload(Some(onload.unchecked_ref()));
    image.set_src(&format!(
        "data:image/svg+xml;charset=utf-8,{}",
        js_sys::encode_uri_component(&markup)
    ));
}

fn draw_png(
    image: &HtmlImageElement,
    width: f64,
    height: f64,
    background: &str,
    filename: String,
) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let canvas: HtmlCanvasElement = document.create_element("canvas")?.dyn_into()?;
    canvas.set_width((width * PNG_SCALE).round() as u32);
    canvas.set_height((height * PNG_SCALE).round() as u32);
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")?
        .ok_or("no 2d context")?
        .dyn_into()?;
    context.set_fill_style_str(background);
    context.fill_rect(0.0, 0.0, width * PNG_SCALE, height * PNG_SCALE);
    context.draw_image_with_html_image_element_and_dw_and_dh(
        image,
        0.0,
        0.0,
        width * PNG_SCALE,
        height * PNG_SCALE,
    )?;
    let done = Closure::once_into_js(move |blob: Option<Blob>| {
        if let Some(blob) = blob {
            download_blob(&filename, &blob);
        }
    });
    canvas.to_blob(done.unchecked_ref())
}

/// A file name from a question: lower case, dashes, at most 40 characters.
pub fn file_stem(question: &str) -> String {
    let stem: String = question
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let stem = stem
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let stem: String = stem.chars().take(40).collect();
    if stem.is_empty() {
        "slicewise".into()
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(
            file_stem("Revenue by month, 2025?"),
            "revenue-by-month-2025"
        );
        assert_eq!(file_stem("???"), "slicewise");
    }
}
