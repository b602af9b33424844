import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

// Every page, checked by axe-core in Chromium after hydration: no serious or critical
// accessibility violation (contrast, names, focusable scroll regions, nesting …).
const pages = [
  "/",
  "/families/Datadog",
  "/families/Datadog/3",
  "/families/Datadog/3/edit",
  "/compare/Datadog/2/3",
  "/compare?a=local:Datadog:1&b=storefront-web:latest",
  "/audit",
  "/audit?rule=SEC001",
  "/audit-log",
  "/families/Datadog/3/migrate",
  "/families/Datadog/3/verify",
  "/families/storefront-web/exposure",
  "/families/Datadog/history",
  "/families/Datadog/prune?keep=1&delete=on",
  "/families/storefront-web/1/migrate",
  "/?q=data&sev=high",
];

async function hydrated(page: Page) {
  await page.waitForFunction(() => (window as any).__ecsLensHydrated === true, null, { timeout: 15_000 });
}

for (const path of pages) {
  test(`axe finds no serious or critical violation on ${path}`, async ({ page }) => {
    await page.goto(path);
    await hydrated(page);
    if (path.endsWith("/edit")) {
      await expect(page.getByTestId("editor").locator(".cm-content")).toContainText('"containerDefinitions"', { timeout: 15_000 });
    }
    const result = await new AxeBuilder({ page }).analyze();
    const bad = result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.length} node(s), e.g. ${v.nodes[0].target.join(" ")}`);
    expect(bad, `axe on ${path}`).toEqual([]);
  });
}

// On a 390 px phone (on call): no page is wider than the screen; tables and the graph scroll
// inside their own boxes.
for (const path of pages) {
  test(`at 390 px ${path} fits the screen`, async ({ browser }) => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(path);
    await hydrated(page);
    if (path.endsWith("/edit")) {
      await expect(page.getByTestId("editor").locator(".cm-content")).toContainText('"containerDefinitions"', { timeout: 15_000 });
    }
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${path} is ${width} px wide at 390`).toBeLessThanOrEqual(390);
    await page.close();
  });
}
