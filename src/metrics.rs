//! Prometheus metrics: request counts and latency histograms by service, operation and
//! status, served at `GET /metrics`.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Labels {
    service: String,
    operation: String,
    status: u16,
}

type HistogramFamily = Family<Labels, Histogram, fn() -> Histogram>;

/// The request metrics of one server.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    latency: HistogramFamily,
}

fn latency_histogram() -> Histogram {
    // 100 µs … ~13 s
    Histogram::new(exponential_buckets(0.0001, 2.0, 18))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("ruststack");
        let requests = Family::<Labels, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        registry.register("requests", "Requests handled", requests.clone());
        registry.register(
            "request_duration_seconds",
            "Time from receiving a request to its response head",
            latency.clone(),
        );
        Self {
            registry,
            requests,
            latency,
        }
    }
}

impl Metrics {
    /// Records one request.
    pub fn record(&self, service: &str, operation: &str, status: u16, elapsed: Duration) {
        let labels = Labels {
            service: service.to_owned(),
            operation: operation.to_owned(),
            status,
        };
        self.requests.get_or_create(&labels).inc();
        self.latency
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// The OpenMetrics text exposition (which Prometheus scrapes natively).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The `Content-Type` of [`Metrics::encode`].
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_histograms_by_labels() {
        let m = Metrics::default();
        m.record("s3", "ListBuckets", 200, Duration::from_millis(2));
        m.record("s3", "ListBuckets", 200, Duration::from_millis(3));
        m.record("dynamodb", "GetItem", 400, Duration::from_micros(50));
        let text = m.encode();
        assert!(
            text.contains(
                r#"ruststack_requests_total{service="s3",operation="ListBuckets",status="200"} 2"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"ruststack_request_duration_seconds_count{service="dynamodb",operation="GetItem",status="400"} 1"#), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }
}
