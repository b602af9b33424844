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

test("leaving the editor destroys CodeMirror, frees its callbacks and still saves the last keystrokes", async ({ browser }) => {
  server ??= await startServer(port, ["--data-dir", dir]);
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(`${base}/families/legacy-worker/1`);
  await page.waitForFunction(() => (window as any).__ecsLensHydrated === true);
  for (let visit = 1; visit <= 3; visit++) {
    // Client-side navigation in and out: the editor page mounts and unmounts each time.
    await page.getByRole("link", { name: "Edit" }).click();
    const content = page.getByTestId("editor").locator(".cm-content");
    await expect(content).toContainText('"containerDefinitions"', { timeout: 15_000 });
    expect(await page.evaluate(() => (window as any).ecsLensEditor.view !== null)).toBe(true);
    if (visit === 3) {
      // Type and leave at once, before the 400 ms autosave: the cleanup saves it.
      await content.click();
      await page.keyboard.press("Control+Home");
      await page.keyboard.press("End");
      await page.keyboard.type(' "leftInAHurry": true,');
    }
    const saved = visit === 3 ? page.waitForResponse((r) => r.url().endsWith("/api/save-draft") && r.ok()) : null;
    await page.getByRole("link", { name: "Cancel" }).click();
    await expect(page.getByTestId("editor")).toHaveCount(0);
    expect(await page.evaluate(() => (window as any).ecsLensEditor.view)).toBeNull();
    expect(await page.locator(".cm-editor").count()).toBe(0);
    await saved;
  }
  await page.waitForTimeout(600); // a timer of a gone page would fire now
  expect(errors, "no panic or error after leaving the editor").toEqual([]);
  // The hurried keystrokes are the draft.
  await page.goto(`${base}/families/legacy-worker/1/edit`);
  await expect(page.getByTestId("draft-restored")).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId("editor").locator(".cm-content")).toContainText("leftInAHurry");
  await context.close();
});
