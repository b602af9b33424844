import { test, expect, Page } from "@playwright/test";
import { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./server";

// History, notes and prune on private servers (their own seeded stores): an editor's and a
// read-only one.
const editorPort = 3142;
const roPort = 3143;
const base = `http://127.0.0.1:${editorPort}`;
const roBase = `http://127.0.0.1:${roPort}`;
let editor: ChildProcess;
let ro: ChildProcess;
const dirs: string[] = [];

async function hydrated(page: Page) {
  await page.waitForFunction(() => (window as any).__ecsLensHydrated === true, null, { timeout: 15_000 });
}

test.beforeAll(async () => {
  for (const p of [editorPort, roPort]) dirs.push(mkdtempSync(join(tmpdir(), "ecs-lens-history-")));
  editor = await startServer(editorPort, ["--data-dir", dirs[0]]);
  ro = await startServer(roPort, ["--read-only", "--data-dir", dirs[1]]);
});

test.afterAll(() => {
  editor?.kill("SIGTERM");
  ro?.kill("SIGTERM");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("the history tab lists what each revision changed and filters by container and path", async ({ page }) => {
  await page.goto(`${base}/families/Datadog`);
  await hydrated(page);
  await page.getByTestId("history-link").click();
  await expect(page).toHaveURL(/\/families\/Datadog\/history$/);
  const items = page.locator("[data-testid=history] > li");
  await expect(items).toHaveCount(3);
  await expect(items.first()).toHaveAttribute("data-revision", "3");
  await expect(items.last()).toContainText("The first revision");
  await expect(page.getByTestId("history")).toContainText("container");
  // Filter to one container through the URL form (works without WASM as a GET).
  const container = await page.locator('select[name="container"] option').nth(1).getAttribute("value");
  await page.locator('select[name="container"]').selectOption(container!);
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(new RegExp(`container=${container}`));
  for (const path of await page.locator("[data-testid=history] li[data-kind] .font-mono").allTextContents()) {
    expect(path.startsWith(`container ${container}`), path).toBe(true);
  }
  await page.goto(`${base}/families/Datadog/history?path=no-such-key`);
  await expect(page.getByTestId("history-empty")).toBeVisible();
});

test("an editor writes a note; it shows on the revision, family, history and compare pages and in search", async ({ page }) => {
  await page.goto(`${base}/families/Datadog/2`);
  await hydrated(page);
  await page.getByTestId("note-input").fill("Rollback for INC-1234 <script>alert(1)</script>");
  await page.getByTestId("note-save").click();
  await expect(page.getByTestId("note-text")).toHaveText("Rollback for INC-1234 <script>alert(1)</script>");
  await page.goto(`${base}/families/Datadog`);
  await expect(page.locator('tr[data-revision="2"] [data-testid=revision-note]')).toContainText("INC-1234");
  await page.goto(`${base}/families/Datadog/history`);
  await expect(page.locator('li[data-revision="2"] [data-testid=history-note]')).toContainText("INC-1234");
  await page.goto(`${base}/compare/Datadog/2/3`);
  await expect(page.getByTestId("compare-notes")).toContainText("Rollback for INC-1234");
  await page.goto(`${base}/?q=INC-1234`);
  await expect(page.getByTestId("note-matches")).toContainText("Datadog:2");
  await page.goto(`${base}/audit-log`);
  await expect(page.getByTestId("audit-log")).toContainText("Note · Rollback for INC-1234");
  // Escaped, not markup.
  expect(await page.evaluate(() => document.querySelectorAll("script:not([src])").length)).toBeLessThan(10);
});

test("the prune plan, then the prune; never a revision of the newest N", async ({ page }) => {
  await page.goto(`${base}/families/Datadog`);
  await hydrated(page);
  await page.getByTestId("prune-link").click();
  await expect(page).toHaveURL(/\/families\/Datadog\/prune$/);
  await expect(page.getByTestId("prune-plan")).toContainText("Nothing to prune");
  await page.goto(`${base}/families/Datadog/prune?keep=1&delete=on`);
  await hydrated(page);
  // The seed's revision 1 is INACTIVE already: only deleted.
  await expect(page.getByTestId("prune-deregister")).toHaveText("Deregister 2");
  await expect(page.getByTestId("prune-delete")).toHaveText("Delete 2, 1");
  await expect(page.getByTestId("prune-kept")).toContainText("keeps 3: one of the newest 1 ACTIVE revisions");
  await page.getByTestId("prune-run").click();
  await expect(page.getByTestId("prune-result")).toHaveText("Deregistered 2 · deleted 2, 1");
  await page.goto(`${base}/families/Datadog`);
  await expect(page.locator("[data-testid=revisions] tbody tr")).toHaveCount(1);
});

test("read-only: no prune link, no note form, and the server refuses both", async ({ page, request }) => {
  await page.goto(`${roBase}/families/Datadog`);
  await hydrated(page);
  await expect(page.getByTestId("prune-link")).toHaveCount(0);
  await page.goto(`${roBase}/families/Datadog/3`);
  await expect(page.getByTestId("note")).toBeVisible();
  await expect(page.getByTestId("note-input")).toHaveCount(0);
  await page.goto(`${roBase}/families/Datadog/prune?keep=0`);
  await expect(page.getByTestId("error")).toContainText("read-only");
  const headers = { Origin: roBase };
  for (const [path, form] of [
    ["/api/prune", { family: "Datadog", keep: "0", delete: "on" }],
    ["/api/note", { family: "Datadog", revision: "3", text: "x" }],
  ] as [string, Record<string, string>][]) {
    const r = await request.post(`${roBase}${path}`, { headers, form });
    expect(r.status(), path).toBe(403);
  }
  await page.goto(`${roBase}/families/Datadog`);
  await expect(page.locator("[data-testid=revisions] tbody tr")).toHaveCount(3);
});
