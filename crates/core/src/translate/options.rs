//! Questions to offer when asking back or declining, built from the
//! catalog (its default metrics, entities, dimensions and starter
//! questions), so they fit whatever data is loaded and are answerable.

use super::describe::{column_words, plural, singular, table_words};
use super::lexicon::Col;
use super::plan::Group;
use crate::catalog::Catalog;

/// How a question names a metric: its name in words ("units sold").
pub(super) fn metric_words(name: &str) -> String {
    name.replace('_', " ")
}

/// The catalog's starter questions, or questions built from its defaults.
pub fn starter_questions(catalog: &Catalog) -> Vec<String> {
    if !catalog.starter_questions.is_empty() {
        return catalog.starter_questions.clone();
    }
    let mut out: Vec<String> = measure_words(catalog).into_iter().take(2).collect();
    out.extend(breakdowns(catalog).into_iter().take(2));
    out
}

/// Up to three metrics to offer: the tables' defaults first.
pub(super) fn measure_words(catalog: &Catalog) -> Vec<String> {
    measure_names(catalog)
        .iter()
        .take(3)
        .map(|m| metric_words(m))
        .collect()
}

/// Every metric, the tables' defaults first.
pub(super) fn measure_names(catalog: &Catalog) -> Vec<String> {
    let mut out: Vec<String> = catalog
        .tables
        .iter()
        .filter_map(|t| t.default_metric.clone())
        .collect();
    out.extend(catalog.metrics.iter().map(|m| m.name.clone()));
    let mut seen = Vec::new();
    for m in out {
        if catalog.metric(&m).is_some() && !seen.contains(&m) {
            seen.push(m);
        }
    }
    seen
}

/// The default metric of the first table (in catalog order) that reaches
/// every group: what "top products" ranks by.
pub(super) fn default_metric_for(groups: &[Group], catalog: &Catalog) -> Option<String> {
    let candidates: Vec<&crate::catalog::MetricDef> = catalog
        .tables
        .iter()
        .filter_map(|t| {
            let d = catalog.metric(t.default_metric.as_ref()?)?;
            // "top companies" never ranks companies by counting themselves.
            let counts_itself = d
                .expression
                .trim()
                .to_ascii_uppercase()
                .starts_with("COUNT(")
                && groups.iter().any(|g| {
                    matches!(g, Group::Dim(c) if c.table == t.name
                        && (t.label_column.as_deref() == Some(c.column.as_str())
                            || t.primary_key.as_deref() == Some(c.column.as_str())))
                });
            (!counts_itself && groups.iter().all(|g| reaches(&t.name, g, catalog))).then_some(d)
        })
        .collect();
    // Money first ("top customers": by revenue), then the catalog's order.
    candidates
        .iter()
        .find(|d| d.format == "money")
        .or(candidates.first())
        .map(|d| d.name.clone())
}

/// Whether rows of `base` can be grouped by `g`.
pub(super) fn reaches(base: &str, g: &Group, catalog: &Catalog) -> bool {
    match g {
        Group::Time(_) => catalog.table(base).is_some_and(|t| t.time_column.is_some()),
        Group::Dim(c) => c.table == base || catalog.relationship(base, &c.table).is_some(),
    }
}

/// "revenue by channel": each table's default metric by one of its dimensions.
pub(super) fn breakdowns(catalog: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    for t in &catalog.tables {
        let Some(m) = t
            .default_metric
            .as_ref()
            .filter(|m| catalog.metric(m).is_some())
        else {
            continue;
        };
        if let Some(c) = t.columns.iter().find(|c| c.dimension && !c.personal) {
            let words = column_words(&Col::new(&t.name, &c.name), catalog);
            out.push(format!("{} by {words}", metric_words(m)));
        }
    }
    out
}

/// "top 10 products by revenue": entities ranked by a metric that reaches them.
pub(super) fn rankings(catalog: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    for t in &catalog.tables {
        let Some(label) = t.label_column.as_deref() else {
            continue;
        };
        let g = Group::Dim(Col::new(&t.name, label));
        if let Some(m) = default_metric_for(std::slice::from_ref(&g), catalog) {
            out.push(format!(
                "top 10 {} by {}",
                plural(&singular(&t.name)),
                metric_words(&m)
            ));
        }
    }
    out
}

/// "the 20 most recent orders": tables with a time column.
pub(super) fn lists(catalog: &Catalog) -> Vec<String> {
    catalog
        .tables
        .iter()
        .filter(|t| t.time_column.is_some() && t.default_metric.is_some())
        .map(|t| format!("the 20 most recent {}", table_words(&t.name)))
        .take(3)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::translate::{translate, NaiveDate, TranslateContext, Translation};

    #[test]
    fn every_offered_question_is_answerable() {
        let c = Catalog::demo();
        let ctx = TranslateContext {
            today: NaiveDate::from_ymd_opt(2025, 11, 15).unwrap_or_default(),
        };
        let mut all = measure_words(&c);
        all.extend(breakdowns(&c));
        all.extend(rankings(&c));
        all.extend(lists(&c));
        all.extend(starter_questions(&c));
        assert!(all.len() >= 8, "{all:?}");
        for q in all {
            let t = translate(&q, None, &c, &ctx);
            assert!(matches!(t, Translation::Answer(_)), "{q}: {t:?}");
        }
    }

    #[test]
    fn the_default_metric_follows_the_relationships() {
        let c = Catalog::demo();
        let products = Group::Dim(Col::new("products", "name"));
        assert_eq!(
            default_metric_for(&[products], &c).as_deref(),
            Some("revenue")
        );
        let topic = Group::Dim(Col::new("support_tickets", "topic"));
        assert_eq!(default_metric_for(&[topic], &c).as_deref(), Some("tickets"));
    }
}
