import { test, expect, Page } from "@playwright/test";

async function hydrated(page: Page) {
  await page.waitForFunction(() => (window as any).__ecsLensHydrated === true, null, { timeout: 15_000 });
}

async function latestDatadog(page: Page): Promise<number> {
  await page.goto("/families/Datadog");
  return Number(await page.locator("[data-testid=revisions] tbody tr").first().getAttribute("data-revision"));
}

test("quick fixes move DD_API_KEY and MYSQL_PW to Secrets Manager, and registering creates N+1 without them", async ({ page }) => {
  const n = await latestDatadog(page);
  await page.goto(`/families/Datadog/${n}`);
  await hydrated(page);
  await page.getByRole("link", { name: "Edit" }).click();
  await expect(page).toHaveURL(new RegExp(`/families/Datadog/${n}/edit$`));
  await hydrated(page);
  const editor = page.getByTestId("editor");
  // CodeMirror renders the lines in view: the document starts with the containers.
  await expect(editor.locator(".cm-content")).toContainText('"containerDefinitions"', { timeout: 15_000 });
  const findings = page.getByTestId("editor-findings");
  // The browser's linter (WASM) shows the secrets findings inline and in the list.
  await expect(findings.locator('[data-rule="SEC001"]')).toHaveCount(2);
  await expect(editor.locator(".cm-lint-marker").first()).toBeVisible({ timeout: 10_000 });
  for (const container of ["datadog-agent", "migration-runner"]) {
    await findings.locator(`[data-rule="SEC001"][data-container="${container}"]`).getByTestId("quick-fix").click();
    await expect(page.getByTestId("fix-notes")).toContainText("secretsmanager create-secret");
  }
  await expect(findings.locator('[data-rule="SEC001"]')).toHaveCount(0);
  await expect(page.getByTestId("fix-notes")).toContainText("arn:aws:secretsmanager:ap-northeast-1:xxx:secret:Datadog/migration-runner/MYSQL_PW");
  await expect(page.getByTestId("review").locator('[data-kind="movedToSecrets"]')).toHaveCount(2);
  await page.getByTestId("register").click();
  await expect(page).toHaveURL(new RegExp(`/families/Datadog/${n + 1}$`));
  await expect(page.getByTestId("dependency-graph")).toBeVisible();
  await expect(page.locator('[data-testid=findings] [data-rule="SEC001"]')).toHaveCount(0);
  // Compare shows the env → secrets change.
  await page.goto(`/compare/Datadog/${n}/${n + 1}`);
  await expect(page.getByTestId("changes").locator('[data-kind="movedToSecrets"]')).toHaveCount(2);
  await expect(page.getByTestId("findings-delta")).toContainText("DD_API_KEY");
  // The audit trail has the register: who, from which revision, what moved, what it resolved.
  await page.goto("/audit-log");
  const entry = page.locator('[data-testid=audit-log] tr[data-action="register"][data-family="Datadog"]').first();
  await expect(entry).toContainText(`Datadog:${n + 1}`);
  await expect(entry).toContainText(`registered (from ${n})`);
  await expect(entry).toContainText("local");
  await expect(entry).toContainText("movedToSecrets");
  await expect(entry).toContainText("resolved SEC001, SEC001");
});

test("a malformed edit shows a located error and registers nothing", async ({ page }) => {
  const n = await latestDatadog(page);
  await page.goto(`/families/Datadog/${n}/edit`);
  await hydrated(page);
  const content = page.getByTestId("editor").locator(".cm-content");
  await expect(content).toContainText('"containerDefinitions"', { timeout: 15_000 });
  await content.click();
  await page.keyboard.press("Control+Home");
  await page.keyboard.type("}");
  await expect(page.getByTestId("parse-error")).toContainText("Line 1, column");
  await expect(page.getByTestId("register")).toBeDisabled();
  // The draft survives a reload.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("parse-error")).toContainText("Line 1, column", { timeout: 15_000 });
  await page.goto("/families/Datadog");
  await expect(page.locator("[data-testid=revisions] tbody tr").first()).toHaveAttribute("data-revision", String(n));
});

test("a register on a stale base is a conflict: nothing registered, compare offered, the edit carried over on request", async ({ page, request }) => {
  const family = "billing-cron";
  await page.goto(`/families/${family}`);
  const n = Number(await page.locator("[data-testid=revisions] tbody tr").first().getAttribute("data-revision"));
  await page.goto(`/families/${family}/${n}/edit`);
  await hydrated(page);
  await expect(page.getByTestId("editor").locator(".cm-content")).toContainText('"containerDefinitions"', { timeout: 15_000 });
  // Meanwhile somebody else registers n+1 (through the same API, same origin).
  const source = await (await request.post("/api/edit-source", { headers: { Origin: "http://127.0.0.1:3000" }, form: { family, revision: String(n) } })).json();
  const other = await request.post("/api/register", {
    headers: { Origin: "http://127.0.0.1:3000" },
    form: { family, text: source.text, base: String(n) },
  });
  expect(other.status()).toBe(200);
  expect(await other.json()).toEqual({ Registered: n + 1 });
  // Our register is refused as a conflict, and names both revisions.
  await page.getByTestId("register").click();
  const conflict = page.getByTestId("register-conflict");
  await expect(conflict).toContainText(`has revision ${n + 1}`);
  await expect(conflict.getByRole("link")).toHaveAttribute("href", `/compare/${family}/${n}/${n + 1}`);
  await page.goto(`/families/${family}`);
  await expect(page.locator("[data-testid=revisions] tbody tr").first()).toHaveAttribute("data-revision", String(n + 1));
  // Back in the editor (the draft is kept), carry the edit over onto n+1 and register: n+2.
  await page.goto(`/families/${family}/${n}/edit`);
  await hydrated(page);
  await expect(page.getByTestId("editor").locator(".cm-content")).toContainText('"containerDefinitions"', { timeout: 15_000 });
  await page.getByTestId("register").click();
  await page.getByTestId("carry-over").click();
  await expect(page.getByTestId("review")).toContainText(`Review against ${n + 1}`);
  await page.getByTestId("register").click();
  await expect(page).toHaveURL(new RegExp(`/families/${family}/${n + 2}$`));
});
