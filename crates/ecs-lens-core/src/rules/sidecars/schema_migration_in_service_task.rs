use crate::finding::{Finding, Fix};
use crate::model::Container;
use crate::rules::kit::sidecars::{element_ptr_containing, is_app, is_sidecar, words};
use crate::rules::kit::{basename, contains_ci};
use crate::rules::{Context, Rule, RuleMeta};
use crate::{Category, Severity};

pub struct MigrationInServiceTask;

pub static META: RuleMeta = RuleMeta {
    id: "SDC009",
    name: "schema-migration-in-service-task",
    severity: Severity::Medium,
    category: Category::Sidecars,
    blocks_registration: false,
    summary: "A schema-migration container runs inside the application's task, once per task copy",
    what: crate::rules::doc(
        "Finds a container whose `entryPoint`/`command` runs a schema migration — `alembic upgrade`, \
           `rails`/`rake db:migrate`, `manage.py migrate`, `flyway migrate`, `prisma migrate deploy`, \
           `knex migrate:latest`, `goose … up`, `sequelize db:migrate`, `liquibase update`, `migrate … up` \
           (golang-migrate), `dbmate up`, `artisan migrate`, `typeorm migration:run`, `ecto.migrate` … — or a \
           non-essential container named like a migration, in a task definition that also has a long-running \
           application container.",
    ),
    why: crate::rules::doc(
        "A service runs its task definition once per desired task, so the migration runs in every copy. As soon \
          as the service has more than one task — scale-out, or old and new tasks overlapping during a rolling \
          deployment — several copies migrate the same database at the same time. Tools without a lock \
          (Alembic, Django, Sequelize …) race: the same DDL is applied twice, a migration half-applies, the \
          version table is left inconsistent. Tools with a lock make the losers fail instead, and every \
          container that waits for the migration's `SUCCESS` (the application) never starts, so the task \
          fails. Each new task also re-runs the migration on every scale-out or replacement.",
    ),
    example: crate::rules::doc(
        r#"{"containerDefinitions": [
  {"name": "app", "image": "app", "essential": true,
   "dependsOn": [{"containerName": "migration-runner", "condition": "SUCCESS"}]},
  {"name": "migration-runner", "image": "app", "essential": false,
   "entryPoint": ["/bin/sh", "-c"], "command": ["cd /app && alembic upgrade head"]}]}"#,
    ),
    fix: crate::rules::doc(
        "Run migrations once per deployment, outside the service: a separate task definition with only the \
          migration container, started by the pipeline before the service update\n\n\
          ```sh\naws ecs run-task --cluster <cluster> --task-definition <family>-migrate --launch-type FARGATE \\\n  \
          --network-configuration 'awsvpcConfiguration={subnets=[<subnet>],securityGroups=[<sg>]}'\n\
          aws ecs wait tasks-stopped --cluster <cluster> --tasks <task-arn>\n```\n\n\
          then remove the migration container and the `dependsOn` entries on it from the service's task \
          definition. If it must stay in the task, make the migration take a database lock (PostgreSQL \
          `pg_advisory_lock`, MySQL `GET_LOCK`) and treat \"already up to date\" as success.",
    ),
    references: &[],
};

struct Pattern {
    anchor: &'static str,
    needs: &'static [&'static str],
    label: &'static str,
}

const fn p(anchor: &'static str, needs: &'static [&'static str], label: &'static str) -> Pattern {
    Pattern { anchor, needs, label }
}

const PATTERNS: &[Pattern] = &[
    p("alembic", &["upgrade"], "alembic upgrade"),
    p("manage.py", &["migrate"], "manage.py migrate"),
    p("django-admin", &["migrate"], "django-admin migrate"),
    p("db:migrate", &[], "db:migrate"),
    p("flyway", &["migrate"], "flyway migrate"),
    p("prisma", &["migrate", "deploy"], "prisma migrate deploy"),
    p("knex", &["migrate:latest"], "knex migrate:latest"),
    p("knex", &["migrate:up"], "knex migrate:up"),
    p("goose", &["up"], "goose up"),
    p("liquibase", &["update"], "liquibase update"),
    p("dbmate", &["up"], "dbmate up"),
    p("dbmate", &["migrate"], "dbmate migrate"),
    p("migrate", &["up"], "migrate … up"),
    p("artisan", &["migrate"], "artisan migrate"),
    p("migration:run", &[], "typeorm migration:run"),
    p("ecto.migrate", &[], "mix ecto.migrate"),
    p("diesel", &["migration", "run"], "diesel migration run"),
    p("sqlx", &["migrate", "run"], "sqlx migrate run"),
    p("atlas", &["migrate", "apply"], "atlas migrate apply"),
    p("npm", &["migrat*"], "npm run migrate"),
    p("yarn", &["migrat*"], "yarn migrate"),
    p("pnpm", &["migrat*"], "pnpm migrate"),
];

/// How far after the tool's name its sub-command may come (options in between).
const WINDOW: usize = 12;

fn word_matches(word: &str, need: &str) -> bool {
    match need.strip_suffix('*') {
        Some(prefix) => {
            word.len() >= prefix.len() && word.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        }
        None => word.eq_ignore_ascii_case(need),
    }
}

/// The migration a container runs: (label, the word that names the tool).
pub fn find_migration<'a>(c: &Container<'a>) -> Option<(&'static str, &'a str)> {
    let mut w = words(c);
    while let Some(word) = w.next() {
        let base = basename(word);
        // Every anchor is 3 to 13 bytes long and starts with one of these letters.
        if !(3..=13).contains(&base.len())
            || !matches!(
                base.as_bytes()[0].to_ascii_lowercase(),
                b'a' | b'd' | b'e' | b'f' | b'g' | b'k' | b'l' | b'm' | b'n' | b'p' | b's' | b'y'
            )
        {
            continue;
        }
        for pat in PATTERNS {
            if !base.eq_ignore_ascii_case(pat.anchor) {
                continue;
            }
            let mut rest = w.clone().take(WINDOW);
            if pat.needs.iter().all(|need| rest.any(|x| word_matches(x, need))) {
                return Some((pat.label, word));
            }
        }
    }
    None
}

impl Rule for MigrationInServiceTask {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let td = &cx.td;
        for c in &td.containers {
            let found = find_migration(c);
            let by_name = found.is_none() && !c.essential() && c.name.is_some_and(|n| contains_ci(n, "migrat"));
            if found.is_none() && !by_name {
                continue;
            }
            if is_sidecar(c) {
                continue;
            }
            let app = td.containers.iter().find(|o| !std::ptr::eq(*o, c) && is_app(o) && find_migration(o).is_none());
            let Some(app) = app else { continue };
            let label = c.label();
            let (what, pointer) = match found {
                Some((l, word)) => {
                    (format!("runs `{l}`"), element_ptr_containing(c, word).unwrap_or_else(|| c.pointer.clone()))
                }
                None => ("is named like a schema migration".to_string(), c.pointer.clone()),
            };
            let waiting = td
                .containers
                .iter()
                .filter(|o| c.name.is_some_and(|n| o.depends_on().any(|d| d.container_name == n)))
                .count();
            let message = format!(
                "`{label}` {what} in the same task as `{}`, so every copy of the task migrates: with more than one \
                 task (scale-out, or a rolling deployment) the migrations run concurrently against the same \
                 database and race or fail{}",
                app.label(),
                if waiting > 0 {
                    format!(", and a failed run keeps the {waiting} container(s) waiting for it from starting")
                } else {
                    String::new()
                }
            );
            let finding = Finding::new(&META, pointer, message).in_container(c);
            out.push(finding.with_fix_from(cx, || {
                let family = td.family().unwrap_or("<family>");
                Fix::advice(format!(
                    "Run the migration once per deployment as a one-off task from the pipeline (a task definition \
                     `{family}-migrate` holding only `{label}`), wait for it to stop with exit code 0, then update \
                     the service; remove `{label}` and the `dependsOn` entries on it from this task definition"
                ))
                .with_commands(vec![
                    format!(
                        "aws ecs run-task --cluster <cluster> --task-definition {family}-migrate --launch-type \
                         FARGATE --network-configuration \
                         'awsvpcConfiguration={{subnets=[<subnet>],securityGroups=[<sg>]}}' \
                         --query 'tasks[0].taskArn' --output text"
                    ),
                    "aws ecs wait tasks-stopped --cluster <cluster> --tasks <task-arn>".to_string(),
                    format!(
                        "aws ecs describe-tasks --cluster <cluster> --tasks <task-arn> \
                         --query \"tasks[0].containers[?name=='{label}'].exitCode\" --output text"
                    ),
                ])
                .with_notes(vec![
                    "If the migration must stay in the task, make it take a database lock (PostgreSQL \
                     pg_advisory_lock, MySQL GET_LOCK) and exit 0 when there is nothing to do."
                        .into(),
                ])
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{base, check, check_value, SEED};
    use serde_json::json;

    fn td(migrator: serde_json::Value) -> serde_json::Value {
        let mut td = base();
        td["containerDefinitions"].as_array_mut().unwrap().push(migrator);
        td
    }

    #[test]
    fn seed_migration_runner_races() {
        let f = check(&MigrationInServiceTask, SEED);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].container.as_deref(), Some("migration-runner"));
        assert_eq!(f[0].pointer, "/containerDefinitions/3/command/0");
        assert!(f[0].message.contains("alembic upgrade"));
        assert!(f[0].message.contains("`my-app-repo`"));
        assert!(f[0].message.contains("keeps the 1 container(s) waiting for it from starting"));
        assert!(f[0].fix.as_ref().unwrap().commands[0].contains("Datadog-migrate"));
    }

    #[test]
    fn recognises_the_usual_tools() {
        for cmd in [
            json!(["bundle", "exec", "rails", "db:migrate"]),
            json!(["python", "/app/manage.py", "migrate", "--noinput"]),
            json!(["flyway", "-url=jdbc:postgresql://db/app", "migrate"]),
            json!(["npx", "prisma", "migrate", "deploy"]),
            json!(["sh", "-c", "npx knex migrate:latest && echo ok"]),
            json!(["goose", "-dir", "db", "postgres", "$DSN", "up"]),
            json!(["liquibase", "--changelog-file=c.xml", "update"]),
            json!(["migrate", "-path", "/m", "-database", "$URL", "up"]),
            json!(["dbmate", "up"]),
            json!(["php", "artisan", "migrate", "--force"]),
            json!(["npx", "sequelize-cli", "db:migrate"]),
            json!(["npm", "run", "migrate:prod"]),
        ] {
            let f = check_value(
                &MigrationInServiceTask,
                td(json!({"name": "m", "image": "x", "essential": false, "command": cmd})),
            );
            assert_eq!(f.len(), 1, "{cmd}");
        }
    }

    #[test]
    fn anchor_prefilter_covers_every_pattern() {
        for pat in PATTERNS {
            let first = pat.anchor.as_bytes()[0];
            assert!((3..=13).contains(&pat.anchor.len()), "{}", pat.anchor);
            assert!(b"adefgklmnpsy".contains(&first), "{}", pat.anchor);
        }
    }

    #[test]
    fn does_not_leak_the_command() {
        let f = check_value(
            &MigrationInServiceTask,
            td(json!({"name": "m", "image": "x", "essential": false,
                "command": ["migrate", "-database", "postgres://u:hunter2@db/app", "up"]})),
        );
        assert!(!f[0].message.contains("hunter2"));
        assert!(!f[0].fix.as_ref().unwrap().description.contains("hunter2"));
    }

    #[test]
    fn by_name_and_quiet_cases() {
        let f =
            check_value(&MigrationInServiceTask, td(json!({"name": "db-migration", "image": "x", "essential": false})));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/containerDefinitions/1");
        // Essential and named like a migration but no command: not enough.
        assert!(check_value(&MigrationInServiceTask, td(json!({"name": "db-migration", "image": "x"}))).is_empty());
        // Ordinary commands.
        for cmd in
            [json!(["uvicorn", "main:app"]), json!(["alembic", "history"]), json!(["echo", "upgrade"]), json!("x")]
        {
            assert!(
                check_value(&MigrationInServiceTask, td(json!({"name": "m", "image": "x", "command": cmd}))).is_empty()
            );
        }
        // A dedicated one-off migration task definition.
        let mut t = base();
        t["containerDefinitions"][0]["command"] = json!(["alembic", "upgrade", "head"]);
        assert!(check_value(&MigrationInServiceTask, t).is_empty());
    }
}
