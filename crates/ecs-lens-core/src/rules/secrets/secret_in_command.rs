use super::detect::{Detection, Kind};
use crate::finding::{Finding, Fix};
use crate::rules::kit::Named;
use crate::rules::{Context, Reference, Rule, RuleMeta};
use crate::schema::Seg;
use crate::Category;
use crate::Severity;

pub struct SecretInCommand;

pub static META: RuleMeta = RuleMeta {
    id: "SEC005",
    name: "secret-in-command",
    severity: Severity::Critical,
    category: Category::Secrets,
    blocks_registration: false,
    summary: "A credential written inline in `command`, `entryPoint` or `healthCheck.command`",
    what: crate::rules::doc(
        "Scans the elements of `entryPoint`, `command` and `healthCheck.command` for credentials written into \
           the command line: `--password=…`/`--token …`/`--api-key …` flags, `mysql -p<password>`, `curl -u \
           user:password`, `export API_KEY=…` / `PGPASSWORD=… psql`, URLs and DSNs with a password, `Authorization: \
           Bearer …` headers, and tokens in known formats. References such as `$DB_PASSWORD` or \
           `\"$(cat /run/secrets/x)\"` are fine: the value is not in the task definition.",
    ),
    why: crate::rules::doc(
        "Commands are stored in plaintext in the task definition (readable with `ecs:DescribeTaskDefinition`), \
          and at run time the arguments are visible to anything that can list processes or inspect the container.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [{"name": "migrate", "image": "mysql:8", "essential": false,
  "entryPoint": ["sh", "-c"], "command": ["mysql -h db.internal -uadmin -pS3cr3tPassw0rd < /schema.sql"]}]}"#,
    ),
    fix: crate::rules::doc(
        "Store the value in Secrets Manager, inject it as an environment variable with `secrets`, and reference \
          the variable instead of the value — `[\"sh\", \"-c\", \"mysql -h db.internal -uadmin \
          -p\\\"$MYSQL_PW\\\" < /schema.sql\"]` — or let the program read it from its own variable (`MYSQL_PWD`, \
          `PGPASSWORD`, …).",
    ),
    references: &[Reference { tool: "Prowler", id: "ecs_task_definitions_no_environment_secrets" }],
};

impl Rule for SecretInCommand {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut mine = Vec::new();
        for h in super::hits_of(cx, &META) {
            let Some(c) = h.container(&cx.td) else { continue };
            // Per container: `entryPoint`, then `command`, then `healthCheck.command`, whatever
            // the order of the members in the document.
            let (rank, field, i) = match h.segs.as_slice() {
                [_, _, Seg::Key("healthCheck"), Seg::Key("command"), Seg::Index(i)] => (2, "healthCheck.command", *i),
                [_, _, Seg::Key(field), Seg::Index(i)] => (u8::from(*field != "entryPoint"), *field, *i),
                _ => continue,
            };
            mine.push((c.index, rank, c, field, i, h));
        }
        mine.sort_by_key(|m| (m.0, m.1));
        for (_, _, c, field, i, h) in mine {
            let d = h.detection;
            out.push(
                Finding::new(&META, h.pointer.clone(), message(field, i, Named(c), d))
                    .in_container(c)
                    .with_severity(if d.is_credential() { Severity::Critical } else { Severity::High })
                    .with_fix_from(cx, || {
                        Fix::advice(
                            "Store the value in Secrets Manager, inject it as an environment variable with `secrets`, \
                             and reference the variable in the command (`\"$VAR\"`, through `sh -c`) or let the program \
                             read it from its environment (`MYSQL_PWD`, `PGPASSWORD`, …).",
                        )
                    }),
            );
        }
    }
}

fn message(field: &str, i: usize, container: Named<'_, '_>, d: Detection) -> String {
    match d.kind {
        Kind::Credential => format!(
            "`{field}[{i}]` of {container} contains {} written inline; read it from an environment \
             variable injected from `secrets` instead",
            d.what
        ),
        Kind::Placeholder | Kind::Empty => format!(
            "`{field}[{i}]` of {container} writes {} inline (a placeholder now, a leaked credential once \
             someone fills it in); read it from an environment variable injected from `secrets` instead",
            d.what
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::{json, Value};

    fn with_command(entry: Value, command: Value) -> Value {
        let mut td = base();
        td["containerDefinitions"][0]["entryPoint"] = entry;
        td["containerDefinitions"][0]["command"] = command;
        td
    }

    fn flagged(command: Value) -> Vec<Finding> {
        check_value(&SecretInCommand, with_command(json!(["sh", "-c"]), command))
    }

    #[test]
    fn flags_inline_credentials() {
        for (cmd, idx) in [
            (json!(["mysql -h db -uroot -psecretpw < /x.sql"]), 0),
            (json!(["mysql", "-uroot", "-ps3cr3t", "app"]), 2),
            (json!(["./server --password=hunter2 --port 8080"]), 0),
            (json!(["./server", "--api-key", "Zx81kLmQ02pRt7vW"]), 2),
            (json!(["export API_KEY=Zx81kLmQ02pRt7vW && ./run"]), 0),
            (json!(["PGPASSWORD=hunter2 psql -h db -U app"]), 0),
            (json!(["psql postgres://app:hunter2@db:5432/app -c 'select 1'"]), 0),
            (json!(["curl -u admin:hunter2 https://internal/health"]), 0),
            (json!(["curl", "-H", "Authorization: Bearer Zm9vYmFyMTIzNDU2Nzg5MA", "https://x"]), 2),
            (json!(["GITHUB_TOKEN=ghp_0123456789abcdefABCDEF0123456789abcd ./sync"]), 0),
            (json!(["sshpass", "-p", "hunter2", "ssh", "host"]), 2),
            (json!(["redis-server", "--requirepass", "hunter2hunter2"]), 2),
            (json!(["redis-server --masterauth hunter2hunter2 --port 6380"]), 0),
        ] {
            let f = flagged(cmd.clone());
            assert_eq!(f.len(), 1, "{cmd}");
            assert_eq!(f[0].pointer, format!("/containerDefinitions/0/command/{idx}"), "{cmd}");
            for secret in ["secretpw", "s3cr3t", "hunter2", "Zx81kLmQ02pRt7vW", "Zm9vYmFy"] {
                assert!(!f[0].message.contains(secret), "{}", f[0].message);
            }
        }
    }

    #[test]
    fn flags_health_check_and_entry_point() {
        let mut td = base();
        td["containerDefinitions"][0]["healthCheck"] =
            json!({"command": ["CMD-SHELL", "curl -f -u admin:hunter2 http://localhost/health || exit 1"]});
        td["containerDefinitions"][0]["entryPoint"] = json!(["./run", "--token=Zx81kLmQ02pRt7vW"]);
        let f = check_value(&SecretInCommand, td);
        let ptrs: Vec<_> = f.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(ptrs, ["/containerDefinitions/0/entryPoint/1", "/containerDefinitions/0/healthCheck/command/1"]);
    }

    #[test]
    fn placeholders_are_high() {
        let f = flagged(json!(["./server --password=changeme"]));
        assert_eq!((f.len(), f[0].severity), (1, Severity::High));
    }

    #[test]
    fn negatives() {
        assert!(check(&SecretInCommand, SEED).is_empty());
        for cmd in [
            json!(["mysql -h db -uroot -p\"$MYSQL_PW\" app"]),
            json!(["mysql -h db -uroot -p$MYSQL_PW app"]),
            json!(["mysql", "-h", "db", "--password", "-P3306", "app"]),
            json!(["psql -h db -U app --password mydb"]),
            json!(["./server --password=\"$DB_PASSWORD\" --token-file /run/secrets/token"]),
            json!(["./server --password-file=/run/secrets/pw --no-password app"]),
            json!(["export API_KEY=$(cat /run/secrets/api_key) && ./run"]),
            json!(["aws ecr get-login-password | docker login --username AWS --password-stdin 1.dkr.ecr.us-east-1.amazonaws.com"]),
            json!(["aws secretsmanager get-secret-value --secret-id prod/db --query SecretString"]),
            json!(["curl -f http://localhost:8080/health || exit 1"]),
            json!(["docker run -u 1000:1000 -p 8080:80 nginx"]),
            json!(["uvicorn main:app --host 0.0.0.0 --port 8000 --log-level info"]),
            json!(["mkdir -p /app && cp -r /src /app"]),
            json!(["redis-cli -h cache -p 6379 ping"]),
            json!([1, null, {"a": "--password=x"}]),
        ] {
            assert!(flagged(cmd.clone()).is_empty(), "{cmd}");
        }
    }
}
