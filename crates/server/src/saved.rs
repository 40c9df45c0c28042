//! `/api/v1/saved`: answers a user saved (for itself or its whole tenant)
//! and their place on the dashboard.
//!
//! A saved answer is a definition (title, question, SQL, chart choice),
//! never rows: the browser runs it again on its own extract. Tenant and
//! owner come from the verified token only. Another tenant's answers, and
//! another user's private ones, do not exist for a caller (404, never 403,
//! so their ids say nothing); only the owner changes or deletes one. The SQL
//! passes the guard of the current catalog when saved, and again whenever it
//! is read: one the catalog no longer admits comes back `broken` with the
//! guard's reason rather than disappearing.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use slicewise_core::wire::{
    SavedAnswer, SavedAnswerCreate, SavedAnswerList, SavedAnswerPatch, SavedProblem, SavedStatus,
};
use slicewise_core::SqlGuard;

use crate::ask::MAX_QUESTION_CHARS;
use crate::auth::Caller;
use crate::error::AppError;
use crate::json_body::JsonBody;
use crate::params::PathParams;
use crate::state::AppState;
use crate::store::{SavedChange, SavedRecord};

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Largest dashboard position a client may set.
pub const MAX_POSITION: i64 = 1_000_000;

/// The answer as its caller gets it, with the guard's verdict under the
/// current catalog.
fn answer_of(guard: &SqlGuard, sub: &str, r: SavedRecord) -> SavedAnswer {
    let (status, reason) = match guard.check(&r.sql) {
        Ok(_) => (SavedStatus::Ok, None),
        Err(e) => (
            SavedStatus::Broken,
            Some(SavedProblem {
                code: e.code().to_string(),
                message: format!(
                    "This answer no longer passes the SQL checks of the current data: {e}."
                ),
            }),
        ),
    };
    SavedAnswer {
        mine: r.owner == sub,
        id: r.id,
        title: r.title,
        question: r.question,
        sql: r.sql,
        chart: r.chart,
        visibility: r.visibility,
        pinned: r.pinned,
        position: r.position,
        schema_hash: r.schema_hash,
        status,
        reason,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// A title trimmed, 1 to [`MAX_TITLE_CHARS`] characters.
fn checked_title(title: &str) -> Result<String, AppError> {
    let title = title.trim();
    let chars = title.chars().count();
    if chars == 0 || chars > MAX_TITLE_CHARS {
        return Err(AppError::bad_request(
            "saved_title_invalid",
            format!("A title is 1 to {MAX_TITLE_CHARS} characters."),
        ));
    }
    Ok(title.to_string())
}

fn check_question(question: &str) -> Result<(), AppError> {
    let chars = question.trim().chars().count();
    if chars == 0 || chars > MAX_QUESTION_CHARS {
        return Err(AppError::bad_request(
            "question_invalid",
            format!("A saved question is 1 to {MAX_QUESTION_CHARS} characters."),
        ));
    }
    Ok(())
}

fn check_position(position: Option<i64>) -> Result<(), AppError> {
    match position {
        Some(p) if !(0..=MAX_POSITION).contains(&p) => Err(AppError::bad_request(
            "saved_position_invalid",
            format!("A position is 0 to {MAX_POSITION}."),
        )),
        _ => Ok(()),
    }
}

/// A saved answer's id as stored (a UUID, hyphenated, lower case).
fn checked_id(id: &str) -> Result<String, AppError> {
    uuid::Uuid::parse_str(id)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| AppError::bad_request("saved_id_invalid", "A saved answer's id is a UUID."))
}

fn not_found() -> AppError {
    AppError::not_found("saved_not_found", "No such saved answer.")
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A JSON response never kept by a cache: it is one user's and changes.
fn fresh<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// `GET /api/v1/saved`: the caller's answers and its tenant's shared ones,
/// in dashboard order.
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Response, AppError> {
    let (tenant, sub) = (&caller.claims.tenant, &caller.claims.sub);
    let records = state.store().saved_visible(tenant, sub).await?;
    let answers = records
        .into_iter()
        .map(|r| answer_of(state.guard(), sub, r))
        .collect();
    Ok(fresh(StatusCode::OK, &SavedAnswerList { answers }))
}

/// `POST /api/v1/saved`: saves an answer whose SQL passes the guard now.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<SavedAnswerCreate>,
) -> Result<Response, AppError> {
    let title = checked_title(&req.title)?;
    check_question(&req.question)?;
    if let Err(e) = state.guard().check(&req.sql) {
        return Err(AppError::bad_request(
            e.code(),
            format!("This SQL cannot be saved: {e}."),
        ));
    }
    let now = now_ms();
    let record = SavedRecord {
        id: uuid::Uuid::new_v4().to_string(),
        tenant: caller.claims.tenant.clone(),
        owner: caller.claims.sub.clone(),
        visibility: req.visibility,
        title,
        question: req.question.trim().to_string(),
        sql: req.sql,
        chart: req.chart,
        pinned: req.pinned,
        position: 0,
        schema_hash: state.schema_hash().to_string(),
        created_at: now,
        updated_at: now,
    };
    let max = state.config().quotas.saved_per_user;
    let Some(saved) = state.store().create_saved(record, max).await? else {
        return Err(AppError::conflict(
            "saved_limit_reached",
            format!("You have {max} saved answers, the most allowed; delete one to save another."),
        ));
    };
    tracing::info!(
        tenant = saved.tenant,
        sub = saved.owner,
        id = saved.id,
        visibility = saved.visibility.as_str(),
        "answer saved"
    );
    let location = format!("/api/v1/saved/{}", saved.id);
    let mut response = fresh(
        StatusCode::CREATED,
        &answer_of(state.guard(), &caller.claims.sub, saved),
    );
    if let Ok(v) = header::HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// `GET /api/v1/saved/{id}`: one answer the caller may see.
pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<Response, AppError> {
    let id = checked_id(&id)?;
    let (tenant, sub) = (&caller.claims.tenant, &caller.claims.sub);
    let record = state
        .store()
        .saved_one(tenant, sub, &id)
        .await?
        .ok_or_else(not_found)?;
    Ok(fresh(
        StatusCode::OK,
        &answer_of(state.guard(), sub, record),
    ))
}

/// Why an owner-only action found nothing: the answer is shared with the
/// caller (403) or does not exist for it (404).
async fn not_owned(state: &AppState, caller: &Caller, id: &str) -> AppError {
    let (tenant, sub) = (&caller.claims.tenant, &caller.claims.sub);
    match state.store().saved_one(tenant, sub, id).await {
        Ok(Some(_)) => AppError::forbidden(
            "saved_not_owner",
            "Only the user who saved this answer may change or delete it.",
        ),
        Ok(None) => not_found(),
        Err(e) => e.into(),
    }
}

/// `PATCH /api/v1/saved/{id}`: rename, move, pin, share or unshare, change
/// the chart; the owner only.
pub async fn change(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(req): JsonBody<SavedAnswerPatch>,
) -> Result<Response, AppError> {
    let id = checked_id(&id)?;
    if req == SavedAnswerPatch::default() {
        return Err(AppError::bad_request(
            "saved_change_empty",
            "Say what to change: title, chart, visibility, pinned or position.",
        ));
    }
    let title = req.title.as_deref().map(checked_title).transpose()?;
    check_position(req.position)?;
    let change = SavedChange {
        title,
        chart: req.chart,
        visibility: req.visibility,
        pinned: req.pinned,
        position: req.position,
        updated_at: now_ms(),
    };
    let (tenant, sub) = (&caller.claims.tenant, &caller.claims.sub);
    let Some(saved) = state.store().change_saved(tenant, sub, &id, change).await? else {
        return Err(not_owned(&state, &caller, &id).await);
    };
    tracing::info!(tenant, sub, id, "saved answer changed");
    Ok(fresh(StatusCode::OK, &answer_of(state.guard(), sub, saved)))
}

/// `DELETE /api/v1/saved/{id}`: the owner only.
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, AppError> {
    let id = checked_id(&id)?;
    let (tenant, sub) = (&caller.claims.tenant, &caller.claims.sub);
    if !state.store().delete_saved(tenant, sub, &id).await? {
        return Err(not_owned(&state, &caller, &id).await);
    }
    tracing::info!(tenant, sub, id, "saved answer deleted");
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuids_in_one_spelling() {
        let id = "0B6D7C4E-2D1F-4F7A-9C3E-5A1B2C3D4E5F";
        assert_eq!(
            checked_id(id).expect("uuid"),
            "0b6d7c4e-2d1f-4f7a-9c3e-5a1b2c3d4e5f"
        );
        for bad in ["", "1", "../audit", "0b6d7c4e-2d1f-4f7a-9c3e-5a1b2c3d4e5"] {
            let e = checked_id(bad).expect_err(bad);
            assert_eq!(e.parts().1, "saved_id_invalid", "{bad}");
        }
    }

    #[test]
    fn titles_are_trimmed_and_bounded_in_characters() {
        assert_eq!(checked_title("  Revenue  ").expect("title"), "Revenue");
        assert!(checked_title("   ").is_err());
        assert!(checked_title(&"é".repeat(MAX_TITLE_CHARS)).is_ok());
        let e = checked_title(&"é".repeat(MAX_TITLE_CHARS + 1)).expect_err("long");
        assert_eq!(e.parts().1, "saved_title_invalid");
    }

    #[test]
    fn positions_stay_in_range() {
        assert!(check_position(None).is_ok());
        assert!(check_position(Some(0)).is_ok());
        assert!(check_position(Some(MAX_POSITION)).is_ok());
        assert!(check_position(Some(-1)).is_err());
        assert!(check_position(Some(MAX_POSITION + 1)).is_err());
    }
}
