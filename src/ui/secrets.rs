//! The secrets pages: moving a revision's credentials to Secrets Manager (review, then the
//! editor's "Create and register"), a family's exposure with its purge, and a revision's
//! reference checks. The server functions in `api` call `server::secrets`; nothing here holds
//! a value (the server never sends one).

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::{lazy_route, LazyRoute};

use super::api::*;
use super::pages::{error_text, family_revision_key, ErrorBox, PageHeader, TABLE, TABLE_BOX, THEAD};

const BUTTON: &str = "rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700";
const LINK_BUTTON: &str =
    "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50";
const SELECT: &str = "rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";
const BOX: &str = "mb-6 rounded-xl border border-slate-200 bg-white p-4 shadow-sm";

fn loading() -> impl IntoView {
    view! { <p class="text-sm text-slate-500">"Loading…"</p> }
}

fn result_style(result: &str) -> &'static str {
    match result {
        "pass" | "allowed" | "created" | "updated" | "unchanged" => "bg-emerald-100 text-emerald-900",
        "fail" | "missing" | "denied" => "bg-red-100 text-red-900",
        _ => "bg-amber-100 text-amber-900",
    }
}

// ---------------------------------------------------------------- migrate

/// `/families/:family/:revision/migrate?store=&layout=`.
pub struct MigrateRoute {
    key: Memo<(String, u32, String, String)>,
    review: Resource<Result<MigrationReview, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for MigrateRoute {
    fn data() -> Self {
        let fr = family_revision_key();
        let query = use_query_map();
        let key = Memo::new(move |_| {
            let (f, r) = fr.get();
            let q = query.read();
            (f, r, q.get("store").unwrap_or_default(), q.get("layout").unwrap_or_default())
        });
        MigrateRoute { key, review: Resource::new(move || key.get(), |(f, r, s, l)| review_migration(f, r, s, l)) }
    }

    fn view(this: Self) -> AnyView {
        migrate_view(this).into_any()
    }
}

fn migrate_view(MigrateRoute { key, review }: MigrateRoute) -> impl IntoView {
    let title = move || {
        let (f, r, _, _) = key.get();
        format!("{f}:{r}")
    };
    view! {
        <Title text=move || format!("Move secrets · {} · ecs-lens", title())/>
        <PageHeader title="Move secrets to Secrets Manager".into() subtitle=title()>
            <A href=move || { let (f, r, _, _) = key.get(); format!("/families/{f}/{r}") } attr:class=LINK_BUTTON>"Back to the revision"</A>
        </PageHeader>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match review.await {
                    Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
                    Ok(r) => Either::Right(view! { <MigrateView review=r/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn MigrateView(review: MigrationReview) -> impl IntoView {
    let action = ServerAction::<MigrateSecrets>::new();
    let family = review.family.clone();
    let revision = review.revision;
    let store = review.store.clone();
    let layout = review.layout.clone();
    let can_run = review.can_edit && review.can_create && !review.moves.is_empty();
    let options = {
        let (s, l) = (store.clone(), layout.clone());
        view! {
            <Form method="GET" action="" attr:class="mb-4 flex flex-wrap items-end gap-3 text-sm" attr:data-testid="migrate-options">
                <label class="flex flex-col gap-1">"Store"
                    <select name="store" class=SELECT>
                        <option value="secretsmanager" selected=s == "secretsmanager">"Secrets Manager"</option>
                        <option value="ssm" selected=s == "ssm">"SSM Parameter Store"</option>
                    </select>
                </label>
                <label class="flex flex-col gap-1">"Layout"
                    <select name="layout" class=SELECT>
                        <option value="per-task" selected=l == "per-task">"One JSON secret for the task definition"</option>
                        <option value="per-variable" selected=l == "per-variable">"One secret per variable"</option>
                    </select>
                </label>
                <button type="submit" class=LINK_BUTTON>"Show the plan"</button>
            </Form>
        }
    };
    view! {
        {options}
        <Outcome review=review.clone()/>
        {move || action.value().get().map(|r| match r {
            Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
            Ok(done) => Either::Right(view! {
                <div class="mb-6 rounded-xl border-2 border-emerald-300 bg-emerald-50 p-4" data-testid="migrate-result">
                    <h2 class="mb-2 text-lg font-semibold">{match done.registered {
                        Some(n) => format!("Registered {}:{n}", done.family),
                        None => "Secrets stored; not registered".to_string(),
                    }}</h2>
                    {done.registered.map(|n| view! {
                        <A href=format!("/families/{}/{n}", done.family) attr:class="text-sky-700 underline">{format!("Open {}:{n}", done.family)}</A>
                    })}
                    <Outcome review=done.clone()/>
                </div>
            }),
        })}
        {can_run.then(|| view! {
            <div class:hidden=move || action.value().get().is_some_and(|r| r.is_ok_and(|d| d.registered.is_some()))>
            <ActionForm action=action attr:class=BOX attr:data-testid="migrate-form">
                <input type="hidden" name="family" value=family.clone()/>
                <input type="hidden" name="revision" value=revision.to_string()/>
                <input type="hidden" name="store" value=store.clone()/>
                <input type="hidden" name="layout" value=layout.clone()/>
                <div class="flex flex-wrap items-center gap-4 text-sm">
                    <label class="flex min-w-0 flex-col gap-1">"KMS key (optional)"
                        <input type="text" name="kms_key" placeholder="arn:aws:kms:…" class=format!("{SELECT} w-72 max-w-full")/>
                    </label>
                    <label class="flex items-center gap-2">
                        <input type="checkbox" name="grant" value="on"/>
                        "Grant the execution role read access to exactly these secrets"
                    </label>
                    <button type="submit" class=BUTTON data-testid="migrate-run" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Working…" } else { "Create secrets and register" }}
                    </button>
                </div>
            </ActionForm>
            </div>
        })}
    }
}

/// A review or a result: secrets, moves, access, the diff, the commands, the notes.
#[component]
fn Outcome(review: MigrationReview) -> impl IntoView {
    let r = review;
    if r.moves.is_empty() {
        return Either::Left(view! {
            <div class=BOX data-testid="migrate-nothing">
                {r.notes.iter().map(|n| view! { <p class="text-sm text-slate-700">{n.clone()}</p> }).collect_view()}
                {r.skipped.iter().map(|(c, v, why)| view! { <p class="text-sm text-slate-600">{format!("{c} › {v} stays: {why}")}</p> }).collect_view()}
            </div>
        });
    }
    Either::Right(view! {
        <section class=BOX data-testid="migrate-review">
            <h2 class="mb-2 font-semibold">"Secrets"</h2>
            <ul class="mb-4 space-y-2 text-sm">
                {r.secrets.iter().map(|s| view! {
                    <li class="min-w-0" data-testid="migrate-secret">
                        <span class="font-mono font-semibold">{s.name.clone()}</span>
                        <span class=format!("ml-2 rounded px-1.5 py-0.5 text-xs {}", result_style(&s.state))>{s.state.clone()}</span>
                        <div class="break-all font-mono text-xs text-slate-600">{s.arn.clone()}</div>
                        <div class="text-xs text-slate-500">{format!("holds {} · from {}", s.keys.join(", "), s.containers.join(", "))}</div>
                    </li>
                }).collect_view()}
            </ul>
            <h2 class="mb-2 font-semibold">"Moves"</h2>
            <div class=TABLE_BOX>
                <table class=TABLE data-testid="migrate-moves">
                    <thead class=THEAD><tr><th class="px-3 py-2">"Container"</th><th class="px-3 py-2">"Variable"</th><th class="px-3 py-2">"valueFrom"</th></tr></thead>
                    <tbody class="divide-y divide-slate-100">
                        {r.moves.iter().map(|m| view! {
                            <tr class="align-top">
                                <td class="px-3 py-2">{m.container.clone()}</td>
                                <td class="px-3 py-2 font-mono">{m.variable.clone()}<div class="font-sans text-xs text-slate-500">{m.what.clone()}</div></td>
                                <td class="break-all px-3 py-2 font-mono text-xs">{m.value_from.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {r.skipped.iter().map(|(c, v, why)| view! { <p class="mt-2 text-xs text-slate-600">{format!("{c} › {v} stays: {why}")}</p> }).collect_view()}
            {(!r.access.is_empty()).then(|| view! {
                <h2 class="mb-2 mt-4 font-semibold">{format!("Execution role {}", r.execution_role.clone().unwrap_or_default())}</h2>
                <ul class="space-y-1 text-sm" data-testid="migrate-access">
                    {r.access.iter().map(|a| view! {
                        <li class="min-w-0 break-all" data-result=a.result.clone()>
                            <span class=format!("mr-2 rounded px-1.5 py-0.5 text-xs {}", result_style(&a.result))>{a.result.clone()}</span>
                            <span class="font-mono text-xs">{format!("{} on {}", a.action, a.resource)}</span>
                            <div class="text-xs text-slate-500">{a.detail.clone()}</div>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {r.granted.clone().map(|g| view! { <p class="mt-2 text-sm">{format!("Granted: inline policy {g}")}</p> })}
            <h2 class="mb-2 mt-4 font-semibold">"Changes to the task definition"</h2>
            <ul class="space-y-1 font-mono text-xs" data-testid="migrate-diff">
                {r.diff.changes.iter().map(|c| view! {
                    <li class="break-all">{format!("{} · {}", c.kind, c.path.join(" › "))}</li>
                }).collect_view()}
            </ul>
            {(!r.executed && !r.commands.is_empty()).then(|| view! {
                <details class="mt-4">
                    <summary class="cursor-pointer text-sm font-semibold">"The same by hand"</summary>
                    <pre class="mt-2 overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100" data-testid="migrate-commands">{r.commands.join("\n")}</pre>
                </details>
            })}
            <details class="mt-4">
                <summary class="cursor-pointer text-sm font-semibold">"The rewritten task definition"</summary>
                <pre class="mt-2 max-h-96 overflow-auto rounded bg-slate-50 p-3 text-xs" data-testid="migrate-rewritten">{r.rewritten.clone()}</pre>
            </details>
            {r.notes.iter().map(|n| view! { <p class="mt-3 text-sm text-slate-700" data-testid="migrate-note">{n.clone()}</p> }).collect_view()}
        </section>
    })
}

// ---------------------------------------------------------------- exposure

/// `/families/:family/exposure`.
pub struct ExposureRoute {
    family: Memo<String>,
    report: Resource<Result<ExposureReport, ServerFnError>>,
}

#[lazy_route]
impl LazyRoute for ExposureRoute {
    fn data() -> Self {
        let params = use_params_map();
        let family = Memo::new(move |_| params.read().get("family").unwrap_or_default());
        ExposureRoute { family, report: Resource::new(move || family.get(), get_exposure) }
    }

    fn view(this: Self) -> AnyView {
        exposure_view(this).into_any()
    }
}

fn exposure_view(ExposureRoute { family, report }: ExposureRoute) -> impl IntoView {
    view! {
        <Title text=move || format!("Exposure · {} · ecs-lens", family.get())/>
        <PageHeader title="Exposure".into() subtitle=family.get_untracked()>
            <A href=move || format!("/families/{}", family.get()) attr:class=LINK_BUTTON>"All revisions"</A>
        </PageHeader>
        <p class="mb-4 max-w-3xl text-sm text-slate-600">
            "A deregistered revision can still be read with DescribeTaskDefinition: a credential stays exposed until every revision that carries it is deleted. Values are compared by keyed hash; none is stored or shown."
        </p>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match report.await {
                    Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
                    Ok(r) => Either::Right(view! { <ExposureView report=r/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ExposureView(report: ExposureReport) -> impl IntoView {
    let purge = ServerAction::<PurgeExposed>::new();
    let family = report.family.clone().unwrap_or_default();
    if report.items.is_empty() {
        return Either::Left(view! {
            <p class=BOX data-testid="exposure-none">{format!("No revision of {family} carries a plaintext credential.")}</p>
        });
    }
    let purgeable = report.purgeable.clone();
    let migrate = report.latest.filter(|_| report.items.iter().any(|i| i.in_latest));
    Either::Right(view! {
        <div class="space-y-4" data-testid="exposure">
            {migrate.map(|n| view! {
                <p class="text-sm">
                    {format!("{family}:{n}, the latest revision, still carries plaintext credentials: ")}
                    <A href=format!("/families/{family}/{n}/migrate") attr:class="font-medium text-sky-700 underline">"move them to Secrets Manager"</A>
                    " first; a purge keeps it."
                </p>
            })}
            {report.items.iter().map(|i| view! {
                <section class=BOX data-testid="exposure-item">
                    <h2 class="font-semibold">{format!("{} · {} › {}", i.what, i.container, i.place)}</h2>
                    <p class="text-xs text-slate-500">
                        {format!("id {}", i.id)}
                        {i.in_latest.then_some(" · still in the latest revision")}
                        {i.moved_to.clone().map(|m| format!(" · now read from {m}"))}
                    </p>
                    <ul class="mt-2 flex flex-wrap gap-2 text-xs">
                        {i.revisions.iter().map(|r| view! {
                            <li class="rounded border border-slate-200 px-2 py-1" data-testid="exposed-revision" data-status=r.status.clone() data-in-use=(!r.services.is_empty()).to_string()>
                                <A href=format!("/families/{}/{}", r.family, r.revision) attr:class="font-mono text-sky-700 hover:underline">{format!("{}:{}", r.family, r.revision)}</A>
                                {format!(" {}", r.status)}
                                {(!r.services.is_empty()).then(|| view! { <span class="ml-1 rounded bg-sky-100 px-1 text-sky-900">{format!("in use: {}", r.services.join(", "))}</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            }).collect_view()}
            <section class=BOX data-testid="purge-plan">
                <h2 class="mb-2 font-semibold">"Purge"</h2>
                {if purgeable.is_empty() {
                    Either::Left(view! { <p class="text-sm">"Nothing to purge: every exposed revision is in use or the latest."</p> })
                } else {
                    Either::Right(view! { <p class="text-sm">{format!("Would deregister and delete {}:{}", family, purgeable.iter().map(u32::to_string).collect::<Vec<_>>().join(", "))}</p> })
                }}
                <ul class="mt-1 text-xs text-slate-600">
                    {report.kept.iter().map(|(r, why)| view! { <li data-testid="purge-kept">{format!("keeps {r}: {why}")}</li> }).collect_view()}
                </ul>
                {(report.can_purge && !purgeable.is_empty()).then(|| view! {
                    <ActionForm action=purge attr:class="mt-3">
                        <input type="hidden" name="family" value=family.clone()/>
                        <button type="submit" class="rounded-md bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-600" data-testid="purge-run">
                            {format!("Delete {} revision(s)", purgeable.len())}
                        </button>
                    </ActionForm>
                })}
                {move || purge.value().get().map(|r| match r {
                    Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
                    Ok(p) => Either::Right(view! {
                        <div class="mt-3 text-sm" data-testid="purge-result">
                            <p>{format!("Deleted {}", p.deleted.iter().map(u32::to_string).collect::<Vec<_>>().join(", "))}</p>
                            {p.failed.iter().map(|(r, why)| view! { <p class="text-red-700">{format!("{r}: {why}")}</p> }).collect_view()}
                            <p class="font-semibold">{p.advice.clone()}</p>
                        </div>
                    }),
                })}
            </section>
        </div>
    })
}

// ---------------------------------------------------------------- verify

/// `/families/:family/:revision/verify`.
pub struct VerifyRoute {
    report: Resource<Result<VerifyReport, ServerFnError>>,
    key: Memo<(String, u32)>,
}

#[lazy_route]
impl LazyRoute for VerifyRoute {
    fn data() -> Self {
        let key = family_revision_key();
        VerifyRoute { key, report: Resource::new(move || key.get(), |(f, r)| verify_revision(f, r)) }
    }

    fn view(this: Self) -> AnyView {
        verify_view(this).into_any()
    }
}

fn verify_view(VerifyRoute { report, key }: VerifyRoute) -> impl IntoView {
    let title = move || {
        let (f, r) = key.get();
        format!("{f}:{r}")
    };
    view! {
        <Title text=move || format!("Verify · {} · ecs-lens", title())/>
        <PageHeader title="Verify references".into() subtitle=title()>
            <A href=move || { let (f, r) = key.get(); format!("/families/{f}/{r}") } attr:class=LINK_BUTTON>"Back to the revision"</A>
        </PageHeader>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match report.await {
                    Err(e) => Either::Left(view! { <ErrorBox message=error_text(&e)/> }),
                    Ok(r) => Either::Right(view! {
                        <p class="mb-3 text-sm" data-testid="verify-summary">
                            {format!("{} passed · {} failed · {} not checked", r.count("pass"), r.count("fail"), r.count("not-checked"))}
                        </p>
                        <ul class="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white shadow-sm" data-testid="verify">
                            {r.checks.iter().map(|c| view! {
                                <li class="min-w-0 px-4 py-3 text-sm" data-result=c.result.clone()>
                                    <div class="flex items-center gap-2">
                                        <span class=format!("rounded px-1.5 py-0.5 text-xs font-medium {}", result_style(&c.result))>{c.result.clone()}</span>
                                        <span class="text-xs uppercase tracking-wide text-slate-500">{c.kind.clone()}</span>
                                    </div>
                                    <div class="mt-1 break-all font-mono text-xs text-slate-800">{c.subject.clone()}</div>
                                    <div class="mt-0.5 break-words text-slate-600">{c.detail.clone()}</div>
                                </li>
                            }).collect_view()}
                        </ul>
                    }),
                }
            })}
        </Suspense>
    }
}
