// Numbers for issue 3, measured in Debian's Chromium against a running ecs-lens (release):
//   node end2end/measure-ui.mjs [http://127.0.0.1:3000]
// 1. navigation → interactive for the seed's revision page (budget 300 ms): a fresh page
//    load each time; "interactive" is when hydration finished (window.__ecsLensHydratedAt,
//    ms since navigation start, set by src/lib.rs).
// 2. linting time per keystroke in the browser for the 10-container task definition
//    (platform-api; budget 5 ms): the editor records each lint in window.__ecsLensLintMs.
import { chromium } from "@playwright/test";

const base = process.argv[2] ?? "http://127.0.0.1:3000";
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const p95 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]; };

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const context = await browser.newContext();
const page = await context.newPage();

const families = (await (await fetch(`${base}/api/families`, { method: "POST", headers: { Origin: base } })).json()).rows.items;
const seed = families.find((f) => f.family === "Datadog");
const revUrl = `${base}/families/${seed.family}/${seed.latest_active}`;
const times = [];
for (let i = 0; i < 15; i++) {
  await context.clearCookies();
  await page.goto(revUrl, { waitUntil: "commit" });
  await page.waitForFunction(() => window.__ecsLensHydratedAt !== undefined, null, { timeout: 10000 });
  const t = await page.evaluate(() => window.__ecsLensHydratedAt);
  if (i > 0) times.push(t); // the first load warms the server's and browser's caches
}
console.log(`revision page ${revUrl}: navigation → interactive median ${median(times).toFixed(0)} ms, p95 ${p95(times).toFixed(0)} ms (n=${times.length})`);

const ten = families.find((f) => f.family === "platform-api");
await page.goto(`${base}/families/${ten.family}/${ten.latest_active}/edit`);
await page.waitForFunction(() => window.__ecsLensHydrated === true);
await page.locator(".cm-content").waitFor();
await page.evaluate(() => localStorage.clear());
await page.locator(".cm-content").click();
await page.keyboard.press("Control+End");
await page.evaluate(() => { window.__ecsLensLintMs = []; });
for (const ch of "  ") await page.keyboard.type(ch, { delay: 30 });
// CodeMirror lints 150 ms after the last change (editor/index.js): pause past that after
// each keystroke so that every keystroke is linted.
for (let i = 0; i < 40; i++) {
  await page.keyboard.type(i % 2 ? " " : "\n", { delay: 0 });
  await page.waitForTimeout(220);
}
await page.waitForTimeout(500);
const lint = await page.evaluate(() => window.__ecsLensLintMs);
const containers = await page.evaluate(() => document.querySelectorAll(".cm-line").length);
console.log(`editor, ${ten.family} (10 containers, ${containers} lines): lint per keystroke median ${median(lint).toFixed(2)} ms, p95 ${p95(lint).toFixed(2)} ms, max ${Math.max(...lint).toFixed(2)} ms (n=${lint.length})`);
await browser.close();
