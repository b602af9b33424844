//! The HTTP side of the server: the router around the dashboard's pages (which the `serve`
//! command mounts, so that this layer knows nothing of the UI), the audit exports, and the one
//! request guard every request goes through — identity, the same-origin rule for anything
//! that can change something, a body limit and a time limit.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use leptos::config::LeptosOptions;

use super::access::{check_same_origin, AccessConfig};
use super::AppState;

/// What one request may take.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The largest request body accepted (413 beyond). A task definition is at most 64 KiB
    /// for ECS; a draft or a lint request carries one.
    pub max_body: usize,
    /// How long one request may take (504 beyond): a scan of a slow account is a CLI job, not
    /// a page.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_body: 2 << 20, timeout: Duration::from_secs(60) }
    }
}

/// The whole application: `pages` (the dashboard's pages, server functions and static files),
/// the audit exports (`/audit/export.{json,csv,sarif}`), and the guard around all of it.
pub fn router(state: AppState, options: LeptosOptions, pages: Router<LeptosOptions>, limits: Limits) -> Router {
    let guard_state = Guard { access: state.access.clone(), limits };
    let sources: Vec<String> = state.sources.iter().map(|(l, _)| l.clone()).collect();
    pages
        .route(
            "/switch-source",
            axum::routing::get(
                move |axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>| {
                    let answer = switch_source(
                        &sources,
                        q.get("source").map_or("", String::as_str),
                        q.get("to").map_or("/", String::as_str),
                    );
                    async move { answer }
                },
            ),
        )
        .route(
            "/audit/{file}",
            axum::routing::get(move |request: axum::http::request::Parts, path| {
                let state = state.for_request(&request);
                async move {
                    match state {
                        Ok(state) => super::export::export(state, path).await,
                        Err(d) => (d.status, d.message).into_response(),
                    }
                }
            }),
        )
        .with_state(options)
        .layer(axum::middleware::from_fn_with_state(guard_state, guard))
}

/// `GET /switch-source?source=LABEL&to=/PATH`: show the source labelled LABEL from now on (the
/// cookie every page and export follows) and go to PATH there. A link to a revision in another
/// source is a real URL (a new tab, a copied link) and names its source. Only the server's own
/// sources, and only paths on this site.
fn switch_source(sources: &[String], source: &str, to: &str) -> Response {
    if !sources.iter().any(|l| l == source) {
        let offered = sources.join(", ");
        return (StatusCode::NOT_FOUND, format!("no source `{source}` here (the sources: {offered})")).into_response();
    }
    let cookie_safe = source.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b';' | b',' | b'"' | b'\\'));
    let local = to.starts_with('/') && !to.starts_with("//") && !to.contains('\\') && !to.bytes().any(|b| b < 0x20);
    if !cookie_safe {
        return (StatusCode::BAD_REQUEST, "this source's label cannot be kept in a cookie").into_response();
    }
    let cookie = format!("{}={source}; Path=/; SameSite=Lax; Max-Age=31536000", super::SOURCE_COOKIE);
    let location = if local { to } else { "/" };
    (
        StatusCode::SEE_OTHER,
        [(axum::http::header::SET_COOKIE, cookie), (axum::http::header::LOCATION, location.to_string())],
    )
        .into_response()
}

#[derive(Clone)]
struct Guard {
    access: Arc<AccessConfig>,
    limits: Limits,
}

/// Refuse, before any page or server function runs, a request without an identity and a
/// cross-site request that could change something; bound its body and its time.
async fn guard(State(g): State<Guard>, request: Request, next: Next) -> Response {
    let checked = g
        .access
        .identify(request.headers())
        .and_then(|identity| check_same_origin(request.method(), request.headers()).map(|()| identity));
    let identity = match checked {
        Ok(identity) => identity,
        Err(d) => return (d.status, d.message).into_response(),
    };
    // Handlers read the identity from here instead of working it out again.
    let mut request = request;
    request.extensions_mut().insert(identity);
    // Bodies are read whole and bounded here, so that no handler sees more than max_body.
    let request = if matches!(*request.method(), Method::GET | Method::HEAD) {
        request
    } else {
        let (parts, body) = request.into_parts();
        match axum::body::to_bytes(body, g.limits.max_body).await {
            Ok(bytes) => Request::from_parts(parts, axum::body::Body::from(bytes)),
            Err(_) => {
                return (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the request body is larger than {} KiB (or was cut off)", g.limits.max_body / 1024),
                )
                    .into_response()
            }
        }
    };
    match tokio::time::timeout(g.limits.timeout, super::render::scoped(next.run(request))).await {
        Ok(response) => response,
        Err(_) => (
            StatusCode::GATEWAY_TIMEOUT,
            format!(
                "the request took longer than {} s; try again (the source may be slow or unreachable)",
                g.limits.timeout.as_secs_f64()
            ),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::access::{Identity, RoleMap};
    use axum::body::Body;
    use tower::ServiceExt;

    async fn state(access: AccessConfig) -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let options = crate::store::EmbeddedOptions { seed: false, ..Default::default() };
        let location = crate::store::Location::DataDir(dir.path().to_path_buf());
        let store = crate::store::EmbeddedStore::open_with(&location, options).await.unwrap();
        let mirror = crate::store::mirror::Mirror::on(store.database().clone());
        (dir, AppState::new(vec![("local".into(), Arc::new(store))], access, mirror))
    }

    /// Stand-in pages: echo the body's length and the identity the guard found, or be slow.
    fn pages() -> Router<LeptosOptions> {
        Router::new()
            .route("/", axum::routing::get(|| async { "home" }))
            .route(
                "/api/echo",
                axum::routing::post(|request: Request| async move {
                    let who = request.extensions().get::<Identity>().map(|i| i.user.clone()).unwrap_or_default();
                    let len = axum::body::to_bytes(request.into_body(), usize::MAX).await.map_or(0, |b| b.len());
                    format!("{who} sent {len}")
                }),
            )
            .route(
                "/slow",
                axum::routing::get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
    }

    async fn app(access: AccessConfig) -> (tempfile::TempDir, Router) {
        let (dir, state) = state(access).await;
        let limits = Limits { max_body: 1024, timeout: Duration::from_millis(200) };
        (dir, router(state, LeptosOptions::builder().output_name("t").build(), pages(), limits))
    }

    async fn send(app: &Router, request: axum::http::Request<Body>) -> (StatusCode, String) {
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// A POST from `origin` to this site (`ecs-lens.example`).
    fn post(uri: &str, origin: &str) -> axum::http::request::Builder {
        axum::http::Request::post(uri)
            .header("host", "ecs-lens.example")
            .header("origin", origin)
            .header("content-type", "text/plain")
    }

    const SITE: &str = "http://ecs-lens.example";

    #[tokio::test]
    async fn switching_the_source_sets_the_cookie_and_goes_only_to_a_page_of_this_site() {
        let (_dir, app) = app(AccessConfig::default()).await;
        let get = |uri: &str| axum::http::Request::get(uri).body(Body::empty()).unwrap();
        let response = app.clone().oneshot(get("/switch-source?source=local&to=%2Ffamilies%2Fweb%2F3")).await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/families/web/3");
        let cookie = response.headers()["set-cookie"].to_str().unwrap();
        assert!(cookie.starts_with("ecs-lens-source=local;") && cookie.contains("Path=/"), "{cookie}");
        for elsewhere in ["https%3A%2F%2Fevil.example", "%2F%2Fevil.example", "%2F%5Cevil.example"] {
            let response =
                app.clone().oneshot(get(&format!("/switch-source?source=local&to={elsewhere}"))).await.unwrap();
            assert_eq!(response.headers()["location"], "/", "{elsewhere}: never off this site");
        }
        let (status, body) = send(&app, get("/switch-source?source=eu-west-9&to=%2F")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body.contains("no source `eu-west-9`") && body.contains("local"), "{body}");
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_with_413() {
        let (_dir, app) = app(AccessConfig::default()).await;
        let (status, body) = send(&app, post("/api/echo", SITE).body(Body::from(vec![b'x'; 1024])).unwrap()).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "local sent 1024"), "at the limit: served");
        let (status, body) = send(&app, post("/api/echo", SITE).body(Body::from(vec![b'x'; 1025])).unwrap()).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(body.contains("larger than 1 KiB"), "{body}");
    }

    #[tokio::test]
    async fn a_request_over_the_time_limit_is_answered_504() {
        let (_dir, app) = app(AccessConfig::default()).await;
        let started = std::time::Instant::now();
        let (status, body) = send(&app, axum::http::Request::get("/slow").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
        assert!(body.contains("took longer than 0.2 s"), "{body}");
        assert!(started.elapsed() < Duration::from_secs(4), "answered at the limit, not when the page finished");
        let (status, _) = send(&app, axum::http::Request::get("/").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK);
    }

    #[tokio::test]
    async fn a_cross_site_request_that_could_change_something_is_refused() {
        let (_dir, app) = app(AccessConfig::default()).await;
        let cross = post("/api/echo", "https://evil.example").body(Body::from("x")).unwrap();
        let (status, body) = send(&app, cross).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let same = post("/api/echo", SITE).body(Body::from("x")).unwrap();
        assert_eq!(send(&app, same).await.0, StatusCode::OK);
        // Reading is not changing: a cross-site GET is served.
        let get = axum::http::Request::get("/").header("origin", "https://evil.example").body(Body::empty()).unwrap();
        assert_eq!(send(&app, get).await.0, StatusCode::OK);
    }

    #[tokio::test]
    async fn without_an_identity_nothing_is_served_and_the_guards_identity_reaches_the_handler() {
        let access = AccessConfig {
            trust_header: Some("x-forwarded-email".into()),
            roles: RoleMap::parse(r#"{"default": "editor"}"#).unwrap(),
            ..AccessConfig::default()
        };
        let (_dir, app) = app(access).await;
        let (status, _) = send(&app, axum::http::Request::get("/").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = send(&app, axum::http::Request::get("/audit/export.json").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "exports are behind the guard too");
        let with =
            post("/api/echo", SITE).header("x-forwarded-email", "eddie@example.com").body(Body::from("ab")).unwrap();
        assert_eq!(send(&app, with).await, (StatusCode::OK, "eddie@example.com sent 2".to_string()));
    }
}
