//! A profile that needs an MFA code: `mfa_serial` with `role_arn` (AssumeRole, as the aws cli
//! does it) or with the profile's own keys (GetSessionToken). aws-sdk-rust ignores `mfa_serial`
//! (awslabs/aws-sdk-rust#527), so this provider asks the operator for the code (through
//! [`SignIn`]), calls STS itself, and keeps the answer where the aws cli keeps it:
//! `~/.aws/cli/cache/<sha1 of the call's arguments>.json`, mode 0600, the same file name and
//! content as the cli's, so a session begun with either is used by the other. Five minutes before
//! the credentials end, a new code is asked for while the old credentials still serve.

use crate::model::Timestamp;
use crate::source::lock;
use crate::source::signin::{MfaAsk, SignIn};
use aws_credential_types::Credentials;
use aws_credential_types::provider::{self, ProvideCredentials, error::CredentialsError};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Credentials this close to their end are not used from the cache (the cli's own window is 15
/// minutes; a file it would renew is still good for the minutes left).
const USABLE_SECS: f64 = 60.0;
/// How long before the end a new code is asked for.
pub const RENEW_SECS: f64 = 300.0;

/// What a profile says about signing in with MFA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaProfile {
    pub profile: String,
    /// `mfa_serial`.
    pub device: String,
    /// `role_arn`: AssumeRole with the code; else GetSessionToken with the profile's keys.
    pub role_arn: Option<String>,
    /// `source_profile` (else the default chain, as `credential_source` asks).
    pub source_profile: Option<String>,
    pub external_id: Option<String>,
    pub role_session_name: Option<String>,
    pub duration_secs: Option<i32>,
}

impl MfaProfile {
    /// The profile's MFA set-up, if it has `mfa_serial`.
    ///
    /// # Errors
    /// The profile files cannot be read or parsed.
    pub async fn find(profile: &str) -> Result<Option<MfaProfile>, String> {
        #[allow(deprecated)] // the type's new home, aws-runtime, is no dependency of ours
        let set = aws_config::profile::load(
            &aws_types::os_shim_internal::Fs::real(),
            &aws_types::os_shim_internal::Env::real(),
            &aws_config::profile::profile_file::ProfileFiles::default(),
            Some(profile.to_owned().into()),
        )
        .await
        .map_err(|e| e.to_string())?;
        let Some(p) = set.get_profile(profile) else {
            return Ok(None);
        };
        let get = |k: &str| p.get(k).map(str::to_owned).filter(|v| !v.is_empty());
        Ok(get("mfa_serial").map(|device| MfaProfile {
            profile: profile.to_owned(),
            device,
            role_arn: get("role_arn"),
            source_profile: get("source_profile"),
            external_id: get("external_id"),
            role_session_name: get("role_session_name"),
            duration_secs: get("duration_seconds").and_then(|d| d.parse().ok()),
        }))
    }

    /// The cache file's name as botocore makes it: the SHA-1 of the call's arguments written by
    /// Python's `json.dumps(args, sort_keys=True)` (`", "` and `": "` between items), without a
    /// session name it generated itself.
    pub fn cache_key(&self) -> String {
        use sha1::Digest;
        let mut args: Vec<(&str, String)> = Vec::new();
        let s = |v: &str| serde_json::to_string(v).unwrap_or_default();
        if let Some(d) = self.duration_secs {
            args.push(("DurationSeconds", d.to_string()));
        }
        if let Some(x) = &self.external_id {
            args.push(("ExternalId", s(x)));
        }
        match &self.role_arn {
            Some(r) => args.push(("RoleArn", s(r))),
            // A session token (no role): a key of our own; the cli has no such file.
            None => args.push(("Profile", s(&self.profile))),
        }
        if let Some(n) = &self.role_session_name {
            args.push(("RoleSessionName", s(n)));
        }
        args.push(("SerialNumber", s(&self.device)));
        args.sort_by(|a, b| a.0.cmp(b.0));
        let body = args
            .iter()
            .map(|(k, v)| format!("\"{k}\": {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let hash = sha1::Sha1::digest(format!("{{{body}}}").as_bytes());
        let hex = hash.iter().fold(String::new(), |mut s, b| {
            let _ = std::fmt::Write::write_fmt(&mut s, format_args!("{b:02x}"));
            s
        });
        match self.role_arn {
            Some(_) => hex,
            None => format!("opsdash-session-{hex}"),
        }
    }

    /// `~/.aws/cli/cache/<key>.json`.
    pub fn cache_path(&self) -> Option<PathBuf> {
        crate::paths::home().map(|h| {
            h.join(".aws/cli/cache")
                .join(format!("{}.json", self.cache_key()))
        })
    }
}

/// Credentials read from a cache file, or returned by STS.
#[derive(Debug, Clone)]
pub struct Session {
    pub credentials: Credentials,
    pub expires: Timestamp,
}

/// Parses an instant as botocore writes one: `2026-12-06T23:40:00UTC`, `…Z`, `…+00:00`, with or
/// without fractions of a second, or another offset.
fn parse_expiry(s: &str) -> Option<Timestamp> {
    let base = Timestamp::parse_rfc3339(&format!("{}Z", s.get(..19)?))?;
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "" | "Z" | "UTC" | "GMT" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) => {
            let h: i64 = o.get(1..3)?.parse().ok()?;
            let m: i64 = o.get(4..6)?.parse().ok()?;
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (h * 3600 + m * 60)
        }
        _ => return None,
    };
    Some(Timestamp(base.0 - offset * 1000))
}

/// The credentials of a cache file (the cli's or ours), if they last at least a minute more.
pub fn read_cache(path: &std::path::Path, now: Timestamp) -> Option<Session> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let c = &v["Credentials"];
    let expires = parse_expiry(c["Expiration"].as_str()?)?;
    if expires.secs_since(now) < USABLE_SECS {
        return None;
    }
    Some(Session {
        credentials: credentials(
            c["AccessKeyId"].as_str()?,
            c["SecretAccessKey"].as_str()?,
            c["SessionToken"].as_str()?,
            expires,
        ),
        expires,
    })
}

fn credentials(key: &str, secret: &str, token: &str, expires: Timestamp) -> Credentials {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(expires.0.max(0) as u64);
    Credentials::new(key, secret, Some(token.to_owned()), Some(at), "opsdash-mfa")
}

/// Writes the cache file as botocore's `JSONFileCache` does (a temporary file renamed over it),
/// readable by this user only.
///
/// # Errors
/// The directory or the file cannot be written.
pub fn write_cache(path: &std::path::Path, content: &Value) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("cache"),
        std::process::id()
    ));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&tmp)?;
    std::io::Write::write_all(&mut f, content.to_string().as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// What STS answered, as the cli's cache file holds it (`Expiration` as botocore writes it).
fn cache_content(c: &aws_sdk_sts::types::Credentials, user: Option<(&str, &str)>) -> Value {
    let expires = Timestamp(c.expiration().to_millis().unwrap_or(0));
    let exp = format!("{}UTC", &expires.rfc3339()[..19]);
    let mut v = json!({
        "Credentials": {
            "AccessKeyId": c.access_key_id(),
            "SecretAccessKey": c.secret_access_key(),
            "SessionToken": c.session_token(),
            "Expiration": exp,
        },
        "ResponseMetadata": {},
    });
    if let Some((id, arn)) = user {
        v["AssumedRoleUser"] = json!({ "AssumedRoleId": id, "Arn": arn });
        // botocore adds the role's account to what it caches.
        if let Some(account) = arn.split(':').nth(4) {
            v["Credentials"]["AccountId"] = json!(account);
        }
    }
    v
}

/// Calls STS with the code: AssumeRole with the serial and code (a role), else GetSessionToken.
/// Returns the session and what the cache file holds.
///
/// # Errors
/// STS refused (a wrong code is `AccessDenied`), or did not answer.
pub async fn sign_in_with_code(
    sts: &aws_sdk_sts::Client,
    p: &MfaProfile,
    code: &str,
) -> Result<(Session, Value), crate::source::SourceError> {
    let (c, content) = if let Some(role) = &p.role_arn {
        let name = p.role_session_name.clone().unwrap_or_else(session_name);
        let out = sts
            .assume_role()
            .role_arn(role)
            .role_session_name(name)
            .serial_number(&p.device)
            .token_code(code)
            .set_external_id(p.external_id.clone())
            .set_duration_seconds(p.duration_secs)
            .send()
            .await
            .map_err(|e| super::errors::map("sts", "AssumeRole", Some(&p.profile), &e))?;
        let c = out
            .credentials()
            .cloned()
            .ok_or_else(|| no_credentials("AssumeRole"))?;
        let user = out
            .assumed_role_user()
            .map(|u| (u.assumed_role_id(), u.arn()));
        let content = cache_content(&c, user);
        (c, content)
    } else {
        let out = sts
            .get_session_token()
            .serial_number(&p.device)
            .token_code(code)
            .set_duration_seconds(p.duration_secs)
            .send()
            .await
            .map_err(|e| super::errors::map("sts", "GetSessionToken", Some(&p.profile), &e))?;
        let c = out
            .credentials()
            .cloned()
            .ok_or_else(|| no_credentials("GetSessionToken"))?;
        let content = cache_content(&c, None);
        (c, content)
    };
    let expires = Timestamp(c.expiration().to_millis().unwrap_or(0));
    let session = Session {
        credentials: credentials(
            c.access_key_id(),
            c.secret_access_key(),
            c.session_token(),
            expires,
        ),
        expires,
    };
    Ok((session, content))
}

/// `opsdash-<user>`: CloudTrail then says who signed in through the console (a session name
/// takes letters, digits and `+=,.@-`, at most 64 characters).
fn session_name() -> String {
    let user = std::env::var("USER").unwrap_or_default();
    let user: String = user
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(*c))
        .take(56)
        .collect();
    if user.is_empty() {
        "opsdash".into()
    } else {
        format!("opsdash-{user}")
    }
}

fn no_credentials(op: &str) -> crate::source::SourceError {
    crate::source::SourceError::new(
        crate::source::ErrorClass::Other,
        "sts",
        op,
        "NoCredentials",
        "STS answered without credentials",
    )
}

/// STS refused the code itself (a wrong or used code), rather than the call.
fn wrong_code(e: &crate::source::SourceError) -> bool {
    e.code == "AccessDenied"
        && (e.message.contains("MultiFactorAuthentication") || e.message.contains("MFA"))
}

/// The credential provider of an MFA profile.
#[derive(Debug, Clone)]
pub struct MfaCredentials(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    profile: MfaProfile,
    sign_in: Arc<SignIn>,
    /// STS with the source credentials (the source profile's, or the profile's own keys).
    sts: aws_sdk_sts::Client,
    current: Mutex<Option<Session>>,
    /// One sign-in at a time: the renewal and a provider call never both ask.
    gate: tokio::sync::Mutex<()>,
    renewing: std::sync::atomic::AtomicBool,
}

impl MfaCredentials {
    pub fn new(profile: MfaProfile, sign_in: Arc<SignIn>, sts: aws_sdk_sts::Client) -> Self {
        MfaCredentials(Arc::new(Inner {
            profile,
            sign_in,
            sts,
            current: Mutex::new(None),
            gate: tokio::sync::Mutex::new(()),
            renewing: std::sync::atomic::AtomicBool::new(false),
        }))
    }

    pub fn profile(&self) -> &MfaProfile {
        &self.0.profile
    }

    /// STS for the profile's source credentials, in `region` (the endpoint settings of the
    /// environment apply, as for every client).
    pub async fn source_sts(
        p: &MfaProfile,
        region: Option<aws_config::Region>,
    ) -> aws_sdk_sts::Client {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .timeout_config(super::timeouts())
            .region(region);
        // A role's source profile; a profile with its own keys signs its session-token call.
        match (&p.role_arn, &p.source_profile) {
            (Some(_), Some(src)) => loader = loader.profile_name(src),
            (Some(_), None) => {}
            (None, _) => loader = loader.profile_name(&p.profile),
        }
        aws_sdk_sts::Client::new(&loader.load().await)
    }

    /// Usable credentials now: those in hand, the cache file's, or a new sign-in with a code
    /// (asked again while STS refuses it). A code not given is an error that says so.
    ///
    /// # Errors
    /// No code was given, or STS failed otherwise.
    pub async fn session(&self) -> Result<Session, crate::source::SourceError> {
        let now = Timestamp::now();
        if let Some(s) = self.usable(now) {
            return Ok(s);
        }
        let _one = self.0.gate.lock().await;
        if let Some(s) = self.usable(Timestamp::now()) {
            return Ok(s);
        }
        if let Some(s) = self
            .0
            .profile
            .cache_path()
            .and_then(|p| read_cache(&p, Timestamp::now()))
        {
            self.keep(s.clone());
            return Ok(s);
        }
        let mut why = None;
        loop {
            match self.sign_in_once(why.take()).await? {
                Ok(s) => return Ok(s),
                Err(refused) => why = Some(refused),
            }
        }
    }

    fn usable(&self, now: Timestamp) -> Option<Session> {
        lock(&self.0.current)
            .clone()
            .filter(|s| s.expires.secs_since(now) >= USABLE_SECS)
    }

    /// Asks for a code and signs in with it: `Ok(Err(why))` when STS refused the code (ask again).
    async fn sign_in_once(
        &self,
        why: Option<String>,
    ) -> Result<Result<Session, String>, crate::source::SourceError> {
        let p = &self.0.profile;
        let code = self
            .0
            .sign_in
            .ask(MfaAsk {
                device: p.device.clone(),
                profile: p.profile.clone(),
                role: p.role_arn.clone(),
                why,
            })
            .await
            .ok_or_else(|| {
                let mut e = crate::source::SourceError::new(
                    crate::source::ErrorClass::NoCredentials,
                    "sts",
                    if p.role_arn.is_some() {
                        "AssumeRole"
                    } else {
                        "GetSessionToken"
                    },
                    "MfaCodeNotGiven",
                    format!(
                        "profile {} needs the MFA code of {}: none was given",
                        p.profile, p.device
                    ),
                );
                e.hint = Some(
                    format!(
                        "type the code when asked (on a terminal), or sign in with the aws cli \
                         (`aws sts get-caller-identity --profile {}`): its session is used",
                        p.profile
                    )
                    .into(),
                );
                e
            })?;
        match sign_in_with_code(&self.0.sts, p, &code).await {
            Ok((s, content)) => {
                if let Some(path) = p.cache_path()
                    && let Err(e) = write_cache(&path, &content)
                {
                    tracing::warn!("cannot write {}: {e}", path.display());
                }
                self.keep(s.clone());
                Ok(Ok(s))
            }
            Err(e) if wrong_code(&e) => Ok(Err(format!(
                "STS refused that code ({}): type the code the device shows now",
                e.message
            ))),
            Err(e) => Err(e),
        }
    }

    /// Keeps new credentials, tells the console how long they last, and asks for the next code
    /// five minutes before they end.
    fn keep(&self, s: Session) {
        let expires = s.expires;
        *lock(&self.0.current) = Some(s);
        self.0.sign_in.signed(expires);
        if !self
            .0
            .renewing
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            let me = self.clone();
            tokio::spawn(async move { me.renew_loop().await });
        }
    }

    /// Asks for a new code five minutes before the credentials end, while they still serve; a
    /// declined renewal is asked again when they end (by the next call that needs them).
    async fn renew_loop(self) {
        while let Some(expires) = self.usable(Timestamp::now()).map(|s| s.expires) {
            let wait = expires.secs_since(Timestamp::now()) - RENEW_SECS;
            if wait > 0.0 {
                tokio::time::sleep(std::time::Duration::from_secs_f64(wait)).await;
            }
            let _one = self.0.gate.lock().await;
            // Renewed meanwhile (another console's cache file, or a call that could not wait).
            if let Some(s) = self.usable(Timestamp::now())
                && s.expires.secs_since(Timestamp::now()) > RENEW_SECS
            {
                continue;
            }
            let mut why = Some(format!(
                "the credentials end at {} UTC: a new code keeps the console signed in",
                expires.hm()
            ));
            let renewed = loop {
                match self.sign_in_once(why.take()).await {
                    Ok(Ok(_)) => break true,
                    Ok(Err(refused)) => why = Some(refused),
                    Err(_) => break false,
                }
            };
            if !renewed {
                break;
            }
        }
        self.0
            .renewing
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

impl ProvideCredentials for MfaCredentials {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(async move {
            self.session()
                .await
                .map(|s| s.credentials)
                .map_err(|e| CredentialsError::not_loaded(format!("{}: {}", e.code, e.message)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_code_is_told_apart_from_a_refused_call() {
        let e = |code: &str, m: &str| {
            crate::source::SourceError::new(
                crate::source::ErrorClass::AccessDenied,
                "sts",
                "AssumeRole",
                code,
                m,
            )
        };
        // What STS says to a wrong or reused code: ask again.
        assert!(wrong_code(&e(
            "AccessDenied",
            "MultiFactorAuthentication failed with invalid MFA one time pass code. "
        )));
        // A role the caller may not assume is no code problem: said as it is.
        assert!(!wrong_code(&e(
            "AccessDenied",
            "User: arn:aws:iam::1:user/ana is not authorized to perform: sts:AssumeRole"
        )));
        assert!(!wrong_code(&e("ExpiredToken", "MFA")));
    }

    #[test]
    fn a_session_token_profile_has_a_cache_key_of_its_own() {
        let p = MfaProfile {
            profile: "keys".into(),
            device: "arn:aws:iam::1:mfa/ana".into(),
            role_arn: None,
            source_profile: None,
            external_id: None,
            role_session_name: None,
            duration_secs: None,
        };
        let key = p.cache_key();
        assert!(
            key.starts_with("opsdash-session-") && key.len() == 56,
            "{key}"
        );
        let other = MfaProfile {
            profile: "other".into(),
            ..p
        };
        assert_ne!(other.cache_key(), key);
    }

    #[test]
    fn expiries_as_botocore_and_sts_write_them() {
        let t = Timestamp::parse_rfc3339("2026-12-06T23:40:00Z").unwrap();
        for s in [
            "2026-12-06T23:40:00UTC",
            "2026-12-06T23:40:00Z",
            "2026-12-06T23:40:00+00:00",
            "2026-12-06T23:40:00.000000+00:00",
            "2026-12-07T00:40:00+01:00",
        ] {
            assert_eq!(parse_expiry(s), Some(t), "{s}");
        }
        assert_eq!(parse_expiry("2026-12-06T23:40:00 tomorrow"), None);
        assert_eq!(parse_expiry("soon"), None);
    }

    #[test]
    fn the_cache_file_is_written_for_this_user_only_and_read_back() {
        let dir = std::env::temp_dir().join(format!("opsdash-mfa-{}", std::process::id()));
        let path = dir.join("cache/abc.json");
        let exp = Timestamp::now().plus_secs(3600.0);
        let content = json!({"Credentials": {
            "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "s", "SessionToken": "t",
            "Expiration": format!("{}UTC", &exp.rfc3339()[..19]),
        }});
        write_cache(&path, &content).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let s = read_cache(&path, Timestamp::now()).unwrap();
        assert_eq!(s.credentials.access_key_id(), "ASIAEXAMPLE");
        assert_eq!(s.expires.secs(), exp.secs());
        // Less than a minute left: not used.
        assert!(read_cache(&path, exp.plus_secs(-30.0)).is_none());
        let _ = std::fs::remove_dir_all(dir);
    }
}
