// Shared helpers of the browser tests: Debian's Chromium driven by playwright-core, the shop page,
// and the chat widget as a shopper uses it. Run by pytest (tests/browser/test_*.py), which starts
// the servers and passes their URLs in the environment.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

export const SHOP_URL = required("SHOP_URL");
export const ARTIFACTS = process.env.ARTIFACTS_DIR || path.resolve("test-artifacts", "browser");
// Waiting for a real assistant on 2 shared cores can take a while; a stuck test must still end.
export const REPLY_TIMEOUT = Number(process.env.REPLY_TIMEOUT_MS || 60000);

const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (the pytest wrapper sets it)`);
  return value;
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: CHROMIUM_FLAGS,
  });
}

/** A fresh shopper: a new browser context (empty localStorage) on the shop page. */
export async function openShop(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  await page.goto(SHOP_URL);
  await page.locator("#product-grid .product").first().waitFor();
  return { context, page, problems };
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export async function openChat(page) {
  const launcher = page.locator(".chat-launcher");
  if (await launcher.isVisible()) await launcher.click();
  await page.locator(".chat-panel").waitFor({ state: "visible" });
}

export function botMessages(page) {
  return page.locator(".chat-log > .chat-bot");
}

/** Wait until the widget has no request in flight (the typing indicator is gone). */
export async function settled(page) {
  await page.waitForFunction(() => document.querySelector("#chat").getAttribute("data-busy") !== "true", null, {
    timeout: REPLY_TIMEOUT,
  });
}

/** Run `action` (a send or a click) and return the bot messages that arrived because of it. */
export async function replyTo(page, action) {
  const before = await botMessages(page).count();
  const exchanges = await page.locator("#chat").evaluate((chat) => Number(chat.dataset.exchanges || 0));
  await action();
  await page.waitForFunction(
    (done) => Number(document.querySelector("#chat").dataset.exchanges || 0) > done,
    exchanges,
    { timeout: REPLY_TIMEOUT },
  );
  const all = botMessages(page);
  const count = await all.count();
  const replies = [];
  for (let i = before; i < count; i++) replies.push(all.nth(i));
  return replies;
}

export async function say(page, text) {
  return replyTo(page, async () => {
    await page.locator(".chat-form input").fill(text);
    await page.locator(".chat-form button").click();
  });
}

export async function textOf(locators) {
  const parts = [];
  for (const locator of locators) parts.push(await locator.innerText());
  return parts.join("\n");
}

export async function logInAs(page, customerId) {
  const answered = page.waitForResponse((response) => response.url().endsWith("/api/login"));
  await page.locator("#login-switch").selectOption(String(customerId));
  await answered;
  await page.waitForFunction((id) => document.body.getAttribute("data-customer") === id, String(customerId));
}
