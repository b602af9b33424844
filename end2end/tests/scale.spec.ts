import { test, expect, Page } from "@playwright/test";
import { ChildProcess, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root, startServer } from "./server";

// Lists that do not fit one page: another ecs-lens on its own data directory with 120 more
// families (ecs-lens import), paged and searched by the server, the state in the URL.
const port = 3110;
const base = `http://127.0.0.1:${port}`;
let server: ChildProcess;
let dir: string;

async function hydrated(page: Page) {
  await page.waitForFunction(() => (window as any).__ecsLensHydrated === true, null, { timeout: 15_000 });
}

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ecs-lens-scale-"));
  const files: string[] = [];
  for (let i = 0; i < 120; i++) {
    const family = `svc-${String(i).padStart(3, "0")}`;
    const environment = i % 10 === 0 ? [{ name: "DD_API_KEY", value: `${i}f2b9c1d4e5a6f7081928374655647ab` }] : [];
    const path = join(dir, `${family}.json`);
    writeFileSync(path, JSON.stringify({
      family,
      containerDefinitions: [{ name: "app", image: "nginx:1.27", essential: true, memory: 256, environment }],
    }));
    files.push(path);
  }
  const bin = process.env.ECS_LENS_BIN ?? join(root, "target/debug/ecs-lens");
  execFileSync(bin, ["import", "--data-dir", join(dir, "data"), ...files], { cwd: root });
  server = await startServer(port, ["--data-dir", join(dir, "data")]);
});

test.afterAll(() => {
  server?.kill("SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("search and pages live in the URL, and a link is the same page", async ({ page }) => {
  await page.goto(`${base}/?q=svc`);
  const rows = page.locator("[data-testid=families] tbody tr");
  await expect(rows).toHaveCount(50);
  await expect(page.getByTestId("page-info")).toHaveText("Page 1 of 3 · 120 families");
  await expect(rows.first()).toHaveAttribute("data-family", "svc-000");
  await hydrated(page);
  await page.getByTestId("page-next").click();
  await expect(page).toHaveURL(`${base}/?q=svc&page=2`);
  await expect(rows.first()).toHaveAttribute("data-family", "svc-050");
  await expect(page.getByTestId("page-info")).toHaveText("Page 2 of 3 · 120 families");
  // The same URL, loaded afresh, is the same page.
  await page.goto(`${base}/?q=svc&page=3`);
  await expect(rows).toHaveCount(20);
  await expect(rows.last()).toHaveAttribute("data-family", "svc-119");
  await expect(page.getByTestId("page-next")).toHaveCount(0);
  // A narrower search from the form.
  await hydrated(page);
  await page.getByTestId("family-filter").fill("svc-11");
  await page.getByTestId("family-filter").press("Enter");
  await expect(page).toHaveURL(/[?&]q=svc-11(&|$)/);
  await expect(rows).toHaveCount(10);
  // Findings filter and sort: the twelve with a plaintext key, worst first.
  await page.goto(`${base}/?q=svc&sev=critical&sort=findings`);
  await expect(rows).toHaveCount(12);
  await expect(page.getByTestId("family-severity")).toHaveValue("critical");
});

test("without WASM (it never arrives) the pages and the search form work the same", async ({ browser }) => {
  const context = await browser.newContext();
  await context.route("**/*.wasm", (route) => route.abort());
  const page = await context.newPage();
  await page.goto(`${base}/?q=svc&page=2`);
  await expect(page.locator("[data-testid=families] tbody tr")).toHaveCount(50);
  await page.getByTestId("family-filter").fill("svc-10");
  await page.getByTestId("family-apply").click();
  await expect(page).toHaveURL(/q=svc-10/);
  await expect(page.locator("[data-testid=families] tbody tr")).toHaveCount(10);
  await context.close();
});

test("the audit pages its families and its aggregate counts them all", async ({ page }) => {
  await page.goto(`${base}/audit?q=svc`);
  await expect(page.getByTestId("total-families")).toContainText("126");
  await expect(page.locator("[data-testid=audit] section[data-family]")).toHaveCount(20);
  await expect(page.getByTestId("page-info")).toHaveText("Page 1 of 6 · 120 families");
  await expect(page.locator('[data-testid=audit-rules] tr[data-rule="SEC001"]')).toBeVisible();
  await page.goto(`${base}/audit?rule=SEC001&q=svc`);
  await expect(page.locator("[data-testid=audit] section[data-family]")).toHaveCount(12);
});
