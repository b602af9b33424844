import { test, expect } from "@playwright/test";
import { ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./server";

// A second ecs-lens, read-only, on its own port and data directory.
const port = 3107;
const base = `http://127.0.0.1:${port}`;
let server: ChildProcess;

test.beforeAll(async () => {
  server = await startServer(port, ["--read-only", "--data-dir", mkdtempSync(join(tmpdir(), "ecs-lens-ro-"))]);
});

test.afterAll(() => {
  server?.kill("SIGTERM");
});

test("read-only: no edit controls, and mutating server functions answer 403", async ({ page, request }) => {
  await page.goto(`${base}/families/Datadog/3`);
  await expect(page.getByTestId("dependency-graph")).toBeVisible();
  await expect(page.getByRole("link", { name: /edit/i })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /register|deregister/i })).toHaveCount(0);
  // Same-origin requests (so that the refusal is the read-only one, not the CSRF check).
  const headers = { Origin: base };
  const reg = await request.post(`${base}/api/register`, {
    headers,
    form: { family: "Datadog", text: '{"family":"Datadog","containerDefinitions":[{"name":"a","image":"b"}]}' },
  });
  expect(reg.status()).toBe(403);
  expect(await reg.text()).toContain("read-only");
  const dereg = await request.post(`${base}/api/deregister`, { headers, form: { family: "Datadog", revision: "2" } });
  expect(dereg.status()).toBe(403);
  expect(await dereg.text()).toContain("read-only");
  // Nothing was registered or deregistered.
  await page.goto(`${base}/families/Datadog`);
  await expect(page.locator("[data-testid=revisions] tbody tr")).toHaveCount(3);
  await expect(page.locator('[data-testid=revisions] tbody tr[data-revision="2"]')).toContainText("ACTIVE");
});
