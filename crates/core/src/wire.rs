//! JSON shapes of the HTTP API, shared by the server and the widget.
//!
//! Nothing here carries a row of tenant data: requests from the widget hold a
//! question, ids and the token only (DEVELOPERS.md, invariant 1).

use serde::{Deserialize, Serialize};

/// Privacy level of an embed token and of the extract made for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Privacy {
    /// All columns as stored.
    #[default]
    Standard,
    /// Personal-data columns replaced by stable, keyed pseudonyms.
    High,
    /// As `high`, and customers without consent are left out with their rows.
    Gdpr,
}

impl Privacy {
    /// The wire name (`standard`, `high`, `gdpr`).
    pub fn as_str(self) -> &'static str {
        match self {
            Privacy::Standard => "standard",
            Privacy::High => "high",
            Privacy::Gdpr => "gdpr",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Privacy> {
        match s {
            "standard" => Some(Privacy::Standard),
            "high" => Some(Privacy::High),
            "gdpr" => Some(Privacy::Gdpr),
            _ => None,
        }
    }
}

/// The body of every error response: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// A stable machine code and a message meant for people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    /// Seconds until a quota resets, for `quota_exceeded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// The server's id of the request, also in its logs (`x-request-id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// `POST /api/v1/embed/token`: what the host (or demo page) asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRequest {
    pub tenant: String,
    #[serde(default)]
    pub sub: Option<String>,
    #[serde(default)]
    pub privacy: Option<Privacy>,
    #[serde(default)]
    pub ttl_seconds: Option<u64>,
}

/// A freshly minted embed token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub token: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Public keys that sign manifests (`GET /api/v1/keys`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeySet {
    pub keys: Vec<PublicKey>,
}

/// One Ed25519 public key, JWK-like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicKey {
    pub kid: String,
    /// Always `EdDSA`.
    pub alg: String,
    /// base64url (no padding) of the 32-byte key.
    pub x: String,
}

/// `POST /api/v1/ask`: a question's text and nothing from the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AskRequest {
    pub question: String,
    /// The question this one follows up on, as text ("only in Germany").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_question: Option<String>,
}

/// `POST /api/v1/ask/batch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AskBatchRequest {
    pub questions: Vec<String>,
}

/// Whether the translator answered, needs a choice, or declines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AskStatus {
    Answered,
    Clarify,
    Unsupported,
}

/// Which translator wrote the SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TranslatorEngine {
    Builtin,
    Llm,
}

/// How the widget should draw the answer by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ChartHint {
    /// One figure, shown big.
    BigNumber,
    /// A time series.
    Line,
    /// One dimension.
    #[default]
    Bar,
    /// Two dimensions.
    GroupedBar,
    /// Parts of a whole, with percentages.
    Share,
    /// A list of rows.
    Table,
}

/// The answer to one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AskResponse {
    /// Audit id of this ask; feedback refers to it.
    pub id: String,
    pub status: AskStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// One line saying what was understood ("Revenue by month, 2025, completed orders").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<ChartHint>,
    /// Choices for a `clarify` answer, each a full question to ask instead.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Why a question is `unsupported`, or what to clarify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Questions that would work, or sensible follow-ups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
    pub engine: TranslatorEngine,
    pub cached: bool,
    /// Something the user should know (e.g. "the AI backend was unavailable").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    /// The date (ISO) relative periods such as "last month" were resolved
    /// against; absent when the question named none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// The previous question this one was read as a follow-up of; absent
    /// when it was read on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<String>,
    /// A comparison's two periods as the interpretation names them:
    /// `[current, other]` (the current one is the later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compared: Option<[String; 2]>,
    /// A name the question typed ("Giulia Thomas"): the server never sees
    /// rows, so the browser checks which kind of row holds it and runs that
    /// candidate's SQL (`sql` above is the first candidate's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names: Option<NameCheck>,
}

/// A typed name and the readings of the question for each kind of row
/// that may hold it; the browser keeps the one whose label matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameCheck {
    /// The name as shown ("Giulia Thomas").
    pub name: String,
    pub candidates: Vec<NameCandidate>,
}

/// One kind of row a typed name may be, with its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameCandidate {
    /// The kind of row, in words ("client").
    pub kind: String,
    /// Counts the rows of that kind with the name (`SELECT COUNT(*) AS
    /// matches ...`), run in the browser before `sql`.
    pub check_sql: String,
    /// The answer's SQL when the name is of this kind.
    pub sql: String,
    pub interpretation: String,
    pub chart: ChartHint,
    /// The question with the kind said ("client Giulia Thomas ..."), to
    /// offer when several kinds match.
    pub question: String,
}

/// What the counts of a typed name in the local data say.
#[derive(Debug, Clone, PartialEq)]
pub enum NamePick<'a> {
    /// One kind of row has the name: its reading answers.
    One(&'a NameCandidate),
    /// No kind has it: said so, never answered.
    Nobody,
    /// Several kinds have it: each is offered.
    Several(Vec<&'a NameCandidate>),
}

impl NameCandidate {
    /// Whether the result of `check_sql` found the name (a count above 0).
    pub fn found(&self, count: &crate::QueryResult) -> bool {
        count
            .columns
            .first()
            .and_then(|c| c.values.number_at(0))
            .is_some_and(|n| n > 0.0)
    }
}

impl NameCheck {
    /// The reading to keep, given for each candidate whether it was found.
    pub fn pick(&self, found: &[bool]) -> NamePick<'_> {
        let hits: Vec<&NameCandidate> = self
            .candidates
            .iter()
            .zip(found)
            .filter(|(_, f)| **f)
            .map(|(c, _)| c)
            .collect();
        match hits.as_slice() {
            [] => NamePick::Nobody,
            [one] => NamePick::One(one),
            _ => NamePick::Several(hits),
        }
    }
}

impl AskResponse {
    /// A response with nothing in it yet (status `unsupported`), to fill in.
    pub fn empty(engine: TranslatorEngine) -> AskResponse {
        AskResponse {
            id: String::new(),
            status: AskStatus::Unsupported,
            sql: None,
            interpretation: None,
            chart: None,
            options: Vec::new(),
            reason: None,
            suggestions: Vec::new(),
            engine,
            cached: false,
            as_of: None,
            follows: None,
            compared: None,
            notice: None,
            names: None,
        }
    }
}

/// `POST /api/v1/feedback`: a verdict on an answer, by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackRequest {
    pub answer_id: String,
    pub helpful: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Who sees a saved answer besides its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SavedVisibility {
    /// Its owner only.
    #[default]
    Private,
    /// Every user of the owner's tenant (only the owner changes it).
    Tenant,
}

impl SavedVisibility {
    /// The name stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            SavedVisibility::Private => "private",
            SavedVisibility::Tenant => "tenant",
        }
    }

    /// The visibility of a stored name.
    pub fn parse(name: &str) -> Option<SavedVisibility> {
        match name {
            "private" => Some(SavedVisibility::Private),
            "tenant" => Some(SavedVisibility::Tenant),
            _ => None,
        }
    }
}

/// The chart a saved answer is drawn with: the names of the widget's chart
/// kinds (`ChartKind::name`), so a saved choice reads back as it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SavedChart {
    BigNumber,
    Line,
    Bar,
    Grouped,
    Stacked,
    Share,
    Table,
}

impl SavedChart {
    /// Every kind, for parsing stored names.
    pub const ALL: [SavedChart; 7] = [
        SavedChart::BigNumber,
        SavedChart::Line,
        SavedChart::Bar,
        SavedChart::Grouped,
        SavedChart::Stacked,
        SavedChart::Share,
        SavedChart::Table,
    ];

    /// The name stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            SavedChart::BigNumber => "big_number",
            SavedChart::Line => "line",
            SavedChart::Bar => "bar",
            SavedChart::Grouped => "grouped",
            SavedChart::Stacked => "stacked",
            SavedChart::Share => "share",
            SavedChart::Table => "table",
        }
    }

    /// The kind of a stored name.
    pub fn parse(name: &str) -> Option<SavedChart> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// `POST /api/v1/saved`: an answer's definition, never its rows. Tenant and
/// owner come from the token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedAnswerCreate {
    pub title: String,
    pub question: String,
    pub sql: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<SavedChart>,
    #[serde(default)]
    pub visibility: SavedVisibility,
    /// On the dashboard.
    #[serde(default)]
    pub pinned: bool,
}

/// `PATCH /api/v1/saved/{id}`: the fields given change, the others stay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedAnswerPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<SavedChart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<SavedVisibility>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    /// Place on the dashboard: lower first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
}

/// Whether a saved SQL still passes the guard of the current catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SavedStatus {
    Ok,
    /// The catalog changed under it; `reason` says why.
    Broken,
}

/// Why a saved SQL no longer passes: the guard's code and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedProblem {
    pub code: String,
    pub message: String,
}

/// A saved answer as its tenant's users get it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedAnswer {
    pub id: String,
    pub title: String,
    pub question: String,
    pub sql: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<SavedChart>,
    pub visibility: SavedVisibility,
    /// Whether the caller owns it (and so may change or delete it).
    pub mine: bool,
    pub pinned: bool,
    pub position: i64,
    /// Schema hash of the catalog it was saved under (the manifest's `schema_hash`).
    pub schema_hash: String,
    pub status: SavedStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<SavedProblem>,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds.
    pub updated_at: i64,
}

/// `GET /api/v1/saved`: dashboard order (pinned first, then by position).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedAnswerList {
    pub answers: Vec<SavedAnswer>,
}
