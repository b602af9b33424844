//! The dashboard's pages. Data comes from the server functions in `api`; with SSR the
//! first render already has it (no spinner for data the server has), then the page hydrates.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::{lazy_route, LazyRoute};

use super::api::*;
use super::findings::{count_by_severity, FindingsList, Message, SeverityCounts, SeverityPill};
use super::graph::GraphView;
use super::json::JsonView;
use crate::core::diff::ChangeKind;
use crate::core::finding::{Category, Severity};

/// A server error as a readable box (no silent failure).
#[component]
pub fn ErrorBox(message: String) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-800" role="alert" data-testid="error">
            <div class="font-semibold">"Something went wrong"</div>
            <div class="mt-1 break-words">{message}</div>
        </div>
    }
}

/// A server function's error as a person reads it (the server's own message when it sent one).
pub fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        other => other.to_string(),
    }
}

fn loading() -> impl IntoView {
    view! { <p class="animate-pulse text-sm text-slate-500">"Loading…"</p> }
}

#[component]
pub fn PageHeader(title: String, #[prop(optional)] subtitle: Option<String>, children: Children) -> impl IntoView {
    view! {
        <div class="mb-6 flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>
                {subtitle.map(|s| view! { <p class="mt-1 text-sm text-slate-500">{s}</p> })}
            </div>
            <div class="flex flex-wrap gap-2">{children()}</div>
        </div>
    }
}

// ---------------------------------------------------------------- lists

const BUTTON: &str =
    "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50";
const FIELD: &str =
    "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm shadow-sm focus:border-sky-500 focus:outline-none";
/// Every table: a box that scrolls sideways on a phone, the table, its header row.
pub(crate) const TABLE_BOX: &str = "overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm";
pub(crate) const TABLE: &str = "min-w-full divide-y divide-slate-200 text-sm";
pub(crate) const THEAD: &str = "bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500";

/// "Page 2 of 40 · 1,987 families" with Previous/Next links (`href` of a page number).
#[component]
pub fn Pager(page: u32, pages: u32, total: u64, noun: &'static str, href: impl Fn(u32) -> String) -> impl IntoView {
    let link = |to: u32, label: &'static str, rel: &'static str| {
        view! { <A href=href(to) attr:class=BUTTON attr:rel=rel attr:data-testid=format!("page-{rel}")>{label}</A> }
    };
    view! {
        <nav class="mt-4 flex flex-wrap items-center justify-between gap-3 text-sm text-slate-600" aria-label="Pages" data-testid="pager">
            <span data-testid="page-info">{format!("Page {page} of {pages} · {} {noun}", group_digits(total))}</span>
            <span class="flex gap-2">
                {(page > 1).then(|| link(page - 1, "← Previous", "prev"))}
                {(page < pages).then(|| link(page + 1, "Next →", "next"))}
            </span>
        </nav>
    }
}

/// 12345 → "12,345".
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Where the mirror stands, when it matters: filling up, syncing, or stale.
#[component]
pub fn SyncNotice(sync: SyncInfo, empty: bool) -> impl IntoView {
    let when = sync.synced_at.clone().unwrap_or_else(|| "never".into());
    let (style, text) = if sync.stale {
        (
            "border-amber-300 bg-amber-50 text-amber-900",
            format!(
                "Stale since {when}: the last sync could not reach the source ({}). Showing the mirror as of then.",
                sync.error.clone().unwrap_or_default()
            ),
        )
    } else if sync.state == "syncing" || (empty && sync.state == "never") {
        (
            "border-sky-200 bg-sky-50 text-sky-900",
            if sync.total > 0 {
                format!("Syncing: {} of {} revisions described…", group_digits(sync.done), group_digits(sync.total))
            } else {
                "Syncing: listing the task definitions…".to_string()
            },
        )
    } else if sync.state == "partial" {
        (
            "border-amber-200 bg-amber-50 text-amber-900",
            format!("Synced {when}, with gaps: {}", sync.error.clone().unwrap_or_default()),
        )
    } else {
        return None;
    };
    // Nothing to show yet: look again in a moment (a plain refresh, so also before hydration).
    let filling = empty && !sync.stale && (sync.state == "syncing" || sync.state == "never");
    Some(view! {
        {filling.then(|| view! { <Meta http_equiv="refresh" content="2"/> })}
        <div class=format!("mb-4 rounded-lg border px-4 py-2 text-sm {style}") role="status" data-testid="sync-notice" data-state=sync.state.clone()>
            {text}
        </div>
    })
}

// ---------------------------------------------------------------- families

#[component]
pub fn FamiliesPage() -> impl IntoView {
    let query = use_query_map();
    let wanted = Memo::new(move |_| {
        let q = query.read();
        FamiliesQuery::from_query(|k| q.get(k))
    });
    let families = Resource::new(move || wanted.get(), list_families);
    view! {
        <Title text="Task definitions · ecs-lens"/>
        <PageHeader title="Task definition families".into() subtitle="Latest ACTIVE revision of each family, with what is wrong with it.".into()>
            <span></span>
        </PageHeader>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match families.await {
                    Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
                    Ok(page) => Either::Right(view! { <FamiliesView page=page/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FamiliesView(page: FamiliesPage) -> impl IntoView {
    let q = page.query.clone();
    let has_services = page.sync.has_services;
    let empty = page.rows.total == 0;
    let pager_q = q.clone();
    let sel = |current: &str, value: &str| current == value;
    let unfiltered = q == FamiliesQuery::default();
    let sev_options: Vec<(&'static str, bool)> = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low]
        .into_iter()
        .map(|s| (s.as_str(), sel(&q.sev, s.as_str())))
        .collect();
    let (use_any, use_yes, use_no) = (q.in_use.is_empty(), sel(&q.in_use, "yes"), sel(&q.in_use, "no"));
    let (sort_name, sort_findings, sort_registered) =
        (q.sort.is_empty(), sel(&q.sort, "findings"), sel(&q.sort, "registered"));
    let (search, sev_any) = (q.q.clone(), q.sev.is_empty());
    let rule = Some(q.rule.clone()).filter(|r| !r.is_empty());
    let category = Some(q.category.clone()).filter(|c| !c.is_empty());
    view! {
        <SyncNotice sync=page.sync.clone() empty=empty/>
        {(!page.notes.is_empty()).then(|| view! {
            <section class="mb-4 rounded-xl border border-slate-200 bg-white p-3 text-sm shadow-sm" data-testid="note-matches">
                <h2 class="mb-1 font-semibold">"Notes that match"</h2>
                <ul class="space-y-1">
                    {page.notes.iter().map(|(f, r, text)| view! {
                        <li class="min-w-0 break-words">
                            <A href=format!("/families/{f}/{r}") attr:class="font-mono text-sky-700 hover:underline">{format!("{f}:{r}")}</A>
                            {format!(" — {text}")}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        <Form method="get" action="/" attr:class="mb-4 flex flex-wrap items-center gap-2" attr:data-testid="family-filters">
            <input type="search" name="q" value=search placeholder="Search families…" aria-label="Search families"
                class=format!("w-full sm:w-64 {FIELD}") data-testid="family-filter"/>
            <select name="sev" aria-label="Findings at least" class=FIELD data-testid="family-severity">
                <option value="" selected=sev_any>"any findings"</option>
                {sev_options.into_iter().map(|(s, selected)| view! {
                    <option value=s selected=selected>{format!("{s} or worse")}</option>
                }).collect_view()}
            </select>
            {has_services.then(|| view! {
                <select name="use" aria-label="In use" class=FIELD data-testid="family-in-use">
                    <option value="" selected=use_any>"in use or not"</option>
                    <option value="yes" selected=use_yes>"run by a service"</option>
                    <option value="no" selected=use_no>"run by no service"</option>
                </select>
            })}
            <select name="sort" aria-label="Sort" class=FIELD data-testid="family-sort">
                <option value="" selected=sort_name>"by name"</option>
                <option value="findings" selected=sort_findings>"worst first"</option>
                <option value="registered" selected=sort_registered>"newest first"</option>
            </select>
            {rule.map(|r| view! { <input type="hidden" name="rule" value=r/> })}
            {category.map(|c| view! { <input type="hidden" name="category" value=c/> })}
            <button type="submit" class="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700" data-testid="family-apply">"Apply"</button>
        </Form>
        {empty.then(|| view! {
            <p class="rounded-lg border border-slate-200 bg-white p-4 text-sm text-slate-600" data-testid="no-families">
                {if unfiltered { "No task definitions yet." } else { "No family matches these filters." }}
            </p>
        })}
        {(!empty).then(|| view! {
            <div class=TABLE_BOX>
                <table class=TABLE data-testid="families">
                    <thead class=THEAD>
                        <tr>
                            <th class="px-4 py-2">"Family"</th>
                            <th class="hidden px-4 py-2 sm:table-cell">"Latest ACTIVE"</th>
                            <th class="hidden px-4 py-2 md:table-cell">"Registered"</th>
                            <th class="px-4 py-2">"Findings"</th>
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100">
                        {page.rows.items.iter().map(|r| {
                            let fam = r.family.clone();
                            let latest = r.latest_active.map(|rev| (format!("/families/{fam}/{rev}"), format!("{fam}:{rev}")));
                            let href = format!("/families/{fam}");
                            let label = fam.clone();
                            let latest_link = |latest: Option<(String, String)>| match latest {
                                Some((href, label)) => Either::Left(view! {
                                    <A href=href attr:class="break-all font-mono text-sky-700 hover:underline">{label}</A>
                                }),
                                None => Either::Right(view! { <span class="text-slate-500">"none (all INACTIVE)"</span> }),
                            };
                            view! {
                                <tr class="hover:bg-slate-50" data-family=fam>
                                    <td class="px-4 py-3 font-medium">
                                        <A href=href attr:class="break-all text-sky-700 hover:underline">{label}</A>
                                        // On a phone the latest revision goes under the name.
                                        <div class="mt-0.5 text-xs sm:hidden">{latest_link(latest.clone())}</div>
                                        <div class="text-xs font-normal text-slate-500">
                                            {format!("{} revision(s) · {}", r.revision_count, r.status)}
                                            {(r.in_use > 0).then(|| view! {
                                                <span class="ml-2 rounded bg-emerald-100 px-1.5 py-0.5 font-semibold text-emerald-800" data-testid="in-use"
                                                    title="services run revisions of this family">{format!("in use · {} service(s)", r.in_use)}</span>
                                            })}
                                        </div>
                                    </td>
                                    <td class="hidden px-4 py-3 sm:table-cell">{latest_link(latest.clone())}</td>
                                    <td class="hidden px-4 py-3 text-slate-600 md:table-cell">
                                        <div>{r.registered_at.clone().unwrap_or_default()}</div>
                                        <div class="max-w-xs truncate text-xs text-slate-500" title=r.registered_by.clone().unwrap_or_default()>{r.registered_by.clone().unwrap_or_default()}</div>
                                    </td>
                                    <td class="px-4 py-3">
                                        <SeverityCounts counts=r.counts/>
                                        {(r.blocking > 0).then(|| view! {
                                            <div class="mt-1 text-xs font-medium text-red-700">{format!("{} would be rejected by AWS", r.blocking)}</div>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <Pager page=page.rows.page pages=page.rows.pages total=page.rows.total noun="families"
                href=move |n| format!("/{}", pager_q.on_page(n).to_query())/>
        })}
    }
}

// ---------------------------------------------------------------- family

/// `/families/:family?page=N` (a lazily loaded route, like every page but the first).
pub struct FamilyRoute {
    key: Memo<(String, u32)>,
    revisions: Resource<Result<FamilyPage, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for FamilyRoute {
    fn data() -> Self {
        let params = use_params_map();
        let query = use_query_map();
        let key = Memo::new(move |_| {
            let page = query.read().get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1).max(1);
            (params.read().get("family").unwrap_or_default(), page)
        });
        FamilyRoute { key, revisions: Resource::new(move || key.get(), |(f, p)| list_revisions(f, p)) }
    }

    fn view(this: Self) -> AnyView {
        family_view(this).into_any()
    }
}

fn family_view(FamilyRoute { key, revisions }: FamilyRoute) -> impl IntoView {
    let family = move || key.get().0;
    let (a, set_a) = signal(None::<u32>);
    let (b, set_b) = signal(None::<u32>);
    let navigate = use_navigate();
    let compare = move |_| {
        if let (Some(x), Some(y)) = (a.get(), b.get()) {
            let (lo, hi) = if x < y { (x, y) } else { (y, x) };
            navigate(&format!("/compare/{}/{lo}/{hi}", family()), Default::default());
        }
    };
    view! {
        <Title text=move || format!("{} · ecs-lens", family())/>
        <PageHeader title=family() subtitle="Revisions, newest first. Pick two to compare.".into()>
            <A href=move || format!("/families/{}/history", family()) attr:class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50" attr:data-testid="history-link">"History"</A>
            <A href=move || format!("/families/{}/exposure", family()) attr:class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50" attr:data-testid="exposure-link">"Exposure"</A>
            <button class="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-40"
                data-testid="compare-button"
                disabled=move || a.get().is_none() || b.get().is_none() || a.get() == b.get()
                on:click=compare>
                {move || match (a.get(), b.get()) {
                    (Some(x), Some(y)) if x != y => format!("Compare {} ↔ {}", x.min(y), x.max(y)),
                    _ => "Compare two revisions".to_string(),
                }}
            </button>
        </PageHeader>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match revisions.await {
                    Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
                    Ok(page) => Either::Right({
                        let fam = page.family.clone();
                        let pager_fam = fam.clone();
                        view! {
                            {page.can_edit.then(|| view! {
                                <p class="mb-3 text-sm"><A href=format!("/families/{fam}/prune") attr:class="font-medium text-sky-700 underline" attr:data-testid="prune-link">"Prune old revisions…"</A></p>
                            })}
                            <ServicesPanel services=page.services.clone() has_services=page.has_services family=fam.clone()/>
                            <div class=TABLE_BOX>
                                <table class=TABLE data-testid="revisions">
                                    <thead class=THEAD>
                                        <tr>
                                            <th class="px-3 py-2">"A"</th>
                                            <th class="px-3 py-2">"B"</th>
                                            <th class="px-4 py-2">"Revision"</th>
                                            <th class="hidden px-4 py-2 sm:table-cell">"Status"</th>
                                            <th class="px-4 py-2">"Findings"</th>
                                            <th class="hidden px-4 py-2 md:table-cell">"Registered"</th>
                                        </tr>
                                    </thead>
                                    <tbody class="divide-y divide-slate-100">
                                        {page.revisions.items.into_iter().map(|r| {
                                            let rev = r.revision;
                                            let active = r.status == "ACTIVE";
                                            view! {
                                                <tr class="hover:bg-slate-50" data-revision=rev.to_string()>
                                                    <td class="px-3 py-3"><input type="radio" name="a" aria-label=format!("compare from {rev}")
                                                        on:change=move |_| set_a.set(Some(rev))/></td>
                                                    <td class="px-3 py-3"><input type="radio" name="b" aria-label=format!("compare to {rev}")
                                                        on:change=move |_| set_b.set(Some(rev))/></td>
                                                    <td class="px-4 py-3 font-mono">
                                                        <A href=format!("/families/{fam}/{rev}") attr:class="whitespace-nowrap text-sky-700 hover:underline">{format!("{fam}:{rev}")}</A>
                                                        <div class="mt-1 font-sans text-xs text-slate-500 sm:hidden">{r.status.clone()}</div>
                                                        {r.services.iter().map(|s| view! {
                                                            <div class="mt-1 font-sans text-xs font-semibold text-emerald-800" data-testid="runs">{format!("runs in {s}")}</div>
                                                        }).collect_view()}
                                                        {r.note.clone().map(|n| view! {
                                                            <div class="mt-1 max-w-xs break-words font-sans text-xs text-slate-600" data-testid="revision-note">{n}</div>
                                                        })}
                                                    </td>
                                                    <td class="hidden px-4 py-3 sm:table-cell">
                                                        <span class=if active { "rounded bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-800" } else { "rounded bg-slate-100 px-2 py-0.5 text-xs font-semibold text-slate-600" }>
                                                            {r.status.clone()}
                                                        </span>
                                                        {r.deregistered_at.clone().map(|d| view! { <div class="mt-1 text-xs text-slate-500">{format!("deregistered {d}")}</div> })}
                                                    </td>
                                                    <td class="px-4 py-3"><SeverityCounts counts=r.counts/></td>
                                                    <td class="hidden px-4 py-3 text-slate-600 md:table-cell">
                                                        <div>{r.registered_at.clone()}</div>
                                                        <div class="text-xs text-slate-500">{r.registered_by.clone()}</div>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <Pager page=page.revisions.page pages=page.revisions.pages total=page.revisions.total noun="revisions"
                                href=move |n| format!("/families/{pager_fam}?page={n}")/>
                        }
                    }),
                }
            })}
        </Suspense>
    }
}

/// The services running a family's revisions (or why there are none).
#[component]
fn ServicesPanel(services: Vec<ServiceRow>, has_services: bool, family: String) -> impl IntoView {
    let body = if !has_services {
        Either::Left(view! {
            <p class="text-slate-600">"No services: this source (the embedded store) has none, so nothing is in use here."</p>
        })
    } else if services.is_empty() {
        Either::Left(view! { <p class="text-slate-600">"No service runs any revision of this family."</p> })
    } else {
        Either::Right(view! {
            <ul class="space-y-1">
                {services.into_iter().map(|s| view! {
                    <li data-testid="service">
                        <span class="font-medium">{s.label()}</span>" runs "
                        <A href=format!("/families/{family}/{}", s.revision) attr:class="font-mono text-sky-700 hover:underline">{format!("{family}:{}", s.revision)}</A>
                        <span class="text-xs text-slate-500">{format!(" · {} · {}/{} running", s.deployment, s.running, s.desired)}</span>
                    </li>
                }).collect_view()}
            </ul>
        })
    };
    view! {
        <section class="mb-4 rounded-xl border border-slate-200 bg-white p-4 text-sm shadow-sm" data-testid="services">
            <h2 class="mb-2 font-semibold">"In use"</h2>
            {body}
        </section>
    }
}

// ---------------------------------------------------------------- revision

/// `(family, revision)` from the route's `:family/:revision` (revision 0 when it is not a number,
/// which the store answers as not found).
pub fn family_revision_key() -> Memo<(String, u32)> {
    let params = use_params_map();
    Memo::new(move |_| {
        let p = params.read();
        (p.get("family").unwrap_or_default(), p.get("revision").and_then(|r| r.parse::<u32>().ok()).unwrap_or(0))
    })
}

/// `/families/:family/:revision` (lazily loaded: the graph, findings and JSON views).
pub struct RevisionRoute {
    key: Memo<(String, u32)>,
    data: Resource<Result<RevisionData, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for RevisionRoute {
    fn data() -> Self {
        let key = family_revision_key();
        RevisionRoute { key, data: Resource::new(move || key.get(), |(f, r)| get_revision(f, r)) }
    }

    fn view(this: Self) -> AnyView {
        revision_view(this).into_any()
    }
}

fn revision_view(RevisionRoute { key, data }: RevisionRoute) -> impl IntoView {
    let key = move || key.get();
    view! {
        <Title text=move || { let (f, r) = key(); format!("{f}:{r} · ecs-lens") }/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
                    Ok(d) => Either::Right(view! { <RevisionView data=d/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RevisionView(data: RevisionData) -> impl IntoView {
    let counts = count_by_severity(&data.findings);
    let badges: super::graph::Badges = data
        .containers
        .iter()
        .filter(|c| c.findings > 0)
        .map(|c| {
            let worst = data
                .findings
                .iter()
                .filter(|f| f.container.as_deref() == Some(c.name.as_str()))
                .map(|f| f.severity)
                .max()
                .map(|s| s.as_str())
                .unwrap_or("info");
            (c.name.clone(), c.findings, worst)
        })
        .collect();
    let fam = data.family.clone();
    let rev = data.revision;
    let has_plaintext = data.findings.iter().any(|f| f.rule == "SEC001" && f.severity == Severity::Critical);
    let s = data.summary.clone();
    let fact = |label: &'static str, value: String| {
        let title = value.clone();
        view! {
            <div class="min-w-0">
                <dt class="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
                <dd class="mt-0.5 truncate text-sm text-slate-900" title=title>{value}</dd>
            </div>
        }
    };
    view! {
        <PageHeader title=format!("{}:{}", data.family, data.revision)
            subtitle=registration_line(&data.status, &data.registered_at, &data.registered_by)>
            <A href=format!("/families/{fam}") attr:class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50">"All revisions"</A>
            {(!data.read_only).then(|| view! {
                <A href=format!("/families/{fam}/{rev}/edit") attr:class="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">"Edit"</A>
            })}
            {(rev > 1).then(|| view! {
                <A href=format!("/compare/{fam}/{}/{rev}", rev - 1) attr:class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50">{format!("Compare with {}", rev - 1)}</A>
            })}
            {has_plaintext.then(|| view! {
                <A href=format!("/families/{fam}/{rev}/migrate") attr:class="rounded-md border border-red-300 bg-red-50 px-3 py-1.5 text-sm font-medium text-red-800 hover:bg-red-100" attr:data-testid="move-secrets">"Move secrets to Secrets Manager"</A>
            })}
            <A href=format!("/families/{fam}/{rev}/verify") attr:class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50" attr:data-testid="verify">"Verify"</A>
        </PageHeader>
        <dl class="mb-6 grid grid-cols-2 gap-4 rounded-xl border border-slate-200 bg-white p-4 shadow-sm md:grid-cols-4" data-testid="summary">
            {fact("Launch type", if s.launch_types.is_empty() { "EC2 (default)".into() } else { s.launch_types.join(", ") })}
            {fact("CPU / memory", format!("{} / {}", s.cpu.clone().unwrap_or_else(|| "—".into()), s.memory.clone().unwrap_or_else(|| "—".into())))}
            {fact("Network mode", s.network_mode.clone())}
            {fact("Platform", s.platform.clone())}
            {fact("Task role", s.task_role.clone().unwrap_or_else(|| "—".into()))}
            {fact("Execution role", s.execution_role.clone().unwrap_or_else(|| "—".into()))}
            {fact("Findings", format!("{} ({} would be rejected by AWS)", data.findings.len(), data.findings.iter().filter(|f| f.blocks_registration).count()))}
            {fact("ARN", s.arn.clone())}
        </dl>
        <NotePanel note=data.note.clone() can_edit=!data.read_only family=data.family.clone() revision=rev/>
        <details class="mb-6 rounded-xl border border-slate-200 bg-white p-3 text-sm shadow-sm" data-testid="compare-with-panel">
            <summary class="cursor-pointer font-medium text-slate-700">"Compare with…"</summary>
            <p class="mb-2 mt-1 text-xs text-slate-500">"Another revision of this or any family, in this source or another (a region, an account). Leave the revision empty for the latest ACTIVE one."</p>
            <CompareWith from=RevisionRef { source: data.source.clone(), family: data.family.clone(), revision: Some(rev) }
                sources=data.sources.clone() source=data.source.clone() family=data.family.clone()/>
        </details>
        <RunningPanel running=data.running.clone() elsewhere=data.elsewhere.clone() has_services=data.has_services family=data.family.clone() revision=rev/>
        <section class="mb-8">
            <h2 class="mb-3 text-lg font-semibold">"Dependency graph"</h2>
            <GraphView graph=data.graph.clone() badges=badges/>
        </section>
        <div class="grid grid-cols-1 gap-8 lg:grid-cols-5">
            <section class="min-w-0 lg:col-span-3">
                <h2 class="mb-1 flex items-center gap-3 text-lg font-semibold">"Findings" <SeverityCounts counts=counts/></h2>
                <FindingsList findings=data.findings.clone() docs=data.docs.clone()/>
            </section>
            <section class="min-w-0 lg:col-span-2">
                <h2 class="mb-3 text-lg font-semibold">"Containers"</h2>
                <ul class="space-y-2" data-testid="containers">
                    {data.containers.iter().map(|c| view! {
                        <li class="rounded-lg border border-slate-200 bg-white p-3 text-sm">
                            <div class="flex items-center justify-between">
                                <span class="font-semibold">{c.name.clone()}</span>
                                <span class="text-xs text-slate-500">
                                    {if c.essential { "essential" } else { "non-essential" }}
                                    {if c.health_check { " · health check" } else { "" }}
                                </span>
                            </div>
                            <div class="mt-0.5 break-all font-mono text-xs text-slate-600">{c.image.clone()}</div>
                            <div class="mt-1 text-xs text-slate-500">
                                {[
                                    (!c.ports.is_empty()).then(|| format!("ports {}", c.ports.join(", "))),
                                    c.cpu.map(|x| format!("cpu {x}")),
                                    c.memory.clone(),
                                    c.log_driver.clone().map(|l| format!("logs: {l}")),
                                    (c.findings > 0).then(|| format!("{} finding(s)", c.findings)),
                                ].into_iter().flatten().collect::<Vec<_>>().join(" · ")}
                            </div>
                        </li>
                    }).collect_view()}
                </ul>
                <h2 class="mb-3 mt-8 text-lg font-semibold">"JSON"</h2>
                <p class="mb-2 text-xs text-slate-500">"As DescribeTaskDefinition returns it. Secret values are masked."</p>
                <JsonView text=data.json.clone()/>
            </section>
        </div>
    }
}

/// The revision's note; editors write it here (plain text, at most 500 characters).
#[component]
fn NotePanel(note: Option<NoteView>, can_edit: bool, family: String, revision: u32) -> impl IntoView {
    let save = ServerAction::<SetRevisionNote>::new();
    let by = note.as_ref().map(|n| format!("{} · {}", n.written_by, n.written_at));
    let initial = note.as_ref().map(|n| n.text.clone()).unwrap_or_default();
    let saved = initial.clone();
    let current = move || match save.value().get() {
        Some(Ok(text)) => Some(text).filter(|t| !t.is_empty()),
        _ => Some(saved.clone()).filter(|t| !t.is_empty()),
    };
    view! {
        <section class="mb-6 rounded-xl border border-slate-200 bg-white p-4 text-sm shadow-sm" data-testid="note">
            <h2 class="mb-1 font-semibold">"Note"</h2>
            {move || match current() {
                Some(t) => Either::Left(view! { <p class="whitespace-pre-wrap break-words text-slate-800" data-testid="note-text">{t}</p> }),
                None => Either::Right(view! { <p class="text-slate-500">"No note on this revision."</p> }),
            }}
            {by.map(|b| view! { <p class="text-xs text-slate-500">{b}</p> })}
            {move || save.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox message=error_text(&e)/> })}
            {can_edit.then(|| view! {
                <ActionForm action=save attr:class="mt-2 flex flex-wrap items-center gap-2">
                    <input type="hidden" name="family" value=family.clone()/>
                    <input type="hidden" name="revision" value=revision.to_string()/>
                    <input type="text" name="text" maxlength="500" value=initial.clone() aria-label="Note" placeholder="Why this revision exists, a ticket link"
                        class="min-w-0 flex-1 rounded-md border border-slate-300 px-2 py-1.5" data-testid="note-input"/>
                    <button type="submit" class="rounded-md border border-slate-300 bg-white px-3 py-1.5 font-medium text-slate-700 hover:bg-slate-50" data-testid="note-save">"Save note"</button>
                </ActionForm>
            })}
        </section>
    }
}

/// Which services run this revision, and a comparison with what the others run.
#[component]
fn RunningPanel(
    running: Vec<ServiceRow>,
    elsewhere: Vec<ServiceRow>,
    has_services: bool,
    family: String,
    revision: u32,
) -> impl IntoView {
    if !has_services {
        return Either::Left(view! {
            <p class="mb-6 text-sm text-slate-500" data-testid="running">"Not in use: the embedded store has no services."</p>
        });
    }
    Either::Right(view! {
        <section class="mb-6 rounded-xl border border-slate-200 bg-white p-4 text-sm shadow-sm" data-testid="running">
            {if running.is_empty() {
                Either::Left(view! { <p class="text-slate-600">"No service runs this revision."</p> })
            } else {
                Either::Right(view! {
                    <ul class="space-y-1">
                        {running.into_iter().map(|s| view! {
                            <li data-testid="running-service"><span class="rounded bg-emerald-100 px-1.5 py-0.5 text-xs font-semibold text-emerald-800">"in use"</span>" "
                                {format!("{} · {} · {}/{} running", s.label(), s.deployment, s.running, s.desired)}</li>
                        }).collect_view()}
                    </ul>
                })
            }}
            {(!elsewhere.is_empty()).then(|| view! {
                <div class="mt-3 flex flex-wrap gap-2">
                    {elsewhere.into_iter().map(|s| {
                        let (a, b) = (s.revision.min(revision), s.revision.max(revision));
                        view! {
                            <A href=format!("/compare/{family}/{a}/{b}") attr:class=BUTTON attr:data-testid="compare-with-service">
                                {format!("Compare with what {} runs ({}:{})", s.service, family, s.revision)}
                            </A>
                        }
                    }).collect_view()}
                </div>
            })}
        </section>
    })
}

/// "ACTIVE · registered 2026-10-07T08:45:00Z by arn:…", leaving out what the source did not
/// report (ECS-compatible endpoints such as LocalStack or moto may omit both).
fn registration_line(status: &str, at: &str, by: &str) -> String {
    match (at.is_empty(), by.is_empty()) {
        (false, false) => format!("{status} · registered {at} by {by}"),
        (false, true) => format!("{status} · registered {at}"),
        (true, false) => format!("{status} · registered by {by}"),
        (true, true) => status.to_string(),
    }
}

// ---------------------------------------------------------------- compare

/// `/compare/:family/:a/:b` (two revisions of a family in the request's source) and
/// `/compare?a=REF&b=REF` (any source and family each: `[SOURCE:]FAMILY:REVISION`; the
/// "compare with…" form sends `b` as `source`, `family`, `revision`). Lazily loaded.
pub struct CompareRoute {
    key: Memo<(String, String)>,
    data: Resource<Result<CompareData, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for CompareRoute {
    fn data() -> Self {
        let params = use_params_map();
        let query = use_query_map();
        // Kept as written: a reference that does not parse is the page's error, said.
        let key = Memo::new(move |_| {
            let p = params.read();
            if let Some(family) = p.get("family") {
                let n = |k: &str| p.get(k).unwrap_or_default();
                return (format!("{family}:{}", n("a")), format!("{family}:{}", n("b")));
            }
            let q = query.read();
            // The "compare with…" form sends `b` as its parts (an empty revision: the latest).
            let b = q.get("b").unwrap_or_else(|| {
                let source = q.get("source").filter(|s| !s.is_empty()).map(|s| format!("{s}:")).unwrap_or_default();
                let revision = q.get("revision").map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
                let family = q.get("family").unwrap_or_default();
                format!("{source}{}:{}", family.trim(), revision.as_deref().unwrap_or("latest"))
            });
            (q.get("a").unwrap_or_default(), b)
        });
        CompareRoute { key, data: Resource::new(move || key.get(), |(a, b)| compare_revisions(a, b, String::new())) }
    }

    fn view(this: Self) -> AnyView {
        compare_view(this).into_any()
    }
}

fn compare_view(CompareRoute { key, data }: CompareRoute) -> impl IntoView {
    view! {
        <Title text=move || { let (a, b) = key.get(); format!("{a} ↔ {b} · ecs-lens") }/>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
                    Ok(d) => Either::Right(view! { <CompareView data=d/> }),
                }
            })}
        </Suspense>
    }
}

/// A link to a revision page: in the request's source, a route; in another source, through
/// `/switch-source`, which shows that source from then on (every page follows it) and opens it.
fn revision_link(side: &CompareSide, label: String) -> impl IntoView {
    let href = format!("/families/{}/{}", side.family, side.revision);
    if side.here {
        Either::Left(view! { <A href=href attr:class=BUTTON>{label}</A> })
    } else {
        let switch =
            format!("/switch-source{}", crate::shared::query_string(&[("source", side.source.clone()), ("to", href)]));
        Either::Right(view! { <a href=switch rel="external" class=BUTTON>{label}</a> })
    }
}

/// "Compare with…": another revision of any family in any source the server offers.
#[component]
pub fn CompareWith(
    /// The revision compared from, with its source.
    from: RevisionRef,
    sources: Vec<String>,
    /// What the form starts with.
    source: String,
    family: String,
    #[prop(optional)] revision: Option<u32>,
) -> impl IntoView {
    let field = FIELD;
    view! {
        <Form method="GET" action="/compare" attr:class="flex flex-wrap items-end gap-2 text-sm" attr:data-testid="compare-with">
            <input type="hidden" name="a" value=from.to_string()/>
            {if sources.len() > 1 {
                Either::Left(view! {
                    <label class="flex flex-col gap-1 text-xs font-medium text-slate-600">"Source"
                        <select name="source" class=field data-testid="compare-source">
                            {sources.into_iter().map(|l| view! { <option value=l.clone() selected=l == source>{l.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                })
            } else {
                Either::Right(view! { <input type="hidden" name="source" value=source/> })
            }}
            <label class="flex flex-col gap-1 text-xs font-medium text-slate-600">"Family"
                <input type="text" name="family" value=family required pattern="[A-Za-z0-9_\\-]{1,255}" class=format!("{field} w-48 max-w-full") data-testid="compare-family"/>
            </label>
            <label class="flex flex-col gap-1 text-xs font-medium text-slate-600">"Revision"
                <input type="text" name="revision" inputmode="numeric" placeholder="latest" value=revision.map(|r| r.to_string()).unwrap_or_default()
                    class=format!("{field} w-24") data-testid="compare-revision"/>
            </label>
            <button type="submit" class=BUTTON data-testid="compare-with-button">"Compare"</button>
        </Form>
    }
}

fn kind_style(k: &ChangeKind) -> (&'static str, &'static str) {
    match k {
        ChangeKind::Added => ("+", "border-emerald-300 bg-emerald-50"),
        ChangeKind::Removed => ("−", "border-red-300 bg-red-50"),
        ChangeKind::Changed => ("~", "border-amber-300 bg-amber-50"),
        ChangeKind::Renamed => ("→", "border-sky-300 bg-sky-50"),
        ChangeKind::MovedToSecrets => ("🔒", "border-emerald-400 bg-emerald-50"),
        ChangeKind::MovedToEnvironment => ("⚠", "border-red-400 bg-red-50"),
    }
}

fn show(v: &Option<serde_json::Value>) -> String {
    match v {
        None => "—".into(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
    }
}

/// One side's value of a change: a short one inline; a long one (a whole container) as a line
/// that opens to the whole JSON, so that a phone is not a wall of text.
fn value_cell(label: String, v: &Option<serde_json::Value>) -> impl IntoView {
    let text = show(v);
    let label = format!("{label}: ");
    if text.chars().count() <= 160 {
        return Either::Left(view! {
            <div class="break-all rounded bg-white/70 p-2"><span class="text-slate-600">{label}</span>{text}</div>
        });
    }
    let summary = match v {
        Some(serde_json::Value::Object(m)) => match m.get("image").and_then(|i| i.as_str()) {
            Some(image) => format!("image {image} · {} fields", m.len()),
            None => format!("{} fields", m.len()),
        },
        _ => text.chars().take(120).collect::<String>() + "…",
    };
    let pretty = v.as_ref().and_then(|v| serde_json::to_string_pretty(v).ok()).unwrap_or_default();
    Either::Right(view! {
        <details class="min-w-0 rounded bg-white/70 p-2" data-testid="long-value">
            <summary class="cursor-pointer break-all"><span class="text-slate-600">{label}</span>{summary}</summary>
            <pre class="mt-2 max-h-96 overflow-auto whitespace-pre-wrap break-all" tabindex="0">{pretty}</pre>
        </details>
    })
}

#[component]
fn CompareView(data: CompareData) -> impl IntoView {
    let d = data.diff.clone();
    let across = data.across_sources();
    let named = across || data.a.family != data.b.family;
    let (ta, tb) = (data.a.title(across), data.b.title(across));
    let title = if named {
        format!("{ta} ↔ {tb}")
    } else {
        format!("{}: {} ↔ {}", data.a.family, data.a.revision, data.b.revision)
    };
    // Short labels on each change: the revision, or the source when that is what differs.
    let (la, lb) = if across && data.a.family == data.b.family && data.a.revision == data.b.revision {
        (data.a.source.clone(), data.b.source.clone())
    } else if named {
        (ta.clone(), tb.clone())
    } else {
        (data.a.revision.to_string(), data.b.revision.to_string())
    };
    let scoped = d.account_region_only();
    let hide_scoped = RwSignal::new(false);
    let open_a =
        revision_link(&data.a, format!("Open {}", if named { ta.clone() } else { data.a.revision.to_string() }));
    let open_b =
        revision_link(&data.b, format!("Open {}", if named { tb.clone() } else { data.b.revision.to_string() }));
    let subtitle = if across {
        "Semantic diff across sources: order, defaults and read-only fields are not changes; account ids and regions are told apart from drift."
    } else {
        "Semantic diff: order, defaults and read-only fields are not changes."
    };
    view! {
        <PageHeader title=title subtitle=subtitle.into()>
            {open_a}
            {open_b}
        </PageHeader>
        <details class="mb-6 rounded-xl border border-slate-200 bg-white p-3 text-sm shadow-sm" open=across data-testid="compare-with-panel">
            <summary class="cursor-pointer font-medium text-slate-700">{format!("Compare {} with…", ta)}</summary>
            <p class="mb-2 mt-1 text-xs text-slate-500">"Any revision of any family, in this source or another (a region, an account). Leave the revision empty for the latest ACTIVE one."</p>
            <CompareWith from=data.a.reference() sources=data.sources.clone() source=data.b.source.clone() family=data.b.family.clone() revision=data.b.revision/>
        </details>
        {(data.a.note.is_some() || data.b.note.is_some()).then(|| view! {
            <dl class="mb-6 grid grid-cols-1 gap-2 rounded-xl border border-slate-200 bg-white p-4 text-sm shadow-sm sm:grid-cols-2" data-testid="compare-notes">
                <div class="min-w-0"><dt class="text-xs font-medium uppercase text-slate-500">{format!("Note of {la}")}</dt><dd class="break-words">{data.a.note.clone().unwrap_or_else(|| "—".into())}</dd></div>
                <div class="min-w-0"><dt class="text-xs font-medium uppercase text-slate-500">{format!("Note of {lb}")}</dt><dd class="break-words">{data.b.note.clone().unwrap_or_else(|| "—".into())}</dd></div>
            </dl>
        })}
        <div class="grid grid-cols-1 gap-8 lg:grid-cols-3">
            <section class="min-w-0 lg:col-span-2" data-testid="changes">
                <div class="mb-3 flex flex-wrap items-baseline gap-x-4 gap-y-1">
                    <h2 class="text-lg font-semibold">{format!("{} change(s)", d.changes.len())}</h2>
                    {(scoped > 0).then(|| view! {
                        <span class="text-sm text-slate-600" data-testid="scope-summary">
                            {format!("{} drift · {scoped} by account/region only", d.changes.len() - scoped)}
                        </span>
                        <label class="flex items-center gap-1.5 text-sm text-slate-700">
                            <input type="checkbox" data-testid="hide-scoped" prop:checked=move || hide_scoped.get()
                                on:change=move |ev| hide_scoped.set(event_target_checked(&ev))/>
                            "Hide account/region-only"
                        </label>
                    })}
                </div>
                {d.changes.is_empty().then(|| view! { <p class="text-sm text-slate-500">"No semantic difference."</p> })}
                <ul class="space-y-2">
                    {d.changes.iter().map(|c| {
                        let (mark, style) = if c.account_region_only { ("≈", "border-slate-200 bg-slate-50 text-slate-600") } else { kind_style(&c.kind) };
                        let kind = serde_json::to_value(c.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
                        let kind_attr = kind.clone();
                        let only_scope = c.account_region_only;
                        let (la, lb) = (la.clone(), lb.clone());
                        view! {
                            <li class=format!("rounded-lg border p-3 text-sm {style}") data-kind=kind_attr data-scope=only_scope.then_some("account-region")
                                class:hidden=move || only_scope && hide_scoped.get()>
                                <div class="flex items-baseline gap-2">
                                    <span class="w-5 text-center font-bold">{mark}</span>
                                    <span class="min-w-0 break-words font-mono text-xs text-slate-700">{c.path.join(" › ")}</span>
                                    <span class="ml-auto shrink-0 text-xs font-semibold uppercase text-slate-700">{if only_scope { "account/region only".to_string() } else { kind }}</span>
                                </div>
                                <div class="mt-2 grid grid-cols-1 gap-2 font-mono text-xs sm:grid-cols-2 sm:gap-3">
                                    {value_cell(la, &c.before)}
                                    {value_cell(lb, &c.after)}
                                </div>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
            <section>
                <h2 class="mb-3 text-lg font-semibold">"Findings"</h2>
                <div class="space-y-4 text-sm" data-testid="findings-delta">
                    <div>
                        <h3 class="font-semibold text-emerald-700">{format!("Resolved ({})", d.findings.resolved.len())}</h3>
                        <ul class="mt-1 space-y-1">{d.findings.resolved.iter().map(|f| view! {
                            <li class="flex items-start gap-2" data-rule=f.rule.clone()><SeverityPill severity=f.severity/><span class="line-through decoration-emerald-600"><Message text=f.message.clone()/></span></li>
                        }).collect_view()}</ul>
                    </div>
                    <div>
                        <h3 class="font-semibold text-red-700">{format!("Introduced ({})", d.findings.introduced.len())}</h3>
                        <ul class="mt-1 space-y-1">{d.findings.introduced.iter().map(|f| view! {
                            <li class="flex items-start gap-2" data-rule=f.rule.clone()><SeverityPill severity=f.severity/><span><Message text=f.message.clone()/></span></li>
                        }).collect_view()}</ul>
                    </div>
                    <p class="text-slate-500">{format!("{} unchanged", d.findings.unchanged)}</p>
                </div>
                <h2 class="mb-3 mt-8 text-lg font-semibold">"Dependency graph"</h2>
                <div class="text-sm" data-testid="graph-delta">
                    {(d.graph.added.is_empty() && d.graph.removed.is_empty()).then(|| view! { <p class="text-slate-500">"Same edges."</p> })}
                    <ul class="space-y-1">
                        {d.graph.added.iter().map(|e| view! { <li class="text-emerald-700">{format!("+ {} waits for {} ({})", e.from, e.to, e.condition.clone().unwrap_or_else(|| e.kind.as_str().into()))}</li> }).collect_view()}
                        {d.graph.removed.iter().map(|e| view! { <li class="text-red-700">{format!("− {} no longer waits for {} ({})", e.from, e.to, e.condition.clone().unwrap_or_else(|| e.kind.as_str().into()))}</li> }).collect_view()}
                    </ul>
                </div>
            </section>
        </div>
    }
}

// ---------------------------------------------------------------- audit

/// `/audit?sev=&category=&rule=&q=&page=` (lazily loaded).
pub struct AuditRoute {
    data: Resource<Result<AuditPage, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for AuditRoute {
    fn data() -> Self {
        let query = use_query_map();
        let wanted = Memo::new(move |_| {
            let q = query.read();
            AuditQuery::from_query(|k| q.get(k))
        });
        AuditRoute { data: Resource::new(move || wanted.get(), audit_rows) }
    }

    fn view(this: Self) -> AnyView {
        audit_view(this).into_any()
    }
}

fn audit_view(AuditRoute { data }: AuditRoute) -> impl IntoView {
    view! {
        <Title text="Audit · ecs-lens"/>
        <PageHeader title="Audit".into() subtitle="Every family's latest ACTIVE revision: what is wrong across the account, then family by family. Read-only.".into()>
            <a href="/audit/export.json" class=BUTTON download>"JSON"</a>
            <a href="/audit/export.csv" class=BUTTON download>"CSV"</a>
            <a href="/audit/export.sarif" class=BUTTON download>"SARIF"</a>
        </PageHeader>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
                    Ok(page) => Either::Right(view! { <AuditView page=page/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AuditView(page: AuditPage) -> impl IntoView {
    let q = page.query.clone();
    let t = page.totals.clone();
    let sel = |current: &str, value: &str| current.eq_ignore_ascii_case(value);
    let filtered = q != AuditQuery::default();
    let rule_href = {
        let q = q.clone();
        move |rule: &str| format!("/audit{}", AuditQuery { rule: rule.to_string(), page: 1, ..q.clone() }.to_query())
    };
    let pager_q = q.clone();
    let stat = |label: &'static str, value: String, testid: &'static str| {
        view! {
            <div class="rounded-xl border border-slate-200 bg-white p-3 shadow-sm" data-testid=testid>
                <div class="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</div>
                <div class="mt-1 text-xl font-semibold text-slate-900">{value}</div>
            </div>
        }
    };
    view! {
        <div class="mb-6 grid grid-cols-2 gap-3 md:grid-cols-4" data-testid="audit-totals">
            {stat("Families", group_digits(t.families), "total-families")}
            {stat("High or critical", format!("{} {}", group_digits(t.serious_families), if t.serious_families == 1 { "family" } else { "families" }), "total-serious")}
            {stat("Findings", group_digits(t.counts.iter().sum::<usize>() as u64), "total-findings")}
            {stat("Would be rejected", group_digits(t.blocking), "total-blocking")}
        </div>
        <section class="mb-8">
            <h2 class="mb-3 text-lg font-semibold">"By rule"</h2>
            {if page.rules.is_empty() {
                Either::Left(view! { <p class="text-sm text-slate-500">"Nothing found."</p> })
            } else {
                Either::Right(view! {
                    <div class=TABLE_BOX>
                        <table class=TABLE data-testid="audit-rules">
                            <thead class=THEAD>
                                <tr>
                                    <th class="px-4 py-2">"Rule"</th>
                                    <th class="px-4 py-2">"Severity"</th>
                                    <th class="px-4 py-2 text-right">"Families"</th>
                                    <th class="px-4 py-2 text-right">"Findings"</th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-slate-100">
                                {page.rules.into_iter().map(|r| {
                                    let picked = sel(&q.rule, &r.rule);
                                    let href = rule_href(&r.rule);
                                    let (id, label) = (r.rule.clone(), r.rule.clone());
                                    let about = format!("{} · {}", r.name, r.category);
                                    view! {
                                    <tr data-rule=id class:bg-sky-50=picked>
                                        <td class="px-4 py-2">
                                            <A href=href attr:class="font-mono text-sky-700 hover:underline">{label}</A>
                                            <div class="text-xs text-slate-600">{about}</div>
                                        </td>
                                        <td class="px-4 py-2"><SeverityPill severity=r.severity/></td>
                                        <td class="px-4 py-2 text-right tabular-nums">{group_digits(r.families)}</td>
                                        <td class="px-4 py-2 text-right tabular-nums">{group_digits(r.findings)}</td>
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                    </div>
                })
            }}
        </section>
        <h2 class="mb-3 text-lg font-semibold">"By family"</h2>
        <Form method="get" action="/audit" attr:class="mb-4 flex flex-wrap items-center gap-2 text-sm" attr:data-testid="audit-filters">
            <select name="sev" aria-label="Severity at least" class=FIELD data-testid="severity-filter">
                <option value="" selected=q.sev.is_empty()>"any severity"</option>
                {Severity::ALL.iter().map(|s| view! { <option value=s.as_str() selected=sel(&q.sev, s.as_str())>{format!("{} or worse", s.as_str())}</option> }).collect_view()}
            </select>
            <select name="category" aria-label="Category" class=FIELD data-testid="category-filter">
                <option value="" selected=q.category.is_empty()>"every category"</option>
                {Category::ALL.iter().map(|c| view! { <option value=c.as_str() selected=sel(&q.category, c.as_str())>{c.as_str()}</option> }).collect_view()}
            </select>
            <input type="search" name="rule" value=q.rule.clone() placeholder="Rule id, e.g. SEC001" aria-label="Rule"
                class=format!("w-40 {FIELD}") data-testid="rule-filter"/>
            <input type="search" name="q" value=q.q.clone() placeholder="Family…" aria-label="Family"
                class=format!("w-40 {FIELD}") data-testid="audit-family-filter"/>
            <button type="submit" class="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700" data-testid="audit-apply">"Apply"</button>
            {filtered.then(|| view! { <A href="/audit" attr:class=BUTTON>"Clear"</A> })}
        </Form>
        {(page.families.total == 0).then(|| view! { <p class="text-sm text-slate-500" data-testid="audit-empty">"No family matches these filters."</p> })}
        <div class="space-y-4" data-testid="audit">
            {page.families.items.into_iter().map(|r| {
                let fam = r.family.clone();
                let more_href = format!("/families/{fam}/{}", r.revision);
                view! {
                    <section class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm" data-family=fam.clone()>
                        <div class="mb-2 flex flex-wrap items-center justify-between gap-2">
                            <A href=format!("/families/{fam}/{}", r.revision) attr:class="break-all font-mono font-semibold text-sky-700 hover:underline">{format!("{fam}:{}", r.revision)}</A>
                            <SeverityCounts counts=r.counts/>
                        </div>
                        {if r.findings.is_empty() {
                            Either::Left(view! { <p class="text-sm text-slate-500">"Nothing matches the filters."</p> })
                        } else {
                            Either::Right(view! {
                                <ul class="divide-y divide-slate-100 text-sm">
                                    {r.findings.into_iter().map(|f| view! {
                                        <li class="flex flex-wrap items-start gap-x-3 gap-y-1 py-1.5" data-rule=f.rule.clone()>
                                            <SeverityPill severity=f.severity/>
                                            <span class="w-16 font-mono text-xs text-slate-500">{f.rule.clone()}</span>
                                            <span class="w-32 truncate text-xs text-slate-600">{f.container.clone().unwrap_or_else(|| "(task)".into())}</span>
                                            <span class="min-w-0 flex-1 basis-64"><Message text=f.message.clone()/></span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            })
                        }}
                        {(r.more > 0).then(|| view! {
                            <A href=more_href.clone() attr:class="mt-1 inline-block text-xs text-sky-700 hover:underline">{format!("… {} more on the revision page", r.more)}</A>
                        })}
                    </section>
                }
            }).collect_view()}
        </div>
        <Pager page=page.families.page pages=page.families.pages total=page.families.total noun="families"
            href=move |n| format!("/audit{}", pager_q.on_page(n).to_query())/>
    }
}

// ---------------------------------------------------------------- audit trail

/// `/audit-log?family=&page=`: every register and deregister done through ecs-lens (lazily loaded).
pub struct AuditTrailRoute {
    rows: Resource<Result<AuditTrailPage, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for AuditTrailRoute {
    fn data() -> Self {
        let query = use_query_map();
        let key = Memo::new(move |_| {
            let q = query.read();
            (q.get("family").unwrap_or_default(), q.get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1).max(1))
        });
        AuditTrailRoute { rows: Resource::new(move || key.get(), |(f, p)| audit_trail(f, p)) }
    }

    fn view(this: Self) -> AnyView {
        audit_trail_view(this).into_any()
    }
}

fn audit_trail_view(AuditTrailRoute { rows }: AuditTrailRoute) -> impl IntoView {
    view! {
        <Title text="Audit log · ecs-lens"/>
        <PageHeader title="Audit log".into() subtitle="Every register and deregister done through ecs-lens, newest first. Values are never recorded.".into()>
            <span></span>
        </PageHeader>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
                    Ok(page) if page.rows.total == 0 => Either::Right(Either::Left(view! {
                        <p class="rounded-lg border border-slate-200 bg-white p-4 text-sm text-slate-600">"Nothing registered or deregistered through ecs-lens yet."</p>
                    })),
                    Ok(page) => Either::Right(Either::Right({
                        let family = page.family.clone();
                        let rows = page.rows.items;
                        view! {
                        <div class=TABLE_BOX>
                            <table class=TABLE data-testid="audit-log">
                                <thead class=THEAD>
                                    <tr>
                                        <th class="px-4 py-2">"When"</th>
                                        <th class="px-4 py-2">"Who"</th>
                                        <th class="px-4 py-2">"What"</th>
                                        <th class="px-4 py-2">"Changes"</th>
                                        <th class="px-4 py-2">"Findings"</th>
                                    </tr>
                                </thead>
                                <tbody class="divide-y divide-slate-100">
                                    {rows.into_iter().map(|r| {
                                        let target = format!("{}:{}", r.family, r.revision);
                                        let href = format!("/families/{}/{}", r.family, r.revision);
                                        let what = match (r.action.as_str(), r.base_revision) {
                                            ("register", Some(b)) => format!("registered (from {b})"),
                                            ("register", None) => "registered".to_string(),
                                            ("migrate-secrets", Some(b)) => format!("secrets moved out (from {b})"),
                                            ("migrate-secrets", None) => "secrets moved out".to_string(),
                                            ("delete", _) => "deleted".to_string(),
                                            _ => "deregistered".to_string(),
                                        };
                                        view! {
                                            <tr data-action=r.action.clone() data-family=r.family.clone() class="align-top">
                                                <td class="whitespace-nowrap px-4 py-3 text-slate-600">{r.at.clone()}<div class="text-xs text-slate-500">{r.source.clone()}</div></td>
                                                <td class="px-4 py-3">{r.user.clone()}</td>
                                                <td class="px-4 py-3">
                                                    <A href=href attr:class="font-mono text-sky-700 hover:underline">{target}</A>
                                                    <div class="text-xs text-slate-500">{what}</div>
                                                </td>
                                                <td class="px-4 py-3 font-mono text-xs text-slate-600">
                                                    {r.changes.iter().take(8).map(|c| view! { <div>{c.clone()}</div> }).collect_view()}
                                                    {(r.changes.len() > 8).then(|| view! { <div class="text-slate-500">{format!("… {} more", r.changes.len() - 8)}</div> })}
                                                </td>
                                                <td class="px-4 py-3 text-xs">
                                                    {(!r.resolved.is_empty()).then(|| view! { <div class="text-emerald-700">{format!("resolved {}", r.resolved.join(", "))}</div> })}
                                                    {(!r.introduced.is_empty()).then(|| view! { <div class="text-red-700">{format!("introduced {}", r.introduced.join(", "))}</div> })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <Pager page=page.rows.page pages=page.rows.pages total=page.rows.total noun="entries"
                            href=move |n| if family.is_empty() { format!("/audit-log?page={n}") } else { format!("/audit-log?family={family}&page={n}") }/>
                    }})),
                }
            })}
        </Suspense>
    }
}
