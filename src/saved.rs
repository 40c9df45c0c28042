//! Saving an answer: its definition (title, question, SQL, chart choice),
//! never its rows, for the user alone or for everyone of its tenant. The
//! dashboard runs it again on the local data whenever it shows it.

use leptos::prelude::*;
use slicewise_core::wire::{
    SavedAnswer, SavedAnswerCreate, SavedAnswerPatch, SavedChart, SavedVisibility,
};

use crate::answer::ErrorBox;
use crate::api::Api;
use crate::error::WidgetError;
use crate::i18n::Text;
use crate::icon::{icon, Icon};

/// What the widget's views share about saved answers: the API of the
/// moment (its token renews) and a revision that moves on every change, so
/// the dashboard's list reloads.
#[derive(Debug, Clone, Copy)]
pub struct SavedAnswers {
    api: RwSignal<Option<Api>>,
    revision: RwSignal<u32>,
}

/// One change to the saved answers, sent as its own request.
#[derive(Debug, Clone, PartialEq)]
pub enum SavedChange {
    /// Rename, move, pin or unpin.
    Patch(String, SavedAnswerPatch),
    Delete(String),
}

impl SavedAnswers {
    /// Saved answers through the widget's API (set once the widget loaded).
    pub fn new(api: RwSignal<Option<Api>>) -> SavedAnswers {
        SavedAnswers {
            api,
            revision: RwSignal::new(0),
        }
    }

    /// The revision, tracked: a reader runs again after every change.
    pub fn revision(&self) -> u32 {
        self.revision.get()
    }

    /// The API, tracked (a renewed token reads the list again).
    pub fn api(&self) -> Result<Api, WidgetError> {
        self.api.get().ok_or_else(not_loaded)
    }

    /// Says a saved answer changed: every list reloads.
    fn changed(&self) {
        self.revision.try_update(|r| *r = r.wrapping_add(1));
    }

    /// Saves an answer.
    pub async fn save(&self, request: &SavedAnswerCreate) -> Result<SavedAnswer, WidgetError> {
        let api = self.api.get_untracked().ok_or_else(not_loaded)?;
        let saved = api.save(request).await;
        self.changed();
        saved
    }

    /// Sends changes one by one; the first failure stops them. The lists
    /// reload either way, so they show what the server holds.
    pub async fn apply(&self, changes: &[SavedChange]) -> Result<(), WidgetError> {
        let api = self.api.get_untracked().ok_or_else(not_loaded)?;
        let mut outcome = Ok(());
        for change in changes {
            let sent = match change {
                SavedChange::Patch(id, patch) => api.change_saved(id, patch).await.map(|_| ()),
                SavedChange::Delete(id) => api.delete_saved(id).await,
            };
            if let Err(err) = sent {
                outcome = Err(err);
                break;
            }
        }
        self.changed();
        outcome
    }
}

fn not_loaded() -> WidgetError {
    WidgetError::Unexpected("the widget has not loaded its data yet".into())
}

/// The request that saves an answer as the form says: its text and ids,
/// never a row or a cell.
pub fn save_request(
    title: &str,
    question: &str,
    sql: &str,
    chart: Option<SavedChart>,
    shared: bool,
    pinned: bool,
) -> SavedAnswerCreate {
    let title = match title.trim() {
        "" => question.trim(),
        t => t,
    };
    SavedAnswerCreate {
        title: title.to_string(),
        question: question.trim().to_string(),
        sql: sql.to_string(),
        chart,
        visibility: if shared {
            SavedVisibility::Tenant
        } else {
            SavedVisibility::Private
        },
        pinned,
    }
}

/// The "Save" icon button of an answer and its form: title (the question
/// unless edited), who sees it, whether it is pinned.
#[component]
pub fn SaveAnswer(
    saved: SavedAnswers,
    question: String,
    sql: String,
    /// The chart on screen when the user saves.
    #[prop(into)]
    chart: Signal<Option<SavedChart>>,
    text: &'static Text,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let title = RwSignal::new(question.clone());
    let shared = RwSignal::new(false);
    let pinned = RwSignal::new(false);
    let save = Action::new_local(move |request: &SavedAnswerCreate| {
        let request = request.clone();
        async move {
            let outcome = saved.save(&request).await;
            if outcome.is_ok() {
                open.try_set(false);
            }
            outcome
        }
    });
    let pending = save.pending();
    let definition = StoredValue::new((question.clone(), sql));
    let submit = move || {
        let request = definition.with_value(|(question, sql)| {
            save_request(
                &title.get_untracked(),
                question,
                sql,
                chart.get_untracked(),
                shared.get_untracked(),
                pinned.get_untracked(),
            )
        });
        save.dispatch_local(request);
    };
    view! {
        <div class="sw-save">
            <button type="button" class="sw-button sw-icon-button sw-save-open"
                aria-label=text.save_answer title=text.save_answer
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                {icon(Icon::Bookmark)}
            </button>
            <Show when=move || open.get()>
                <form class="sw-save-form" aria-label=text.save_answer
                    on:submit=move |ev| {
                        ev.prevent_default();
                        submit();
                    }
                    on:keydown=close_on_escape(move || open.set(false))>
                    <TitleInput title=title class="sw-save-title" label=text.save_title/>
                    <label class="sw-field">
                        <span>{text.save_visibility}</span>
                        <select class="sw-input sw-save-visibility"
                            on:change=move |ev| shared.set(event_target_value(&ev) == "tenant")>
                            <option value="private" selected=move || !shared.get()>{text.visibility_private}</option>
                            <option value="tenant" selected=move || shared.get()>{text.visibility_tenant}</option>
                        </select>
                    </label>
                    <label class="sw-check">
                        <input type="checkbox" class="sw-save-pin" prop:checked=move || pinned.get()
                            on:change=move |ev| pinned.set(event_target_checked(&ev))/>
                        {text.save_pin}
                    </label>
                    <button type="submit" class="sw-button sw-primary sw-save-submit" disabled=move || pending.get()>
                        {move || if pending.get() { text.saving } else { text.save }}
                    </button>
                    <button type="button" class="sw-button sw-save-cancel" on:click=move |_| open.set(false)>
                        {text.cancel}
                    </button>
                </form>
            </Show>
            {move || save.value().get().map(|outcome| match outcome {
                Ok(answer) => view! {
                    <p class="sw-save-done" role="status" data-id=answer.id.clone()>
                        {text.saved_done} " " <q>{answer.title.clone()}</q>
                    </p>
                }
                .into_any(),
                Err(err) => view! { <ErrorBox err=err text=text/> }.into_any(),
            })}
        </div>
    }
}

/// A keydown handler that closes a form on Escape.
pub fn close_on_escape(close: impl Fn() + 'static) -> impl FnMut(web_sys::KeyboardEvent) + 'static {
    move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" {
            close();
        }
    }
}

/// A title field that takes the focus, its text selected, when it appears
/// (saving an answer, renaming a tile).
#[component]
pub fn TitleInput(
    title: RwSignal<String>,
    /// Its own class, for styles and tests.
    class: &'static str,
    label: &'static str,
    /// The label for assistive technology only.
    #[prop(optional)]
    hide_label: bool,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move || {
        if let Some(el) = input.get() {
            let _ = el.focus();
            el.select();
        }
    });
    view! {
        <label class="sw-field">
            <span class:sw-sr-only=hide_label>{label}</span>
            <input node_ref=input class=format!("sw-input {class}") type="text" maxlength="200" required
                prop:value=move || title.get()
                on:input=move |ev| title.set(event_target_value(&ev))/>
        </label>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_save_sends_the_definition_with_the_question_as_default_title() {
        let r = save_request(
            "  ",
            " revenue by month ",
            "SELECT 1",
            Some(SavedChart::Bar),
            false,
            true,
        );
        assert_eq!(r.title, "revenue by month");
        assert_eq!(r.question, "revenue by month");
        assert_eq!(r.visibility, SavedVisibility::Private);
        assert!(r.pinned);
        let shared = save_request(" Monthly ", "q", "SELECT 1", None, true, false);
        assert_eq!(shared.title, "Monthly");
        assert_eq!(shared.visibility, SavedVisibility::Tenant);
        // Only definition fields go out: no rows, no results.
        let json = serde_json::to_value(&shared).expect("json");
        let keys: Vec<&String> = json.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["pinned", "question", "sql", "title", "visibility"]);
    }
}
