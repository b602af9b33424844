//! A family's history: for each revision, what changed against the one before (the semantic
//! diff's keyed paths, secrets masked), who registered it and its note; filtered to one
//! container or one key path through the URL (`?container=app&path=DD_API_KEY`).

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::{lazy_route, LazyRoute};

use super::api::*;
use super::pages::{error_text, ErrorBox, PageHeader, Pager};

/// `/families/:family/history`.
pub struct HistoryRoute {
    key: Memo<(String, String, String, u32)>,
    data: Resource<Result<HistoryData, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for HistoryRoute {
    fn data() -> Self {
        let params = use_params_map();
        let query = use_query_map();
        let key = Memo::new(move |_| {
            let q = query.read();
            (
                params.read().get("family").unwrap_or_default(),
                q.get("container").unwrap_or_default(),
                q.get("path").unwrap_or_default(),
                q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
            )
        });
        HistoryRoute { key, data: Resource::new(move || key.get(), |(f, c, p, n)| family_history(f, c, p, n)) }
    }

    fn view(this: Self) -> AnyView {
        history_view(this).into_any()
    }
}

fn show(v: &Option<serde_json::Value>) -> String {
    match v {
        None => "—".into(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn history_view(HistoryRoute { key, data }: HistoryRoute) -> impl IntoView {
    let family = move || key.get().0;
    view! {
        <Title text=move || format!("History · {} · ecs-lens", family())/>
        <PageHeader title="History".into() subtitle=key.get_untracked().0>
            <A href=move || format!("/families/{}", family()) attr:class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50">"All revisions"</A>
        </PageHeader>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
                    Ok(h) => Either::Right(view! { <HistoryView data=h/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn HistoryView(data: HistoryData) -> impl IntoView {
    let fam = data.family.clone();
    let container = data.container.clone().unwrap_or_default();
    let path = data.path.clone().unwrap_or_default();
    let (pager_container, pager_path) = (container.clone(), path.clone());
    view! {
        <Form method="GET" action="" attr:class="mb-4 flex flex-wrap items-end gap-3 text-sm" attr:data-testid="history-filter">
            <label class="flex flex-col gap-1">"Container"
                <select name="container" class="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm">
                    <option value="" selected=container.is_empty()>"Every container"</option>
                    {data.containers.iter().map(|c| view! { <option value=c.clone() selected=*c == container>{c.clone()}</option> }).collect_view()}
                </select>
            </label>
            <label class="flex flex-col gap-1">"Path"
                <input type="text" name="path" value=path.clone() placeholder="DD_API_KEY, image, environment.LOG_LEVEL"
                    class="w-72 max-w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"/>
            </label>
            <button type="submit" class="rounded-md border border-slate-300 bg-white px-3 py-1.5 font-medium text-slate-700 hover:bg-slate-50">"Filter"</button>
        </Form>
        {data.revisions.is_empty().then(|| view! {
            <p class="rounded-lg border border-slate-200 bg-white p-4 text-sm text-slate-600" data-testid="history-empty">"No revision changed that."</p>
        })}
        <ol class="space-y-3" data-testid="history">
            {data.revisions.into_iter().map(|r| {
                let href = format!("/families/{fam}/{}", r.revision);
                view! {
                    <li class="min-w-0 rounded-xl border border-slate-200 bg-white p-4 shadow-sm" data-revision=r.revision.to_string()>
                        <div class="flex flex-wrap items-baseline gap-x-3 gap-y-1">
                            <A href=href attr:class="font-mono font-semibold text-sky-700 hover:underline">{format!("{fam}:{}", r.revision)}</A>
                            <span class="text-xs text-slate-500">{format!("{} · {} {}", r.status, r.registered_at, if r.registered_by.is_empty() { String::new() } else { format!("by {}", r.registered_by) })}</span>
                        </div>
                        {r.note.clone().map(|n| view! { <p class="mt-1 break-words text-sm text-slate-700" data-testid="history-note">{n}</p> })}
                        {if r.first {
                            Either::Left(view! { <p class="mt-2 text-sm text-slate-500">"The first revision ecs-lens has of this family."</p> })
                        } else if r.changes.is_empty() {
                            Either::Left(view! { <p class="mt-2 text-sm text-slate-500">"No change to the task definition."</p> })
                        } else {
                            Either::Right(view! {
                                <ul class="mt-2 space-y-1 text-xs">
                                    {r.changes.iter().map(|c| view! {
                                        <li class="min-w-0 break-all" data-kind=c.kind.clone()>
                                            <span class="mr-2 rounded bg-slate-100 px-1.5 py-0.5 font-medium text-slate-700">{c.kind.clone()}</span>
                                            <span class="font-mono">{c.path.join(" › ")}</span>
                                            {(c.before.is_some() || c.after.is_some()).then(|| view! {
                                                <span class="font-mono text-slate-500">{format!(": {} → {}", show(&c.before), show(&c.after))}</span>
                                            })}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            })
                        }}
                    </li>
                }
            }).collect_view()}
        </ol>
        {data.paging.map(|(page, pages, total)| {
            let (c, p) = (pager_container.clone(), pager_path.clone());
            view! {
                <Pager page=page pages=pages total=total noun="revisions"
                    href=move |n| crate::shared::query_string(&[("container", c.clone()), ("path", p.clone()), ("page", n.to_string())])/>
            }
        })}
    }
}

// ---------------------------------------------------------------- prune

/// `/families/:family/prune?keep=&older_than=&delete=` (editors: the plan, then the action).
pub struct PruneRoute {
    key: Memo<(String, Option<u32>, Option<u32>, Option<String>)>,
    plan: Resource<Result<PrunePlan, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for PruneRoute {
    fn data() -> Self {
        let params = use_params_map();
        let query = use_query_map();
        let key = Memo::new(move |_| {
            let q = query.read();
            (
                params.read().get("family").unwrap_or_default(),
                q.get("keep").and_then(|k| k.parse().ok()),
                q.get("older_than").and_then(|k| k.parse().ok()),
                q.get("delete").filter(|d| !d.is_empty()),
            )
        });
        PruneRoute { key, plan: Resource::new(move || key.get(), |(f, k, o, d)| get_prune_plan(f, k, o, d)) }
    }

    fn view(this: Self) -> AnyView {
        prune_view(this).into_any()
    }
}

fn prune_view(PruneRoute { key, plan }: PruneRoute) -> impl IntoView {
    let family = move || key.get().0;
    view! {
        <Title text=move || format!("Prune · {} · ecs-lens", family())/>
        <PageHeader title="Prune".into() subtitle=key.get_untracked().0>
            <A href=move || format!("/families/{}", family()) attr:class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50">"All revisions"</A>
        </PageHeader>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (_, keep, older, delete) = key.get();
                match plan.await {
                    Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
                    Ok(p) => Either::Right(view! { <PruneView plan=p keep=keep.unwrap_or(5) older=older delete=delete.is_some()/> }),
                }
            })}
        </Suspense>
    }
}

fn list(v: &[u32]) -> String {
    v.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

#[component]
fn PruneView(plan: PrunePlan, keep: u32, older: Option<u32>, delete: bool) -> impl IntoView {
    let run = ServerAction::<RunPrune>::new();
    let fam = plan.family.clone();
    let nothing = plan.deregister.is_empty() && plan.delete.is_empty();
    view! {
        <Form method="GET" action="" attr:class="mb-4 flex flex-wrap items-end gap-3 text-sm" attr:data-testid="prune-options">
            <label class="flex flex-col gap-1">"Keep the newest ACTIVE"
                <input type="number" name="keep" min="0" value=keep.to_string() class="w-24 rounded-md border border-slate-300 px-2 py-1.5"/>
            </label>
            <label class="flex flex-col gap-1">"Older than (days)"
                <input type="number" name="older_than" min="0" value=older.map(|o| o.to_string()).unwrap_or_default() class="w-24 rounded-md border border-slate-300 px-2 py-1.5"/>
            </label>
            <label class="flex items-center gap-2">
                <input type="checkbox" name="delete" value="on" checked=delete/>
                "Delete INACTIVE revisions too"
            </label>
            <button type="submit" class="rounded-md border border-slate-300 bg-white px-3 py-1.5 font-medium text-slate-700 hover:bg-slate-50">"Show the plan"</button>
        </Form>
        <section class="mb-4 rounded-xl border border-slate-200 bg-white p-4 text-sm shadow-sm" data-testid="prune-plan">
            {if nothing {
                Either::Left(view! { <p>"Nothing to prune."</p> })
            } else {
                Either::Right(view! {
                    {(!plan.deregister.is_empty()).then(|| view! { <p data-testid="prune-deregister">{format!("Deregister {}", list(&plan.deregister))}</p> })}
                    {(!plan.delete.is_empty()).then(|| view! { <p data-testid="prune-delete">{format!("Delete {}", list(&plan.delete))}</p> })}
                })
            }}
            <ul class="mt-2 space-y-0.5 text-xs text-slate-600">
                {plan.kept.iter().map(|(r, why)| view! { <li data-testid="prune-kept">{format!("keeps {r}: {why}")}</li> }).collect_view()}
            </ul>
            {(!nothing).then(|| view! {
                <ActionForm action=run attr:class="mt-3">
                    <input type="hidden" name="family" value=fam.clone()/>
                    <input type="hidden" name="keep" value=keep.to_string()/>
                    {older.map(|o| view! { <input type="hidden" name="older_than" value=o.to_string()/> })}
                    {delete.then(|| view! { <input type="hidden" name="delete" value="on"/> })}
                    <button type="submit" class="rounded-md bg-red-700 px-3 py-1.5 font-medium text-white hover:bg-red-600" data-testid="prune-run">"Prune"</button>
                </ActionForm>
            })}
            {move || run.value().get().map(|r| match r {
                Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
                Ok(p) => Either::Right(view! {
                    <p class="mt-3 font-semibold" data-testid="prune-result">
                        {format!("Deregistered {} · deleted {}", if p.deregister.is_empty() { "none".into() } else { list(&p.deregister) }, if p.delete.is_empty() { "none".into() } else { list(&p.delete) })}
                    </p>
                    {p.failed.iter().map(|(r, why)| view! { <p class="text-red-700">{format!("{r}: {why}")}</p> }).collect_view()}
                }),
            })}
        </section>
    }
}
