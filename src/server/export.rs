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

/// A CSV table (the `csv` crate: RFC 4180 quoting — a field with a comma, a quote or a line
/// break is quoted — and `\n` line ends), the one writer of every CSV ecs-lens produces.
pub fn csv_table<R, F>(header: &[&str], rows: R) -> String
where
    R: IntoIterator<Item = Vec<F>>,
    F: AsRef<[u8]>,
{
    let mut w = ::csv::WriterBuilder::new().terminator(::csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    // Writing into memory cannot fail; a row of the wrong length is a bug caught by the tests.
    w.write_record(header).expect("CSV header");
    for row in rows {
        w.write_record(row).expect("CSV row");
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The columns every CSV of findings has, in this order (after its own leading columns).
pub const FINDING_COLUMNS: [&str; 8] =
    ["rule", "severity", "category", "container", "pointer", "line", "column", "message"];

/// A finding's cells, in [`FINDING_COLUMNS`] order.
pub fn finding_cells(x: &crate::core::Finding) -> [String; 8] {
    [
        x.rule.clone(),
        x.severity.as_str().into(),
        x.category.as_str().into(),
        x.container.clone().unwrap_or_default(),
        x.pointer.clone(),
        x.line.to_string(),
        x.column.to_string(),
        x.message.clone(),
    ]
}

/// One row per finding of every file: where, which rule, how bad, and the message.
pub fn csv(files: &[FileReport]) -> String {
    let header: Vec<&str> = std::iter::once("task_definition").chain(FINDING_COLUMNS).collect();
    csv_table(
        &header,
        files.iter().flat_map(|f| {
            f.findings.iter().map(move |x| std::iter::once(f.path.clone()).chain(finding_cells(x)).collect::<Vec<_>>())
        }),
    )
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
        assert!(out.contains(",\"a,b\","), "a field with a comma is quoted: {out}");
    }

    #[test]
    fn csv_table_quotes_what_it_must_and_reads_back() {
        let out = csv_table(&["a", "b"], vec![vec!["plain", "say \"hi\""], vec!["two\nlines", ""]]);
        assert_eq!(out, "a,b\nplain,\"say \"\"hi\"\"\"\n\"two\nlines\",\n");
        let rows: Vec<Vec<String>> = ::csv::Reader::from_reader(out.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        assert_eq!(rows, vec![vec!["plain", "say \"hi\""], vec!["two\nlines", ""]]);
    }
}
