//! The dashboard's pages. Data comes from the server functions in `api`; with SSR the
//! first render already has it (no spinner for data the server has), then the page hydrates.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
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

// ---------------------------------------------------------------- families

#[component]
pub fn FamiliesPage() -> impl IntoView {
    let families = Resource::new(|| (), |_| list_families());
    let (query, set_query) = signal(String::new());
    let (only_findings, set_only_findings) = signal(false);
    view! {
        <Title text="Task definitions · ecs-lens"/>
        <PageHeader title="Task definition families".into() subtitle="Latest ACTIVE revision of each family, with what is wrong with it.".into()>
            <input type="search" placeholder="Filter families…" aria-label="Filter families"
                class="w-64 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm shadow-sm focus:border-sky-500 focus:outline-none"
                data-testid="family-filter"
                on:input=move |ev| set_query.set(event_target_value(&ev))/>
            <label class="inline-flex items-center gap-2 text-sm text-slate-600">
                <input type="checkbox" on:change=move |ev| set_only_findings.set(event_target_checked(&ev))/>
                "with high or critical findings"
            </label>
        </PageHeader>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match families.await {
                    Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
                    Ok(rows) => Either::Right(view! {
                        <div class="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm">
                            <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="families">
                                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                                    <tr>
                                        <th class="px-4 py-2">"Family"</th>
                                        <th class="px-4 py-2">"Latest ACTIVE"</th>
                                        <th class="px-4 py-2">"Registered"</th>
                                        <th class="px-4 py-2">"Findings"</th>
                                    </tr>
                                </thead>
                                <tbody class="divide-y divide-slate-100">
                                    {rows.into_iter().map(|r| {
                                        let fam = r.family.clone();
                                        let fam_attr = r.family.clone();
                                        let fam_label = r.family.clone();
                                        let latest = r.latest_active.map(|rev| (format!("/families/{fam}/{rev}"), format!("{fam}:{rev}")));
                                        let fam_q = r.family.to_lowercase();
                                        let serious = r.counts[Severity::Critical as usize] + r.counts[Severity::High as usize] > 0;
                                        let visible = move || fam_q.contains(&query.get().to_lowercase()) && (!only_findings.get() || serious);
                                        view! {
                                            <tr class="hover:bg-slate-50" class:hidden=move || !visible() data-family=fam_attr>
                                                <td class="px-4 py-3 font-medium">
                                                    <A href=format!("/families/{fam}") attr:class="text-sky-700 hover:underline">{fam_label}</A>
                                                    <div class="text-xs font-normal text-slate-500">{format!("{} revision(s) · {}", r.revision_count, r.status)}</div>
                                                </td>
                                                <td class="px-4 py-3">
                                                    {match latest {
                                                        Some((href, label)) => Either::Left(view! {
                                                            <A href=href attr:class="font-mono text-sky-700 hover:underline">{label}</A>
                                                        }),
                                                        None => Either::Right(view! { <span class="text-slate-500">"none (all INACTIVE)"</span> }),
                                                    }}
                                                </td>
                                                <td class="px-4 py-3 text-slate-600">
                                                    <div>{r.registered_at.clone().unwrap_or_default()}</div>
                                                    <div class="truncate text-xs text-slate-500" title=r.registered_by.clone().unwrap_or_default()>{r.registered_by.clone().unwrap_or_default()}</div>
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
                    }),
                }
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------- family

/// `/families/:family` (a lazily loaded route, like every page but the first).
pub struct FamilyRoute {
    family: Memo<String>,
    revisions: Resource<Result<Vec<RevisionRow>, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for FamilyRoute {
    fn data() -> Self {
        let params = use_params_map();
        let family = Memo::new(move |_| params.read().get("family").unwrap_or_default());
        FamilyRoute { family, revisions: Resource::new(move || family.get(), list_revisions) }
    }

    fn view(this: Self) -> AnyView {
        family_view(this).into_any()
    }
}

fn family_view(FamilyRoute { family, revisions }: FamilyRoute) -> impl IntoView {
    let family = move || family.get();
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
                    Ok(rows) => Either::Right(view! {
                        <div class="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm">
                            <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="revisions">
                                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                                    <tr>
                                        <th class="px-4 py-2">"A"</th>
                                        <th class="px-4 py-2">"B"</th>
                                        <th class="px-4 py-2">"Revision"</th>
                                        <th class="px-4 py-2">"Status"</th>
                                        <th class="px-4 py-2">"Registered"</th>
                                    </tr>
                                </thead>
                                <tbody class="divide-y divide-slate-100">
                                    {rows.into_iter().map(|r| {
                                        let fam = family();
                                        let rev = r.revision;
                                        let active = r.status == "ACTIVE";
                                        view! {
                                            <tr class="hover:bg-slate-50" data-revision=rev.to_string()>
                                                <td class="px-4 py-3"><input type="radio" name="a" aria-label=format!("compare from {rev}")
                                                    on:change=move |_| set_a.set(Some(rev))/></td>
                                                <td class="px-4 py-3"><input type="radio" name="b" aria-label=format!("compare to {rev}")
                                                    on:change=move |_| set_b.set(Some(rev))/></td>
                                                <td class="px-4 py-3 font-mono">
                                                    <A href=format!("/families/{fam}/{rev}") attr:class="text-sky-700 hover:underline">{format!("{fam}:{rev}")}</A>
                                                </td>
                                                <td class="px-4 py-3">
                                                    <span class=if active { "rounded bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-800" } else { "rounded bg-slate-100 px-2 py-0.5 text-xs font-semibold text-slate-600" }>
                                                        {r.status.clone()}
                                                    </span>
                                                    {r.deregistered_at.clone().map(|d| view! { <div class="mt-1 text-xs text-slate-500">{format!("deregistered {d}")}</div> })}
                                                </td>
                                                <td class="px-4 py-3 text-slate-600">
                                                    <div>{r.registered_at.clone()}</div>
                                                    <div class="text-xs text-slate-500">{r.registered_by.clone()}</div>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }),
                }
            })}
        </Suspense>
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
        <section class="mb-8">
            <h2 class="mb-3 text-lg font-semibold">"Dependency graph"</h2>
            <GraphView graph=data.graph.clone() badges=badges/>
        </section>
        <div class="grid gap-8 lg:grid-cols-5">
            <section class="lg:col-span-3">
                <h2 class="mb-1 flex items-center gap-3 text-lg font-semibold">"Findings" <SeverityCounts counts=counts/></h2>
                <FindingsList findings=data.findings.clone() docs=data.docs.clone()/>
            </section>
            <section class="lg:col-span-2">
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

/// `/compare/:family/:a/:b` (lazily loaded).
pub struct CompareRoute {
    key: Memo<(String, u32, u32)>,
    data: Resource<Result<CompareData, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for CompareRoute {
    fn data() -> Self {
        let params = use_params_map();
        let key = Memo::new(move |_| {
            let p = params.read();
            let n = |k: &str| p.get(k).and_then(|r| r.parse::<u32>().ok()).unwrap_or(0);
            (p.get("family").unwrap_or_default(), n("a"), n("b"))
        });
        CompareRoute { key, data: Resource::new(move || key.get(), |(f, a, b)| compare_revisions(f, a, b)) }
    }

    fn view(this: Self) -> AnyView {
        compare_view(this).into_any()
    }
}

fn compare_view(CompareRoute { key, data }: CompareRoute) -> impl IntoView {
    let key = move || key.get();
    view! {
        <Title text=move || { let (f, a, b) = key(); format!("{f} {a}↔{b} · ecs-lens") }/>
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

#[component]
fn CompareView(data: CompareData) -> impl IntoView {
    let d = data.diff.clone();
    let fam = data.family.clone();
    view! {
        <PageHeader title=format!("{}: {} ↔ {}", data.family, data.a, data.b) subtitle="Semantic diff: order, defaults and read-only fields are not changes.".into()>
            <A href=format!("/families/{fam}/{}", data.a) attr:class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50">{format!("Open {}", data.a)}</A>
            <A href=format!("/families/{fam}/{}", data.b) attr:class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50">{format!("Open {}", data.b)}</A>
        </PageHeader>
        <div class="grid gap-8 lg:grid-cols-3">
            <section class="lg:col-span-2" data-testid="changes">
                <h2 class="mb-3 text-lg font-semibold">{format!("{} change(s)", d.changes.len())}</h2>
                {d.changes.is_empty().then(|| view! { <p class="text-sm text-slate-500">"No semantic difference."</p> })}
                <ul class="space-y-2">
                    {d.changes.iter().map(|c| {
                        let (mark, style) = kind_style(&c.kind);
                        let kind = serde_json::to_value(c.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
                        let kind_attr = kind.clone();
                        view! {
                            <li class=format!("rounded-lg border p-3 text-sm {style}") data-kind=kind_attr>
                                <div class="flex items-baseline gap-2">
                                    <span class="w-5 text-center font-bold">{mark}</span>
                                    <span class="font-mono text-xs text-slate-700">{c.path.join(" › ")}</span>
                                    <span class="ml-auto text-xs font-semibold uppercase text-slate-500">{kind}</span>
                                </div>
                                <div class="mt-2 grid grid-cols-2 gap-3 font-mono text-xs">
                                    <div class="break-all rounded bg-white/70 p-2"><span class="text-slate-500">{format!("{}: ", data.a)}</span>{show(&c.before)}</div>
                                    <div class="break-all rounded bg-white/70 p-2"><span class="text-slate-500">{format!("{}: ", data.b)}</span>{show(&c.after)}</div>
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

/// `/audit` (lazily loaded).
pub struct AuditRoute {
    rows: Resource<Result<Vec<AuditRow>, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for AuditRoute {
    fn data() -> Self {
        AuditRoute { rows: Resource::new(|| (), |_| audit_rows()) }
    }

    fn view(this: Self) -> AnyView {
        audit_view(this).into_any()
    }
}

fn audit_view(AuditRoute { rows }: AuditRoute) -> impl IntoView {
    let (min_sev, set_min_sev) = signal(Severity::Info);
    let (category, set_category) = signal(None::<Category>);
    let (rule_q, set_rule_q) = signal(String::new());
    view! {
        <Title text="Audit · ecs-lens"/>
        <PageHeader title="Audit".into() subtitle="Every family's latest ACTIVE revision and its findings. Read-only.".into()>
            <a href="/audit/export.json" class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50" download>"JSON"</a>
            <a href="/audit/export.csv" class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50" download>"CSV"</a>
            <a href="/audit/export.sarif" class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50" download>"SARIF"</a>
        </PageHeader>
        <div class="mb-4 flex flex-wrap items-center gap-3 text-sm">
            <label class="inline-flex items-center gap-2">"Severity at least"
                <select class="rounded-md border border-slate-300 bg-white px-2 py-1" data-testid="severity-filter"
                    on:change=move |ev| set_min_sev.set(event_target_value(&ev).parse().unwrap_or(Severity::Info))>
                    {Severity::ALL.iter().rev().map(|s| view! { <option value=s.as_str() selected=*s == Severity::Info>{s.as_str()}</option> }).collect_view()}
                </select>
            </label>
            <label class="inline-flex items-center gap-2">"Category"
                <select class="rounded-md border border-slate-300 bg-white px-2 py-1" data-testid="category-filter"
                    on:change=move |ev| { let v = event_target_value(&ev); set_category.set(Category::ALL.into_iter().find(|c| c.as_str() == v)); }>
                    <option value="">"all"</option>
                    {Category::ALL.iter().map(|c| view! { <option value=c.as_str()>{c.as_str()}</option> }).collect_view()}
                </select>
            </label>
            <input type="search" placeholder="Rule id, e.g. SEC001" aria-label="Filter by rule"
                class="w-48 rounded-md border border-slate-300 bg-white px-2 py-1" data-testid="rule-filter"
                on:input=move |ev| set_rule_q.set(event_target_value(&ev))/>
        </div>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
                    Ok(rows) => Either::Right(view! {
                        <div class="space-y-4" data-testid="audit">
                            {rows.into_iter().map(|r| {
                                let fam = r.family.clone();
                                let all = r.findings.clone();
                                let shown = move || {
                                    let q = rule_q.get().to_uppercase();
                                    all.iter().filter(|f| f.severity >= min_sev.get()
                                        && category.get().is_none_or(|c| f.category == c)
                                        && (q.is_empty() || f.rule.contains(&q))).cloned().collect::<Vec<_>>()
                                };
                                view! {
                                    <section class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm" data-family=fam.clone()>
                                        <div class="mb-2 flex items-center justify-between">
                                            <A href=format!("/families/{fam}/{}", r.revision) attr:class="font-mono font-semibold text-sky-700 hover:underline">{format!("{fam}:{}", r.revision)}</A>
                                            <SeverityCounts counts=count_by_severity(&r.findings)/>
                                        </div>
                                        {move || {
                                            let items = shown();
                                            if items.is_empty() {
                                                Either::Left(view! { <p class="text-sm text-slate-500">"Nothing matches the filters."</p> })
                                            } else {
                                                Either::Right(view! {
                                                    <table class="min-w-full text-sm">
                                                        <tbody class="divide-y divide-slate-100">
                                                            {items.into_iter().map(|f| view! {
                                                                <tr data-rule=f.rule.clone()>
                                                                    <td class="w-24 py-1.5 pr-3"><SeverityPill severity=f.severity/></td>
                                                                    <td class="w-20 py-1.5 pr-3 font-mono text-xs text-slate-500">{f.rule.clone()}</td>
                                                                    <td class="w-40 py-1.5 pr-3 text-xs text-slate-600">{f.container.clone().unwrap_or_else(|| "(task)".into())}</td>
                                                                    <td class="py-1.5"><Message text=f.message.clone()/></td>
                                                                </tr>
                                                            }).collect_view()}
                                                        </tbody>
                                                    </table>
                                                })
                                            }
                                        }}
                                    </section>
                                }
                            }).collect_view()}
                        </div>
                    }),
                }
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------- audit trail

/// `/audit-log`: every register and deregister done through ecs-lens (lazily loaded).
pub struct AuditTrailRoute {
    rows: Resource<Result<Vec<AuditTrailRow>, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for AuditTrailRoute {
    fn data() -> Self {
        AuditTrailRoute { rows: Resource::new(|| (), |_| audit_trail()) }
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
                    Ok(rows) if rows.is_empty() => Either::Right(Either::Left(view! {
                        <p class="rounded-lg border border-slate-200 bg-white p-4 text-sm text-slate-600">"Nothing registered or deregistered through ecs-lens yet."</p>
                    })),
                    Ok(rows) => Either::Right(Either::Right(view! {
                        <div class="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm">
                            <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="audit-log">
                                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
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
                    })),
                }
            })}
        </Suspense>
    }
}
