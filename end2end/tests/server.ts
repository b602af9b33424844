import { spawn, ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";

export const root = resolve(__dirname, "../..");

/// Another ecs-lens beside the one cargo-leptos runs: `serve` with `args` on `port`, with the
/// site cargo-leptos built; resolves once it answers at all.
export async function startServer(port: number, args: string[], env: Record<string, string> = {}): Promise<ChildProcess> {
  const bin = process.env.ECS_LENS_BIN ?? join(root, "target/debug/ecs-lens");
  const server = spawn(bin, ["serve", "--bind", `127.0.0.1:${port}`, ...args], {
    cwd: root,
    env: { ...process.env, LEPTOS_SITE_ROOT: join(root, "target/site"), LEPTOS_OUTPUT_NAME: "ecs-lens", ...env },
    stdio: "inherit",
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`ecs-lens serve ${args.join(" ")} exited with ${server.exitCode}`);
    try {
      // Any answer means it listens (behind --trust-header a bare request is refused).
      if ((await fetch(`http://127.0.0.1:${port}`)).status < 500) return server;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  server.kill("SIGTERM");
  throw new Error(`ecs-lens serve ${args.join(" ")} did not answer on port ${port}`);
}
