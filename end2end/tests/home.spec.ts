import { test, expect } from "@playwright/test";

test("the dashboard renders on the server and hydrates", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto("/");
  await expect(page).toHaveTitle("ecs-lens");
  // Server-rendered content is there before any script runs.
  await expect(page.getByTestId("rule-count")).toContainText(/\d+ rules loaded/);
  // After hydration the button reacts (clicks before hydration are lost, hence toPass).
  const probe = page.getByTestId("hydration-probe");
  await expect(async () => {
    await probe.click();
    await expect(probe).toHaveText("Interactive", { timeout: 500 });
  }).toPass({ timeout: 15_000 });
  expect(errors).toEqual([]);
});
