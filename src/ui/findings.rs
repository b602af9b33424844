//! Findings grouped by severity, each with its rule's documentation and its fix.

use leptos::prelude::*;

use super::api::RuleDoc;
use crate::core::finding::{Finding, Severity};

/// A severity's pill colours (`.sev-*` in style/tailwind.css: one short class, pages repeat it
/// hundreds of times).
pub fn severity_classes(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "sev-critical",
        Severity::High => "sev-high",
        Severity::Medium => "sev-medium",
        Severity::Low => "sev-low",
        Severity::Info => "sev-info",
    }
}

/// A rule message or fix text: `code spans` (the rules write them Markdown-style) are
/// shown as code.
#[component]
pub fn Message(#[prop(into)] text: String) -> impl IntoView {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                view! { <code class="code-span">{part.to_string()}</code> }.into_any()
            } else {
                part.to_string().into_any()
            }
        })
        .collect_view()
}

#[component]
pub fn SeverityPill(severity: Severity) -> impl IntoView {
    view! {
        <span class=format!("pill {}", severity_classes(severity))>
            {severity.as_str()}
        </span>
    }
}

/// Counts per severity as small pills (critical first); nothing for zero.
#[component]
pub fn SeverityCounts(counts: [usize; 5]) -> impl IntoView {
    let total: usize = counts.iter().sum();
    view! {
        <span class="inline-flex flex-wrap gap-1" data-total=total.to_string()>
            {Severity::ALL.iter().filter(|s| counts[**s as usize] > 0).map(|s| {
                let n = counts[*s as usize];
                view! {
                    <span class=format!("pill {}", severity_classes(*s))
                        title=format!("{n} {}", s.as_str())>
                        {format!("{n} {}", s.as_str())}
                    </span>
                }
            }).collect_view()}
            {(total == 0).then(|| view! { <span class="text-xs font-medium text-emerald-700">"clean"</span> })}
        </span>
    }
}

pub fn count_by_severity(findings: &[Finding]) -> [usize; 5] {
    let mut c = [0; 5];
    for f in findings {
        c[f.severity as usize] += 1;
    }
    c
}

#[component]
pub fn FindingsList(findings: Vec<Finding>, docs: Vec<RuleDoc>) -> impl IntoView {
    if findings.is_empty() {
        return view! {
            <p class="rounded-lg border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-800">
                "No findings: this task definition passes every rule."
            </p>
        }
        .into_any();
    }
    // A rule's documentation goes with its first finding only: a rule found ten times would
    // otherwise send its prose ten times.
    let mut documented = std::collections::HashSet::new();
    let groups = Severity::ALL
        .iter()
        .filter_map(|sev| {
            let items: Vec<(Finding, Option<RuleDoc>)> = findings
                .iter()
                .filter(|f| f.severity == *sev)
                .map(|f| {
                    let doc = documented
                        .insert(f.rule.clone())
                        .then(|| docs.iter().find(|d| d.id == f.rule).cloned())
                        .flatten();
                    (f.clone(), doc)
                })
                .collect();
            (!items.is_empty()).then(|| {
                view! {
                    <section data-severity=sev.as_str()>
                        <h3 class="mb-2 mt-4 flex items-center gap-2 text-sm font-semibold text-slate-700">
                            <SeverityPill severity=*sev/>
                            {format!("{} finding(s)", items.len())}
                        </h3>
                        <ul class="space-y-2">
                            {items.into_iter().map(|(f, doc)| view! { <FindingItem finding=f doc/> }).collect_view()}
                        </ul>
                    </section>
                }
            })
        })
        .collect_view();
    view! { <div data-testid="findings">{groups}</div> }.into_any()
}

#[component]
pub fn FindingItem(finding: Finding, doc: Option<RuleDoc>) -> impl IntoView {
    let name = doc.as_ref().map(|d| d.name.clone()).unwrap_or_default();
    view! {
        <li class="rounded-lg border border-slate-200 bg-white p-3 text-sm" data-rule=finding.rule.clone()
            data-container=finding.container.clone().unwrap_or_default()>
            <div class="flex flex-wrap items-baseline gap-x-2">
                <span class="font-mono text-xs font-semibold text-slate-500" title=name>{finding.rule.clone()}</span>
                {finding.blocks_registration.then(|| view! {
                    <span class="rounded bg-red-600 px-1.5 text-[10px] font-bold uppercase text-white" title="RegisterTaskDefinition rejects this">"AWS rejects"</span>
                })}
                <span class="text-slate-900"><Message text=finding.message.clone()/></span>
            </div>
            <div class="mt-1 break-all font-mono text-xs text-slate-500">
                {format!("line {}:{} · {}", finding.line, finding.column, if finding.pointer.is_empty() { "/" } else { &finding.pointer })}
            </div>
            {finding.fix.clone().map(|fix| view! {
                <div class="mt-2 rounded-md bg-emerald-50 p-2 text-emerald-900" data-testid="fix">
                    <div><span class="font-semibold">"Fix: "</span><Message text=fix.description.clone()/></div>
                    {(!fix.commands.is_empty()).then(|| view! {
                        <pre tabindex="0" class="mt-1 overflow-x-auto rounded bg-slate-900 p-2 text-xs text-slate-100">{fix.commands.join("\n")}</pre>
                    })}
                    {(!fix.notes.is_empty()).then(|| view! {
                        <ul class="mt-1 list-disc pl-5 text-xs text-emerald-900">
                            {fix.notes.iter().map(|n| view! { <li class="break-words"><Message text=n.clone()/></li> }).collect_view()}
                        </ul>
                    })}
                </div>
            })}
            {doc.map(|m| view! {
                <details class="mt-2 text-xs text-slate-600">
                    <summary class="cursor-pointer select-none">{format!("About {} ({})", m.id, m.name)}</summary>
                    <div class="mt-1 space-y-1">
                        <p><span class="font-semibold">"What: "</span><Message text=m.what/></p>
                        <p><span class="font-semibold">"Why: "</span><Message text=m.why/></p>
                        <p><span class="font-semibold">"Fix: "</span><Message text=m.fix/></p>
                        {(!m.references.is_empty()).then(|| view! {
                            <p><span class="font-semibold">"Same check elsewhere: "</span>{m.references.join(", ")}</p>
                        })}
                    </div>
                </details>
            })}
        </li>
    }
}
