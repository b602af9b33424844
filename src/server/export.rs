//! Audit exports: every family's latest ACTIVE revision × findings, as JSON, CSV and SARIF.
//! Served as downloads (`/audit/export.json|csv|sarif`).

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{analyse_latest, AppState};
use crate::core::report::{self, FileReport};

/// One report per family, its path the `family:revision` it was drawn from.
pub async fn reports(state: &AppState) -> Result<Vec<FileReport>, String> {
    let analysed = analyse_latest(state).await.map_err(|e| e.to_string())?;
    Ok(analysed
        .into_iter()
        .map(|a| FileReport { path: a.described.family_revision(), error: None, findings: a.findings })
        .collect())
}

/// CSV with a header; fields quoted as RFC 4180 wants.
pub fn csv(files: &[FileReport]) -> String {
    fn q(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }
    let mut out = String::from("task_definition,rule,severity,category,container,pointer,line,column,message\n");
    for f in files {
        for x in &f.findings {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{}\n",
                q(&f.path),
                q(&x.rule),
                x.severity.as_str(),
                x.category.as_str(),
                q(x.container.as_deref().unwrap_or("")),
                q(&x.pointer),
                x.line,
                x.column,
                q(&x.message)
            ));
        }
    }
    out
}

/// `GET /audit/export.{json,csv,sarif}`.
pub async fn export(state: AppState, Path(file): Path<String>) -> Response {
    let files = match reports(&state).await {
        Ok(f) => f,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e).into_response(),
    };
    let (body, mime) = match file.as_str() {
        "export.json" => (report::json(&files), "application/json"),
        "export.csv" => (csv(&files), "text/csv; charset=utf-8"),
        "export.sarif" => {
            (serde_json::to_string_pretty(&report::sarif(&files)).unwrap_or_default(), "application/sarif+json")
        }
        _ => {
            return (StatusCode::NOT_FOUND, "unknown export: use export.json, export.csv or export.sarif")
                .into_response()
        }
    };
    let disposition = format!("attachment; filename=\"ecs-lens-audit.{}\"", file.trim_start_matches("export."));
    ([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, disposition)], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::LintOptions;

    #[test]
    fn csv_quotes_fields() {
        let files = vec![FileReport::lint_text(
            "fam:1",
            r#"{"family": "f", "containerDefinitions": [{"name": "a,b", "image": "i", "essential": false}]}"#,
            &LintOptions::default(),
        )];
        let out = csv(&files);
        let mut lines = out.lines();
        assert_eq!(
            lines.next().unwrap(),
            "task_definition,rule,severity,category,container,pointer,line,column,message"
        );
        assert!(out.contains("fam:1,VAL012,high,validity,"));
        assert!(out.lines().skip(1).all(|l| l.starts_with("fam:1,")));
    }
}
