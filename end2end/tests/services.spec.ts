import { test, expect, Page } from "@playwright/test";
import { ChildProcess } from "node:child_process";
import { createServer, connect, Server, Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./server";

// Services over Amazon ECS (moto): which revisions are in use, "compare with what the service
// runs", and the stale notice when AWS cannot be reached. ecs-lens reaches moto through a TCP
// proxy of this test's, which the last test closes ("moto stopped").
const port = 3111;
const base = `http://127.0.0.1:${port}`;
const moto = process.env.ECS_LENS_MOTO_URL!;
const region = "ca-central-1";
let server: ChildProcess;
let proxy: Server;
const sockets = new Set<Socket>();
let dir: string;

async function ecs(action: string, body: object) {
  const res = await fetch(moto, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AmazonEC2ContainerServiceV20141113.${action}`,
      Authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/ecs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

async function hydrated(page: Page) {
  await page.waitForFunction(() => (window as any).__ecsLensHydrated === true, null, { timeout: 15_000 });
}

test.beforeAll(async () => {
  expect(moto, "ECS_LENS_MOTO_URL is not set: run scripts/moto.sh start (scripts/test.sh does)").toBeTruthy();
  await fetch(`${moto}/moto-api/reset`, { method: "POST" });
  const td = (image: string) => ({ family: "api", containerDefinitions: [{ name: "app", image, essential: true, memory: 256 }] });
  await ecs("RegisterTaskDefinition", td("example/api:1.0"));
  await ecs("RegisterTaskDefinition", td("example/api:1.1"));
  await ecs("RegisterTaskDefinition", { family: "idle", containerDefinitions: [{ name: "app", image: "nginx:1.27", essential: true, memory: 256 }] });
  await ecs("CreateCluster", { clusterName: "prod" });
  await ecs("CreateService", { cluster: "prod", serviceName: "api-svc", taskDefinition: "api:1", desiredCount: 2 });
  const upstream = new URL(moto);
  proxy = createServer((client) => {
    const up = connect(Number(upstream.port), upstream.hostname);
    sockets.add(client);
    sockets.add(up);
    client.pipe(up).pipe(client);
    const drop = () => { client.destroy(); up.destroy(); };
    client.on("error", drop);
    up.on("error", drop);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
  const proxyPort = (proxy.address() as any).port;
  dir = mkdtempSync(join(tmpdir(), "ecs-lens-services-"));
  server = await startServer(port, ["--source", "aws", "--region", region, "--data-dir", dir], {
    AWS_ENDPOINT_URL: `http://127.0.0.1:${proxyPort}`,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_EC2_METADATA_DISABLED: "true",
    // Unreachable is said after 2 attempts, not after 8 with backoff.
    ECS_LENS_AWS_MAX_ATTEMPTS: "2",
  });
});

test.afterAll(() => {
  server?.kill("SIGTERM");
  proxy?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("families in use carry a badge; the revision page names the service and compares with what it runs", async ({ page }) => {
  await page.goto(`${base}/`);
  const api = page.locator('tr[data-family="api"]');
  await expect(api).toBeVisible();
  await expect(api.getByTestId("in-use")).toContainText("in use · 1 service(s)");
  await expect(page.locator('tr[data-family="idle"]').getByTestId("in-use")).toHaveCount(0);
  await page.goto(`${base}/?use=yes`);
  await expect(page.locator("[data-testid=families] tbody tr")).toHaveCount(1);
  await page.goto(`${base}/families/api`);
  await expect(page.locator('[data-testid=revisions] tr[data-revision="1"]')).toContainText("runs in service api-svc in cluster prod");
  await page.goto(`${base}/families/api/1`);
  await expect(page.getByTestId("running-service")).toContainText("service api-svc in cluster prod");
  await page.goto(`${base}/families/api/2`);
  await expect(page.getByTestId("running")).toContainText("No service runs this revision.");
  const compare = page.getByTestId("compare-with-service");
  await expect(compare).toHaveText("Compare with what api-svc runs (api:1)");
  await hydrated(page);
  await compare.click();
  await expect(page).toHaveURL(`${base}/compare/api/1/2`);
  await expect(page.getByTestId("changes")).toContainText("example/api:1.1");
});

test("AWS unreachable: the mirror is still served, marked stale", async ({ page }) => {
  // "moto stopped": the proxy closes and drops every connection.
  proxy.close();
  for (const s of sockets) s.destroy();
  const refresh = await page.request.post(`${base}/api/refresh`, { headers: { Origin: base } });
  expect(refresh.status()).toBeLessThan(400);
  await expect(async () => {
    await page.goto(`${base}/`);
    await expect(page.getByTestId("sync-line")).toHaveAttribute("data-state", "failed", { timeout: 1000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.getByTestId("sync-line")).toContainText("Stale since");
  await expect(page.getByTestId("sync-notice")).toContainText("could not reach the source");
  await expect(page.locator('tr[data-family="api"]')).toBeVisible();
  await page.goto(`${base}/families/api/1`);
  await expect(page.getByTestId("running-service")).toContainText("api-svc");
});
