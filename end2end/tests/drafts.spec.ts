import { test, expect } from "@playwright/test";
import { ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./server";

// Drafts are kept on the server as the user types: they survive a reload in another browser
// (no localStorage) and a restart of ecs-lens.
const port = 3112;
const base = `http://127.0.0.1:${port}`;
const dir = mkdtempSync(join(tmpdir(), "ecs-lens-drafts-"));
let server: ChildProcess;

test.afterAll(() => {
  server?.kill("SIGTERM");
});

test("a draft typed in one browser is there after a server restart, in another browser", async ({ browser }) => {
  server = await startServer(port, ["--data-dir", dir]);
  const first = await browser.newContext();
  const page = await first.newPage();
  await page.goto(`${base}/families/billing-cron/1/edit`);
  await page.waitForFunction(() => (window as any).__ecsLensHydrated === true);
  const content = page.getByTestId("editor").locator(".cm-content");
  await expect(content).toContainText('"containerDefinitions"', { timeout: 15_000 });
  await expect(page.getByTestId("draft-restored")).toHaveCount(0);
  await content.click();
  await page.keyboard.press("Control+Home");
  await page.keyboard.press("End");
  await page.keyboard.type(' "draftMarker": true,');
  await expect(page.getByTestId("editor-findings").locator('[data-rule="VAL001"], [data-rule^="VAL"]').first()).toBeVisible();
  // Saved 400 ms after the last keystroke.
  await page.waitForResponse((r) => r.url().endsWith("/api/save-draft") && r.ok(), { timeout: 10_000 });
  await first.close();

  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  server = await startServer(port, ["--data-dir", dir]);

  const second = await browser.newContext();
  const again = await second.newPage();
  await again.goto(`${base}/families/billing-cron/1/edit`);
  await again.waitForFunction(() => (window as any).__ecsLensHydrated === true);
  await expect(again.getByTestId("draft-restored")).toContainText("on top of revision 1");
  await expect(again.getByTestId("editor").locator(".cm-content")).toContainText('"draftMarker": true', { timeout: 15_000 });
  await second.close();
});
