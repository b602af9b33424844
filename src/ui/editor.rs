//! The editor page: CodeMirror (public/editor.js) with the core's linter running in the
//! browser on every change, quick fixes from the rules' patches, a review of the semantic
//! diff against the base revision, and Register revision N+1. The draft is saved on the
//! server as the user types (per user and family; restored in any browser, after a restart)
//! and in the browser's localStorage as a fallback, until it is registered, so a failed
//! register, a reload or leaving the page loses nothing. Leaving the page (a client-side
//! navigation) destroys the CodeMirror view and frees its callbacks and timers.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::{Script, Title};
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use leptos_router::{lazy_route, LazyRoute};
use serde::{Deserialize, Serialize};

use super::api::{apply_fix, edit_source, review_edit, save_draft, EditData, RegisterOutcome, RegisterRevision};
use super::findings::{Message, SeverityPill};
use super::pages::{error_text, family_revision_key, ErrorBox, PageHeader};
use crate::core::document::{Document, ParseError};
use crate::core::finding::Finding;
use crate::core::rules::{lint_with, LintOptions};

/// The linter's answer for one text: a located parse error, or the findings (no fixes;
/// a fix is built when the user asks for it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LintResult {
    pub error: Option<ParseError>,
    pub findings: Vec<Finding>,
}

pub fn lint_text(text: &str) -> LintResult {
    match Document::parse(text) {
        Err(e) => LintResult { error: Some(e), findings: vec![] },
        Ok(doc) => LintResult {
            error: None,
            findings: lint_with(&doc, &LintOptions { skip_fixes: true, ..Default::default() }),
        },
    }
}

/// The editor route, loaded lazily: its code (the linter with every rule, the fixer, the
/// semantic diff) is split out of the main WASM bundle by `cargo leptos --split`, so the other
/// pages do not download it. `data` starts fetching the source while the chunk loads.
pub struct EditRoute {
    key: Memo<(String, u32)>,
    source: Resource<Result<EditData, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for EditRoute {
    fn data() -> Self {
        let key = family_revision_key();
        let source = Resource::new(move || key.get(), |(f, r)| edit_source(f, r));
        EditRoute { key, source }
    }

    fn view(this: Self) -> AnyView {
        let EditRoute { key, source } = this;
        view! {
            <Title text=move || { let (f, r) = key.get(); format!("Edit {f}:{r} · ecs-lens") }/>
            <Script src="/editor.js"/>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match source.await {
                        Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
                        Ok(s) => Either::Right(view! { <Editor source=s/> }),
                    }
                })}
            </Suspense>
        }
        .into_any()
    }
}

#[component]
fn Editor(source: EditData) -> impl IntoView {
    let family = source.family.clone();
    let base_rev = source.revision;
    let storage_key = format!("ecs-lens-draft:{}:{}", source.family, source.revision);
    // The user's draft kept on the server (it survives reloads, other browsers and restarts)
    // wins over the revision's text; the browser's own copy is the fallback.
    let restored = source.draft.clone();
    let initial = restored.as_ref().map_or_else(|| source.text.clone(), |d| d.text.clone());
    let (draft, set_draft) = signal(initial.clone());
    let (result, set_result) = signal(lint_text(&initial));
    let (fix_notes, set_fix_notes) = signal(Vec::<String>::new());
    let (override_blocking, set_override) = signal(false);
    let container = NodeRef::<leptos::html::Div>::new();
    let register = ServerAction::<RegisterRevision>::new();
    let navigate = use_navigate();

    // The mounted CodeMirror view and its callbacks: destroyed and freed when the page goes
    // (a client-side navigation unmounts it; nothing of it may outlive the page).
    let mounted = new_mounted_slot();
    // A draft change not yet saved on the server (base, text): saved at once if the page goes.
    let pending = StoredValue::new(None::<(u32, String)>);
    {
        let family = family.clone();
        on_cleanup(move || {
            if let Some(Some(m)) = mounted.try_update_value(Option::take) {
                unmount(m);
            }
            if let Some(Some((base, text))) = pending.try_update_value(Option::take) {
                let family = family.clone();
                leptos::task::spawn_local(async move {
                    let _ = save_draft(family, base, text).await;
                });
            }
        });
    }

    // Mount CodeMirror once the bundle has loaded (browser only).
    {
        let storage_key = storage_key.clone();
        let has_server_draft = restored.is_some();
        Effect::new(move |_| {
            if let Some(el) = container.get() {
                let saved = if has_server_draft { None } else { local_draft(&storage_key) };
                if let Some(t) = &saved {
                    set_draft.set(t.clone());
                    set_result.set(lint_text(t));
                }
                let text = saved.unwrap_or_else(|| draft.get_untracked());
                mount_when_ready(el, text, storage_key.clone(), set_draft, set_result, mounted);
            }
        });
    }

    // After a successful register, forget the draft and show the new revision.
    {
        let storage_key = storage_key.clone();
        let family = family.clone();
        Effect::new(move |_| {
            if let Some(Ok(RegisterOutcome::Registered(rev))) = register.value().get() {
                clear_local_draft(&storage_key);
                // Registered: the server forgot the draft; leaving must not save it again.
                pending.set_value(None);
                navigate(&format!("/families/{family}/{rev}"), Default::default());
            }
        });
    }

    let blocking = move || result.with(|r| r.findings.iter().filter(|f| f.blocks_registration).count());
    let can_register = move || {
        result.with(|r| r.error.is_none()) && (blocking() == 0 || override_blocking.get()) && !register.pending().get()
    };
    // The review (semantic diff and findings delta against the base revision) is computed by
    // the server: the diff and graph code stay out of the editor's download.
    // The revision the draft is registered on top of: the one the edit started from, or,
    // after a conflict the user chose to carry the edit over, the newer one.
    let (on_top_of, set_on_top_of) = signal(restored.as_ref().map_or(base_rev, |d| d.base_revision));
    // Save the draft on the server as the user types: 400 ms after the last change.
    {
        let family = family.clone();
        let generation = StoredValue::new(0u64);
        Effect::new(move |first: Option<()>| {
            let text = draft.get();
            let base = on_top_of.get();
            if first.is_none() {
                return; // the text as loaded is not an edit
            }
            let mine = generation.get_value() + 1;
            generation.set_value(mine);
            pending.set_value(Some((base, text)));
            let family = family.clone();
            set_timeout(
                move || {
                    // Only the last change's timer saves, and only while the page is there
                    // (after it went, the cleanup saved what was pending).
                    if generation.try_get_value() == Some(mine) {
                        if let Some(Some((base, text))) = pending.try_update_value(Option::take) {
                            leptos::task::spawn_local(async move {
                                let _ = save_draft(family, base, text).await;
                            });
                        }
                    }
                },
                std::time::Duration::from_millis(400),
            );
        });
    }
    let review = {
        let family = family.clone();
        Resource::new(
            move || (draft.get(), on_top_of.get()),
            move |(text, base)| review_edit(family.clone(), base, text),
        )
    };
    let fam_register = family.clone();
    let (note, set_note) = signal(String::new());
    let do_register = move |_| {
        register.dispatch(RegisterRevision {
            family: fam_register.clone(),
            text: draft.get_untracked(),
            base: Some(on_top_of.get_untracked()),
            note: Some(note.get_untracked()).filter(|n| !n.trim().is_empty()),
        });
    };
    // The fix is built and applied on the server (the browser bundle has no fix builders).
    let apply = move |f: Finding| {
        let text = draft.get_untracked();
        leptos::task::spawn_local(async move {
            match apply_fix(text, f).await {
                Ok(q) => {
                    set_fix_notes.set(q.notes);
                    set_editor_text(&q.text);
                    set_result.set(lint_text(&q.text));
                    set_draft.set(q.text);
                }
                Err(e) => set_fix_notes.set(vec![format!("The fix could not be applied: {}", error_text(&e))]),
            }
        });
    };

    view! {
        <PageHeader title=format!("Edit {}:{}", source.family, source.revision)
            subtitle="The linter runs in your browser on every change. Register creates the next revision.".into()>
            <A href=format!("/families/{}/{}", source.family, source.revision) attr:class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50">"Cancel"</A>
            {
                let href = format!("/families/{}/{}/migrate", source.family, source.revision);
                move || result.get().findings.iter().any(|f| f.rule == "SEC001" && f.severity == crate::core::Severity::Critical).then(|| view! {
                    <A href=href.clone() attr:class="rounded-md border border-red-300 bg-red-50 px-3 py-1.5 text-sm font-medium text-red-800 hover:bg-red-100" attr:data-testid="move-secrets"
                        attr:title="Create the secrets from the registered revision's values and register a revision that references them">"Move secrets to Secrets Manager"</A>
                })
            }
            <input type="text" maxlength="500" placeholder="Note for the new revision (why, ticket)" aria-label="Note for the new revision"
                class="w-64 max-w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm" data-testid="register-note"
                prop:value=note on:input=move |ev| set_note.set(event_target_value(&ev))/>
            <button class="rounded-md bg-emerald-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-emerald-600 disabled:cursor-not-allowed disabled:opacity-40"
                data-testid="register" disabled=move || !can_register() on:click=do_register>
                "Register new revision"
            </button>
        </PageHeader>
        <div class="grid grid-cols-1 gap-6 lg:grid-cols-5">
            <div class="min-w-0 lg:col-span-3">
                {move || result.with(|r| r.error.clone()).map(|e| view! {
                    <div class="mb-3 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800" role="alert" data-testid="parse-error">
                        {format!("Line {}, column {}: {}", e.line, e.column, e.message)}
                    </div>
                })}
                {
                    let family = family.clone();
                    move || match register.value().get() {
                        Some(Ok(RegisterOutcome::Conflict { base, latest, message })) => Some(view! {
                            <div class="mb-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" role="alert" data-testid="register-conflict">
                                <div><span class="font-semibold">"Conflict: "</span>{message}". Your draft is kept."</div>
                                <div class="mt-2 flex flex-wrap items-center gap-3">
                                    <a class="font-medium text-sky-700 hover:underline" target="_blank" href=format!("/compare/{family}/{base}/{latest}")>
                                        {format!("See what changed: compare {base} ↔ {latest}")}
                                    </a>
                                    <button class="rounded border border-amber-400 bg-white px-2 py-0.5 text-xs font-medium hover:bg-amber-100"
                                        data-testid="carry-over" on:click=move |_| set_on_top_of.set(latest)
                                        disabled=move || on_top_of.get() == latest>
                                        {move || if on_top_of.get() == latest {
                                            format!("Carried over: Register now creates the revision after {latest}")
                                        } else {
                                            format!("Carry my edit over onto {latest}")
                                        }}
                                    </button>
                                </div>
                            </div>
                        }.into_any()),
                        _ => None,
                    }
                }
                {move || register.value().get().and_then(|r| r.err()).map(|e| view! {
                    <div class="mb-3 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800" role="alert" data-testid="register-error">
                        <span class="font-semibold">"Not registered: "</span>{error_text(&e)}
                        " Your draft is kept."
                    </div>
                })}
                {restored.as_ref().map(|d| view! {
                    <div class="mb-3 rounded-md border border-sky-200 bg-sky-50 p-2 text-xs text-sky-900" data-testid="draft-restored">
                        {format!("Your draft, saved on the server at {} (on top of revision {}), is restored.", d.updated_at, d.base_revision)}
                    </div>
                })}
                <div node_ref=container class="overflow-hidden rounded-lg border border-slate-300 bg-white" data-testid="editor"></div>
                <noscript><p class="text-sm text-slate-500">"The editor needs JavaScript."</p></noscript>
                {move || (!fix_notes.get().is_empty()).then(|| view! {
                    <div class="mt-3 rounded-md bg-emerald-50 p-3 text-xs text-emerald-900" data-testid="fix-notes">
                        <div class="mb-1 font-semibold">"Fix applied. Still to do outside the task definition:"</div>
                        <ul class="list-disc space-y-1 pl-5">{fix_notes.get().into_iter().map(|n| view! { <li class="break-all"><Message text=n/></li> }).collect_view()}</ul>
                    </div>
                })}
            </div>
            <div class="min-w-0 space-y-6 lg:col-span-2">
                <section>
                    <h2 class="mb-2 flex items-center gap-2 text-lg font-semibold">"Findings"
                        <span class="text-sm font-normal text-slate-500" data-testid="finding-count">{move || result.with(|r| r.findings.len()).to_string()}</span>
                    </h2>
                    {move || (blocking() > 0).then(|| view! {
                        <label class="mb-2 flex items-center gap-2 rounded-md bg-red-50 p-2 text-sm text-red-800">
                            <input type="checkbox" data-testid="override" on:change=move |ev| set_override.set(event_target_checked(&ev))/>
                            {format!("{} finding(s) AWS would reject. Register anyway", blocking())}
                        </label>
                    })}
                    <ul class="max-h-[30rem] space-y-2 overflow-auto" data-testid="editor-findings">
                        {move || result.get().findings.into_iter().map(|f| {
                            let fixable = f.fix.is_some() || crate::core::rules::rule(&f.rule).is_some();
                            let f2 = f.clone();
                            view! {
                                <li class="rounded-md border border-slate-200 bg-white p-2 text-sm" data-rule=f.rule.clone() data-container=f.container.clone().unwrap_or_default()>
                                    <div class="flex items-start gap-2">
                                        <SeverityPill severity=f.severity/>
                                        <div class="min-w-0 flex-1">
                                            <div><span class="font-mono text-xs text-slate-500">{format!("{} · line {} ", f.rule, f.line)}</span><Message text=f.message.clone()/></div>
                                            {fixable.then(|| view! {
                                                <button class="mt-1 rounded border border-emerald-300 bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800 hover:bg-emerald-100"
                                                    data-testid="quick-fix" on:click=move |_| apply(f2.clone())>
                                                    "Apply fix"
                                                </button>
                                            })}
                                        </div>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
                <section data-testid="review">
                    <h2 class="mb-2 text-lg font-semibold">{move || format!("Review against {}", on_top_of.get())}</h2>
                    <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Comparing…"</p> }>
                        {move || Suspend::new(async move {
                            match review.await {
                                Err(e) => Either::Left(view! { <p class="text-sm text-red-700">{format!("The review failed: {e}")}</p> }.into_any()),
                                Ok(None) => Either::Left(view! { <p class="text-sm text-slate-500">"Fix the JSON to see the changes."</p> }.into_any()),
                                Ok(Some(r)) => Either::Right(view! {
                                    <div class="text-sm">
                                        <p class="text-slate-600">{format!("{} change(s); findings: {} resolved, {} introduced", r.changes.len(), r.resolved, r.introduced)}</p>
                                        <ul class="mt-1 space-y-1 font-mono text-xs">
                                            {r.changes.into_iter().map(|c| view! { <li data-kind=c.kind>{c.label}</li> }).collect_view()}
                                        </ul>
                                    </div>
                                }),
                            }
                        })}
                    </Transition>
                </section>
            </div>
        </div>
    }
}

/// Replace the text in the page's CodeMirror view (browser only).
fn set_editor_text(text: &str) {
    #[cfg(feature = "hydrate")]
    js::set_text(text);
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}

#[cfg(feature = "hydrate")]
mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = ecsLensEditor, js_name = mount)]
        pub fn mount(parent: &JsValue, text: &str, lint: &js_sys::Function, change: &js_sys::Function) -> JsValue;
        #[wasm_bindgen(js_namespace = ecsLensEditor, js_name = setText)]
        pub fn set_text(text: &str);
        #[wasm_bindgen(js_namespace = ecsLensEditor, js_name = unmount)]
        pub fn unmount(view: &JsValue);
    }

    pub fn window() -> JsValue {
        js_sys::global().into()
    }

    /// `performance.now()` in milliseconds.
    pub fn now() -> f64 {
        js_sys::Reflect::get(&window(), &"performance".into())
            .ok()
            .and_then(|p| {
                let now: js_sys::Function = js_sys::Reflect::get(&p, &"now".into()).ok()?.dyn_into().ok()?;
                now.call0(&p).ok()?.as_f64()
            })
            .unwrap_or(0.0)
    }

    /// Keep how long each lint took in `window.__ecsLensLintMs` (the last 200), so that the
    /// per-keystroke cost can be read off a real page (end2end/measure-ui.mjs).
    pub fn record_lint_ms(ms: f64) {
        let w = window();
        let list = js_sys::Reflect::get(&w, &"__ecsLensLintMs".into())
            .ok()
            .and_then(|v| v.dyn_into::<js_sys::Array>().ok())
            .unwrap_or_else(|| {
                let a = js_sys::Array::new();
                let _ = js_sys::Reflect::set(&w, &"__ecsLensLintMs".into(), &a);
                a
            });
        list.push(&ms.into());
        if list.length() > 200 {
            list.shift();
        }
    }

    pub fn ready() -> bool {
        js_sys::Reflect::get(&window(), &"ecsLensEditor".into()).is_ok_and(|v| !v.is_undefined())
    }

    fn storage() -> Option<JsValue> {
        js_sys::Reflect::get(&window(), &"localStorage".into()).ok().filter(|v| !v.is_null() && !v.is_undefined())
    }

    fn call(method: &str, args: &[&JsValue]) -> Option<JsValue> {
        let s = storage()?;
        let f: js_sys::Function = js_sys::Reflect::get(&s, &method.into()).ok()?.dyn_into().ok()?;
        match args {
            [a] => f.call1(&s, a).ok(),
            [a, b] => f.call2(&s, a, b).ok(),
            _ => None,
        }
    }

    pub fn get(key: &str) -> Option<String> {
        call("getItem", &[&key.into()])?.as_string()
    }

    pub fn set(key: &str, value: &str) {
        let _ = call("setItem", &[&key.into(), &value.into()]);
    }

    pub fn remove(key: &str) {
        let _ = call("removeItem", &[&key.into()]);
    }
}

fn local_draft(key: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        js::get(key)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key;
        None
    }
}

fn clear_local_draft(key: &str) {
    #[cfg(feature = "hydrate")]
    js::remove(key);
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
}

/// A mounted CodeMirror view and the callbacks it calls (browser only).
#[cfg(feature = "hydrate")]
struct Mounted {
    view: wasm_bindgen::JsValue,
    _lint: wasm_bindgen::closure::Closure<dyn Fn(String) -> String>,
    _change: wasm_bindgen::closure::Closure<dyn Fn(String)>,
}
#[cfg(not(feature = "hydrate"))]
struct Mounted;

/// Where the page keeps its mounted editor. In the browser the view and callbacks are not
/// `Send`: local storage. On the server nothing is ever mounted, and the page's cleanup may run
/// on another thread than its render, where local storage must not be touched: thread-safe
/// storage of the empty marker.
#[cfg(feature = "hydrate")]
type MountedSlot = StoredValue<Option<Mounted>, LocalStorage>;
#[cfg(not(feature = "hydrate"))]
type MountedSlot = StoredValue<Option<Mounted>>;

fn new_mounted_slot() -> MountedSlot {
    #[cfg(feature = "hydrate")]
    {
        StoredValue::new_local(None)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        StoredValue::new(None)
    }
}

/// Destroy the view first (it removes its listeners, so it calls no callback after this),
/// then free the callbacks.
fn unmount(m: Mounted) {
    #[cfg(feature = "hydrate")]
    js::unmount(&m.view);
    drop(m);
}

#[allow(unused_variables)]
fn mount_when_ready(
    el: leptos::web_sys::HtmlDivElement,
    text: String,
    storage_key: String,
    set_draft: WriteSignal<String>,
    set_result: WriteSignal<LintResult>,
    mounted: MountedSlot,
) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::prelude::*;
        use wasm_bindgen::JsCast;
        // The page went while the bundle was loading: nothing to mount.
        if mounted.try_with_value(|_| ()).is_none() {
            return;
        }
        if !js::ready() {
            set_timeout(
                move || mount_when_ready(el, text, storage_key, set_draft, set_result, mounted),
                std::time::Duration::from_millis(30),
            );
            return;
        }
        let lint = Closure::<dyn Fn(String) -> String>::new(move |t: String| {
            let started = js::now();
            let r = lint_text(&t);
            js::record_lint_ms(js::now() - started);
            let out = serde_json::to_string(&r).unwrap_or_else(|_| "{\"error\":null,\"findings\":[]}".into());
            set_result.set(r);
            out
        });
        let change = Closure::<dyn Fn(String)>::new(move |t: String| {
            js::set(&storage_key, &t);
            set_draft.set(t);
        });
        let el: JsValue = el.into();
        let view = js::mount(&el, &text, lint.as_ref().unchecked_ref(), change.as_ref().unchecked_ref());
        // Kept by the page, destroyed and freed when it goes (see `Editor`'s cleanup).
        if let Some(Some(m)) = mounted.try_set_value(Some(Mounted { view, _lint: lint, _change: change })) {
            unmount(m); // the page went meanwhile
        }
    }
}
