//! Charts as plain SVG, chosen from the result's shape.
//!
//! Hand-written rather than a charting crate: the three shapes the widget
//! needs cost a few KB here, where plotters' SVG backend and its text layout
//! would add far more to the download than they save in code.

use leptos::prelude::*;
use slicewise_core::result::ResultColumn;
use slicewise_core::wire::ChartHint;
use slicewise_core::QueryResult;

use crate::format::format_number;
use crate::i18n::Locale;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 280.0;
const LEFT: f64 = 64.0;
const BOTTOM: f64 = 36.0;
const TOP: f64 = 12.0;

/// What can be drawn: labels and one measure.
pub struct Series {
    pub label_name: String,
    pub value_name: String,
    pub labels: Vec<String>,
    pub values: Vec<f64>,
}

/// The chart kinds the widget draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    BigNumber,
    Line,
    Bar,
    None,
}

impl ChartKind {
    /// A lower-case name for attributes and tests.
    pub fn name(self) -> &'static str {
        match self {
            ChartKind::BigNumber => "big_number",
            ChartKind::Line => "line",
            ChartKind::Bar => "bar",
            ChartKind::None => "table",
        }
    }
}

/// Picks the chart from the hint and what the result holds.
pub fn choose(hint: Option<ChartHint>, result: &QueryResult) -> ChartKind {
    let numeric = result.columns.iter().filter(|c| c.is_numeric()).count();
    if result.rows == 1 && numeric >= 1 && result.columns.len() == numeric {
        return ChartKind::BigNumber;
    }
    if numeric == 0 || result.columns.len() < 2 || result.rows == 0 {
        return ChartKind::None;
    }
    match hint {
        Some(ChartHint::Line) => ChartKind::Line,
        Some(ChartHint::Table) => ChartKind::None,
        Some(ChartHint::BigNumber) => ChartKind::BigNumber,
        _ if result
            .columns
            .first()
            .is_some_and(ResultColumn::is_temporal) =>
        {
            ChartKind::Line
        }
        _ => ChartKind::Bar,
    }
}

/// The first non-numeric column as labels, the first numeric one as values.
pub fn series(result: &QueryResult) -> Option<Series> {
    let label = result.columns.iter().find(|c| !c.is_numeric());
    let value = result.columns.iter().find(|c| c.is_numeric())?;
    let labels = (0..result.rows)
        .map(|i| {
            label
                .map(|l| l.values.text_at(i))
                .unwrap_or_else(|| (i + 1).to_string())
        })
        .collect();
    let values = (0..result.rows)
        .map(|i| value.values.number_at(i).unwrap_or(0.0))
        .collect();
    Some(Series {
        label_name: label.map(|l| l.name.clone()).unwrap_or_default(),
        value_name: value.name.clone(),
        labels,
        values,
    })
}

/// A "nice" axis maximum and tick step for values up to `max`.
pub fn nice_scale(max: f64) -> (f64, f64) {
    if !max.is_finite() || max <= 0.0 {
        return (1.0, 0.25);
    }
    let raw_step = max / 4.0;
    let magnitude = 10f64.powf(raw_step.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw_step)
        .unwrap_or(10.0 * magnitude);
    ((max / step).ceil() * step, step)
}

/// The chart for a result, as SVG.
pub fn render(kind: ChartKind, result: &QueryResult, locale: Locale) -> AnyView {
    match kind {
        ChartKind::BigNumber => big_number(result, locale),
        ChartKind::Line | ChartKind::Bar => match series(result) {
            Some(s) if kind == ChartKind::Line => line_chart(&s, locale),
            Some(s) => bar_chart(&s, locale),
            None => ().into_any(),
        },
        ChartKind::None => ().into_any(),
    }
}

fn big_number(result: &QueryResult, locale: Locale) -> AnyView {
    let figures: Vec<_> = result
        .columns
        .iter()
        .map(|c| {
            (
                c.name.replace('_', " "),
                c.values
                    .number_at(0)
                    .map(|v| format_number(v, locale))
                    .unwrap_or_else(|| "–".into()),
            )
        })
        .collect();
    view! {
        <div class="sw-big-numbers">
            {figures
                .into_iter()
                .map(|(name, value)| {
                    view! {
                        <figure class="sw-big-number">
                            <div class="sw-big-value">{value}</div>
                            <figcaption>{name}</figcaption>
                        </figure>
                    }
                })
                .collect_view()}
        </div>
    }
    .into_any()
}

fn y_axis(max: f64, locale: Locale) -> (f64, impl IntoView) {
    let (top, step) = nice_scale(max);
    let plot_h = HEIGHT - TOP - BOTTOM;
    let ticks: Vec<_> = (0..=((top / step).round() as usize))
        .map(|i| {
            let v = step * i as f64;
            let y = HEIGHT - BOTTOM - v / top * plot_h;
            (y, format_number(v, locale))
        })
        .collect();
    let view = ticks
        .into_iter()
        .map(|(y, label)| {
            view! {
                <line class="sw-grid" x1=LEFT x2=WIDTH y1=y y2=y></line>
                <text class="sw-tick" x=LEFT - 6.0 y=y + 4.0 text-anchor="end">{label}</text>
            }
        })
        .collect_view();
    (top, view)
}

fn line_chart(s: &Series, locale: Locale) -> AnyView {
    let max = s.values.iter().copied().fold(0.0, f64::max);
    let (top, axis) = y_axis(max, locale);
    let n = s.values.len().max(2);
    let plot_w = WIDTH - LEFT - 12.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = move |i: usize| LEFT + plot_w * i as f64 / (n - 1) as f64;
    let y = move |v: f64| HEIGHT - BOTTOM - v / top * plot_h;
    let points = s
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
        .collect::<Vec<_>>()
        .join(" ");
    let every = s.labels.len().div_ceil(8).max(1);
    let labels: Vec<_> = s
        .labels
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, l)| (x(i), l.clone()))
        .collect();
    let dots: Vec<_> = s
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            (
                x(i),
                y(*v),
                format!("{}: {}", s.labels[i], format_number(*v, locale)),
            )
        })
        .collect();
    let aria = format!("{} by {}", s.value_name, s.label_name);
    view! {
        <svg class="sw-chart sw-line" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=aria>
            {axis}
            <polyline class="sw-line-path" points=points fill="none"></polyline>
            {dots
                .into_iter()
                .map(|(cx, cy, tip)| {
                    view! {
                        <circle class="sw-dot" cx=cx cy=cy r="3">
                            <title>{tip}</title>
                        </circle>
                    }
                })
                .collect_view()}
            {labels
                .into_iter()
                .map(|(lx, l)| {
                    view! {
                        <text class="sw-tick" x=lx y=HEIGHT - BOTTOM + 18.0 text-anchor="middle">{l}</text>
                    }
                })
                .collect_view()}
        </svg>
    }
    .into_any()
}

fn bar_chart(s: &Series, locale: Locale) -> AnyView {
    let shown = s.values.len().min(20);
    let max = s.values.iter().take(shown).copied().fold(0.0, f64::max);
    let (top, _) = nice_scale(max);
    let row_h = 24.0;
    let label_w = 160.0;
    let height = row_h * shown as f64 + 8.0;
    let plot_w = WIDTH - label_w - 90.0;
    let bars: Vec<_> = (0..shown)
        .map(|i| {
            let v = s.values[i];
            let w = (v.max(0.0) / top * plot_w).max(1.0);
            let y = 4.0 + row_h * i as f64;
            let label: String = s.labels[i].chars().take(24).collect();
            (
                y,
                w,
                label,
                format_number(v, locale),
                format!("{}: {}", s.labels[i], format_number(v, locale)),
            )
        })
        .collect();
    let aria = format!("{} by {}", s.value_name, s.label_name);
    view! {
        <svg class="sw-chart sw-bar" viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=aria>
            {bars
                .into_iter()
                .map(|(y, w, label, value, tip)| {
                    view! {
                        <g class="sw-bar-row">
                            <text class="sw-tick" x=label_w - 8.0 y=y + 16.0 text-anchor="end">{label}</text>
                            <rect class="sw-bar-rect" x=label_w y=y + 3.0 width=w height=row_h - 6.0 rx="3">
                                <title>{tip}</title>
                            </rect>
                            <text class="sw-bar-value" x=label_w + w + 6.0 y=y + 16.0>{value}</text>
                        </g>
                    }
                })
                .collect_view()}
        </svg>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_scale_covers_the_maximum_with_round_steps() {
        assert_eq!(nice_scale(87.0), (100.0, 25.0));
        assert_eq!(nice_scale(1234.0), (1500.0, 500.0));
        assert_eq!(nice_scale(0.0), (1.0, 0.25));
        let (top, step) = nice_scale(3_456_789.0);
        assert!(top >= 3_456_789.0 && top / step <= 5.0);
    }
}
