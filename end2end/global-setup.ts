// cargo-leptos starts the server and runs Playwright at once: wait until it answers.
export default async function globalSetup() {
  const url = process.env.ECS_LENS_URL ?? "http://127.0.0.1:3000";
  const deadline = Date.now() + 120_000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`ecs-lens did not answer at ${url} within 120 s: ${last}`);
}
