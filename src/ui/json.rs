//! Read-only JSON with line numbers and syntax colours (keys, strings, numbers, literals).
//! The text it is given is already masked by the server where secrets are concerned.

use leptos::prelude::*;

/// Colour classes for one line of pretty-printed JSON, as (class, text) runs.
pub fn highlight_line(line: &str) -> Vec<(&'static str, String)> {
    let mut runs = Vec::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let mut plain = String::new();
    let flush = |plain: &mut String, runs: &mut Vec<(&'static str, String)>| {
        if !plain.is_empty() {
            runs.push(("jp", std::mem::take(plain)));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            flush(&mut plain, &mut runs);
            let start = i;
            i += 1;
            while i < chars.len() {
                if chars[i] == '\\' {
                    i += 2;
                    continue;
                }
                if chars[i] == '"' {
                    i += 1;
                    break;
                }
                i += 1;
            }
            let s: String = chars[start..i.min(chars.len())].iter().collect();
            let rest = chars[i.min(chars.len())..].iter().collect::<String>();
            let class = if rest.trim_start().starts_with(':') { "jk" } else { "js" };
            let class = if s == format!("\"{}\"", crate::core::mask::MASK) { "jm" } else { class };
            runs.push((class, s));
        } else if c == '-' || c.is_ascii_digit() {
            flush(&mut plain, &mut runs);
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || "+-.eE".contains(chars[i])) {
                i += 1;
            }
            runs.push(("jn", chars[start..i].iter().collect()));
        } else if chars[i..].starts_with(&['t', 'r', 'u', 'e']) || chars[i..].starts_with(&['n', 'u', 'l', 'l']) {
            flush(&mut plain, &mut runs);
            runs.push(("jl", chars[i..i + 4].iter().collect()));
            i += 4;
        } else if chars[i..].starts_with(&['f', 'a', 'l', 's', 'e']) {
            flush(&mut plain, &mut runs);
            runs.push(("jl", "false".into()));
            i += 5;
        } else {
            plain.push(c);
            i += 1;
        }
    }
    flush(&mut plain, &mut runs);
    runs
}

#[component]
pub fn JsonView(text: String) -> impl IntoView {
    let lines = text
        .lines()
        .enumerate()
        .map(|(n, line)| {
            let runs = highlight_line(line)
                .into_iter()
                .map(|(class, s)| view! { <span class=class>{s}</span> })
                .collect_view();
            view! {
                <div class="json-line" id=format!("L{}", n + 1)>
                    <span class="json-no">{(n + 1).to_string()}</span>
                    <span class="json-code">{runs}</span>
                </div>
            }
        })
        .collect_view();
    view! {
        // A scroll region keyboard users can focus (and scroll), named for screen readers.
        <div class="max-h-[36rem] overflow-auto rounded-lg border border-slate-200 bg-white p-3 font-mono text-xs leading-5"
            tabindex="0" role="region" aria-label="Task definition JSON" data-testid="raw-json">
            {lines}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_keys_strings_numbers_and_literals() {
        let runs = highlight_line(r#"  "cpu": 256, "x": "a\"b", "t": true, "n": null"#);
        let classes: Vec<_> = runs.iter().filter(|r| r.0 != "jp").map(|r| (r.0, r.1.as_str())).collect();
        assert_eq!(
            classes,
            [
                ("jk", "\"cpu\""),
                ("jn", "256"),
                ("jk", "\"x\""),
                ("js", "\"a\\\"b\""),
                ("jk", "\"t\""),
                ("jl", "true"),
                ("jk", "\"n\""),
                ("jl", "null"),
            ]
        );
        let joined: String = runs.iter().map(|r| r.1.as_str()).collect();
        assert_eq!(joined, r#"  "cpu": 256, "x": "a\"b", "t": true, "n": null"#);
    }
}
