import { test, expect } from "@playwright/test";
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
  await expect(page.locator("[data-testid=families] [data-family]")).toHaveCount(1);
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
