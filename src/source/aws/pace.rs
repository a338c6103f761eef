//! Per-service pacing. Every client of one service in one region sends through one pacer, a
//! token bucket (GCRA): a burst large enough for a full refresh of a big estate, then a steady
//! rate under the API's throttling limits. A busy or throttled service waits on its own bucket
//! and never delays another service's pane.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_types::config_bag::ConfigBag;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Requests per second and burst, per service and region.
pub fn limits(service: &str) -> (f64, u32) {
    match service {
        "elasticloadbalancing" => (20.0, 100),
        "ecs" => (20.0, 60),
        "autoscaling" | "monitoring" => (10.0, 40),
        "ssm" => (5.0, 40),
        // FilterLogEvents: 5 requests a second per account and region.
        "logs" => (5.0, 10),
        _ => (10.0, 20),
    }
}

/// The SDK's default HTTPS client (rustls with aws-lc, proxies from the environment), built
/// here because a loaded SDK config does not carry one and pacing needs a client to wrap. All
/// services share it, and its connection pool.
pub fn default_client() -> SharedHttpClient {
    use aws_smithy_http_client::{Builder, ConnectorBuilder, proxy::ProxyConfig, tls};
    Builder::new().build_with_connector_fn(move |settings, runtime_components| {
        let mut conn = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        conn.set_connector_settings(settings.cloned());
        if let Some(components) = runtime_components {
            conn.set_sleep_impl(components.sleep_impl());
        }
        conn.set_proxy_config(Some(ProxyConfig::from_env()));
        conn.build()
    })
}

/// A token bucket as a theoretical arrival time.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    burst: u32,
    tat: Mutex<Instant>,
}

impl Pacer {
    pub fn new(rate_per_sec: f64, burst: u32) -> Self {
        Pacer {
            interval: Duration::from_secs_f64(1.0 / rate_per_sec.max(0.001)),
            burst: burst.max(1),
            tat: Mutex::new(Instant::now()),
        }
    }

    /// Takes a slot; returns how long to wait before sending.
    pub fn reserve(&self, now: Instant) -> Duration {
        let mut tat = self.tat.lock().unwrap_or_else(PoisonError::into_inner);
        let t = (*tat).max(now);
        let allowance = self.interval * (self.burst - 1);
        *tat = t + self.interval;
        t.saturating_duration_since(now).saturating_sub(allowance)
    }
}

/// An HTTP client that paces its requests.
#[derive(Debug, Clone)]
pub struct PacedClient {
    inner: SharedHttpClient,
    pacer: Arc<Pacer>,
}

impl PacedClient {
    pub fn shared(inner: SharedHttpClient, pacer: Arc<Pacer>) -> SharedHttpClient {
        SharedHttpClient::new(PacedClient { inner, pacer })
    }
}

#[derive(Debug)]
struct PacedConnector {
    inner: SharedHttpConnector,
    pacer: Arc<Pacer>,
}

impl HttpConnector for PacedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let wait = self.pacer.reserve(Instant::now());
        let inner = self.inner.clone();
        HttpConnectorFuture::new(async move {
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            inner.call(request).await
        })
    }
}

impl HttpClient for PacedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(PacedConnector {
            inner: self.inner.http_connector(settings, components),
            pacer: self.pacer.clone(),
        })
    }

    fn validate_base_client_config(
        &self,
        runtime_components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner
            .validate_base_client_config(runtime_components, cfg)
    }

    fn validate_final_config(
        &self,
        runtime_components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.validate_final_config(runtime_components, cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_goes_at_once_then_the_rate_holds() {
        let p = Pacer::new(10.0, 5);
        let now = Instant::now();
        let waits: Vec<Duration> = (0..8).map(|_| p.reserve(now)).collect();
        assert!(waits[..5].iter().all(Duration::is_zero), "{waits:?}");
        assert_eq!(waits[5], Duration::from_millis(100));
        assert_eq!(waits[7], Duration::from_millis(300));
        // After a quiet second the bucket has refilled.
        let later = now + Duration::from_secs(2);
        assert!(p.reserve(later).is_zero());
    }
}
