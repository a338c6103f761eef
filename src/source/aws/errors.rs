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
                _ => DisplayErrorContext(e).to_string(),
            };
            (code, message, class)
        }
        SdkError::TimeoutError(_) => (
            "Timeout".to_owned(),
            "the request timed out".to_owned(),
            ErrorClass::Network,
        ),
        SdkError::ResponseError(_) => (
            "ResponseError".to_owned(),
            DisplayErrorContext(e).to_string(),
            ErrorClass::Other,
        ),
        _ => {
            // Construction and dispatch failures: missing or expired credentials show up here,
            // as do unreachable endpoints.
            let text = DisplayErrorContext(e).to_string();
            let lower = text.to_lowercase();
            let credentials = [
                "credential",
                "sso session",
                "sso token",
                "token has expired",
                "expiredtoken",
            ];
            if credentials.iter().any(|w| lower.contains(w)) {
                (
                    "NoCredentials".to_owned(),
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
