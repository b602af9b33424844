// The ecs-lens editor: CodeMirror 6 with JSON highlighting, and the ecs-lens linter
// (the Rust core compiled to WASM, handed in by the Leptos page) as its lint source.
// Bundled by esbuild into public/editor.js (scripts/setup.sh); exposes window.ecsLensEditor.
import { EditorView, basicSetup } from "codemirror";
import { EditorState } from "@codemirror/state";
import { json } from "@codemirror/lang-json";
import { linter, lintGutter, forceLinting } from "@codemirror/lint";

const severityOf = (s) => (s === "critical" || s === "high" ? "error" : s === "medium" ? "warning" : "info");

// line/column (1-based, UTF-16 columns) → document offset, clamped.
function offset(doc, line, column) {
  const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
  return Math.min(l.from + Math.max(column - 1, 0), l.to);
}

function mount(parent, text, lint, change) {
  const source = (view) => {
    // lint(text) returns JSON: {"error": {line, column, message} | null, "findings": [...]}.
    const result = JSON.parse(lint(view.state.doc.toString()));
    const doc = view.state.doc;
    if (result.error) {
      const from = offset(doc, result.error.line, result.error.column);
      return [{ from, to: Math.min(from + 1, doc.length), severity: "error", message: result.error.message, source: "JSON" }];
    }
    return result.findings.map((f) => {
      const from = offset(doc, f.line, f.column);
      let to = offset(doc, f.end_line, f.end_column);
      if (f.end_line !== f.line) to = doc.line(f.line).to; // one-line squiggle for whole objects
      return { from, to: Math.max(to, from + 1), severity: severityOf(f.severity), message: `${f.rule}: ${f.message}`, source: f.rule };
    });
  };
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        basicSetup,
        json(),
        lintGutter(),
        linter(source, { delay: 150 }),
        // An accessible name for the text field (screen readers announce it).
        EditorView.contentAttributes.of({ "aria-label": "Task definition JSON" }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) change(u.state.doc.toString());
        }),
        EditorView.theme({ "&": { height: "36rem", fontSize: "12px" }, ".cm-scroller": { fontFamily: "ui-monospace, monospace" } }),
      ],
    }),
  });
  // The scroller can take focus, so that keyboard users can scroll long lines too.
  view.scrollDOM.setAttribute("tabindex", "0");
  window.ecsLensEditor.view = view;
  return view;
}

// Replace the text of the editor on the page (a quick fix rewrote the document).
function setText(text) {
  const view = window.ecsLensEditor.view;
  if (!view) return;
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
  forceLinting(view);
}

// Destroy a view the page mounted (the page is going): CodeMirror removes its listeners and
// observers, so nothing of it calls into the page any more.
function unmount(view) {
  if (!view) return;
  view.destroy();
  if (window.ecsLensEditor.view === view) window.ecsLensEditor.view = null;
}

window.ecsLensEditor = { mount, setText, unmount, view: null };
