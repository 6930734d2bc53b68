//! Logging through `tracing`: structured fields, human-readable or JSON lines.

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::{LogFormat, Settings};

/// Installs the global subscriber once; later calls (tests starting several apps) are no-ops.
pub fn init(settings: &Settings) {
    let filter =
        EnvFilter::try_new(&settings.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match settings.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}
