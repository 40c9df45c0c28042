//! Every string the widget shows, one table per language.

/// The widget's languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
    De,
}

impl Locale {
    /// From an attribute or the browser's language (`de`, `de-AT`, `en-GB`).
    pub fn from_tag(tag: &str) -> Locale {
        if tag.to_lowercase().starts_with("de") {
            Locale::De
        } else {
            Locale::En
        }
    }

    /// The BCP 47 tag used for number and date formatting.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en-US",
            Locale::De => "de-DE",
        }
    }

    /// The strings of this language.
    pub fn text(self) -> &'static Text {
        match self {
            Locale::En => &EN,
            Locale::De => &DE,
        }
    }
}

/// All strings of one language.
pub struct Text {
    pub title: &'static str,
    pub question_label: &'static str,
    pub question_placeholder: &'static str,
    pub ask: &'static str,
    pub starting: &'static str,
    pub downloading: &'static str,
    pub verifying: &'static str,
    pub ready: &'static str,
    pub rows: &'static str,
    pub thinking: &'static str,
    pub running: &'static str,
    pub ran_in: &'static str,
    pub show_sql: &'static str,
    pub try_instead: &'static str,
    pub did_you_mean: &'static str,
    pub retry: &'static str,
    pub truncated: &'static str,
    pub table_label: &'static str,
    pub chart_label: &'static str,
    pub previous_page: &'static str,
    pub next_page: &'static str,
    pub page: &'static str,
    pub error_token_expired: &'static str,
    pub error_offline: &'static str,
    pub error_quota: &'static str,
    pub error_tampered: &'static str,
    pub error_generic: &'static str,
    pub insight_change: &'static str,
    pub insight_peak: &'static str,
    pub insight_largest: &'static str,
    pub insight_smallest: &'static str,
    pub insight_of_total: &'static str,
    pub trend_up: &'static str,
    pub trend_down: &'static str,
    pub trend_flat: &'static str,
    pub export_csv: &'static str,
    pub export_svg: &'static str,
    pub run_sql: &'static str,
    pub edit_sql_label: &'static str,
    pub chart_type: &'static str,
    pub chart_line: &'static str,
    pub chart_bar: &'static str,
    pub chart_table: &'static str,
    pub helpful: &'static str,
    pub not_helpful: &'static str,
    pub feedback_thanks: &'static str,
    pub feedback_comment: &'static str,
    pub send: &'static str,
    pub history: &'static str,
    pub suggested: &'static str,
    pub refresh: &'static str,
    pub data_as_of: &'static str,
    pub sort_by: &'static str,
    pub cached: &'static str,
}

static EN: Text = Text {
    title: "Ask your data",
    question_label: "Your question",
    question_placeholder: "e.g. revenue by month",
    ask: "Ask",
    starting: "Starting the engine…",
    downloading: "Downloading your data",
    verifying: "Verifying and loading…",
    ready: "Ready",
    rows: "rows",
    thinking: "Understanding your question…",
    running: "Running in your browser…",
    ran_in: "ran in your browser in",
    show_sql: "SQL",
    try_instead: "Try one of these:",
    did_you_mean: "Did you mean:",
    retry: "Retry",
    truncated: "Only the first rows are shown.",
    table_label: "Result table",
    chart_label: "Chart",
    previous_page: "Previous",
    next_page: "Next",
    page: "Page",
    error_token_expired: "Your session has expired. Reload the page to continue.",
    error_offline: "The server cannot be reached. Check your connection and retry.",
    error_quota: "The question limit is reached.",
    error_tampered: "The data failed its integrity check and was not loaded.",
    error_generic: "Something went wrong.",
    insight_change: "Change",
    insight_peak: "Highest",
    insight_largest: "Largest",
    insight_smallest: "Smallest",
    insight_of_total: "of total",
    trend_up: "Trend: rising",
    trend_down: "Trend: falling",
    trend_flat: "Trend: flat",
    export_csv: "Download CSV",
    export_svg: "Download SVG",
    run_sql: "Run SQL",
    edit_sql_label: "Edit the SQL",
    chart_type: "Chart type",
    chart_line: "Line",
    chart_bar: "Bars",
    chart_table: "Table only",
    helpful: "Helpful",
    not_helpful: "Not helpful",
    feedback_thanks: "Thanks for your feedback.",
    feedback_comment: "What was wrong? (optional)",
    send: "Send",
    history: "Asked before",
    suggested: "Try asking",
    refresh: "Refresh data",
    data_as_of: "Data age",
    sort_by: "Sort by",
    cached: "cached",
};

static DE: Text = Text {
    title: "Fragen Sie Ihre Daten",
    question_label: "Ihre Frage",
    question_placeholder: "z. B. Umsatz pro Monat",
    ask: "Fragen",
    starting: "Engine wird gestartet…",
    downloading: "Ihre Daten werden geladen",
    verifying: "Prüfen und Laden…",
    ready: "Bereit",
    rows: "Zeilen",
    thinking: "Ihre Frage wird verstanden…",
    running: "Läuft in Ihrem Browser…",
    ran_in: "lief in Ihrem Browser in",
    show_sql: "SQL",
    try_instead: "Versuchen Sie eine dieser Fragen:",
    did_you_mean: "Meinten Sie:",
    retry: "Erneut versuchen",
    truncated: "Nur die ersten Zeilen werden angezeigt.",
    table_label: "Ergebnistabelle",
    chart_label: "Diagramm",
    previous_page: "Zurück",
    next_page: "Weiter",
    page: "Seite",
    error_token_expired: "Ihre Sitzung ist abgelaufen. Laden Sie die Seite neu.",
    error_offline: "Der Server ist nicht erreichbar. Prüfen Sie die Verbindung.",
    error_quota: "Das Fragenlimit ist erreicht.",
    error_tampered:
        "Die Daten haben die Integritätsprüfung nicht bestanden und wurden nicht geladen.",
    error_generic: "Etwas ist schiefgelaufen.",
    insight_change: "Veränderung",
    insight_peak: "Höchster Wert",
    insight_largest: "Größter Anteil",
    insight_smallest: "Kleinster",
    insight_of_total: "vom Gesamt",
    trend_up: "Trend: steigend",
    trend_down: "Trend: fallend",
    trend_flat: "Trend: gleichbleibend",
    export_csv: "CSV herunterladen",
    export_svg: "SVG herunterladen",
    run_sql: "SQL ausführen",
    edit_sql_label: "SQL bearbeiten",
    chart_type: "Diagrammtyp",
    chart_line: "Linie",
    chart_bar: "Balken",
    chart_table: "Nur Tabelle",
    helpful: "Hilfreich",
    not_helpful: "Nicht hilfreich",
    feedback_thanks: "Danke für Ihr Feedback.",
    feedback_comment: "Was war falsch? (optional)",
    send: "Senden",
    history: "Bisher gefragt",
    suggested: "Fragen Sie zum Beispiel",
    refresh: "Daten aktualisieren",
    data_as_of: "Datenalter",
    sort_by: "Sortieren nach",
    cached: "aus dem Cache",
};
