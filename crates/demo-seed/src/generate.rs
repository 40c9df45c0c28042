//! The demo dataset: twelve tenants, generated deterministically.
//!
//! Column values come from the demo catalog so that the catalog's `values`
//! are exactly what the data holds. Ids are unique over the whole database,
//! which lets tests tell one tenant's rows from another's by id alone.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use slicewise_core::Catalog;

use crate::rows::{days_from_civil, TenantRows};

/// The fixed seed of the demo data.
pub const DEMO_SEED: u64 = 0x0051_1CE1_715E;
/// The demo data's last day (year, month, day); orders start on 2024-01-01.
pub const DEMO_LAST_DAY: (i32, u32, u32) = (2025, 12, 31);

/// One demo tenant and the size of its data.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantSpec {
    pub tenant_id: String,
    pub name: String,
    /// The tier's name in the `tenants` registry: free, pro or enterprise.
    pub tier: &'static str,
    pub orders: usize,
    pub customers: usize,
    pub products: usize,
    pub tickets: usize,
}

const OTHERS: [(&str, &str); 11] = [
    ("globex", "Globex Corporation"),
    ("initech", "Initech"),
    ("umbrella", "Umbrella Corporation"),
    ("hooli", "Hooli"),
    ("stark", "Stark Industries"),
    ("wayne", "Wayne Enterprises"),
    ("wonka", "Wonka Industries"),
    ("tyrell", "Tyrell Corporation"),
    ("cyberdyne", "Cyberdyne Systems"),
    ("soylent", "Soylent Corp"),
    ("oscorp", "Oscorp"),
];

/// The twelve demo tenants at a scale (1.0: acme has 1,000,000 orders).
pub fn demo_tenants(scale: f64) -> Vec<TenantSpec> {
    let scale = if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    };
    let sized = |id: &str, name: &str, tier, base: usize, products: usize| {
        let orders = ((base as f64 * scale).round() as usize).max(20);
        TenantSpec {
            tenant_id: id.to_string(),
            name: name.to_string(),
            tier,
            orders,
            customers: (orders / 20).max(5),
            products,
            tickets: (orders / 10).max(2),
        }
    };
    let mut out = vec![sized("acme", "Acme Corp", "enterprise", 1_000_000, 200)];
    for (i, (id, name)) in OTHERS.iter().enumerate() {
        let tier = ["free", "pro", "enterprise"][i % 3];
        // 20,000 to 100,000 orders, 8,000 apart.
        out.push(sized(id, name, tier, 20_000 + i * 8_000, 50 + i * 14));
    }
    out
}

/// First ids of each table for one tenant, so ids never repeat across tenants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IdBase {
    pub customer: i64,
    pub product: i64,
    pub order: i64,
    pub ticket: i64,
}

impl IdBase {
    /// The next tenant's bases, after `spec`'s rows.
    pub fn after(self, spec: &TenantSpec) -> IdBase {
        IdBase {
            customer: self.customer + spec.customers as i64,
            product: self.product + spec.products as i64,
            order: self.order + spec.orders as i64,
            ticket: self.ticket + spec.tickets as i64,
        }
    }
}

const FIRST_NAMES: &[&str] = &[
    "Anna", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Kira",
    "Liam", "Mia", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera",
    "Will", "Yuki", "Zoe", "Lena", "Marco", "Sofia", "Kenji", "Amara",
];
const LAST_NAMES: &[&str] = &[
    "Smith",
    "Müller",
    "Martin",
    "Rossi",
    "Garcia",
    "Jansen",
    "Andersson",
    "Tanaka",
    "Brown",
    "Dubois",
    "Schmidt",
    "Silva",
    "Wilson",
    "Moreau",
    "Bianchi",
    "Lopez",
    "de Vries",
    "Berg",
    "Sato",
    "Taylor",
    "Fischer",
    "Costa",
    "Nguyen",
    "Kowalski",
    "Novak",
];
const ADJECTIVES: &[&str] = &[
    "Rapid", "Quantum", "Silent", "Bright", "Solid", "Nimble", "Prime", "Clever", "Steady",
    "Polar", "Vivid", "Lunar", "Atomic", "Classic", "Smart",
];
const NOUNS: &[&str] = &[
    "Router", "Suite", "Plan", "Cable", "Course", "Desk", "Sensor", "Drive", "Hub", "Console",
    "License", "Kit", "Adapter", "Workshop", "Package",
];

/// Low-cardinality values of a catalog column (falls back to `fallback`).
fn catalog_values(catalog: &Catalog, table: &str, column: &str, fallback: &[&str]) -> Vec<String> {
    catalog
        .table(table)
        .and_then(|t| t.column(column))
        .map(|c| c.values.clone())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| fallback.iter().map(|s| s.to_string()).collect())
}

/// Picks an index by weights.
fn weighted(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = rng.gen_range(0..total.max(1));
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    0
}

/// Weights for a list of values: earlier ones more likely, none zero.
fn falling_weights(n: usize) -> Vec<u32> {
    (0..n).map(|i| (n - i) as u32 * 3 + 2).collect()
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Generates one tenant's rows; the same spec, index and ids give the same rows.
pub fn generate_tenant(spec: &TenantSpec, index: usize, ids: IdBase) -> TenantRows {
    let catalog = Catalog::demo();
    let mut rng = ChaCha8Rng::seed_from_u64(DEMO_SEED ^ ((index as u64 + 1) * 0x9E37_79B9));
    let countries = catalog_values(&catalog, "customers", "country", &["Germany"]);
    let segments = catalog_values(&catalog, "customers", "segment", &["consumer"]);
    let categories = catalog_values(&catalog, "products", "category", &["Hardware"]);
    let channels = catalog_values(&catalog, "orders", "channel", &["web"]);
    let statuses = catalog_values(&catalog, "orders", "status", &["completed"]);
    let priorities = catalog_values(&catalog, "support_tickets", "priority", &["low"]);
    let topics = catalog_values(&catalog, "support_tickets", "topic", &["other"]);
    let country_w = falling_weights(countries.len());
    let segment_w = [60, 30, 10];
    let channel_w = [45, 30, 15, 10];
    // completed, refunded, pending, cancelled
    let status_w = [82, 6, 5, 7];
    let priority_w = [35, 40, 18, 7];
    let topic_w = falling_weights(topics.len());

    let mut rows = TenantRows::default();
    let first_day = days_from_civil(2024, 1, 1);
    let last_day = {
        let (y, m, d) = DEMO_LAST_DAY;
        days_from_civil(y.into(), m.into(), d.into())
    };
    let span_days = last_day - first_day + 1;

    let c = &mut rows.customers;
    for i in 0..spec.customers {
        let id = ids.customer + i as i64 + 1;
        let first = FIRST_NAMES[rng.gen_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.gen_range(0..LAST_NAMES.len())];
        c.customer_id.push(id);
        c.name.push(format!("{first} {last}"));
        let local: String = format!("{first}.{last}")
            .to_lowercase()
            .chars()
            .filter(|ch| ch.is_ascii_alphanumeric() || *ch == '.')
            .collect();
        c.email
            .push(format!("{local}{id}@{}.example.com", spec.tenant_id));
        c.country
            .push(countries[weighted(&mut rng, &country_w)].clone());
        c.segment
            .push(segments[weighted(&mut rng, &segment_w[..segments.len().min(3)])].clone());
        let signup = days_from_civil(2022, 1, 1)
            + rng.gen_range(0..(last_day - days_from_civil(2022, 1, 1)));
        c.signup_date.push(signup as i32);
        c.privacy_consent.push(rng.gen_bool(0.85));
    }

    let p = &mut rows.products;
    for i in 0..spec.products {
        let category = categories[i % categories.len()].clone();
        let price = match category.as_str() {
            "Hardware" => rng.gen_range(40.0..1500.0),
            "Software" => rng.gen_range(20.0..900.0),
            "Services" => rng.gen_range(100.0..3000.0),
            "Training" => rng.gen_range(150.0..1200.0),
            "Support" => rng.gen_range(50.0..600.0),
            _ => rng.gen_range(5.0..120.0),
        };
        p.product_id.push(ids.product + i as i64 + 1);
        p.name.push(format!(
            "{} {} {}",
            ADJECTIVES[i % ADJECTIVES.len()],
            NOUNS[(i / ADJECTIVES.len() + i) % NOUNS.len()],
            i / (ADJECTIVES.len()) + 1
        ));
        p.category.push(category);
        p.unit_price.push(round2(price));
    }

    let o = &mut rows.orders;
    let n_products = spec.products.max(1);
    let mut ts: Vec<i64> = (0..spec.orders)
        .map(|_| {
            // Business grows: later days are a little more likely.
            let u: f64 = rng.gen::<f64>().powf(0.85);
            let day = first_day + ((u * span_days as f64) as i64).min(span_days - 1);
            day * MICROS_PER_DAY + rng.gen_range(0..86_400i64) * 1_000_000
        })
        .collect();
    ts.sort_unstable();
    for (i, at) in ts.into_iter().enumerate() {
        let product = rng.gen_range(0..n_products);
        let unit_price = rows
            .products
            .unit_price
            .get(product)
            .copied()
            .unwrap_or(10.0);
        let quantity = 1 + weighted(&mut rng, &[40, 25, 15, 8, 5, 3, 2, 1, 1]) as i32;
        let discount = [0.0, 0.05, 0.1, 0.15, 0.2][weighted(&mut rng, &[60, 15, 12, 8, 5])];
        o.order_id.push(ids.order + i as i64 + 1);
        o.customer_id
            .push(ids.customer + rng.gen_range(0..spec.customers) as i64 + 1);
        o.product_id.push(ids.product + product as i64 + 1);
        o.ordered_at.push(at);
        o.quantity.push(quantity);
        o.unit_price.push(unit_price);
        o.discount.push(discount);
        o.amount
            .push(round2(f64::from(quantity) * unit_price * (1.0 - discount)));
        o.channel
            .push(channels[weighted(&mut rng, &channel_w[..channels.len().min(4)])].clone());
        o.status
            .push(statuses[weighted(&mut rng, &status_w[..statuses.len().min(4)])].clone());
    }

    let t = &mut rows.tickets;
    let mut opened: Vec<i64> = (0..spec.tickets)
        .map(|_| first_day * MICROS_PER_DAY + rng.gen_range(0..span_days * 86_400) * 1_000_000)
        .collect();
    opened.sort_unstable();
    let end = (last_day + 1) * MICROS_PER_DAY;
    for (i, at) in opened.into_iter().enumerate() {
        let hours = rng.gen_range(1..240i64);
        let closed_at = at + hours * 3_600_000_000;
        let is_open = rng.gen_bool(0.08) || closed_at >= end;
        t.ticket_id.push(ids.ticket + i as i64 + 1);
        t.customer_id
            .push(ids.customer + rng.gen_range(0..spec.customers) as i64 + 1);
        t.opened_at.push(at);
        t.closed_at.push((!is_open).then_some(closed_at));
        t.priority
            .push(priorities[weighted(&mut rng, &priority_w[..priorities.len().min(4)])].clone());
        t.topic.push(topics[weighted(&mut rng, &topic_w)].clone());
        let rated = !is_open && rng.gen_bool(0.7);
        t.satisfaction
            .push(rated.then(|| 1 + weighted(&mut rng, &[8, 10, 20, 35, 27]) as i32));
    }
    rows
}

/// Rounds to cents.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_tenants_with_the_documented_sizes() {
        let t = demo_tenants(1.0);
        assert_eq!(t.len(), 12);
        assert_eq!(t[0].tenant_id, "acme");
        assert_eq!(t[0].orders, 1_000_000);
        assert_eq!(t[1].tier, "free");
        assert_eq!(t[2].tier, "pro");
        assert_eq!(t[3].tier, "enterprise");
        assert!(t[1..]
            .iter()
            .all(|s| (20_000..=100_000).contains(&s.orders)));
        assert!(t.iter().all(|s| (50..=200).contains(&s.products)));
    }

    #[test]
    fn generation_is_deterministic_and_consistent() {
        let spec = &demo_tenants(0.01)[1];
        let a = generate_tenant(spec, 1, IdBase::default());
        let b = generate_tenant(spec, 1, IdBase::default());
        assert_eq!(a, b);
        assert_eq!(a.orders.order_id.len(), spec.orders);
        for i in 0..a.orders.order_id.len() {
            let expected = round2(
                f64::from(a.orders.quantity[i])
                    * a.orders.unit_price[i]
                    * (1.0 - a.orders.discount[i]),
            );
            assert!((a.orders.amount[i] - expected).abs() < 1e-9);
        }
    }
}
