//! Who may do what: identities from a trusted reverse proxy, mapped to roles by a small
//! config file, and the same-origin rule for mutating requests. Everything is decided here,
//! on the server, per request; the pages only reflect it.
//!
//! - Without identity configuration ecs-lens serves a single local user (`local`), an editor
//!   unless `--read-only` — and `serve` refuses to listen beyond loopback with editing on
//!   (see [`check_exposure`]).
//! - With `--trust-header NAME` (e.g. `X-Forwarded-Email` behind oauth2-proxy, or the ALB's
//!   `X-Amzn-Oidc-Identity`), the user is that header's value and `--access-config FILE` maps
//!   users and groups (from `--groups-header`, comma-separated) to roles; a request without
//!   the header is refused. `--read-only` makes everyone a viewer.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::http::{HeaderMap, Method, StatusCode};
use serde::{Deserialize, Serialize};

/// What a user may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Every page, nothing that changes anything; secret values masked everywhere.
    Viewer,
    /// Also edit, register and deregister.
    Editor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
        }
    }
}

/// The user a request comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub user: String,
    pub role: Role,
}

/// `--access-config FILE`: `{"users": {"alice@example.com": "editor"}, "groups": {"platform":
/// "editor"}, "default": "viewer"}`. `default` is the role of a known-by-the-proxy user who
/// is in neither map; `null` (or absent) refuses such users.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleMap {
    #[serde(default)]
    pub users: HashMap<String, Role>,
    #[serde(default)]
    pub groups: HashMap<String, Role>,
    #[serde(default)]
    pub default: Option<Role>,
}

impl RoleMap {
    /// Parse the config file's text; errors name the line and column.
    pub fn parse(text: &str) -> Result<RoleMap, String> {
        let map: RoleMap = serde_json::from_str(text).map_err(|e| format!("access config: {e}"))?;
        // Users and groups are matched case-insensitively (e-mail addresses, IdP group names).
        Ok(RoleMap {
            users: map.users.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect(),
            groups: map.groups.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect(),
            default: map.default,
        })
    }
}

/// How identities are established (`serve` flags).
#[derive(Clone, Debug, Default)]
pub struct AccessConfig {
    /// The header a trusted proxy puts the user in; `None`: the single local user.
    pub trust_header: Option<String>,
    /// The header with the user's groups (comma-separated), when the proxy sends one.
    pub groups_header: Option<String>,
    pub roles: RoleMap,
    /// `--read-only`: everyone is a viewer.
    pub read_only: bool,
}

/// Why a request is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denied {
    pub status: StatusCode,
    pub message: String,
}

impl AccessConfig {
    /// The identity of a request with these headers.
    pub fn identify(&self, headers: &HeaderMap) -> Result<Identity, Denied> {
        let cap = |role: Role| if self.read_only { Role::Viewer } else { role };
        let Some(header) = &self.trust_header else {
            return Ok(Identity { user: "local".into(), role: cap(Role::Editor) });
        };
        let user = headers
            .get(header.as_str())
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| Denied {
                status: StatusCode::UNAUTHORIZED,
                message: format!("no identity: the request has no `{header}` header (ecs-lens expects it from the proxy in front of it)"),
            })?;
        let by_user = self.roles.users.get(&user.to_ascii_lowercase()).copied();
        let groups = self.groups_header.as_deref().and_then(|h| headers.get(h)).and_then(|v| v.to_str().ok());
        let by_group = groups
            .into_iter()
            .flat_map(|g| g.split(','))
            .filter_map(|g| self.roles.groups.get(&g.trim().to_ascii_lowercase()).copied())
            .max();
        match by_user.or(by_group).or(self.roles.default) {
            Some(role) => Ok(Identity { user: user.to_string(), role: cap(role) }),
            None => Err(Denied {
                status: StatusCode::FORBIDDEN,
                message: format!("`{user}` has no role in ecs-lens (ask for one in the access config)"),
            }),
        }
    }

    /// True when an identity comes from somewhere other than "whoever can reach the port".
    pub fn has_identities(&self) -> bool {
        self.trust_header.is_some()
    }
}

/// `serve` refuses to listen beyond loopback with editing on unless identities come from a
/// trusted proxy, or the operator explicitly opted out.
pub fn check_exposure(bind: SocketAddr, access: &AccessConfig, allow_unauthenticated: bool) -> Result<(), String> {
    if bind.ip().is_loopback() || access.read_only || access.has_identities() || allow_unauthenticated {
        return Ok(());
    }
    Err(format!(
        "refusing to serve editing on {bind} to anyone who can reach it: put ecs-lens behind an \
         authenticating proxy and pass --trust-header (with --access-config), or serve --read-only, \
         or bind 127.0.0.1, or pass --allow-unauthenticated-editing if you really mean it"
    ))
}

/// Cross-site request forgery: a request that can change something (anything but GET, HEAD,
/// OPTIONS) must come from this site: its `Origin` (else its `Referer`) must name the host the
/// request was sent to. A request with neither is refused too (browsers send `Origin` with
/// every POST; scripts can send it).
pub fn check_same_origin(method: &Method, headers: &HeaderMap) -> Result<(), Denied> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let host = headers.get(axum::http::header::HOST).and_then(|v| v.to_str().ok());
    let from = headers
        .get(axum::http::header::ORIGIN)
        .or_else(|| headers.get(axum::http::header::REFERER))
        .and_then(|v| v.to_str().ok());
    let authority = from.and_then(|url| url.split_once("://").map(|(_, rest)| rest.split('/').next().unwrap_or(rest)));
    match (host, authority) {
        (Some(h), Some(a)) if h.eq_ignore_ascii_case(a) => Ok(()),
        (_, None) => Err(Denied {
            status: StatusCode::FORBIDDEN,
            message: "refused: a request that changes something must carry an Origin or Referer header from this site"
                .into(),
        }),
        (_, Some(a)) => {
            Err(Denied { status: StatusCode::FORBIDDEN, message: format!("refused: cross-site request from {a}") })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn proxied() -> AccessConfig {
        AccessConfig {
            trust_header: Some("x-forwarded-email".into()),
            groups_header: Some("x-forwarded-groups".into()),
            roles: RoleMap::parse(
                r#"{"users": {"Alice@Example.com": "editor", "bob@example.com": "viewer"},
                    "groups": {"platform": "editor", "eng": "viewer"}}"#,
            )
            .unwrap(),
            read_only: false,
        }
    }

    #[test]
    fn the_local_user_is_an_editor_unless_read_only() {
        let local = AccessConfig::default();
        assert_eq!(local.identify(&HeaderMap::new()).unwrap(), Identity { user: "local".into(), role: Role::Editor });
        let ro = AccessConfig { read_only: true, ..Default::default() };
        assert_eq!(ro.identify(&HeaderMap::new()).unwrap().role, Role::Viewer);
    }

    #[test]
    fn users_then_groups_then_the_default_decide_the_role() {
        let a = proxied();
        let id = |pairs: &[(&'static str, &str)]| a.identify(&headers(pairs));
        assert_eq!(id(&[("x-forwarded-email", "alice@example.com")]).unwrap().role, Role::Editor, "case-insensitive");
        assert_eq!(
            id(&[("x-forwarded-email", "bob@example.com"), ("x-forwarded-groups", "platform")]).unwrap().role,
            Role::Viewer,
            "the user entry wins"
        );
        assert_eq!(
            id(&[("x-forwarded-email", "carol@example.com"), ("x-forwarded-groups", "eng, Platform")]).unwrap().role,
            Role::Editor,
            "the best group"
        );
        assert_eq!(
            id(&[("x-forwarded-email", "dan@example.com"), ("x-forwarded-groups", "eng")]).unwrap().role,
            Role::Viewer
        );
        let e = id(&[("x-forwarded-email", "eve@example.com")]).unwrap_err();
        assert_eq!(e.status, StatusCode::FORBIDDEN, "no entry and no default");
        assert!(e.message.contains("eve@example.com"));
        let e = id(&[]).unwrap_err();
        assert_eq!(e.status, StatusCode::UNAUTHORIZED);
        assert!(e.message.contains("x-forwarded-email"));
        let e = id(&[("x-forwarded-email", "  ")]).unwrap_err();
        assert_eq!(e.status, StatusCode::UNAUTHORIZED);
        let with_default =
            AccessConfig { roles: RoleMap { default: Some(Role::Viewer), ..proxied().roles }, ..proxied() };
        assert_eq!(
            with_default.identify(&headers(&[("x-forwarded-email", "eve@example.com")])).unwrap().role,
            Role::Viewer
        );
        let ro = AccessConfig { read_only: true, ..proxied() };
        assert_eq!(ro.identify(&headers(&[("x-forwarded-email", "alice@example.com")])).unwrap().role, Role::Viewer);
    }

    #[test]
    fn bad_access_configs_are_located() {
        let e = RoleMap::parse(r#"{"users": {"a": "admin"}}"#).unwrap_err();
        assert!(e.contains("admin") && e.contains("line 1"), "{e}");
        assert!(RoleMap::parse(r#"{"user": {}}"#).unwrap_err().contains("unknown field"));
    }

    #[test]
    fn editing_beyond_loopback_needs_identities_or_an_explicit_opt_out() {
        let open: SocketAddr = "0.0.0.0:3000".parse().unwrap();
        let lo: SocketAddr = "127.0.0.1:3000".parse().unwrap();
        assert!(check_exposure(lo, &AccessConfig::default(), false).is_ok());
        let e = check_exposure(open, &AccessConfig::default(), false).unwrap_err();
        assert!(e.contains("--trust-header") && e.contains("--read-only"), "{e}");
        assert!(check_exposure(open, &AccessConfig { read_only: true, ..Default::default() }, false).is_ok());
        assert!(check_exposure(open, &proxied(), false).is_ok());
        assert!(check_exposure(open, &AccessConfig::default(), true).is_ok());
    }

    #[test]
    fn mutating_requests_must_be_same_origin() {
        let post = Method::POST;
        let ok = headers(&[("host", "ecs-lens.example:8443"), ("origin", "https://ecs-lens.example:8443")]);
        assert!(check_same_origin(&post, &ok).is_ok());
        let via_referer =
            headers(&[("host", "127.0.0.1:3000"), ("referer", "http://127.0.0.1:3000/families/x/1/edit")]);
        assert!(check_same_origin(&post, &via_referer).is_ok());
        let evil = headers(&[("host", "127.0.0.1:3000"), ("origin", "https://evil.example")]);
        let e = check_same_origin(&post, &evil).unwrap_err();
        assert_eq!(e.status, StatusCode::FORBIDDEN);
        assert!(e.message.contains("evil.example"));
        let prefix_trick =
            headers(&[("host", "ecs-lens.example"), ("origin", "https://ecs-lens.example.evil.example")]);
        assert!(check_same_origin(&post, &prefix_trick).is_err());
        assert!(check_same_origin(&post, &headers(&[("host", "127.0.0.1:3000")])).is_err(), "neither header");
        assert!(check_same_origin(&Method::GET, &evil).is_ok(), "reads are not checked");
    }
}
