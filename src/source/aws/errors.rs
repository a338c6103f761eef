//! AWS errors to `SourceError`: the error code, a class for the screen, and a one-line hint.

use crate::source::{ErrorClass, SourceError};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// The class of an AWS error code.
pub fn classify(code: &str) -> ErrorClass {
    match code {
        "Throttling"
        | "ThrottlingException"
        | "ThrottledException"
        | "RequestLimitExceeded"
        | "TooManyRequestsException"
        | "RequestThrottled"
        | "RequestThrottledException"
        | "SlowDown"
        | "PriorRequestNotComplete" => ErrorClass::Throttling,
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "UnauthorizedException" => ErrorClass::AccessDenied,
        "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "InvalidToken"
        | "TokenRefreshRequired"
        | "NoCredentials" => ErrorClass::ExpiredCredentials,
        "ValidationError"
        | "ValidationException"
        | "InvalidParameterValue"
        | "InvalidParameterException"
        | "ClientException" => ErrorClass::Validation,
        _ => ErrorClass::Other,
    }
}

/// The IAM service prefix of an SDK service name.
fn iam_prefix(service: &str) -> &str {
    match service {
        "elasticloadbalancing" | "elasticloadbalancingv2" => "elasticloadbalancing",
        "monitoring" | "cloudwatch" => "cloudwatch",
        other => other,
    }
}

/// The one-line fix for an error, if there is an obvious one.
pub fn hint(
    class: ErrorClass,
    service: &str,
    operation: &str,
    profile: Option<&str>,
) -> Option<String> {
    match class {
        ErrorClass::ExpiredCredentials => Some(match profile {
            Some(p) => format!("credentials expired or invalid: run `aws sso login --profile {p}`"),
            None => "credentials expired or invalid: refresh them (aws sso login, or new keys)"
                .to_owned(),
        }),
        ErrorClass::NoCredentials => Some(match profile {
            Some(p) => {
                format!("run `aws sso login --profile {p}`, or check profile {p} in ~/.aws/config")
            }
            None => "set AWS_PROFILE (then `aws sso login --profile P`), export \
                     AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance role \
                     applies"
                .to_owned(),
        }),
        ErrorClass::AccessDenied => Some(format!(
            "the caller lacks IAM permission {}:{operation}",
            iam_prefix(service)
        )),
        ErrorClass::Throttling => Some("throttled: backing off".to_owned()),
        ErrorClass::Network => {
            Some("no answer from the endpoint: check the network or AWS_ENDPOINT_URL".to_owned())
        }
        _ => None,
    }
}

/// The first line of an SDK error's text without its debug dump, with the names of the
/// credential providers tried, if it lists them: `no credentials found in chain (tried
/// Environment, Profile, …)`.
pub fn one_line(full: &str) -> String {
    let mut lines = full.lines();
    let mut first = lines.next().unwrap_or_default().trim().to_owned();
    for prefix in ["dispatch failure: ", "other: ", "io error: "] {
        while let Some(rest) = first.strip_prefix(prefix) {
            first = rest.to_owned();
        }
    }
    // `… (DispatchFailure(DispatchFailure { … }))`: the debug representation at the end.
    if let Some(i) = debug_start(&first) {
        first.truncate(i);
    }
    let first = first.trim_end_matches(". Attempted:").trim_end().to_owned();
    let tried: Vec<&str> = lines
        .filter_map(|l| l.strip_prefix("  "))
        .filter_map(|l| l.split_once(':').map(|(name, _)| name.trim()))
        .filter(|n| !n.is_empty() && n.chars().all(char::is_alphanumeric))
        .collect();
    if tried.is_empty() {
        first
    } else {
        format!("{first} (tried {})", tried.join(", "))
    }
}

/// Where ` (SomeType(` or ` (SomeType {` starts, if it does.
fn debug_start(s: &str) -> Option<usize> {
    s.match_indices(" (").map(|(i, _)| i).find(|&i| {
        let rest = &s[i + 2..];
        let ident: String = rest
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        ident.starts_with(|c: char| c.is_ascii_uppercase())
            && (rest[ident.len()..].starts_with('(') || rest[ident.len()..].starts_with(" {"))
    })
}

/// Maps an SDK error.
pub fn map<E, R>(
    service: &str,
    operation: &str,
    profile: Option<&str>,
    e: &SdkError<E, R>,
) -> SourceError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let (code, message, class) = match e {
        SdkError::ServiceError(se) => {
            let err = se.err();
            let code = err.code().unwrap_or("Unknown").to_owned();
            let class = classify(&code);
            let message = match err.message() {
                Some(m) if !m.is_empty() => m.to_owned(),
                _ => {
                    let full = DisplayErrorContext(e).to_string();
                    tracing::debug!("{service}:{operation}: {full}");
                    one_line(&full)
                }
            };
            (code, message, class)
        }
        SdkError::TimeoutError(_) => (
            "Timeout".to_owned(),
            "the request timed out".to_owned(),
            ErrorClass::Network,
        ),
        SdkError::ResponseError(_) => {
            // An answer that could not be read: one line here, the whole of it in the log file
            // (it was a 1.5 KB debug dump on every snapshot line).
            let full = DisplayErrorContext(e).to_string();
            tracing::debug!("{service}:{operation}: {full}");
            (
                "ResponseError".to_owned(),
                format!("the answer could not be read: {}", one_line(&full)),
                ErrorClass::Other,
            )
        }
        _ => {
            // Construction and dispatch failures: missing or expired credentials show up here,
            // as do unreachable endpoints. The SDK's text spans lines and ends in a debug dump:
            // the screen and `snapshot` get one clear line, the log file the whole of it.
            let full = DisplayErrorContext(e).to_string();
            tracing::debug!("{service}:{operation}: {full}");
            let text = one_line(&full);
            let lower = full.to_lowercase();
            let credentials = [
                "credential",
                "sso session",
                "sso token",
                "token has expired",
                "expiredtoken",
            ];
            if lower.contains("no credentials found") || lower.contains("no credentials provider") {
                ("NoCredentials".to_owned(), text, ErrorClass::NoCredentials)
            } else if credentials.iter().any(|w| lower.contains(w)) {
                (
                    "ExpiredCredentials".to_owned(),
                    text,
                    ErrorClass::ExpiredCredentials,
                )
            } else {
                ("NetworkError".to_owned(), text, ErrorClass::Network)
            }
        }
    };
    let mut err = SourceError::new(class, service, operation, &code, message);
    err.hint = hint(class, service, operation, profile).map(String::into_boxed_str);
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_text_becomes_one_line() {
        let full = "dispatch failure: other: the credential provider was not enabled: no credentials found in chain. Attempted:\n  Environment: the credential provider was not enabled: environment variable not set\n  Profile: the credential provider was not enabled\n  Ec2InstanceMetadata: IMDS disabled (DispatchFailure(DispatchFailure { source: ConnectorError { kind: Other(None) } }))";
        assert_eq!(
            one_line(full),
            "the credential provider was not enabled: no credentials found in chain (tried Environment, Profile, Ec2InstanceMetadata)"
        );
        assert_eq!(
            one_line("dispatch failure: io error: connection refused (DispatchFailure(x))"),
            "connection refused"
        );
    }
}
