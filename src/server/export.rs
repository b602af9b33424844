//! Audit exports: every family's latest ACTIVE revision × findings, as JSON, CSV and SARIF,
//! served as downloads (`/audit/export.json|csv|sarif`). They stream from the mirror a batch of
//! families at a time, so memory stays bounded whatever the account's size.

use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::core::report::{self, FileReport};

/// Families read from the mirror per step of an export.
const EXPORT_BATCH: u32 = 200;

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

/// The formats of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    Sarif,
}

impl Format {
    /// What comes before the first file and after the last.
    fn frame(self) -> (String, String) {
        match self {
            Format::Json => ("{\"files\": [\n".into(), "\n]}\n".into()),
            Format::Csv => {
                let header: Vec<&str> = std::iter::once("task_definition").chain(FINDING_COLUMNS).collect();
                (csv_table::<_, Vec<u8>>(&header, std::iter::empty()), String::new())
            }
            Format::Sarif => {
                // The envelope of a run without results, split where the results go.
                let envelope = serde_json::to_string(&report::sarif(&[])).unwrap_or_default();
                match envelope.split_once("\"results\":[]") {
                    Some((head, tail)) => (format!("{head}\"results\":[\n"), format!("\n]{tail}\n")),
                    None => (envelope, String::new()),
                }
            }
        }
    }

    /// Between two items (files, or SARIF results).
    fn separator(self) -> &'static str {
        match self {
            Format::Json | Format::Sarif => ",\n",
            Format::Csv => "",
        }
    }

    /// One batch of files, in this format (`first`: no separator before it).
    fn batch(self, files: &[FileReport], first: bool) -> String {
        let sep = self.separator();
        let parts: Vec<String> = match self {
            Format::Json => files.iter().map(|f| serde_json::to_string(f).unwrap_or_default()).collect(),
            Format::Csv => return csv(files).split_once('\n').map(|(_, rows)| rows.to_string()).unwrap_or_default(),
            Format::Sarif => {
                let run = report::sarif(files);
                run["runs"][0]["results"]
                    .as_array()
                    .map(|rs| rs.iter().map(|r| serde_json::to_string(r).unwrap_or_default()).collect())
                    .unwrap_or_default()
            }
        };
        let parts: Vec<String> = parts.into_iter().filter(|p| !p.is_empty()).collect();
        if parts.is_empty() {
            return String::new();
        }
        let joined = parts.join(sep);
        if first {
            joined
        } else {
            format!("{sep}{joined}")
        }
    }
}

/// The export of `state`'s source in `format`, as a stream of chunks: the head, a batch of
/// families at a time from the mirror, the tail. A mirror error midway ends the stream with an
/// error (the download fails visibly rather than looking complete).
fn export_stream(
    state: AppState,
    format: Format,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let (head, tail) = format.frame();
    let source = state.source_name();
    // (after: the last family written; started: a file was written; done)
    futures_util::stream::unfold(
        (Some(head), None::<String>, false, false, Some(tail)),
        move |(head, after, started, done, tail)| {
            let state = state.clone();
            let source = source.clone();
            async move {
                if let Some(h) = head {
                    return Some((Ok(Bytes::from(h)), (None, after, started, done, tail)));
                }
                if done {
                    return tail.map(|t| (Ok(Bytes::from(t)), (None, after, started, true, None)));
                }
                match state.mirror.latest_after(&source, after.as_deref(), EXPORT_BATCH).await {
                    Err(e) => Some((Err(std::io::Error::other(e.to_string())), (None, after, started, true, None))),
                    Ok(batch) if batch.is_empty() => {
                        tail.map(|t| (Ok(Bytes::from(t)), (None, after, started, true, None)))
                    }
                    Ok(batch) => {
                        let last = batch.last().map(|b| b.0.clone());
                        let files: Vec<FileReport> = batch
                            .into_iter()
                            .map(|(family, revision, findings)| FileReport {
                                path: format!("{family}:{revision}"),
                                error: None,
                                findings,
                            })
                            .collect();
                        let chunk = format.batch(&files, !started);
                        let wrote = started || !chunk.is_empty();
                        Some((Ok(Bytes::from(chunk)), (None, last, wrote, false, tail)))
                    }
                }
            }
        },
    )
}

/// `GET /audit/export.{json,csv,sarif}`.
pub async fn export(state: AppState, Path(file): Path<String>) -> Response {
    let (format, mime) = match file.as_str() {
        "export.json" => (Format::Json, "application/json"),
        "export.csv" => (Format::Csv, "text/csv; charset=utf-8"),
        "export.sarif" => (Format::Sarif, "application/sarif+json"),
        _ => {
            return (StatusCode::NOT_FOUND, "unknown export: use export.json, export.csv or export.sarif")
                .into_response()
        }
    };
    // Refuse at once (with a status) when the mirror cannot be read, before streaming.
    if let Err(e) = state.mirror.status(&state.source_name()).await {
        return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response();
    }
    let disposition = format!("attachment; filename=\"ecs-lens-audit.{}\"", file.trim_start_matches("export."));
    (
        [(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, disposition)],
        Body::from_stream(export_stream(state, format)),
    )
        .into_response()
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
