//! The retail demo's rows of one tenant, column by column, as the demo
//! seeder generates them and writes them to SQLite or PostgreSQL. Extracts
//! never read these: they read any catalog table through a source.

/// A tenant's four data tables (never the `tenant_id`, it is implied).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TenantRows {
    pub customers: Customers,
    pub products: Products,
    pub orders: Orders,
    pub tickets: SupportTickets,
}

/// The `customers` table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Customers {
    pub customer_id: Vec<i64>,
    pub name: Vec<String>,
    pub email: Vec<String>,
    pub country: Vec<String>,
    pub segment: Vec<String>,
    /// Days since 1970-01-01.
    pub signup_date: Vec<i32>,
    pub privacy_consent: Vec<bool>,
}

/// The `products` table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Products {
    pub product_id: Vec<i64>,
    pub name: Vec<String>,
    pub category: Vec<String>,
    pub unit_price: Vec<f64>,
}

/// The `orders` table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Orders {
    pub order_id: Vec<i64>,
    pub customer_id: Vec<i64>,
    pub product_id: Vec<i64>,
    /// Microseconds since the epoch, UTC, no zone.
    pub ordered_at: Vec<i64>,
    pub quantity: Vec<i32>,
    pub unit_price: Vec<f64>,
    pub discount: Vec<f64>,
    pub amount: Vec<f64>,
    pub channel: Vec<String>,
    pub status: Vec<String>,
}

/// The `support_tickets` table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SupportTickets {
    pub ticket_id: Vec<i64>,
    pub customer_id: Vec<i64>,
    /// Microseconds since the epoch.
    pub opened_at: Vec<i64>,
    pub closed_at: Vec<Option<i64>>,
    pub priority: Vec<String>,
    pub topic: Vec<String>,
    pub satisfaction: Vec<Option<i32>>,
}

impl TenantRows {
    /// Total rows over the four tables.
    pub fn total_rows(&self) -> usize {
        self.customers.customer_id.len()
            + self.products.product_id.len()
            + self.orders.order_id.len()
            + self.tickets.ticket_id.len()
    }
}

impl Customers {
    /// Keeps the rows where `keep` is true.
    pub fn retain(&mut self, keep: &[bool]) {
        retain(&mut self.customer_id, keep);
        retain(&mut self.name, keep);
        retain(&mut self.email, keep);
        retain(&mut self.country, keep);
        retain(&mut self.segment, keep);
        retain(&mut self.signup_date, keep);
        retain(&mut self.privacy_consent, keep);
    }
}

impl Orders {
    /// Keeps the rows where `keep` is true.
    pub fn retain(&mut self, keep: &[bool]) {
        retain(&mut self.order_id, keep);
        retain(&mut self.customer_id, keep);
        retain(&mut self.product_id, keep);
        retain(&mut self.ordered_at, keep);
        retain(&mut self.quantity, keep);
        retain(&mut self.unit_price, keep);
        retain(&mut self.discount, keep);
        retain(&mut self.amount, keep);
        retain(&mut self.channel, keep);
        retain(&mut self.status, keep);
    }
}

impl SupportTickets {
    /// Keeps the rows where `keep` is true.
    pub fn retain(&mut self, keep: &[bool]) {
        retain(&mut self.ticket_id, keep);
        retain(&mut self.customer_id, keep);
        retain(&mut self.opened_at, keep);
        retain(&mut self.closed_at, keep);
        retain(&mut self.priority, keep);
        retain(&mut self.topic, keep);
        retain(&mut self.satisfaction, keep);
    }
}

fn retain<T>(column: &mut Vec<T>, keep: &[bool]) {
    let mut i = 0;
    column.retain(|_| {
        let k = keep.get(i).copied().unwrap_or(false);
        i += 1;
        k
    });
}

/// Microseconds since the epoch as `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn format_timestamp(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Days since the epoch as `YYYY-MM-DD`.
pub fn format_date(days: i32) -> String {
    chrono::DateTime::from_timestamp(i64::from(days) * 86_400, 0)
        .map(|t| t.date_naive().format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm; the server's reader parses dates with the same one).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        let t = chrono::NaiveDate::from_ymd_opt(2024, 2, 29)
            .and_then(|d| d.and_hms_opt(13, 45, 7))
            .expect("date")
            .and_utc()
            .timestamp_micros();
        assert_eq!(format_timestamp(t), "2024-02-29 13:45:07");
        assert_eq!(format_date(1), "1970-01-02");
        assert_eq!(format_date(20_453), "2025-12-31");
        assert_eq!(days_from_civil(2025, 12, 31), 20_453);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
    }
}
