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
            runs.push(("text-slate-500", std::mem::take(plain)));
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
            let class = if rest.trim_start().starts_with(':') { "text-sky-800" } else { "text-emerald-700" };
            let class =
                if s == format!("\"{}\"", crate::core::mask::MASK) { "text-fuchsia-700 font-semibold" } else { class };
            runs.push((class, s));
        } else if c == '-' || c.is_ascii_digit() {
            flush(&mut plain, &mut runs);
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || "+-.eE".contains(chars[i])) {
                i += 1;
            }
            runs.push(("text-amber-700", chars[start..i].iter().collect()));
        } else if chars[i..].starts_with(&['t', 'r', 'u', 'e']) || chars[i..].starts_with(&['n', 'u', 'l', 'l']) {
            flush(&mut plain, &mut runs);
            runs.push(("text-violet-700", chars[i..i + 4].iter().collect()));
            i += 4;
        } else if chars[i..].starts_with(&['f', 'a', 'l', 's', 'e']) {
            flush(&mut plain, &mut runs);
            runs.push(("text-violet-700", "false".into()));
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
                <div class="flex" id=format!("L{}", n + 1)>
                    <span class="w-10 shrink-0 select-none pr-3 text-right text-slate-500">{(n + 1).to_string()}</span>
                    <span class="whitespace-pre">{runs}</span>
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
        let classes: Vec<_> = runs.iter().filter(|r| r.0 != "text-slate-500").map(|r| (r.0, r.1.as_str())).collect();
        assert_eq!(
            classes,
            [
                ("text-sky-800", "\"cpu\""),
                ("text-amber-700", "256"),
                ("text-sky-800", "\"x\""),
                ("text-emerald-700", "\"a\\\"b\""),
                ("text-sky-800", "\"t\""),
                ("text-violet-700", "true"),
                ("text-sky-800", "\"n\""),
                ("text-violet-700", "null"),
            ]
        );
        let joined: String = runs.iter().map(|r| r.1.as_str()).collect();
        assert_eq!(joined, r#"  "cpu": 256, "x": "a\"b", "t": true, "n": null"#);
    }
}
