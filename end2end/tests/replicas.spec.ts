import { test, expect, APIRequestContext, request as pwRequest } from "@playwright/test";
import { ChildProcess, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./server";

// Two ecs-lens replicas on one PostgreSQL database (`--database-url`), as behind a load
// balancer: each sees the other's drafts, registrations and audit entries, and concurrent
// registers never share a revision number. The PostgreSQL server is the one scripts/test.sh
// starts (scripts/postgres.sh); each run gets a fresh database on it.
const ports = [3114, 3115];
const bases = ports.map((p) => `http://127.0.0.1:${p}`);
const ALICE = { "X-Forwarded-Email": "alice@example.com" };
const BOB = { "X-Forwarded-Email": "bob@example.com" };
let servers: ChildProcess[] = [];
let dir = "";

function freshDatabase(): string {
  const server = process.env.ECS_LENS_POSTGRES_URL;
  if (!server) {
    throw new Error("ECS_LENS_POSTGRES_URL is not set: start PostgreSQL with `export ECS_LENS_POSTGRES_URL=$(scripts/postgres.sh start)`");
  }
  const name = `ecs_lens_e2e_${process.pid}_${Date.now()}`;
  execFileSync("psql", [server, "-v", "ON_ERROR_STOP=1", "-qc", `CREATE DATABASE ${name}`]);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

test.beforeAll(async () => {
  const database = freshDatabase();
  dir = mkdtempSync(join(tmpdir(), "ecs-lens-replicas-"));
  const roles = join(dir, "roles.json");
  writeFileSync(roles, JSON.stringify({ users: { "alice@example.com": "editor", "bob@example.com": "editor" } }));
  // Both start at once: migrations (an advisory lock) and the seed (a marker row) happen once.
  servers = await Promise.all(
    ports.map((port) =>
      startServer(port, ["--trust-header", "X-Forwarded-Email", "--access-config", roles], {
        ECS_LENS_DATABASE_URL: database,
        // Nothing may be written to a data directory: everything is in PostgreSQL.
        ECS_LENS_DATA_DIR: join(dir, `unused-${port}`),
      }),
    ),
  );
});

test.afterAll(() => {
  for (const s of servers) s.kill("SIGTERM");
});

async function as(base: string, headers: Record<string, string>): Promise<APIRequestContext> {
  return pwRequest.newContext({ baseURL: base, extraHTTPHeaders: { ...headers, Origin: base } });
}

async function call(ctx: APIRequestContext, fn: string, form: Record<string, string> = {}): Promise<any> {
  const res = await ctx.post(`/api/${fn}`, { form });
  expect(res.status(), `${fn}: ${await res.text()}`).toBe(200);
  return res.json();
}

test("two replicas on one PostgreSQL database share task definitions, drafts, registrations and the audit trail", async ({ browser }) => {
  const [aliceA, aliceB, bobB] = [await as(bases[0], ALICE), await as(bases[1], ALICE), await as(bases[1], BOB)];

  // Seeded once, not once per replica.
  const [familiesA, familiesB] = [(await call(aliceA, "families")).rows.items, (await call(aliceB, "families")).rows.items];
  expect(familiesA.map((f: any) => f.family)).toEqual(familiesB.map((f: any) => f.family));
  expect(familiesA.find((f: any) => f.family === "Datadog").revision_count).toBe(3);

  // A draft typed on replica A is alice's on replica B (and only hers).
  const source = await call(aliceA, "edit-source", { family: "Datadog", revision: "3" });
  const draft = source.text.replace('"family": "Datadog"', '"family": "Datadog",\n  "cpu": "1024"');
  await call(aliceA, "save-draft", { family: "Datadog", base: "3", text: draft });
  const onB = await call(aliceB, "edit-source", { family: "Datadog", revision: "3" });
  expect(onB.draft?.text).toBe(draft);
  expect((await call(bobB, "edit-source", { family: "Datadog", revision: "3" })).draft).toBeNull();
  // ... and the editor on B offers it.
  const context = await browser.newContext({ extraHTTPHeaders: ALICE });
  const page = await context.newPage();
  await page.goto(`${bases[1]}/families/Datadog/3/edit`);
  await expect(page.getByTestId("draft-restored")).toBeVisible({ timeout: 15_000 });
  await context.close();

  // Twelve registers of one family at once, alternating replicas: twelve distinct numbers, in sequence.
  const billing = await call(aliceA, "edit-source", { family: "billing-cron", revision: "1" });
  const outcomes = await Promise.all(
    Array.from({ length: 12 }, (_, i) => call(i % 2 ? bobB : aliceA, "register", { family: "billing-cron", text: billing.text })),
  );
  const numbers = outcomes.map((o) => o.Registered).sort((a, b) => a - b);
  expect(numbers).toEqual(Array.from({ length: 12 }, (_, i) => numbers[0] + i));
  expect(new Set(numbers).size).toBe(12);
  const latest = numbers[11];

  // Two edits from the same base on two replicas at once: one is registered, the other is a conflict.
  const racing = await Promise.all([
    call(aliceA, "register", { family: "billing-cron", text: billing.text, base: String(latest) }),
    call(bobB, "register", { family: "billing-cron", text: billing.text, base: String(latest) }),
  ]);
  expect(racing.filter((o) => o.Registered === latest + 1)).toHaveLength(1);
  expect(racing.filter((o) => o.Conflict?.latest === latest + 1)).toHaveLength(1);

  // Each replica lists every revision and every audit entry, whichever replica made them.
  for (const ctx of [aliceA, bobB]) {
    const revisions = (await call(ctx, "revisions", { family: "billing-cron" })).revisions.items;
    expect(revisions.map((r: any) => r.revision)).toEqual(expect.arrayContaining([...numbers, latest + 1]));
    const trail = (await call(ctx, "audit-trail")).rows.items;
    const registers = trail.filter((e: any) => e.family === "billing-cron" && e.action === "register");
    expect(registers).toHaveLength(13);
    expect(new Set(registers.map((e: any) => e.user))).toEqual(new Set(["alice@example.com", "bob@example.com"]));
  }
  // Nothing went to a data directory.
  for (const port of ports) expect(existsSync(join(dir, `unused-${port}`))).toBe(false);
});
