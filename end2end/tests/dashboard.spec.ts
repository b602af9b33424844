import { test, expect, Page } from "@playwright/test";

// Clicks before hydration are lost: wait until the WASM app has taken over the page.
async function hydrated(page: Page) {
  await page.waitForFunction(() => (window as any).__ecsLensHydrated === true, null, { timeout: 15_000 });
}

test("families page lists every seeded family with findings", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto("/");
  await expect(page).toHaveTitle(/Task definitions/);
  const rows = page.locator("[data-testid=families] tbody tr");
  await expect(rows).toHaveCount(6);
  for (const fam of ["Datadog", "storefront-web", "orders-api", "legacy-worker", "billing-cron", "platform-api"]) {
    await expect(page.locator(`tr[data-family="${fam}"]`)).toBeVisible();
  }
  await expect(page.getByTestId("page-info")).toHaveText("Page 1 of 1 · 6 families");
  // The search is the server's, its words in the URL.
  await hydrated(page);
  await page.getByTestId("family-filter").fill("data");
  await page.getByTestId("family-filter").press("Enter");
  await expect(page).toHaveURL(/\?q=data(&|$)/);
  await expect(rows).toHaveCount(1);
  await expect(page.locator('tr[data-family="Datadog"]')).toBeVisible();
  // The embedded store has no services: nothing is "in use", and the filter is not offered.
  await expect(page.getByTestId("in-use")).toHaveCount(0);
  await expect(page.getByTestId("family-in-use")).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("the seed's revision page: graph of 4 nodes, dependsOn edges, secrets findings with a Secrets Manager fix", async ({ page }) => {
  await page.goto("/families/Datadog");
  const latest = await page.locator("[data-testid=revisions] tbody tr").first().getAttribute("data-revision");
  await page.goto(`/families/Datadog/${latest}`);
  const graph = page.getByTestId("dependency-graph");
  await expect(graph.locator("[data-node]")).toHaveCount(4);
  await expect(graph.locator('[data-kind="dependsOn"]')).toHaveCount(4);
  await expect(graph.locator('[data-edge="my-app-repo->datadog-agent"]')).toContainText("HEALTHY");
  await expect(graph.locator('[data-edge="my-app-repo->migration-runner"]')).toContainText("SUCCESS");
  await expect(page.getByTestId("graph-legend")).toContainText("HEALTHY");
  const secrets = page.locator('[data-testid=findings] [data-rule="SEC001"]');
  await expect(secrets).toHaveCount(2);
  const ddKey = page.locator('[data-testid=findings] [data-rule="SEC001"][data-container="datadog-agent"]');
  await expect(ddKey).toContainText("DD_API_KEY");
  await expect(ddKey.getByTestId("fix")).toContainText("arn:aws:secretsmanager:ap-northeast-1:xxx:secret:Datadog/datadog-agent/DD_API_KEY");
  const mysql = page.locator('[data-testid=findings] [data-rule="SEC001"][data-container="migration-runner"]');
  await expect(mysql).toContainText("MYSQL_PW");
  await expect(mysql.getByTestId("fix")).toContainText("secretsmanager create-secret");
  // The secret's value is masked in the raw JSON.
  await expect(page.getByTestId("raw-json")).toContainText('"value": "********"');
  await expect(page.getByTestId("raw-json")).toContainText('"family": "Datadog"');
  // Clicking a node shows that container.
  await hydrated(page);
  await graph.locator('[data-node="datadog-agent"]').click();
  await expect(page.getByTestId("node-details")).toContainText("Waited on by: my-app-repo");
});

test("compare shows a semantic diff, findings delta and graph delta", async ({ page }) => {
  await page.goto("/compare/Datadog/2/3");
  await expect(page.getByTestId("changes")).toContainText("cws-instrumentation-init");
  await expect(page.getByTestId("graph-delta")).toContainText("cws-instrumentation-init");
});

test("comparing two families: a whole container is one line that opens to its JSON", async ({ page }) => {
  await page.goto("/compare?a=Datadog:1&b=storefront-web:latest");
  await expect(page.locator("h1")).toHaveText("Datadog:1 ↔ storefront-web:1");
  const long = page.getByTestId("long-value").first();
  await expect(long.locator("summary")).toContainText("image datadog/agent:latest");
  await expect(long.locator("pre")).toBeHidden();
  await long.locator("summary").click();
  await expect(long.locator("pre")).toContainText('"name": "datadog-agent"');
});

test("audit leads with the aggregate, drills down by rule in the URL, and exports JSON, CSV and SARIF", async ({ page, request }) => {
  await page.goto("/audit");
  await expect(page.getByTestId("total-families")).toContainText("6");
  await expect(page.locator('[data-testid=audit-rules] tr[data-rule="SEC001"]')).toBeVisible();
  await expect(page.locator("[data-testid=audit] section[data-family]")).toHaveCount(6);
  await hydrated(page);
  // A rule of the aggregate drills down to the families that have it.
  await page.locator('[data-testid=audit-rules] tr[data-rule="SEC001"] a').click();
  await expect(page).toHaveURL(/\/audit\?rule=SEC001$/);
  await expect(page.locator('section[data-family="Datadog"] li[data-rule="SEC001"]')).toHaveCount(2);
  await expect(page.locator('section[data-family="Datadog"] li[data-rule="HAR006"]')).toHaveCount(0);
  await expect(page.locator('section[data-family="billing-cron"]')).toHaveCount(0);
  // The form says the same in the URL.
  await page.getByTestId("rule-filter").fill("HAR006");
  await page.getByTestId("audit-apply").click();
  await expect(page).toHaveURL(/rule=HAR006/);
  await expect(page.locator('section[data-family="Datadog"] li[data-rule="HAR006"]').first()).toBeVisible();
  const json = await (await request.get("/audit/export.json")).json();
  expect(json.files.length).toBe(6);
  const csv = await (await request.get("/audit/export.csv")).text();
  expect(csv.split("\n")[0]).toBe("task_definition,rule,severity,category,container,pointer,line,column,message");
  const sarif = await (await request.get("/audit/export.sarif")).json();
  expect(sarif.version).toBe("2.1.0");
});

test("client-side navigation loads a lazy page, and rule docs come with its data", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto("/");
  await hydrated(page);
  // No full page load: the router fetches the revision route's WASM chunk and its data.
  await page.locator('[data-family="Datadog"] a:visible', { hasText: "Datadog:" }).click();
  await expect(page).toHaveURL(/\/families\/Datadog\/\d+$/);
  const ddKey = page.locator('[data-testid=findings] [data-rule="SEC001"][data-container="datadog-agent"]');
  await ddKey.locator("details summary").click();
  await expect(ddKey.locator("details")).toContainText("Why:");
  await expect(ddKey.locator("details")).toContainText("Security Hub ECS.8");
  expect(errors).toEqual([]);
});

test("the lint server function answers scripts; oversized bodies are refused", async ({ request }) => {
  const origin = { Origin: "http://127.0.0.1:3000" };
  const seed = require("node:fs").readFileSync(require("node:path").join(__dirname, "../../tests/fixtures/seed/datadog-fastapi-taskdef.json"), "utf8");
  const res = await request.post("/api/lint", { headers: origin, form: { text: seed } });
  expect(res.status()).toBe(200);
  const report = await res.json();
  const rules = report.findings.map((f: any) => f.rule);
  expect(rules.filter((r: string) => r === "SEC001")).toHaveLength(2);
  expect(report.findings.find((f: any) => f.rule === "SEC001").fix.patch.length).toBeGreaterThan(0);
  const bad = await (await request.post("/api/lint", { headers: origin, form: { text: "{\n  \"family\": \"x\",\n}" } })).json();
  expect(bad.error.line).toBe(3);
  const big = await request.post("/api/lint", { headers: origin, form: { text: "x".repeat(3 << 20) } });
  expect(big.status()).toBe(413);
});
