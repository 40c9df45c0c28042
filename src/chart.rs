//! Charts as plain SVG, chosen from the result's shape.
//!
//! Hand-written rather than a charting crate: the shapes the widget needs
//! (big number with its change, lines, sorted bars, grouped and stacked
//! bars, share bars) cost a few KB here, where plotters' SVG backend and its
//! text layout would add far more to the download than they save in code.
//! Colours are classes (`sw-s0`..`sw-s7`) bound to CSS custom properties, so
//! hosts theme them; the export inlines the computed styles.

use leptos::prelude::*;
use slicewise_core::catalog::DisplayFormat;
use slicewise_core::result::ResultColumn;
use slicewise_core::wire::{ChartHint, SavedChart};
use slicewise_core::QueryResult;

use crate::columns::{period_suffix, Reading, Role};
use crate::format::{format_number, format_value, period_text};
use crate::i18n::{Locale, Text};

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
    /// The measure's display format.
    pub format: Option<DisplayFormat>,
}

/// Several measures or one measure split by a second dimension, over
/// categories: what grouped, stacked and multi-line charts draw.
pub struct Matrix {
    pub label_name: String,
    pub value_name: String,
    pub categories: Vec<String>,
    pub series: Vec<String>,
    /// `values[series][category]`; NaN where the result has no row.
    pub values: Vec<Vec<f64>>,
    /// Series left out (only the largest `MAX_SERIES` are drawn).
    pub hidden_series: usize,
    /// The measure's display format.
    pub format: Option<DisplayFormat>,
}

/// Most series a chart draws (one colour each).
pub const MAX_SERIES: usize = 8;
/// Most categories a bar chart draws; beyond them the chart says how many
/// it leaves out (the table holds them all).
const MAX_BARS: usize = 60;

/// The chart kinds the widget draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    BigNumber,
    Line,
    Bar,
    Grouped,
    Stacked,
    Share,
    None,
}

impl ChartKind {
    /// Every kind.
    pub const ALL: [ChartKind; 7] = [
        ChartKind::BigNumber,
        ChartKind::Line,
        ChartKind::Bar,
        ChartKind::Grouped,
        ChartKind::Stacked,
        ChartKind::Share,
        ChartKind::None,
    ];

    /// A lower-case name for attributes and tests.
    pub fn name(self) -> &'static str {
        match self {
            ChartKind::BigNumber => "big_number",
            ChartKind::Line => "line",
            ChartKind::Bar => "bar",
            ChartKind::Grouped => "grouped",
            ChartKind::Stacked => "stacked",
            ChartKind::Share => "share",
            ChartKind::None => "table",
        }
    }

    /// The saved-answer chart of this kind (the same name on the wire).
    pub fn saved(self) -> Option<SavedChart> {
        SavedChart::parse(self.name())
    }

    /// The kind a saved answer asks for, when it fits the result: the kind
    /// chosen from the result's shape, or one of its alternatives; any
    /// other (the data changed shape since) gives way to the chosen one.
    pub fn fitting(saved: Option<SavedChart>, chosen: ChartKind, ordered: bool) -> ChartKind {
        let wanted = saved.and_then(|s| Self::ALL.into_iter().find(|k| k.name() == s.as_str()));
        match wanted {
            Some(k) if k == chosen || chosen.alternatives(ordered).contains(&k) => k,
            _ => chosen,
        }
    }

    /// The kinds a user may switch between, given the one chosen for a
    /// result (empty when there is nothing to switch). A line joins points
    /// in order, so it is offered only along the calendar (`ordered`).
    pub fn alternatives(self, ordered: bool) -> &'static [ChartKind] {
        match self {
            ChartKind::Line | ChartKind::Bar if ordered => {
                &[ChartKind::Line, ChartKind::Bar, ChartKind::None]
            }
            ChartKind::Line | ChartKind::Bar => &[ChartKind::Bar, ChartKind::None],
            ChartKind::Grouped | ChartKind::Stacked => {
                &[ChartKind::Grouped, ChartKind::Stacked, ChartKind::None]
            }
            ChartKind::Share => &[ChartKind::Share, ChartKind::Bar, ChartKind::None],
            ChartKind::BigNumber | ChartKind::None => &[],
        }
    }
}

/// Picks the chart from the hint and what the result holds: a hint for a
/// line over categories, or any hint the columns cannot carry, gives way.
pub fn choose(hint: Option<ChartHint>, result: &QueryResult, reading: &Reading) -> ChartKind {
    let labels = reading.labels().len();
    let measures = reading.measures().len();
    if result.rows == 1 && measures >= 1 && labels == 0 {
        return ChartKind::BigNumber;
    }
    if measures == 0 || result.columns.len() < 2 || result.rows == 0 {
        return ChartKind::None;
    }
    let two_way = labels >= 2 || (labels == 1 && measures >= 2);
    match hint {
        Some(ChartHint::Table) => ChartKind::None,
        Some(ChartHint::BigNumber) if labels == 0 => ChartKind::BigNumber,
        Some(ChartHint::Share) if labels >= 1 => ChartKind::Share,
        _ if reading.ordered_axis() => ChartKind::Line,
        _ if two_way => ChartKind::Grouped,
        _ => ChartKind::Bar,
    }
}

/// The measure columns (a share column is derived, a period is an axis).
fn measures<'a>(result: &'a QueryResult, reading: &Reading) -> Vec<(usize, &'a ResultColumn)> {
    reading
        .measures()
        .into_iter()
        .filter_map(|i| result.columns.get(i).map(|c| (i, c)))
        .collect()
}

/// The label columns (periods and categories), in column order.
fn labels<'a>(result: &'a QueryResult, reading: &Reading) -> Vec<&'a ResultColumn> {
    reading
        .labels()
        .into_iter()
        .filter_map(|i| result.columns.get(i))
        .collect()
}

/// A label cell as shown: a period in its calendar spelling.
fn label_text(c: &ResultColumn, row: usize) -> String {
    period_text(&c.values, row)
}

/// The row order to draw in: along the calendar when the axis is an
/// ordered period (whatever order the query returned), else as returned.
fn draw_order(result: &QueryResult, reading: &Reading) -> Vec<usize> {
    let mut order: Vec<usize> = (0..result.rows).collect();
    if let (true, Some(axis)) = (reading.ordered_axis(), labels(result, reading).first()) {
        order.sort_by(
            |a, b| match (axis.values.number_at(*a), axis.values.number_at(*b)) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                _ => axis.values.text_at(*a).cmp(&axis.values.text_at(*b)),
            },
        );
    }
    order
}

/// The result as categories x series: two label columns and a measure
/// (the second label splits the series, largest first), or one label and
/// several measures (one series each).
pub fn matrix(result: &QueryResult, reading: &Reading) -> Option<Matrix> {
    let labels = labels(result, reading);
    let measures = measures(result, reading);
    let first = *labels.first()?;
    let (value_index, value) = *measures.first()?;
    let order = draw_order(result, reading);
    // Each row's category, in order of first appearance (along the
    // calendar for a period).
    let mut categories: Vec<String> = Vec::new();
    let mut category_of = std::collections::HashMap::new();
    let mut row_category = vec![0; result.rows];
    for &i in &order {
        let c = label_text(first, i);
        row_category[i] = *category_of.entry(c.clone()).or_insert_with(|| {
            categories.push(c);
            categories.len() - 1
        });
    }
    let (mut series, mut values): (Vec<String>, Vec<Vec<f64>>) = if let Some(split) = labels.get(1)
    {
        let mut names: Vec<String> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut grid: Vec<Vec<f64>> = Vec::new();
        for &i in &order {
            let name = label_text(split, i);
            let s = *index.entry(name.clone()).or_insert_with(|| {
                names.push(name);
                grid.push(vec![f64::NAN; categories.len()]);
                grid.len() - 1
            });
            let v = value.values.number_at(i).unwrap_or(f64::NAN);
            let cell = &mut grid[s][row_category[i]];
            *cell = if cell.is_nan() { v } else { *cell + v };
        }
        (names, grid)
    } else if measures.len() >= 2 {
        let names = measures
            .iter()
            .map(|(_, m)| m.name.replace('_', " "))
            .collect();
        let grid = measures
            .iter()
            .map(|(_, m)| {
                let mut row = vec![f64::NAN; categories.len()];
                for (i, c) in row_category.iter().enumerate() {
                    row[*c] = m.values.number_at(i).unwrap_or(f64::NAN);
                }
                row
            })
            .collect();
        (names, grid)
    } else {
        return None;
    };
    // Largest series first; only as many as there are colours.
    let total = |row: &Vec<f64>| row.iter().filter(|v| v.is_finite()).sum::<f64>();
    if labels.len() >= 2 {
        let mut order: Vec<usize> = (0..series.len()).collect();
        order.sort_by(|a, b| total(&values[*b]).total_cmp(&total(&values[*a])));
        series = order.iter().map(|i| series[*i].clone()).collect();
        values = order.iter().map(|i| values[*i].clone()).collect();
    }
    let hidden_series = series.len().saturating_sub(MAX_SERIES);
    series.truncate(MAX_SERIES);
    values.truncate(MAX_SERIES);
    Some(Matrix {
        label_name: first.name.clone(),
        value_name: value.name.clone(),
        categories,
        series,
        values,
        hidden_series,
        format: reading.measure(value_index).format,
    })
}

/// The first label column (a period where there is one) as labels, the
/// first measure as values; along the calendar when the labels are periods.
pub fn series(result: &QueryResult, reading: &Reading) -> Option<Series> {
    let label = labels(result, reading).first().copied();
    let (value_index, value) = *measures(result, reading).first()?;
    let order = draw_order(result, reading);
    let labels = order
        .iter()
        .map(|&i| {
            label
                .map(|l| label_text(l, i))
                .unwrap_or_else(|| (i + 1).to_string())
        })
        .collect();
    let values = order
        .iter()
        .map(|&i| value.values.number_at(i).unwrap_or(0.0))
        .collect();
    Some(Series {
        label_name: label.map(|l| l.name.clone()).unwrap_or_default(),
        value_name: value.name.clone(),
        labels,
        values,
        format: reading.measure(value_index).format,
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

/// What a chart is drawn from: the result, how its columns read, and the
/// names of the two compared periods when the answer says them.
pub struct ChartInput<'a> {
    pub result: &'a QueryResult,
    pub reading: &'a Reading,
    /// (current, previous) period names of a comparison.
    pub periods: Option<(String, String)>,
}

/// The chart for a result, as SVG.
pub fn render(kind: ChartKind, input: &ChartInput, locale: Locale, text: &'static Text) -> AnyView {
    let (result, reading) = (input.result, input.reading);
    match kind {
        ChartKind::BigNumber => big_number(input, locale, text),
        ChartKind::Line => match matrix(result, reading) {
            Some(m) if reading.labels().len() >= 2 => line_chart(&m, locale),
            _ => series(result, reading)
                .map(|s| line_chart(&Matrix::from(s), locale))
                .unwrap_or_else(|| ().into_any()),
        },
        ChartKind::Bar => series(result, reading)
            .map(|s| bar_chart(&s, None, locale, text))
            .unwrap_or_else(|| ().into_any()),
        ChartKind::Share => series(result, reading)
            .map(|s| {
                let shares = shares(result, reading, &s);
                bar_chart(&s, Some(&shares), locale, text)
            })
            .unwrap_or_else(|| ().into_any()),
        ChartKind::Grouped | ChartKind::Stacked => matrix(result, reading)
            .map(|m| column_bars(&m, kind == ChartKind::Stacked, locale, text))
            .unwrap_or_else(|| ().into_any()),
        ChartKind::None => ().into_any(),
    }
}

impl From<Series> for Matrix {
    fn from(s: Series) -> Matrix {
        Matrix {
            series: vec![s.value_name.replace('_', " ")],
            label_name: s.label_name,
            value_name: s.value_name,
            categories: s.labels,
            values: vec![s.values],
            hidden_series: 0,
            format: s.format,
        }
    }
}

/// Each row's share of the total in percent, in the series' order: the
/// result's own share column when it has one, else computed from the values.
pub fn shares(result: &QueryResult, reading: &Reading, s: &Series) -> Vec<f64> {
    let own = (0..result.columns.len()).find(|i| reading.roles[*i] == Role::Share);
    if let Some(column) = own.and_then(|i| result.columns.get(i)) {
        return draw_order(result, reading)
            .into_iter()
            .map(|i| column.values.number_at(i).unwrap_or(0.0))
            .collect();
    }
    let total: f64 = s.values.iter().filter(|v| v.is_finite()).sum();
    s.values
        .iter()
        .map(|v| if total != 0.0 { v / total * 100.0 } else { 0.0 })
        .collect()
}

/// Change of `current` over `previous` in percent; none when there is no
/// base to compare with.
pub fn change_pct(current: f64, previous: f64) -> Option<f64> {
    (previous != 0.0 && previous.is_finite() && current.is_finite())
        .then(|| (current - previous) / previous.abs() * 100.0)
}

/// Two columns of one measure set side by side: the current period's and
/// the previous one's, with the names of the periods when known.
struct Pair {
    base: String,
    current: usize,
    previous: usize,
    /// (current, previous) period names.
    names: Option<(String, String)>,
}

/// The compared pairs among the columns: `x_current` with `x_previous`, or
/// two columns named for periods (`x_2024`, `x_2025`), where the later
/// period is the current one whatever the column order.
fn pairs(result: &QueryResult, periods: Option<&(String, String)>) -> Vec<Pair> {
    let index = |name: &str| result.columns.iter().position(|c| c.name == name);
    let mut out = Vec::new();
    for (i, c) in result.columns.iter().enumerate() {
        if let Some(base) = c.name.strip_suffix("_current") {
            if let Some(previous) = index(&format!("{base}_previous")) {
                out.push(Pair {
                    base: base.to_string(),
                    current: i,
                    previous,
                    names: periods.cloned(),
                });
            }
        } else if let Some((base, _)) = period_suffix(&c.name) {
            let same: Vec<(usize, &str)> = result
                .columns
                .iter()
                .enumerate()
                .filter_map(|(j, o)| period_suffix(&o.name).map(|(b, p)| (j, b, p)))
                .filter(|(_, b, _)| *b == base)
                .map(|(j, _, p)| (j, p))
                .collect();
            let &[(a, pa), (b, pb)] = same.as_slice() else {
                continue;
            };
            if a != i || pa == pb {
                continue;
            }
            let ((cur, cur_name), (prev, prev_name)) = if pa > pb {
                ((a, pa), (b, pb))
            } else {
                ((b, pb), (a, pa))
            };
            out.push(Pair {
                base: base.to_string(),
                current: cur,
                previous: prev,
                names: Some((
                    cur_name.replace('_', " ").to_uppercase(),
                    prev_name.replace('_', " ").to_uppercase(),
                )),
            });
        }
    }
    out
}

/// One figure per measure; a compared pair is one figure, the current
/// period's, with its change against the previous period.
fn big_number(input: &ChartInput, locale: Locale, text: &'static Text) -> AnyView {
    let (result, reading) = (input.result, input.reading);
    let value = |i: usize| result.columns.get(i).and_then(|c| c.values.number_at(0));
    let fmt = |i: usize, v: f64| format_value(v, reading.measure(i).format, locale);
    let pairs = pairs(result, input.periods.as_ref());
    let paired = |i: usize| pairs.iter().any(|p| p.current == i || p.previous == i);
    let mut figures: Vec<_> = pairs
        .iter()
        .map(|p| {
            let current = value(p.current);
            let previous = value(p.previous);
            let pct = current.zip(previous).and_then(|(c, v)| change_pct(c, v));
            let (direction, arrow) = match pct {
                Some(x) if x > 0.0 => ("sw-up", "▲"),
                Some(x) if x < 0.0 => ("sw-down", "▼"),
                _ => ("sw-flat", ""),
            };
            let pct = pct
                .map(|x| {
                    format!(
                        "{arrow} {}{} %",
                        if x > 0.0 { "+" } else { "" },
                        format_number((x * 10.0).round() / 10.0, locale)
                    )
                })
                .unwrap_or_else(|| "–".into());
            let shown_previous = previous
                .map(|v| fmt(p.previous, v))
                .unwrap_or_else(|| "–".into());
            let (caption, base) = match &p.names {
                Some((cur, prev)) => (
                    format!("{}, {cur}", p.base.replace('_', " ")),
                    format!("{} {shown_previous} ({prev})", text.vs_previous),
                ),
                None => (
                    p.base.replace('_', " "),
                    format!("{} {shown_previous}", text.vs_previous),
                ),
            };
            (
                p.current,
                caption,
                current
                    .map(|v| fmt(p.current, v))
                    .unwrap_or_else(|| "–".into()),
                Some((direction, pct, base)),
            )
        })
        .collect();
    figures.extend(
        reading
            .measures()
            .into_iter()
            .filter(|i| !paired(*i))
            .map(|i| {
                (
                    i,
                    result.columns[i].name.replace('_', " "),
                    value(i).map(|v| fmt(i, v)).unwrap_or_else(|| "–".into()),
                    None,
                )
            }),
    );
    figures.sort_by_key(|f| f.0);
    view! {
        <div class="sw-big-numbers">
            {figures
                .into_iter()
                .map(|(_, name, value, change)| {
                    view! {
                        <figure class="sw-big-number">
                            <div class="sw-big-value">{value}</div>
                            {change.map(|(direction, pct, previous)| view! {
                                <div class=format!("sw-change {direction}")>
                                    <span class="sw-change-pct">{pct}</span>
                                    " "
                                    <span class="sw-change-base">{previous}</span>
                                </div>
                            })}
                            <figcaption>{name}</figcaption>
                        </figure>
                    }
                })
                .collect_view()}
        </div>
    }
    .into_any()
}

/// Swatches naming the series, above a chart of several.
fn legend(m: &Matrix, y: f64) -> impl IntoView {
    let mut x = LEFT;
    let items: Vec<_> = m
        .series
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let name: String = name.chars().take(28).collect();
            let at = x;
            x += 22.0 + 7.5 * name.chars().count() as f64;
            (at, i, name)
        })
        .collect();
    (m.series.len() > 1).then(|| {
        view! {
            <g class="sw-legend">
                {items
                    .into_iter()
                    .map(|(lx, i, name)| view! {
                        <rect class=format!("sw-swatch sw-s{i}") x=lx y=y width="12" height="12" rx="2"></rect>
                        <text class="sw-tick" x=lx + 16.0 y=y + 10.5>{name}</text>
                    })
                    .collect_view()}
            </g>
        }
    })
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

fn line_chart(m: &Matrix, locale: Locale) -> AnyView {
    let max = m
        .values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (top, axis) = y_axis(max, locale);
    let n = m.categories.len().max(2);
    let plot_w = WIDTH - LEFT - 12.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = move |i: usize| LEFT + plot_w * i as f64 / (n - 1) as f64;
    let y = move |v: f64| HEIGHT - BOTTOM - v / top * plot_h;
    let every = m.categories.len().div_ceil(8).max(1);
    let labels: Vec<_> = m
        .categories
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, l)| (x(i), l.clone()))
        .collect();
    let many = m.series.len() > 1;
    let lines: Vec<_> = m
        .values
        .iter()
        .enumerate()
        .map(|(s, row)| {
            let points = row
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
                .collect::<Vec<_>>()
                .join(" ");
            let dots: Vec<_> = row
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(|(i, v)| {
                    let tip = if many {
                        format!(
                            "{} · {}: {}",
                            m.categories[i],
                            m.series[s],
                            format_value(*v, m.format, locale)
                        )
                    } else {
                        format!(
                            "{}: {}",
                            m.categories[i],
                            format_value(*v, m.format, locale)
                        )
                    };
                    (x(i), y(*v), tip)
                })
                .collect();
            (s, points, dots)
        })
        .collect();
    let aria = format!("{} by {}", m.value_name, m.label_name);
    let legend_h = if many { 20.0 } else { 0.0 };
    view! {
        <svg class="sw-chart sw-line" viewBox=format!("0 {} {WIDTH} {}", -legend_h, HEIGHT + legend_h) role="img" aria-label=aria>
            {legend(m, -legend_h + 2.0)}
            {axis}
            {lines
                .into_iter()
                .map(|(s, points, dots)| view! {
                    <g class=format!("sw-series sw-s{s}")>
                        <polyline class="sw-line-path" points=points fill="none"></polyline>
                        {dots
                            .into_iter()
                            .map(|(cx, cy, tip)| view! {
                                <circle class="sw-dot" cx=cx cy=cy r="3">
                                    <title>{tip}</title>
                                </circle>
                            })
                            .collect_view()}
                    </g>
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

/// Horizontal bars in the result's order (sorted by the query); with
/// `shares`, each value carries its percentage of the total.
fn bar_chart(s: &Series, shares: Option<&[f64]>, locale: Locale, text: &'static Text) -> AnyView {
    let shown = s.values.len().min(MAX_BARS);
    let max = s.values.iter().take(shown).copied().fold(0.0, f64::max);
    let (top, _) = nice_scale(max);
    let row_h = 24.0;
    let label_w = 160.0;
    let note = left_out_note(shown, s.values.len(), 0, text);
    let note_y = row_h * shown as f64 + 20.0;
    let height = row_h * shown as f64 + 8.0 + if note.is_some() { row_h } else { 0.0 };
    let plot_w = WIDTH - label_w - if shares.is_some() { 150.0 } else { 90.0 };
    let bars: Vec<_> = (0..shown)
        .map(|i| {
            let v = s.values[i];
            let w = (v.max(0.0) / top * plot_w).max(1.0);
            let y = 4.0 + row_h * i as f64;
            let label: String = s.labels[i].chars().take(24).collect();
            let value = match shares.and_then(|p| p.get(i)) {
                Some(pct) => format!(
                    "{} · {} %",
                    format_value(v, s.format, locale),
                    format_number((pct * 10.0).round() / 10.0, locale)
                ),
                None => format_value(v, s.format, locale),
            };
            (
                y,
                w,
                label,
                value.clone(),
                format!("{}: {value}", s.labels[i]),
            )
        })
        .collect();
    let aria = format!("{} by {}", s.value_name, s.label_name);
    let class = if shares.is_some() {
        "sw-chart sw-bar sw-share"
    } else {
        "sw-chart sw-bar"
    };
    view! {
        <svg class=class viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=aria>
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
            {note.map(|n| view! { <text class="sw-chart-note" x=LEFT y=note_y>{n}</text> })}
        </svg>
    }
    .into_any()
}

/// What a chart leaves out, said on the chart: categories past the most
/// it draws and series past its colours (the table holds them all).
fn left_out_note(
    shown: usize,
    total: usize,
    hidden_series: usize,
    text: &'static Text,
) -> Option<String> {
    let mut parts = Vec::new();
    if shown < total {
        parts.push(format!("{shown} / {total} {}", text.chart_bars_drawn));
    }
    if hidden_series > 0 {
        parts.push(format!("{hidden_series} {}", text.chart_series_hidden));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// Horizontal bars per category: one bar per series side by side
/// (grouped), or the series' segments end to end (stacked).
fn column_bars(m: &Matrix, stacked: bool, locale: Locale, text: &'static Text) -> AnyView {
    let shown = m.categories.len().min(MAX_BARS);
    let note = left_out_note(shown, m.categories.len(), m.hidden_series, text);
    let n = m.series.len().max(1);
    // Negative and missing cells draw as nothing (`f64::max` drops NaN).
    let cell = |s: usize, c: usize| m.values[s][c].max(0.0);
    let max = (0..shown)
        .map(|c| {
            let cells = (0..m.series.len()).map(|s| cell(s, c));
            if stacked {
                cells.sum::<f64>()
            } else {
                cells.fold(0.0, f64::max)
            }
        })
        .fold(0.0, f64::max);
    let (top, _) = nice_scale(max);
    let label_w = 160.0;
    let plot_w = WIDTH - label_w - 90.0;
    let bar_h = if stacked { 18.0 } else { 12.0 };
    let group_h = if stacked {
        bar_h + 8.0
    } else {
        bar_h * n as f64 + 10.0
    };
    let legend_h = if m.series.len() > 1 { 24.0 } else { 0.0 };
    let note_y = legend_h + group_h * shown as f64 + 20.0;
    let height = legend_h + group_h * shown as f64 + 8.0 + if note.is_some() { 24.0 } else { 0.0 };
    let groups: Vec<_> = (0..shown)
        .map(|c| {
            let y0 = legend_h + 4.0 + group_h * c as f64;
            let mut offset = 0.0;
            let bars: Vec<_> = (0..m.series.len())
                .filter(|s| m.values[*s][c].is_finite())
                .map(|s| {
                    let v = m.values[s][c];
                    let w = cell(s, c) / top * plot_w;
                    let (x, y) = if stacked {
                        (label_w + offset, y0)
                    } else {
                        (label_w, y0 + bar_h * s as f64)
                    };
                    offset += w;
                    let tip = format!(
                        "{} · {}: {}",
                        m.categories[c],
                        m.series[s],
                        format_value(v, m.format, locale)
                    );
                    (s, x, y, w.max(if stacked { 0.0 } else { 1.0 }), tip)
                })
                .collect();
            let total: f64 = (0..m.series.len())
                .map(|s| m.values[s][c])
                .filter(|v| v.is_finite())
                .sum();
            let end = if stacked { label_w + offset } else { label_w };
            let label: String = m.categories[c].chars().take(24).collect();
            (
                y0,
                label,
                bars,
                stacked.then(|| (end + 6.0, format_value(total, m.format, locale))),
            )
        })
        .collect();
    let aria = format!(
        "{} by {} and {}",
        m.value_name,
        m.label_name,
        m.series.join(", ")
    );
    let class = if stacked {
        "sw-chart sw-bar sw-stacked"
    } else {
        "sw-chart sw-bar sw-grouped"
    };
    view! {
        <svg class=class viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=aria>
            {legend(m, 4.0)}
            {groups
                .into_iter()
                .map(|(y0, label, bars, total)| view! {
                    <g class="sw-bar-group">
                        <text class="sw-tick" x=label_w - 8.0 y=y0 + (group_h - 10.0) / 2.0 + 4.0 text-anchor="end">{label}</text>
                        {bars
                            .into_iter()
                            .map(|(s, x, y, w, tip)| view! {
                                <rect class=format!("sw-bar-rect sw-s{s}") x=x y=y width=w height=bar_h - 2.0 rx="2">
                                    <title>{tip}</title>
                                </rect>
                            })
                            .collect_view()}
                        {total.map(|(x, t)| view! {
                            <text class="sw-bar-value" x=x y=y0 + bar_h - 5.0>{t}</text>
                        })}
                    </g>
                })
                .collect_view()}
            {note.map(|n| view! { <text class="sw-chart-note" x=LEFT y=note_y>{n}</text> })}
        </svg>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use slicewise_core::result::{ColumnValues, ResultType};

    fn text(name: &str, values: &[&str]) -> ResultColumn {
        ResultColumn {
            name: name.into(),
            result_type: ResultType::Text,
            values: ColumnValues::Text(values.iter().map(|v| Some(v.to_string())).collect()),
        }
    }

    fn number(name: &str, values: &[f64]) -> ResultColumn {
        ResultColumn {
            name: name.into(),
            result_type: ResultType::Float,
            values: ColumnValues::Number(values.iter().map(|v| Some(*v)).collect()),
        }
    }

    fn read(r: &QueryResult) -> Reading {
        Reading::of(r, &crate::columns::Glossary::default(), "")
    }

    #[test]
    fn every_kind_saves_under_its_own_name_and_reads_back_where_it_fits() {
        for kind in ChartKind::ALL {
            let saved = kind.saved().expect("every kind has a saved name");
            assert_eq!(saved.as_str(), kind.name());
            assert_eq!(ChartKind::fitting(Some(saved), kind, true), kind);
        }
        // Bars saved over a calendar axis read back as bars; a line over
        // categories, or a big number over several rows, gives way.
        let bar = Some(SavedChart::Bar);
        assert_eq!(
            ChartKind::fitting(bar, ChartKind::Line, true),
            ChartKind::Bar
        );
        let line = Some(SavedChart::Line);
        assert_eq!(
            ChartKind::fitting(line, ChartKind::Bar, false),
            ChartKind::Bar
        );
        let big = Some(SavedChart::BigNumber);
        assert_eq!(
            ChartKind::fitting(big, ChartKind::Bar, false),
            ChartKind::Bar
        );
        assert_eq!(
            ChartKind::fitting(None, ChartKind::Share, false),
            ChartKind::Share
        );
    }

    #[test]
    fn two_dimensions_pivot_into_series_largest_first() {
        let r = QueryResult::of_columns(vec![
            text("channel", &["web", "web", "store", "store", "mobile"]),
            text(
                "status",
                &["completed", "refunded", "completed", "refunded", "refunded"],
            ),
            number("revenue", &[100.0, 5.0, 60.0, 7.0, 2.0]),
        ]);
        assert_eq!(
            choose(Some(ChartHint::GroupedBar), &r, &read(&r)),
            ChartKind::Grouped
        );
        let m = matrix(&r, &read(&r)).expect("a matrix");
        assert_eq!(m.categories, ["web", "store", "mobile"]);
        assert_eq!(m.series, ["completed", "refunded"]);
        assert_eq!(m.values[0][..2], [100.0, 60.0]);
        assert!(m.values[0][2].is_nan(), "mobile has no completed row");
        assert_eq!(m.values[1], [5.0, 7.0, 2.0]);
    }

    #[test]
    fn several_measures_are_one_series_each() {
        let r = QueryResult::of_columns(vec![
            text("channel", &["web", "store"]),
            number("revenue_current", &[10.0, 20.0]),
            number("revenue_previous", &[8.0, 25.0]),
        ]);
        assert_eq!(choose(None, &r, &read(&r)), ChartKind::Grouped);
        let m = matrix(&r, &read(&r)).expect("a matrix");
        assert_eq!(m.series, ["revenue current", "revenue previous"]);
        assert_eq!(m.values, [vec![10.0, 20.0], vec![8.0, 25.0]]);
    }

    #[test]
    fn series_beyond_the_palette_are_counted_not_drawn() {
        let cats: Vec<String> = (0..12).map(|i| format!("s{i}")).collect();
        let splits: Vec<&str> = cats.iter().map(String::as_str).collect();
        let values: Vec<f64> = (0..12).map(f64::from).collect();
        let r = QueryResult::of_columns(vec![
            text("k", &["a"; 12]),
            text("split", &splits),
            number("v", &values),
        ]);
        let m = matrix(&r, &read(&r)).expect("a matrix");
        assert_eq!(m.series.len(), MAX_SERIES);
        assert_eq!(m.hidden_series, 4);
        assert_eq!(m.series[0], "s11", "largest first");
    }

    #[test]
    fn shares_come_from_the_share_column_or_the_total() {
        let with = QueryResult::of_columns(vec![
            text("channel", &["web", "store"]),
            number("revenue", &[75.0, 25.0]),
            number("share_pct", &[75.0, 25.0]),
        ]);
        assert_eq!(
            choose(Some(ChartHint::Share), &with, &read(&with)),
            ChartKind::Share
        );
        let s = series(&with, &read(&with)).expect("series");
        assert_eq!(
            s.value_name, "revenue",
            "the share column is not the measure"
        );
        assert_eq!(shares(&with, &read(&with), &s), [75.0, 25.0]);
        let without = QueryResult::of_columns(vec![
            text("channel", &["web", "store"]),
            number("orders", &[3.0, 1.0]),
        ]);
        let s = series(&without, &read(&without)).expect("series");
        assert_eq!(shares(&without, &read(&without), &s), [75.0, 25.0]);
    }

    #[test]
    fn change_needs_a_base() {
        assert_eq!(change_pct(120.0, 100.0), Some(20.0));
        assert_eq!(change_pct(50.0, 100.0), Some(-50.0));
        assert_eq!(change_pct(5.0, 0.0), None);
        assert_eq!(change_pct(f64::NAN, 3.0), None);
    }

    #[test]
    fn switching_offers_kinds_of_the_same_shape() {
        assert!(ChartKind::Grouped
            .alternatives(false)
            .contains(&ChartKind::Stacked));
        assert!(ChartKind::Line.alternatives(true).contains(&ChartKind::Bar));
        assert!(ChartKind::BigNumber.alternatives(false).is_empty());
        assert!(
            !ChartKind::Bar
                .alternatives(false)
                .contains(&ChartKind::Line),
            "no line over categories"
        );
    }

    #[test]
    fn a_year_is_the_axis_in_calendar_order_never_the_value() {
        let r = QueryResult::of_columns(vec![
            number("year", &[2025.0, 2024.0]),
            number("revenue", &[125.0, 100.0]),
        ]);
        let reading = read(&r);
        assert_eq!(choose(Some(ChartHint::Bar), &r, &reading), ChartKind::Line);
        let s = series(&r, &reading).expect("series");
        assert_eq!(s.labels, ["2024", "2025"]);
        assert_eq!(s.values, [100.0, 125.0]);
        assert_eq!(s.value_name, "revenue");
    }

    #[test]
    fn a_line_hint_over_categories_draws_bars() {
        let r = QueryResult::of_columns(vec![
            text("channel", &["web", "store"]),
            number("revenue", &[1.0, 2.0]),
        ]);
        assert_eq!(choose(Some(ChartHint::Line), &r, &read(&r)), ChartKind::Bar);
    }

    #[test]
    fn later_period_columns_are_the_current_figure() {
        let r = QueryResult::of_columns(vec![
            number("revenue_2024", &[100.0]),
            number("revenue_2025", &[125.0]),
        ]);
        let p = pairs(&r, None);
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].current, p[0].previous), (1, 0));
        assert_eq!(p[0].names, Some(("2025".into(), "2024".into())));
        assert_eq!(
            left_out_note(60, 61, 0, Locale::En.text()).map(|n| n.starts_with("60 / 61")),
            Some(true)
        );
    }

    #[test]
    fn nice_scale_covers_the_maximum_with_round_steps() {
        assert_eq!(nice_scale(87.0), (100.0, 25.0));
        assert_eq!(nice_scale(1234.0), (1500.0, 500.0));
        assert_eq!(nice_scale(0.0), (1.0, 0.25));
        let (top, step) = nice_scale(3_456_789.0);
        assert!(top >= 3_456_789.0 && top / step <= 5.0);
    }
}
