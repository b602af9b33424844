import { test, expect } from "@playwright/test";
import { spawn, ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// A second ecs-lens, read-only, on its own port and data directory.
const port = 3107;
const base = `http://127.0.0.1:${port}`;
let server: ChildProcess;

test.beforeAll(async () => {
  const root = resolve(__dirname, "../..");
  const bin = process.env.ECS_LENS_BIN ?? join(root, "target/debug/ecs-lens");
  server = spawn(bin, ["serve", "--read-only", "--bind", `127.0.0.1:${port}`, "--data-dir", mkdtempSync(join(tmpdir(), "ecs-lens-ro-"))], {
    cwd: root,
    env: { ...process.env, LEPTOS_SITE_ROOT: join(root, "target/site"), LEPTOS_OUTPUT_NAME: "ecs-lens" },
    stdio: "inherit",
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(base)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("read-only server did not start");
});

test.afterAll(() => {
  server?.kill("SIGTERM");
});

test("read-only: no edit controls, and mutating server functions answer 403", async ({ page, request }) => {
  await page.goto(`${base}/families/Datadog/3`);
  await expect(page.getByTestId("dependency-graph")).toBeVisible();
  await expect(page.getByRole("link", { name: /edit/i })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /register|deregister/i })).toHaveCount(0);
  const reg = await request.post(`${base}/api/register`, {
    form: { family: "Datadog", text: '{"family":"Datadog","containerDefinitions":[{"name":"a","image":"b"}]}' },
  });
  expect(reg.status()).toBe(403);
  const dereg = await request.post(`${base}/api/deregister`, { form: { family: "Datadog", revision: "2" } });
  expect(dereg.status()).toBe(403);
  // Nothing was registered or deregistered.
  await page.goto(`${base}/families/Datadog`);
  await expect(page.locator("[data-testid=revisions] tbody tr")).toHaveCount(3);
  await expect(page.locator('[data-testid=revisions] tbody tr[data-revision="2"]')).toContainText("ACTIVE");
});
