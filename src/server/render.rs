//! Server-rendered pages free their reactive state and tasks however their response ends.
//!
//! leptos_axum renders a page as a stream and cleans up the page's reactive owner when that
//! stream has been sent to the end. When the client goes away mid-page — a closed tab, a proxy
//! timeout, a load generator stopping with requests in flight — the stream is dropped
//! unfinished: that cleanup never runs, and the tasks the page spawned (the loops that drive
//! its resources, the waits that release its Suspense) wait forever, each keeping the page's
//! data alive. Measured before this module: 200 connections closed mid-render left ~195 tasks
//! and tens of MB behind, every time; the server's memory only grew.
//!
//! So every request runs in a [`PageScope`] ([`scoped`]): the page's root owner is recorded as
//! it is created ([`adopt_current_owner`], called from the context closure leptos_axum runs
//! inside that owner), every task leptos spawns while the request or its body is being polled
//! is recorded by [`TrackingExecutor`], and when the response body is dropped — finished or
//! not — or the request is dropped before it has one, the owner is cleaned up and the tasks
//! still running are aborted. Cleaning an owner twice is harmless, and a finished page has no
//! task left that anything waits for.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::response::Response;
use leptos::prelude::Owner;
use tokio::task::AbortHandle;

tokio::task_local! {
    static PAGE: PageScope;
}

/// What one request's page left to clean up.
#[derive(Clone, Default)]
struct PageScope(Arc<Mutex<Leftovers>>);

#[derive(Default)]
struct Leftovers {
    owner: Option<Owner>,
    tasks: Vec<AbortHandle>,
}

impl PageScope {
    fn with<T>(&self, f: impl FnOnce(&mut Leftovers) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Cleans the page up when dropped (with the body, or with the request).
struct CleanupOnDrop(PageScope);

impl Drop for CleanupOnDrop {
    fn drop(&mut self) {
        let (owner, tasks) = self.0.with(|l| (l.owner.take(), std::mem::take(&mut l.tasks)));
        if let Some(owner) = owner {
            owner.cleanup();
        }
        for task in tasks {
            task.abort();
        }
    }
}

/// Record the current reactive owner as the page's, if the request runs in a scope (elsewhere,
/// e.g. in tests, nothing happens).
pub fn adopt_current_owner() {
    let _ = PAGE.try_with(|page| {
        if let Some(owner) = Owner::current() {
            page.with(|l| l.owner = Some(owner));
        }
    });
}

/// leptos' executor on the server: tokio, with every task spawned for a page recorded in the
/// page's scope so that it can be aborted when the page is gone. Installed before leptos_axum
/// would install plain tokio.
pub struct TrackingExecutor;

impl TrackingExecutor {
    /// Make this leptos' executor (once per process; later calls change nothing).
    pub fn install() {
        let _ = any_spawner::Executor::init_custom_executor(TrackingExecutor);
    }
}

impl any_spawner::CustomExecutor for TrackingExecutor {
    fn spawn(&self, fut: any_spawner::PinnedFuture<()>) {
        let handle = tokio::spawn(fut).abort_handle();
        let _ = PAGE.try_with(|page| {
            page.with(|l| {
                l.tasks.retain(|t| !t.is_finished());
                l.tasks.push(handle);
            })
        });
    }

    fn spawn_local(&self, fut: any_spawner::PinnedLocalFuture<()>) {
        tokio::task::spawn_local(fut);
    }

    fn poll_local(&self) {}
}

/// Run `handler` (the rest of the middleware stack) in a page scope that ends when the
/// response body is dropped, or when this future is dropped before there is a response.
pub async fn scoped(handler: impl Future<Output = Response>) -> Response {
    let scope = PageScope::default();
    let cleanup = CleanupOnDrop(scope.clone());
    let response = PAGE.scope(scope.clone(), handler).await;
    let (parts, body) = response.into_parts();
    Response::from_parts(parts, Body::new(ScopedBody { inner: body, scope, _cleanup: cleanup }))
}

/// The response body, polled inside the page scope (leptos renders most of a page while
/// hyper polls the body), owning the cleanup.
struct ScopedBody {
    inner: Body,
    scope: PageScope,
    _cleanup: CleanupOnDrop,
}

impl HttpBody for ScopedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let scope = self.scope.clone();
        PAGE.sync_scope(scope, || Pin::new(&mut self.inner).poll_frame(cx))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Something that keeps a page's owner alive past its response, as the tasks driving an
    /// abandoned page's resources do.
    type Holder = Arc<Mutex<Vec<Owner>>>;

    /// A "page": creates a root owner, records it, registers a cleanup, spawns a task that
    /// never ends through leptos' executor, and answers with a body that never ends (a render
    /// the client abandons). Returns the task's abort flag through `alive`.
    async fn page(cleaned: Arc<AtomicUsize>, holder: Holder, alive: Arc<AtomicUsize>) -> Response {
        let owner = Owner::new_root(None);
        holder.lock().unwrap().push(owner.clone());
        owner.with(|| {
            adopt_current_owner();
            leptos::prelude::on_cleanup(move || {
                cleaned.fetch_add(1, Ordering::SeqCst);
            });
        });
        struct Alive(Arc<AtomicUsize>);
        impl Drop for Alive {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        alive.fetch_add(1, Ordering::SeqCst);
        let token = Alive(alive);
        any_spawner::Executor::spawn(async move {
            let _token = token;
            std::future::pending::<()>().await;
        });
        let endless = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
        Response::new(Body::from_stream(endless))
    }

    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn an_abandoned_page_is_cleaned_up_and_its_tasks_stopped_when_its_body_is_dropped() {
        TrackingExecutor::install();
        let (cleaned, alive) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let response = scoped(page(cleaned.clone(), Holder::default(), alive.clone())).await;
        settle().await;
        assert_eq!(
            (cleaned.load(Ordering::SeqCst), alive.load(Ordering::SeqCst)),
            (0, 1),
            "not while the body is alive"
        );
        drop(response);
        settle().await;
        assert_eq!((cleaned.load(Ordering::SeqCst), alive.load(Ordering::SeqCst)), (1, 0), "once the client is gone");
    }

    #[tokio::test]
    async fn a_request_dropped_before_its_response_is_cleaned_up() {
        TrackingExecutor::install();
        let (cleaned, alive) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (c, a) = (cleaned.clone(), alive.clone());
        let handler = async move {
            let r = page(c, Holder::default(), a).await;
            // Still working on the response when the client leaves.
            std::future::pending::<()>().await;
            r
        };
        let mut request = Box::pin(scoped(handler));
        assert!(futures_util::poll!(request.as_mut()).is_pending());
        drop(request);
        settle().await;
        assert_eq!((cleaned.load(Ordering::SeqCst), alive.load(Ordering::SeqCst)), (1, 0));
    }

    #[tokio::test]
    async fn outside_a_scope_nothing_is_recorded() {
        TrackingExecutor::install();
        let (cleaned, alive) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let holder = Holder::default();
        let response = page(cleaned.clone(), holder.clone(), alive.clone()).await;
        drop(response);
        settle().await;
        assert_eq!(
            (cleaned.load(Ordering::SeqCst), alive.load(Ordering::SeqCst)),
            (0, 1),
            "without the scope an abandoned page stays (the leak this module exists for)"
        );
        drop(holder);
        assert_eq!(cleaned.load(Ordering::SeqCst), 1);
    }
}
