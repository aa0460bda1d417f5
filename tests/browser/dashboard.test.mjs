// The owner's dashboard in headless Chromium (issue 16): log in as an agent, open the dashboard,
// and find every chart drawn (each SVG image loaded with a size). Run by tests/web/test_dashboard.py.
import assert from "node:assert/strict";
import { test } from "node:test";
import { launch, SHOP_URL } from "./lib.mjs";

test("an agent sees the dashboard with every chart drawn", async () => {
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const login = await context.request.post(`${SHOP_URL}/api/agent/login`, {
      data: { email: process.env.AGENT_EMAIL, password: process.env.AGENT_PASSWORD },
    });
    assert.equal(login.status(), 200);
    const page = await context.newPage();
    const problems = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("response", (response) => {
      const url = new URL(response.url());
      if (response.status() >= 400 && url.pathname !== "/favicon.ico") problems.push(`${response.status()} ${url}`);
    });
    await page.goto(`${SHOP_URL}/agents/dashboard?days=30`);
    await page.waitForFunction(
      (count) => {
        const images = [...document.querySelectorAll("figure.chart img")];
        return images.length === count && images.every((img) => img.complete && img.naturalWidth > 0);
      },
      Number(process.env.CHART_COUNT),
      { timeout: 30000 },
    );
    const sizes = await page.$$eval("figure.chart img", (images) =>
      images.map((img) => [img.naturalWidth, img.getBoundingClientRect().height]),
    );
    for (const [width, height] of sizes) assert.ok(width > 100 && height > 100, `chart ${width}x${height}`);
    await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
