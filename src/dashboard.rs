//! The dashboard: the saved answers pinned to it, each run again on the
//! local data whenever it is shown (the same guard and engine as an
//! answer), with its data's age; and every saved answer the user sees, to
//! pin, unpin or delete. A saved answer whose SQL no longer passes the
//! guard is a tile that says why, never left out.

use leptos::prelude::*;
use slicewise_core::wire::{
    SavedAnswer, SavedAnswerPatch, SavedChart, SavedStatus, SavedVisibility,
};
use slicewise_core::QueryResult;

use crate::answer::{ChartFigure, ErrorBox, ResultTable};
use crate::chart::{self, ChartKind};
use crate::columns::{Glossary, Reading};
use crate::engine_client::EngineClient;
use crate::format::{data_age, format_number};
use crate::i18n::{Locale, Text};
use crate::icon::{icon, Icon};
use crate::saved::{close_on_escape, SavedAnswers, SavedChange, TitleInput};
use crate::widget::DISPLAY_LIMIT;

/// Largest position the server takes.
const MAX_POSITION: i64 = 1_000_000;

/// The local data a tile runs on, as the widget holds it.
#[derive(Clone, Copy)]
pub struct LocalData {
    pub engine: StoredValue<EngineClient, LocalStorage>,
    /// What the catalog says of result columns.
    pub glossary: RwSignal<Glossary>,
    /// The newest record in the data.
    pub latest: RwSignal<Option<String>>,
    /// Successful loads so far: a refresh runs every tile again.
    pub loads: RwSignal<u32>,
}

/// Which way a tile moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
}

/// The user's own pinned answers in dashboard order, with their positions.
type OwnOrder = Vec<(String, i64)>;

/// The positions that move the user's pinned answer `id` one place among
/// its own pinned answers (`own`, in dashboard order): each numbered by its
/// new place, and only those whose number changes returned. A colleague's
/// shared answer keeps its place (its owner's), so it is not in `own`.
pub fn moved(own: &[(String, i64)], id: &str, step: Move) -> Vec<(String, i64)> {
    let Some(at) = own.iter().position(|(i, _)| i == id) else {
        return Vec::new();
    };
    let to = match step {
        Move::Up => at.checked_sub(1),
        Move::Down => Some(at + 1).filter(|t| *t < own.len()),
    };
    let Some(to) = to else {
        return Vec::new();
    };
    let mut order: Vec<&(String, i64)> = own.iter().collect();
    order.swap(at, to);
    order
        .into_iter()
        .enumerate()
        .filter_map(|(place, (id, position))| {
            let place = i64::try_from(place).unwrap_or(MAX_POSITION);
            (*position != place).then(|| (id.clone(), place))
        })
        .collect()
}

/// The position that puts a newly pinned answer after the user's others.
pub fn last_position(own: &[(String, i64)]) -> i64 {
    own.iter()
        .map(|(_, p)| p.saturating_add(1))
        .max()
        .unwrap_or(0)
        .min(MAX_POSITION)
}

fn patch(id: &str, patch: SavedAnswerPatch) -> SavedChange {
    SavedChange::Patch(id.to_string(), patch)
}

/// The dashboard view.
#[component]
pub fn Dashboard(
    saved: SavedAnswers,
    data: LocalData,
    text: &'static Text,
    locale: Locale,
) -> impl IntoView {
    let list = LocalResource::new(move || {
        let _ = saved.revision();
        let api = saved.api();
        async move { api?.saved().await.map(|l| l.answers) }
    });
    let answers = Memo::new(move |_| list.get().and_then(Result::ok).unwrap_or_default());
    let pinned = Memo::new(move |_| {
        answers.with(|all| all.iter().filter(|a| a.pinned).cloned().collect::<Vec<_>>())
    });
    let own = Memo::new(move |_| {
        pinned.with(|p| {
            p.iter()
                .filter(|a| a.mine)
                .map(|a| (a.id.clone(), a.position))
                .collect::<OwnOrder>()
        })
    });
    let change = Action::new_local(move |changes: &Vec<SavedChange>| {
        let changes = changes.clone();
        async move { saved.apply(&changes).await }
    });
    let busy = change.pending();
    let act = Callback::new(move |changes: Vec<SavedChange>| {
        if !changes.is_empty() {
            change.dispatch_local(changes);
        }
    });
    view! {
        <div class="sw-dashboard" aria-busy=move || busy.get().to_string()>
            {move || change.value().get().and_then(Result::err).map(|err| view! {
                <div class="sw-dashboard-error"><ErrorBox err=err text=text/></div>
            })}
            {move || match list.get() {
                None => view! { <p class="sw-dashboard-loading" role="status">{text.saved_loading}</p> }.into_any(),
                Some(Err(err)) => view! { <div class="sw-dashboard-error"><ErrorBox err=err text=text/></div> }.into_any(),
                Some(Ok(all)) if !all.iter().any(|a| a.pinned) => {
                    view! { <p class="sw-dashboard-empty">{text.dashboard_empty}</p> }.into_any()
                }
                Some(Ok(_)) => ().into_any(),
            }}
            <div class="sw-tiles">
                <For each=move || pinned.get() key=tile_key let:answer>
                    <Tile answer=answer data=data own=own act=act text=text locale=locale/>
                </For>
            </div>
            <section class="sw-saved-all" aria-label=text.saved_all>
                <h3 class="sw-subtitle">{text.saved_all}</h3>
                {move || (list.with(|l| matches!(l, Some(Ok(a)) if a.is_empty()))).then(|| view! {
                    <p class="sw-saved-none">{text.saved_none}</p>
                })}
                <ul class="sw-saved-list">
                    <For each=move || answers.get() key=item_key let:answer>
                        <SavedItem answer=answer own=own act=act text=text/>
                    </For>
                </ul>
            </section>
        </div>
    }
}

/// A tile stays on screen (and is not run again) while its definition is
/// the same; moving it only moves it.
fn tile_key(a: &SavedAnswer) -> (String, String, String, Option<&'static str>, bool) {
    (
        a.id.clone(),
        a.title.clone(),
        a.sql.clone(),
        a.chart.map(SavedChart::as_str),
        a.status == SavedStatus::Broken,
    )
}

fn item_key(a: &SavedAnswer) -> (String, String, bool, bool, bool) {
    (
        a.id.clone(),
        a.title.clone(),
        a.pinned,
        a.visibility == SavedVisibility::Tenant,
        a.status == SavedStatus::Broken,
    )
}

/// A pinned answer, run on the local data.
#[component]
fn Tile(
    answer: SavedAnswer,
    data: LocalData,
    own: Memo<OwnOrder>,
    act: Callback<Vec<SavedChange>>,
    text: &'static Text,
    locale: Locale,
) -> impl IntoView {
    let broken = answer.status == SavedStatus::Broken;
    let run = LocalResource::new({
        let sql = answer.sql.clone();
        move || {
            // Every load (a refresh) runs the tile again.
            let _ = data.loads.get();
            let (sql, engine) = (sql.clone(), data.engine.get_value());
            async move {
                match broken {
                    true => None,
                    false => Some(engine.query(&sql, DISPLAY_LIMIT).await),
                }
            }
        }
    });
    let state = move || match (
        broken,
        run.with(|r| r.as_ref().map(|r| r.as_ref().map(Result::is_ok))),
    ) {
        (true, _) => "broken",
        (false, None) => "running",
        (false, Some(Some(true))) => "ok",
        (false, Some(_)) => "error",
    };
    let SavedAnswer {
        id,
        title,
        question,
        sql,
        chart,
        mine,
        reason,
        ..
    } = answer;
    let body = move || -> AnyView {
        if let Some(reason) = reason.clone().filter(|_| broken) {
            return view! {
                <div class="sw-error sw-tile-broken" role="alert" data-code=reason.code.clone()>
                    <strong>{text.saved_broken}</strong>
                    <span class="sw-error-detail">{reason.message.clone()}</span>
                </div>
            }
            .into_any();
        }
        match run.get() {
            None => view! {
                <p class="sw-tile-running" role="status"><span class="sw-spinner" aria-hidden="true"></span> {text.running}</p>
            }
            .into_any(),
            Some(None) => ().into_any(),
            Some(Some(Err(err))) => view! { <ErrorBox err=err text=text/> }.into_any(),
            Some(Some(Ok(result))) => {
                tile_result(result, &sql, chart, &data.glossary.get_untracked(), text, locale)
            }
        }
    };
    view! {
        <article class="sw-tile" data-id=id.clone() data-status=state aria-label=title.clone()>
            <header class="sw-tile-head">
                <TileTitle id=id.clone() title=title.clone() mine=mine act=act text=text/>
                {mine.then(|| view! { <TileActions id=id.clone() title=title.clone() own=own act=act text=text/> })}
            </header>
            <p class="sw-tile-meta">
                <span class="sw-tile-question">{question}</span>
                <span class="sw-tile-age">{move || data_age(data.latest.get().as_deref(), text)}</span>
            </p>
            {body}
        </article>
    }
}

/// A tile's result: the chart the answer was saved with (when it still
/// fits the result's shape) and the table.
fn tile_result(
    result: QueryResult,
    sql: &str,
    saved: Option<SavedChart>,
    glossary: &Glossary,
    text: &'static Text,
    locale: Locale,
) -> AnyView {
    let reading = Reading::of(&result, glossary, sql);
    let chosen = chart::choose(None, &result, &reading);
    let kind = ChartKind::fitting(saved, chosen, reading.ordered_axis());
    let timing = format!(
        "{} {} — {} {} ms",
        result.rows,
        text.rows,
        text.ran_in,
        format_number(result.elapsed_ms, locale)
    );
    let truncated = result.truncated;
    view! {
        <div class="sw-tile-body" data-chart=kind.name()>
            <p class="sw-timing">{timing}</p>
            <ChartFigure result=result.clone() reading=reading.clone() periods=None kind=kind
                figure_ref=NodeRef::new() text=text locale=locale/>
            {truncated.then(|| view! { <p class="sw-notice sw-truncated">{text.truncated}</p> })}
            <ResultTable result=result reading=reading text=text locale=locale/>
        </div>
    }
    .into_any()
}

/// A tile's title; its owner renames it in place (Enter saves, Escape
/// cancels).
#[component]
fn TileTitle(
    id: String,
    title: String,
    mine: bool,
    act: Callback<Vec<SavedChange>>,
    text: &'static Text,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(title.clone());
    let shown = title.clone();
    let submit = move || {
        editing.set(false);
        let next = draft.get_untracked().trim().to_string();
        if next != title {
            act.run(vec![patch(
                &id,
                SavedAnswerPatch {
                    title: Some(next),
                    ..SavedAnswerPatch::default()
                },
            )]);
        }
    };
    move || match editing.get() {
        false => view! {
            <h3 class="sw-tile-title">{shown.clone()}</h3>
            {mine.then(|| view! {
                <button type="button" class="sw-button sw-icon-button sw-tile-rename"
                    aria-label=format!("{}: {}", text.rename, shown) title=text.rename
                    on:click=move |_| editing.set(true)>{icon(Icon::Pencil)}</button>
            })}
        }
        .into_any(),
        true => {
            let submit = submit.clone();
            view! {
                <form class="sw-tile-rename-form"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        submit();
                    }
                    on:keydown=close_on_escape(move || editing.set(false))>
                    <TitleInput title=draft class="sw-tile-rename-input" label=text.save_title hide_label=true/>
                    <button type="submit" class="sw-button sw-primary sw-tile-rename-save">{text.save}</button>
                    <button type="button" class="sw-button sw-tile-rename-cancel" on:click=move |_| editing.set(false)>{text.cancel}</button>
                </form>
            }
            .into_any()
        }
    }
}

/// The owner's buttons on a tile: move up, move down, unpin.
#[component]
fn TileActions(
    id: String,
    title: String,
    own: Memo<OwnOrder>,
    act: Callback<Vec<SavedChange>>,
    text: &'static Text,
) -> impl IntoView {
    let place = {
        let id = id.clone();
        Memo::new(move |_| {
            own.with(|o| {
                let at = o.iter().position(|(i, _)| *i == id);
                (
                    at == Some(0) || at.is_none(),
                    at.is_none_or(|a| a + 1 >= o.len()),
                )
            })
        })
    };
    let step = {
        let id = id.clone();
        move |step: Move| {
            let changes = moved(&own.get_untracked(), &id, step)
                .into_iter()
                .map(|(id, position)| {
                    patch(
                        &id,
                        SavedAnswerPatch {
                            position: Some(position),
                            ..SavedAnswerPatch::default()
                        },
                    )
                })
                .collect();
            act.run(changes);
        }
    };
    let (up, down) = (step.clone(), step);
    let unpin = move |_| {
        act.run(vec![patch(
            &id,
            SavedAnswerPatch {
                pinned: Some(false),
                ..SavedAnswerPatch::default()
            },
        )])
    };
    view! {
        <div class="sw-tile-actions" role="group" aria-label=title.clone()>
            <button type="button" class="sw-button sw-icon-button sw-tile-up"
                aria-label=format!("{}: {title}", text.move_up) title=text.move_up
                disabled=move || place.get().0 on:click=move |_| up(Move::Up)>{icon(Icon::MoveUp)}</button>
            <button type="button" class="sw-button sw-icon-button sw-tile-down"
                aria-label=format!("{}: {title}", text.move_down) title=text.move_down
                disabled=move || place.get().1 on:click=move |_| down(Move::Down)>{icon(Icon::MoveDown)}</button>
            <button type="button" class="sw-button sw-icon-button sw-tile-unpin"
                aria-label=format!("{}: {title}", text.unpin) title=text.unpin
                on:click=unpin>{icon(Icon::Pin)}</button>
        </div>
    }
}

/// One saved answer in the list of all: pin or unpin it, delete it (after
/// a confirmation); a colleague's shared answer is only shown.
#[component]
fn SavedItem(
    answer: SavedAnswer,
    own: Memo<OwnOrder>,
    act: Callback<Vec<SavedChange>>,
    text: &'static Text,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let broken = answer.status == SavedStatus::Broken;
    let shared = answer.visibility == SavedVisibility::Tenant;
    let SavedAnswer {
        id,
        title,
        pinned,
        mine,
        reason,
        ..
    } = answer;
    let pin_label = if pinned { text.unpin } else { text.save_pin };
    let toggle = {
        let id = id.clone();
        move |_| {
            let position = (!pinned).then(|| last_position(&own.get_untracked()));
            act.run(vec![patch(
                &id,
                SavedAnswerPatch {
                    pinned: Some(!pinned),
                    position,
                    ..SavedAnswerPatch::default()
                },
            )])
        }
    };
    let remove = {
        let id = id.clone();
        move |_| {
            confirming.set(false);
            act.run(vec![SavedChange::Delete(id.clone())]);
        }
    };
    let label = title.clone();
    let controls = move || match (mine, confirming.get()) {
        (false, _) => {
            view! { <span class="sw-saved-owner">{text.shared_by_colleague}</span> }.into_any()
        }
        (true, false) => {
            let toggle = toggle.clone();
            view! {
                <button type="button" class="sw-button sw-icon-button sw-saved-pin"
                    aria-pressed=pinned.to_string() aria-label=format!("{pin_label}: {label}") title=pin_label
                    on:click=toggle>{icon(Icon::Pin)}</button>
                <button type="button" class="sw-button sw-icon-button sw-saved-delete"
                    aria-label=format!("{}: {label}", text.delete) title=text.delete
                    on:click=move |_| confirming.set(true)>{icon(Icon::Trash)}</button>
            }
            .into_any()
        }
        (true, true) => {
            let remove = remove.clone();
            view! {
                <span class="sw-confirm" role="group" aria-label=text.delete_confirm>
                    <span>{text.delete_confirm}</span>
                    <button type="button" class="sw-button sw-danger sw-saved-delete-yes" on:click=remove>{text.delete}</button>
                    <button type="button" class="sw-button sw-saved-delete-no" on:click=move |_| confirming.set(false)>{text.keep}</button>
                </span>
            }
            .into_any()
        }
    };
    view! {
        <li class="sw-saved-item" data-id=id.clone() data-pinned=pinned.to_string()
            data-visibility=if shared { "tenant" } else { "private" } data-mine=mine.to_string()
            data-status=if broken { "broken" } else { "ok" }>
            <span class="sw-saved-title">{title.clone()}</span>
            <span class="sw-tag">{if shared { text.shared } else { text.private }}</span>
            {reason.filter(|_| broken).map(|r| view! {
                <span class="sw-tag sw-tag-broken" title=r.message data-code=r.code>{text.broken}</span>
            })}
            <span class="sw-saved-controls">{controls}</span>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(items: &[(&str, i64)]) -> OwnOrder {
        items.iter().map(|(i, p)| (i.to_string(), *p)).collect()
    }

    #[test]
    fn a_move_numbers_the_users_tiles_by_their_new_places() {
        // Never moved: all at 0 (the server orders them oldest first).
        let fresh = own(&[("a", 0), ("b", 0), ("c", 0)]);
        assert_eq!(
            moved(&fresh, "b", Move::Up),
            vec![("a".to_string(), 1), ("c".to_string(), 2)]
        );
        // Already numbered: only the two that swap change.
        let numbered = own(&[("a", 0), ("b", 1), ("c", 2)]);
        assert_eq!(
            moved(&numbered, "a", Move::Down),
            vec![("b".to_string(), 0), ("a".to_string(), 1)]
        );
    }

    #[test]
    fn nothing_moves_past_an_end_or_for_another_users_tile() {
        let numbered = own(&[("a", 0), ("b", 1)]);
        assert!(moved(&numbered, "a", Move::Up).is_empty());
        assert!(moved(&numbered, "b", Move::Down).is_empty());
        assert!(moved(&numbered, "colleague", Move::Up).is_empty());
    }

    #[test]
    fn a_newly_pinned_answer_goes_last() {
        assert_eq!(last_position(&[]), 0);
        assert_eq!(last_position(&own(&[("a", 0), ("b", 0)])), 1);
        assert_eq!(last_position(&own(&[("a", 3), ("b", 7)])), 8);
        assert_eq!(last_position(&own(&[("a", MAX_POSITION)])), MAX_POSITION);
    }
}
