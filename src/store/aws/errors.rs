//! SDK errors turned into [`StoreError`]s a person can act on.
//!
//! - no credentials → how to configure them;
//! - `AccessDeniedException` → the IAM action that is missing (`ecs:DescribeTaskDefinition` …);
//! - `ClientException` / `InvalidParameterException` → [`StoreError::Invalid`] with ECS's text
//!   verbatim (the caller may turn it into `NotFound` after checking);
//! - throttling still refused after the SDK's retries → say so, with the number of attempts;
//! - endpoint unreachable (connection refused, DNS, TLS, timeout) → `Unavailable` naming the
//!   endpoint;
//! - expired or rejected credentials, server errors, answers that are not ECS answers.
//!
//! Messages never contain credentials: only ECS's own error text, error codes, the endpoint,
//! region and profile.

use std::error::Error as StdError;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_ecs::config::http::HttpResponse;
use aws_sdk_ecs::error::{ProvideErrorMetadata, SdkError};

use crate::store::StoreError;

/// Where the store talks to, for messages.
#[derive(Clone, Debug)]
pub struct Target {
    pub region: String,
    pub profile: Option<String>,
    /// A configured endpoint (AWS_ENDPOINT_URL, --endpoint-url), else ECS's regional one.
    pub endpoint_url: Option<String>,
    /// How many attempts the retry policy makes (for the throttling message).
    pub max_attempts: u32,
    /// The role assumed through STS (`--role-arn`), if any.
    pub role_arn: Option<String>,
}

impl Target {
    /// The endpoint requests go to.
    pub fn endpoint(&self) -> String {
        match &self.endpoint_url {
            Some(url) => url.clone(),
            None if self.region.starts_with("cn-") => format!("https://ecs.{}.amazonaws.com.cn", self.region),
            None => format!("https://ecs.{}.amazonaws.com", self.region),
        }
    }

    fn profile_hint(&self) -> String {
        match &self.profile {
            Some(p) => format!(" (profile `{p}`)"),
            None => String::new(),
        }
    }
}

/// One ECS call, for messages: the IAM action it needs and what it was doing.
#[derive(Clone, Copy, Debug)]
pub struct Call<'a> {
    /// e.g. `ecs:DescribeTaskDefinition`.
    pub action: &'static str,
    /// e.g. "describe task definition `web:3`".
    pub doing: &'a str,
}

/// The error code and message of an ECS error answer, if the error is one.
pub fn service_error<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Option<(String, String)> {
    match err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            Some((e.code().unwrap_or_default().to_string(), e.message().unwrap_or_default().to_string()))
        }
        _ => None,
    }
}

/// Map any SDK error of an ECS call.
pub fn map<E>(err: SdkError<E, HttpResponse>, call: Call<'_>, target: &Target) -> StoreError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    if let Some(c) = credentials_error(&err) {
        return no_credentials(c, call, target);
    }
    match &err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            let code = e.code().unwrap_or_default();
            let message = e.message().unwrap_or_default();
            let status = se.raw().status().as_u16();
            from_code(code, message, status, call, target)
        }
        SdkError::TimeoutError(_) => StoreError::unavailable(format!(
            "timed out trying to {} at {} ({}); check the network, or try again",
            call.doing,
            target.endpoint(),
            target.region
        )),
        SdkError::DispatchFailure(df) => {
            let kind = if df.is_timeout() {
                "timed out"
            } else if df.is_io() {
                "could not connect"
            } else {
                "failed"
            };
            StoreError::unavailable(format!(
                "cannot reach the ECS endpoint {} to {}: {kind} ({}); check the network{}",
                target.endpoint(),
                call.doing,
                chain(&err),
                if target.endpoint_url.is_some() {
                    " and that the endpoint (AWS_ENDPOINT_URL / --endpoint-url) is running"
                } else {
                    " and the region"
                }
            ))
        }
        SdkError::ResponseError(re) => StoreError::unavailable(format!(
            "the endpoint {} answered the request to {} with something that is not an ECS answer (HTTP {}): {}",
            target.endpoint(),
            call.doing,
            re.raw().status().as_u16(),
            chain(&err)
        )),
        _ => StoreError::unavailable(format!("cannot {}: {}", call.doing, chain(&err))),
    }
}

/// An ECS error answer by its code.
pub fn from_code(code: &str, message: &str, status: u16, call: Call<'_>, target: &Target) -> StoreError {
    let said = if message.is_empty() { String::new() } else { format!(" ECS said: {message}") };
    match code {
        "ClientException" | "InvalidParameterException" => StoreError::invalid(
            "",
            if message.is_empty() { format!("ECS refused to {} ({code})", call.doing) } else { message.to_string() },
        ),
        "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" | "UnauthorizedException" => {
            StoreError::unavailable(format!(
                "access denied: the AWS identity in use{} may not call {} in {}; grant it `{}` in IAM.{said}",
                target.profile_hint(),
                call.action,
                target.region,
                call.action
            ))
        }
        "ThrottlingException" | "Throttling" | "ThrottledException" | "TooManyRequestsException"
        | "RequestLimitExceeded" | "RequestThrottled" | "RequestThrottledException" => StoreError::unavailable(format!(
            "ECS kept throttling {} ({code}) after {} attempts with backoff; try again later, or make fewer requests at once.{said}",
            call.action, target.max_attempts
        )),
        "UnrecognizedClientException" | "InvalidClientTokenId" | "InvalidSignatureException" | "SignatureDoesNotMatch"
        | "IncompleteSignature" | "MissingAuthenticationToken" => StoreError::unavailable(format!(
            "the AWS credentials{} were rejected ({code}) when trying to {}: check the access key and secret, or the profile.{said}",
            target.profile_hint(),
            call.doing
        )),
        "ExpiredTokenException" | "ExpiredToken" | "RequestExpired" | "TokenRefreshRequired" => {
            let refresh = match &target.profile {
                Some(p) => format!("e.g. `aws sso login --profile {p}`"),
                None => "e.g. `aws sso login`, or new temporary credentials".to_string(),
            };
            StoreError::unavailable(format!("the AWS credentials have expired ({code}): refresh them ({refresh}).{said}"))
        }
        "ServerException" | "InternalFailure" | "ServiceUnavailable" | "ServiceUnavailableException" => {
            StoreError::unavailable(format!(
                "ECS could not {} ({code}, a server-side error); try again later.{said}",
                call.doing
            ))
        }
        "" => StoreError::unavailable(format!(
            "the endpoint {} answered the request to {} with HTTP {status} and no ECS error code{}",
            target.endpoint(),
            call.doing,
            if message.is_empty() { String::new() } else { format!(": {message}") }
        )),
        other => StoreError::unavailable(format!("ECS refused to {} ({other}).{said}", call.doing)),
    }
}

/// The credentials provider's error, if that is why the call failed.
fn credentials_error<E: StdError + 'static>(err: &SdkError<E, HttpResponse>) -> Option<&CredentialsError> {
    let mut source: Option<&(dyn StdError + 'static)> = err.source();
    while let Some(e) = source {
        if let Some(c) = e.downcast_ref::<CredentialsError>() {
            return Some(c);
        }
        source = e.source();
    }
    None
}

/// An error and its sources, as one line of text: `a: b: c` (no debug dumps).
pub fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = e.source();
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn no_credentials(err: &CredentialsError, call: Call<'_>, target: &Target) -> StoreError {
    let why = chain(err);
    let how = match (&target.role_arn, &target.profile) {
        (Some(role), _) => format!(
            "check that the role `{role}` exists, that its trust policy lets the calling credentials assume it \
             (with the external ID it asks for, --external-id), and that those credentials may call sts:AssumeRole on it"
        ),
        (None, Some(p)) => format!(
            "check profile `{p}` in ~/.aws/config and ~/.aws/credentials (for SSO: `aws sso login --profile {p}`)"
        ),
        (None, None) => "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), or choose a profile \
                 from ~/.aws/config with AWS_PROFILE / --profile (for SSO: `aws sso login`), or run where a web-identity, \
                 ECS task or EC2 instance role is available"
            .to_string(),
    };
    let kind = match err {
        CredentialsError::CredentialsNotLoaded(_) => "no AWS credentials found",
        CredentialsError::ProviderTimedOut(_) => "timed out loading AWS credentials",
        CredentialsError::InvalidConfiguration(_) => "the AWS credentials configuration is invalid",
        CredentialsError::ProviderError(_) => "the AWS credentials provider failed",
        _ => "cannot load AWS credentials",
    };
    StoreError::unavailable(format!("{kind} to {} ({why}): {how}", call.doing))
}
