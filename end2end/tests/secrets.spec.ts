import { test, expect, Page } from "@playwright/test";
import { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root, startServer } from "./server";

// Secrets out for real, in the browser, over moto (ECS, Secrets Manager, IAM): a viewer sees
// the review and the exposure but never a value and never the actions; an editor moves the
// seed's DD_API_KEY and MYSQL_PW into Secrets Manager from the revision page, then purges the
// old revisions from the exposure view.
const editorPort = 3121;
const viewerPort = 3122;
const moto = process.env.ECS_LENS_MOTO_URL!;
const region = "ap-northeast-1";
const DD_KEY = "7c1e5a9b3d2f4e6a8b0c1d2e3f4a5b6c";
const MYSQL_PW = "s3cret-Pa55-for-e2e-9QzX";
let editor: ChildProcess;
let viewer: ChildProcess;
let dirs: string[] = [];

async function call(service: string, target: string | null, body: string, contentType: string) {
  const headers: Record<string, string> = {
    "Content-Type": contentType,
    Authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${service === "iam" ? "us-east-1" : region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
  };
  if (target) headers["X-Amz-Target"] = target;
  const res = await fetch(moto, { method: "POST", headers, body });
  expect(res.status, await res.clone().text()).toBe(200);
}

function leakySeed() {
  const td = JSON.parse(readFileSync(join(root, "tests/fixtures/seed/datadog-fastapi-taskdef.json"), "utf8"));
  const role = "arn:aws:iam::123456789012:role/ecs-task-execution-role";
  td.taskRoleArn = role;
  td.executionRoleArn = role;
  for (const c of td.containerDefinitions) {
    c.image = c.image.replace("xxx.dkr", "123456789012.dkr");
    for (const e of c.environment ?? []) {
      if (e.name === "DD_API_KEY") e.value = DD_KEY;
      if (e.name === "MYSQL_PW") e.value = MYSQL_PW;
    }
  }
  return td;
}

/// Every response body the page receives, to check that no value is ever sent.
function recordBodies(page: Page): string[] {
  const bodies: string[] = [];
  page.on("response", async (r) => {
    try {
      bodies.push(await r.text());
    } catch {}
  });
  return bodies;
}

function expectNoValue(texts: string[]) {
  for (const t of texts) {
    expect(t.includes(DD_KEY), "a response carried DD_API_KEY's value").toBe(false);
    expect(t.includes(MYSQL_PW), "a response carried MYSQL_PW's value").toBe(false);
  }
}

async function hydrated(page: Page) {
  await page.waitForFunction(() => (window as any).__ecsLensHydrated === true, null, { timeout: 15_000 });
}

test.beforeAll(async () => {
  expect(moto, "ECS_LENS_MOTO_URL is not set: run scripts/moto.sh start (scripts/test.sh does)").toBeTruthy();
  await fetch(`${moto}/moto-api/reset`, { method: "POST" });
  const trust = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
  });
  await call(
    "iam",
    null,
    new URLSearchParams({ Action: "CreateRole", Version: "2010-05-08", RoleName: "ecs-task-execution-role", AssumeRolePolicyDocument: trust }).toString(),
    "application/x-www-form-urlencoded",
  );
  for (let i = 0; i < 2; i++) {
    await call("ecs", "AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition", JSON.stringify(leakySeed()), "application/x-amz-json-1.1");
  }
  const env = { AWS_ENDPOINT_URL: moto, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_EC2_METADATA_DISABLED: "true" };
  for (const [port, extra] of [[editorPort, []], [viewerPort, ["--read-only"]]] as [number, string[]][]) {
    const dir = mkdtempSync(join(tmpdir(), "ecs-lens-secrets-"));
    dirs.push(dir);
    const server = await startServer(port, ["--source", "aws", "--region", region, "--data-dir", dir, ...extra], env);
    if (port === editorPort) editor = server;
    else viewer = server;
  }
});

test.afterAll(() => {
  editor?.kill("SIGTERM");
  viewer?.kill("SIGTERM");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("a viewer sees the review and the exposure, never a value and never the actions", async ({ page }) => {
  const bodies = recordBodies(page);
  const base = `http://127.0.0.1:${viewerPort}`;
  await page.goto(`${base}/families/Datadog/2`);
  await hydrated(page);
  await page.getByTestId("move-secrets").click();
  await expect(page).toHaveURL(/\/families\/Datadog\/2\/migrate/);
  const review = page.getByTestId("migrate-review");
  await expect(review).toContainText("ecs-lens/Datadog");
  await expect(page.getByTestId("migrate-moves")).toContainText("DD_API_KEY");
  await expect(page.getByTestId("migrate-moves")).toContainText("MYSQL_PW");
  await expect(page.getByTestId("migrate-run")).toHaveCount(0);
  await page.goto(`${base}/families/Datadog/exposure`);
  await expect(page.getByTestId("exposure-item")).toHaveCount(2);
  await expect(page.getByTestId("purge-run")).toHaveCount(0);
  // The server function refuses a viewer whatever the page shows.
  const refused = await page.request.post(`${base}/api/migrate-secrets`, {
    form: { family: "Datadog", revision: "2" },
    headers: { Origin: base },
  });
  expect(refused.status()).toBe(403);
  expect(await refused.text()).toContain("read-only");
  expectNoValue([...bodies, await page.content()]);
});

test("an editor moves the secrets from the revision page after the review, then purges the old revisions", async ({ page }) => {
  const bodies = recordBodies(page);
  const base = `http://127.0.0.1:${editorPort}`;
  await page.goto(`${base}/families/Datadog/2`);
  await hydrated(page);
  await page.getByTestId("move-secrets").click();
  await expect(page.getByTestId("migrate-secret")).toContainText("to create");
  await expect(page.getByTestId("migrate-access")).toContainText("missing");
  await expect(page.getByTestId("migrate-diff")).toContainText("movedToSecrets");
  await hydrated(page);
  await page.locator('input[name="grant"]').check();
  await page.getByTestId("migrate-run").click();
  const result = page.getByTestId("migrate-result");
  await expect(result).toContainText("Registered Datadog:3", { timeout: 20_000 });
  await expect(result.getByTestId("migrate-secret")).toContainText("created");
  await expect(result.getByTestId("migrate-access")).toContainText("allowed");
  await result.getByRole("link", { name: "Open Datadog:3" }).click();
  await expect(page).toHaveURL(/\/families\/Datadog\/3$/);
  await expect(page.getByTestId("move-secrets")).toHaveCount(0);

  await page.goto(`${base}/families/Datadog/exposure`);
  await hydrated(page);
  const items = page.getByTestId("exposure-item");
  await expect(items).toHaveCount(2);
  await expect(items.first()).toContainText("now read from arn:aws:secretsmanager");
  await expect(page.getByTestId("purge-plan")).toContainText("Datadog:2, 1");
  await page.getByTestId("purge-run").click();
  await expect(page.getByTestId("purge-result")).toContainText("Deleted 2, 1");
  await expect(page.getByTestId("purge-result")).toContainText("rotate");
  await page.goto(`${base}/audit-log`);
  await expect(page.getByTestId("audit-log")).toContainText("secrets moved out (from 2)");
  await expect(page.getByTestId("audit-log")).toContainText("deleted");
  expectNoValue([...bodies, await page.content()]);
});
