use serde_json::{Map, Value};

use crate::finding::{Finding, Fix};
use crate::model::member;
use crate::rules::kit::{add, cat, label, ptr};
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct BlockingLogMode;

pub static META: RuleMeta = RuleMeta {
    id: "OPS003",
    name: "blocking-log-mode",
    severity: Severity::Low,
    category: Category::Operability,
    blocks_registration: false,
    summary: "A network log driver runs in `blocking` mode (explicitly, or by not setting `mode`)",
    what: crate::rules::doc(
        "For the `awslogs`, `splunk`, `fluentd`, `gelf` and `syslog` drivers, flags `\"mode\": \"blocking\"` \
           (low) and an absent `mode` (info: the default then comes from the account setting \
           `defaultLogDriverMode`, which is `non-blocking` since June 2025 but `blocking` in accounts that \
           pinned the old behaviour). `awsfirelens` options go to Fluent Bit, not Docker, and are skipped.",
    ),
    why: crate::rules::doc(
        "In blocking mode every write to stdout/stderr waits until the log driver has accepted it: when \
          CloudWatch Logs throttles or the network is slow, the application's logging calls stall, request \
          threads pile up and health checks fail — an outage caused by logging. Non-blocking mode buffers \
          in memory and drops lines only when the buffer is full.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "app", "image": "app:1.2", "logConfiguration": {"logDriver": "awslogs",
  "options": {"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web", "mode": "blocking"}}}]}"#,
    ),
    fix: crate::rules::doc(
        "Set `\"mode\": \"non-blocking\"` and a buffer, e.g. `\"max-buffer-size\": \"25m\"` (it counts against \
          the container's memory). Keep `blocking` only where losing a log line is worse than stalling.",
    ),
    references: &[Reference { tool: "Prowler", id: "ecs_task_definitions_logging_block_mode" }],
};

const NETWORK_DRIVERS: &[&str] = &["awslogs", "splunk", "fluentd", "gelf", "syslog"];

impl Rule for BlockingLogMode {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for c in &cx.td.containers {
            let Some(lc) = c.get("logConfiguration").and_then(Value::as_object) else { continue };
            let Some(driver) = member(lc, "logDriver").and_then(Value::as_str) else { continue };
            if !NETWORK_DRIVERS.contains(&driver) {
                continue;
            }
            let options = member(lc, "options");
            if options.is_some_and(|o| !o.is_object()) {
                continue;
            }
            let options = options.and_then(Value::as_object);
            let mode = options.and_then(|o| member(o, "mode"));
            let explicit = match mode.map(|m| m.as_str()) {
                None => false,
                Some(Some(m)) if m.eq_ignore_ascii_case("blocking") => true,
                Some(_) => continue, // non-blocking, or a wrong value the validity rules report
            };
            let label = label(c);
            let f = if explicit {
                Finding::new(
                    &META,
                    ptr(c, "/logConfiguration/options/mode"),
                    cat(&[
                        "container `",
                        &label,
                        "` logs with `mode: blocking`: when ",
                        driver,
                        " is slow, the application's writes to stdout/stderr stall",
                    ]),
                )
            } else {
                Finding::new(
                    &META,
                    if options.is_some() {
                        ptr(c, "/logConfiguration/options")
                    } else {
                        ptr(c, "/logConfiguration/logDriver")
                    },
                    cat(&[
                        "container `",
                        &label,
                        "` does not set the log `mode`, so the account's `defaultLogDriverMode` decides whether a \
                         slow ",
                        driver,
                        " stalls the application; set `non-blocking` explicitly",
                    ]),
                )
                .with_severity(Severity::Info)
            };
            out.push(f.in_container(c).with_fix_from(cx, || {
                let ops = match options {
                    None => {
                        let mut options = Map::with_capacity(2);
                        options.insert("mode".to_owned(), "non-blocking".into());
                        options.insert("max-buffer-size".to_owned(), "25m".into());
                        vec![add(ptr(c, "/logConfiguration/options"), Value::Object(options))]
                    }
                    Some(o) => {
                        let mut ops = Vec::with_capacity(2);
                        ops.push(add(ptr(c, "/logConfiguration/options/mode"), "non-blocking"));
                        if member(o, "max-buffer-size").is_none() {
                            ops.push(add(ptr(c, "/logConfiguration/options/max-buffer-size"), "25m"));
                        }
                        ops
                    }
                };
                Fix::patch(cat(&["Log `", &label, "` in non-blocking mode with a 25 MiB buffer"]), Value::Array(ops))
                    .with_notes(vec!["The buffer counts against the container's memory.".into()])
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::kit::test_support::apply_fix;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    fn td(lc: Value) -> Value {
        let mut td = base();
        td["containerDefinitions"][0]["logConfiguration"] = lc;
        td
    }

    #[test]
    fn explicit_blocking_is_low_and_fixed() {
        let doc = td(json!({"logDriver": "awslogs", "options": {"awslogs-group": "g", "mode": "blocking"}}));
        let f = check_value(&BlockingLogMode, doc.clone());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
        assert_eq!(f[0].pointer, "/containerDefinitions/0/logConfiguration/options/mode");
        let fixed = apply_fix(&doc, &f[0]);
        let opts = &fixed["containerDefinitions"][0]["logConfiguration"]["options"];
        assert_eq!(opts["mode"], "non-blocking");
        assert_eq!(opts["max-buffer-size"], "25m");
        assert!(check_value(&BlockingLogMode, fixed).is_empty());
    }

    #[test]
    fn absent_mode_is_info_and_fixed_even_without_options() {
        for doc in [td(json!({"logDriver": "splunk"})), td(json!({"logDriver": "awslogs", "options": {"x": "y"}}))] {
            let f = check_value(&BlockingLogMode, doc.clone());
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].severity, Severity::Info);
            assert!(check_value(&BlockingLogMode, apply_fix(&doc, &f[0])).is_empty());
        }
    }

    #[test]
    fn passes_non_blocking_firelens_local_drivers() {
        assert!(check_value(
            &BlockingLogMode,
            td(json!({"logDriver": "awslogs", "options": {"mode": "non-blocking"}}))
        )
        .is_empty());
        assert!(check_value(&BlockingLogMode, td(json!({"logDriver": "awsfirelens", "options": {"Name": "datadog"}})))
            .is_empty());
        assert!(check_value(&BlockingLogMode, td(json!({"logDriver": "json-file"}))).is_empty());
    }

    #[test]
    fn the_seed_leaves_the_mode_to_the_account() {
        let f = check(&BlockingLogMode, SEED);
        assert_eq!(f.len(), 4);
        assert!(f.iter().all(|f| f.severity == Severity::Info));
    }
}
