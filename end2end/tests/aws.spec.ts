import { test, expect } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root, startServer } from "./server";

// The dashboard over Amazon ECS: a third ecs-lens, `--source aws` with two regions, against
// moto's server (scripts/test.sh starts it and exports ECS_LENS_MOTO_URL).
const port = 3108;
const base = `http://127.0.0.1:${port}`;
const moto = process.env.ECS_LENS_MOTO_URL;
let server: ChildProcess;
// Real-looking credentials in the seed's family (no page may show them).
const DD_API_KEY = "3f9a6c1e8b7d4a2f9e0c5b1d7a3e6f42";
const MYSQL_PW = "Hx7#qL2v!pR9-migrations";

// Register straight through ECS's JSON API on moto, in `region` (moto reads the region from
// the credential scope of the Authorization header, and checks no signature).
async function register(region: string, taskDefinition: object) {
  const res = await fetch(moto!, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition",
      Authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/ecs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(taskDefinition),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

test.beforeAll(async () => {
  expect(moto, "ECS_LENS_MOTO_URL is not set: run scripts/moto.sh start (scripts/test.sh does)").toBeTruthy();
  await fetch(`${moto}/moto-api/reset`, { method: "POST" });
  const seed = JSON.parse(readFileSync(join(root, "tests/fixtures/seed/datadog-fastapi-taskdef.json"), "utf8"));
  await register("eu-west-1", { ...seed, family: "fastapi-eu" });
  await register("us-east-1", { family: "web-us", containerDefinitions: [{ name: "web", image: "nginx:1.27", essential: true, memory: 256 }] });
  // The seed's family in both regions, as each region has it (region and registry names), and
  // Ireland's app a release ahead: the drift the compare page must make stand out.
  const text = readFileSync(join(root, "tests/fixtures/seed/datadog-fastapi-taskdef.json"), "utf8");
  const placed = (region: string) => {
    const td = JSON.parse(text.replaceAll("ap-northeast-1", region).replaceAll("xxx.", "123456789012."));
    for (const c of td.containerDefinitions) {
      for (const e of c.environment ?? []) {
        if (e.name === "DD_API_KEY") e.value = DD_API_KEY;
        if (e.name === "MYSQL_PW") e.value = MYSQL_PW;
      }
    }
    return td;
  };
  await register("us-east-1", { ...placed("us-east-1"), family: "fastapi" });
  const ireland = placed("eu-west-1");
  for (const c of ireland.containerDefinitions) {
    if (c.name === "my-app-repo") c.image = c.image.replace(":latest", ":2026.12.1");
  }
  await register("eu-west-1", { ...ireland, family: "fastapi" });
  server = await startServer(port, ["--source", "aws", "--region", "us-east-1,eu-west-1"], {
    AWS_ENDPOINT_URL: moto!,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_EC2_METADATA_DISABLED: "true",
  });
});

test.afterAll(() => {
  server?.kill("SIGTERM");
});

test("over Amazon ECS: each region's task definitions, a region switch, the seed's graph and secrets", async ({ page }) => {
  await page.goto(`${base}/`);
  await expect(page.getByTestId("source")).toContainText("Amazon ECS in us-east-1");
  await expect(page.locator("[data-testid=families] [data-family]")).toHaveCount(2);
  await expect(page.locator('[data-family="web-us"]')).toBeVisible();
  await page.waitForFunction(() => (window as any).__ecsLensHydrated === true);
  await page.getByTestId("source-switch").selectOption("eu-west-1");
  await expect(page.getByTestId("source")).toContainText("Amazon ECS in eu-west-1");
  await expect(page.locator('[data-family="fastapi-eu"]')).toBeVisible();
  await expect(page.locator('[data-family="web-us"]')).toHaveCount(0);
  // The seed registered in ECS: its graph and its plaintext secrets, masked in the JSON.
  await page.goto(`${base}/families/fastapi-eu/1`);
  await expect(page.getByTestId("dependency-graph").locator("[data-node]")).toHaveCount(4);
  await expect(page.locator('[data-testid=findings] [data-rule="SEC001"]')).toHaveCount(2);
  await expect(page.getByTestId("raw-json")).toContainText("arn:aws:ecs:eu-west-1:123456789012:task-definition/fastapi-eu:1");
  await expect(page.getByTestId("raw-json")).toContainText('"value": "********"');
  // The export follows the region too.
  const csv = await (await page.request.get(`${base}/audit/export.csv`)).text();
  expect(csv).toContain("fastapi-eu:1");
  expect(csv).not.toContain("web-us");
});

test("compare across regions: the same family in us-east-1 and eu-west-1, account/region apart from drift", async ({ page }) => {
  await page.goto(`${base}/families/fastapi/1`);
  await page.waitForFunction(() => (window as any).__ecsLensHydrated === true);
  // "Compare with…" on the revision page: another region, the same family, its latest.
  await page.getByTestId("compare-with-panel").locator("summary").click();
  await page.getByTestId("compare-source").selectOption("eu-west-1");
  await expect(page.getByTestId("compare-family")).toHaveValue("fastapi");
  await page.getByTestId("compare-with-button").click();
  await expect(page).toHaveURL(/\/compare\?a=us-east-1%3Afastapi%3A1/);
  await expect(page.locator("h1")).toHaveText("us-east-1 · fastapi:1 ↔ eu-west-1 · fastapi:1");
  const changes = page.locator("[data-testid=changes] li");
  const scoped = page.locator('[data-testid=changes] li[data-scope="account-region"]');
  const drift = page.locator("[data-testid=changes] li:not([data-scope])");
  // Every log group region and the registry are account/region only; the app's tag is drift.
  await expect(scoped.first()).toBeVisible();
  expect(await scoped.count()).toBeGreaterThanOrEqual(5);
  await expect(drift).toHaveCount(1);
  await expect(drift).toContainText("container my-app-repo › image");
  await expect(drift).toContainText("2026.12.1");
  await expect(page.getByTestId("scope-summary")).toHaveText(`1 drift · ${await scoped.count()} by account/region only`);
  // Hiding them leaves the drift alone on the page.
  await page.getByTestId("hide-scoped").check();
  await expect(scoped.first()).toBeHidden();
  await expect(drift).toBeVisible();
  expect(await changes.count()).toBe((await scoped.count()) + 1);
  // axe, and a 390 px phone: nothing serious, nothing wider than the screen.
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  // No secret value in what the page loaded.
  const html = await page.content();
  expect(html).not.toContain(DD_API_KEY);
  expect(html).not.toContain(MYSQL_PW);
  // The same comparison by URL, with explicit revisions; "Open" on the other region's side
  // switches the dashboard to that region.
  await page.goto(`${base}/compare?a=eu-west-1:fastapi:1&b=us-east-1:fastapi:latest`);
  await expect(page.locator("h1")).toHaveText("eu-west-1 · fastapi:1 ↔ us-east-1 · fastapi:1");
  await page.getByRole("link", { name: "Open eu-west-1 · fastapi:1" }).click();
  await expect(page).toHaveURL(`${base}/families/fastapi/1`);
  await expect(page.getByTestId("source")).toContainText("Amazon ECS in eu-west-1");
  await expect(page.getByTestId("raw-json")).toContainText("arn:aws:ecs:eu-west-1:123456789012:task-definition/fastapi:1");
  // A source the server does not offer is said.
  await page.goto(`${base}/compare?a=fastapi:1&b=ap-south-1:fastapi:1`);
  await expect(page.getByTestId("error")).toContainText("no source `ap-south-1`");
});
