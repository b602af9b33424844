#!/usr/bin/env python3
"""What each page downloads of the hydrate bundle, raw and gzipped (gzip -9), from a
`cargo leptos build --release --split` in target/site/pkg.

Every page loads the main module (ecs-lens.wasm + its JS glue + the split loader); a lazy
route adds its own chunk and the shared chunks the split manifest lists for it. Budgets
(issue 3): 400 KB gzipped for pages without the editor, 600 KB with it. The editor's
CodeMirror bundle (public/editor.js) is plain JS, reported on its own line.
"""
import glob, gzip, json, os, sys

pkg = sys.argv[1] if len(sys.argv) > 1 else "target/site/pkg"
def size(path):
    data = open(path, "rb").read()
    return len(data), len(gzip.compress(data, 9))

main = [os.path.join(pkg, "ecs-lens.wasm"), os.path.join(pkg, "ecs-lens.js")]
main += glob.glob(os.path.join(pkg, "__wasm_split.*.js"))
manifest = json.load(open(os.path.join(pkg, "__wasm_split_manifest.json")))
pages = {"/ (families, eager)": []}
for split, chunks in sorted(manifest.items()):
    name = split.strip("_").rsplit("_", 1)[0].replace("_route_view", "")
    pages[f"{name} route"] = [os.path.join(pkg, c + ".wasm") for c in chunks]

budget_kb = lambda name: 600 if name.startswith("edit") else 400
worst = 0
print(f"{'page':28} {'raw KB':>9} {'gzip KB':>9}  budget")
for name, extra in pages.items():
    raw = gz = 0
    for f in main + extra:
        r, g = size(f)
        raw += r
        gz += g
    ok = gz / 1000 <= budget_kb(name)
    worst |= not ok
    print(f"{name:28} {raw/1000:9.1f} {gz/1000:9.1f}  {budget_kb(name)} {'ok' if ok else 'OVER'}")
editor_js = "public/editor.js"
if os.path.exists(editor_js):
    r, g = size(editor_js)
    print(f"{'(editor page) editor.js':28} {r/1000:9.1f} {g/1000:9.1f}  CodeMirror, plain JS")
sys.exit(1 if worst else 0)
