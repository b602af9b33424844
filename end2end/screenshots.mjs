// The README's screenshots, taken in Debian's Chromium from a running ecs-lens (any build) over a
// freshly seeded embedded store (it registers one revision of billing-cron, so that the audit
// log has an entry — use a scratch data directory):
//   node end2end/screenshots.mjs [http://127.0.0.1:3000] [docs/screenshots] [WIDTH]
// WIDTH (default 1360) is the viewport's: 390 takes the pages as a phone shows them.
// Every page waits for hydration (window.__ecsLensHydrated) and for its content, and the run
// fails on a console error, so a broken page cannot end up in the README.
import { chromium } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const base = process.argv[2] ?? "http://127.0.0.1:3000";
const out = process.argv[3] ?? "docs/screenshots";
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const width = Number(process.argv[4] ?? 1360);
const page = await browser.newPage({ viewport: { width, height: width < 600 ? 844 : 900 }, deviceScaleFactor: 1 });
const errors = [];
page.on("console", (m) => { if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`); });
page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));

async function shot(name, path, ready, { fullPage = false, before } = {}) {
  await page.goto(`${base}${path}`);
  await page.waitForFunction(() => window.__ecsLensHydrated === true, null, { timeout: 15000 });
  await page.locator(ready).first().waitFor({ timeout: 15000 });
  if (before) await before();
  await page.screenshot({ path: join(out, `${name}.png`), fullPage });
  console.log(`${name}.png  ${path}`);
}

await shot("families", "/", "[data-testid=families] tbody tr");
await shot("family", "/families/Datadog", "[data-testid=revisions] tbody tr");
await shot("revision", "/families/Datadog/3", "svg[data-testid=dependency-graph]");
await shot("editor", "/families/Datadog/3/edit", "[data-testid=editor-findings] [data-rule]", {
  before: () => page.waitForTimeout(500),
});
await shot("compare", "/compare/Datadog/2/3", "[data-testid=changes]");
await shot("audit", "/audit", "[data-testid=audit] section");
// One register through the API (what the editor's Register button sends), for the audit log.
const origin = { Origin: base, "Content-Type": "application/x-www-form-urlencoded" };
const post = (fn, form) => fetch(`${base}/api/${fn}`, { method: "POST", headers: origin, body: new URLSearchParams(form) }).then((r) => r.json());
const source = await post("edit-source", { family: "billing-cron", revision: "1" });
// The fix of OPS003 (log in non-blocking mode), as the editor's quick fix would make it.
const edited = source.text.replace('"options": {', '"options": {\n          "mode": "non-blocking",\n          "max-buffer-size": "25m",');
await post("register", { family: "billing-cron", text: edited, base: "1" });
await shot("audit-log", "/audit-log", "[data-testid=audit-log] tbody tr");
await browser.close();
if (errors.length) {
  console.error(errors.join("\n"));
  process.exit(1);
}
