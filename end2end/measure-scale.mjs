// Chromium's navigation → interactive for the families and audit pages of a running ecs-lens
// (scripts/bench-scale.sh runs it against an account-sized mirror):
//   node end2end/measure-scale.mjs http://127.0.0.1:3000
// "Interactive" is when hydration finished (window.__ecsLensHydratedAt, ms since navigation
// start, set by src/lib.rs); also the DOM's size and the JS heap after load.
import { chromium } from "@playwright/test";

const base = process.argv[2] ?? "http://127.0.0.1:3000";
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-precise-memory-info"],
});
const context = await browser.newContext();
const page = await context.newPage();
for (const path of ["/", "/?page=20", "/audit", "/audit?rule=SEC001"]) {
  const times = [];
  let nodes = 0;
  let heap = 0;
  for (let i = 0; i < 8; i++) {
    await page.goto(`${base}${path}`, { waitUntil: "commit" });
    await page.waitForFunction(() => window.__ecsLensHydratedAt !== undefined, null, { timeout: 30000 });
    const t = await page.evaluate(() => window.__ecsLensHydratedAt);
    if (i > 0) times.push(t); // the first load warms the caches
    nodes = await page.evaluate(() => document.getElementsByTagName("*").length);
    heap = await page.evaluate(() => (performance.memory ? performance.memory.usedJSHeapSize : 0));
  }
  console.log(`chromium ${path}: navigation → interactive median ${median(times).toFixed(0)} ms (n=${times.length}), ${nodes} DOM elements, JS heap ${(heap / 1048576).toFixed(1)} MB`);
}
await browser.close();
