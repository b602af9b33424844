import { test, expect, APIRequestContext, request as pwRequest } from "@playwright/test";
import { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./server";

// ecs-lens behind an authenticating proxy: the user comes in X-Forwarded-Email (the tests play
// the proxy), groups in X-Forwarded-Groups, roles from an access config.
const port = 3110;
const base = `http://127.0.0.1:${port}`;
const VIEWER = { "X-Forwarded-Email": "vera@example.com", "X-Forwarded-Groups": "engineering" };
const EDITOR = { "X-Forwarded-Email": "eddie@example.com", "X-Forwarded-Groups": "platform" };
// The plaintext secrets the seeded storefront-web revision carries in `environment`.
const SECRETS = ["Sup3rS3cret!", "sk_live_51HxYzAbCdEfGhIjKlMnOpQrStUvWxYz0123456789"];
let server: ChildProcess;

test.beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "ecs-lens-access-"));
  const roles = join(dir, "roles.json");
  writeFileSync(roles, JSON.stringify({ groups: { platform: "editor", engineering: "viewer" } }));
  server = await startServer(port, [
    "--data-dir", dir, "--trust-header", "X-Forwarded-Email", "--groups-header", "X-Forwarded-Groups", "--access-config", roles,
  ]);
});

test.afterAll(() => {
  server?.kill("SIGTERM");
});

async function as(headers: Record<string, string>): Promise<APIRequestContext> {
  return pwRequest.newContext({ baseURL: base, extraHTTPHeaders: headers });
}

test("no identity from the proxy: refused before anything is served", async () => {
  const anon = await as({});
  const res = await anon.get("/");
  expect(res.status()).toBe(401);
  expect(await res.text()).toContain("X-Forwarded-Email".toLowerCase());
  const stranger = await as({ "X-Forwarded-Email": "sam@example.com" });
  expect((await stranger.get("/")).status()).toBe(403);
});

test("a viewer sees every page and export with every secret value masked, and can change nothing", async ({ browser }) => {
  const viewer = await as(VIEWER);
  const same = { Origin: base };
  const bodies: [string, string][] = [];
  for (const path of ["/", "/families/storefront-web", "/families/storefront-web/1", "/compare/storefront-web/1/1",
                      "/audit", "/audit/export.json", "/audit/export.csv", "/audit/export.sarif", "/families/storefront-web/1/edit"]) {
    const res = await viewer.get(path);
    bodies.push([path, await res.text()]);
  }
  for (const [fn, form] of [
    ["families", {}], ["revisions", { family: "storefront-web" }], ["revision", { family: "storefront-web", revision: "1" }],
    ["compare", { family: "storefront-web", a: "1", b: "1" }],
    ["compare", { a: "storefront-web:1", b: "local:storefront-web:latest" }], ["audit", {}],
  ] as [string, Record<string, string>][]) {
    const res = await viewer.post(`/api/${fn}`, { headers: same, form });
    expect(res.status(), fn).toBe(200);
    bodies.push([`/api/${fn}`, await res.text()]);
  }
  for (const [path, body] of bodies) {
    for (const secret of SECRETS) expect(body.includes(secret), `${secret} in ${path}`).toBe(false);
  }
  // The page knows it is showing a viewer: masked JSON, no edit controls, who is who.
  const context = await browser.newContext({ extraHTTPHeaders: VIEWER });
  const page = await context.newPage();
  await page.goto(`${base}/families/storefront-web/1`);
  await expect(page.getByTestId("raw-json")).toContainText('"value": "********"');
  await expect(page.getByRole("link", { name: /edit/i })).toHaveCount(0);
  await expect(page.getByTestId("identity")).toHaveText("vera@example.com · viewer");
  await page.goto(`${base}/families/storefront-web/1/edit`);
  await expect(page.getByTestId("error")).toContainText("viewer");
  await context.close();
  // Every mutation and every editor-only function: 403 from the role, on the server.
  for (const [fn, form] of [
    ["register", { family: "storefront-web", text: '{"family":"storefront-web","containerDefinitions":[{"name":"a","image":"b"}]}' }],
    ["deregister", { family: "storefront-web", revision: "1" }],
    ["edit-source", { family: "storefront-web", revision: "1" }],
    ["review", { family: "storefront-web", revision: "1", text: "{}" }],
  ] as [string, Record<string, string>][]) {
    const res = await viewer.post(`/api/${fn}`, { headers: same, form });
    expect(res.status(), fn).toBe(403);
    expect(await res.text(), fn).toContain("viewer");
  }
});

test("an editor edits, registers as themselves, and cross-site requests are refused", async ({ browser }) => {
  const editor = await as(EDITOR);
  // Cross-site: refused whoever the user is.
  const evil = await editor.post("/api/register", {
    headers: { Origin: "https://evil.example" },
    form: { family: "storefront-web", text: '{"family":"storefront-web","containerDefinitions":[{"name":"a","image":"b"}]}' },
  });
  expect(evil.status()).toBe(403);
  expect(await evil.text()).toContain("evil.example");
  const noOrigin = await editor.post("/api/deregister", { form: { family: "storefront-web", revision: "1" } });
  expect(noOrigin.status()).toBe(403);
  // The editor's source has the real values (an editor edits them).
  const src = await editor.post("/api/edit-source", { headers: { Origin: base }, form: { family: "storefront-web", revision: "1" } });
  expect(src.status()).toBe(200);
  expect(await src.text()).toContain("Sup3rS3cret!");
  // A register from the editor page is recorded under the editor's name.
  const context = await browser.newContext({ extraHTTPHeaders: EDITOR });
  const page = await context.newPage();
  await page.goto(`${base}/families/billing-cron/1`);
  await expect(page.getByTestId("identity")).toHaveText("eddie@example.com · editor");
  await page.getByRole("link", { name: /edit/i }).click();
  await page.waitForFunction(() => (window as any).__ecsLensHydrated === true);
  await page.locator(".cm-content").waitFor();
  await page.getByTestId("register").click();
  await expect(page).toHaveURL(/\/families\/billing-cron\/2$/);
  await expect(page.locator("h1")).toContainText("billing-cron:2");
  await expect(page.getByText("eddie@example.com").first()).toBeVisible();
  await page.goto(`${base}/audit-log`);
  const entry = page.locator('[data-testid=audit-log] tr[data-family="billing-cron"]').first();
  await expect(entry).toContainText("eddie@example.com");
  await expect(entry).toContainText("registered (from 1)");
  await context.close();
});
