// The shop page and its chat widget against known replies (the Rasa double, see
// tests/chat/rasa_double.py). pytest starts the servers: tests/browser/test_widget_in_chromium.py.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  botMessages,
  launch,
  logInAs,
  openChat,
  openShop,
  replyTo,
  say,
  screenshot,
  settled,
  textOf,
} from "./lib.mjs";

describe("the demo shop page with its chat widget", () => {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  test("shows the product grid by category and the demo logins", async () => {
    const { context, page, problems } = await openShop(browser);
    const total = Number((await page.locator("#grid-count").innerText()).split(" ")[0]);
    assert.ok(total > 100, `grid count ${total}`);
    assert.equal(await page.locator("#product-grid .product").count(), 24);
    await page.locator(".category-button", { hasText: "Jackets" }).click();
    await page.waitForFunction(() => document.querySelector("#grid-title").textContent === "Jackets");
    await page.locator("#product-grid .product").first().waitFor();
    const jackets = Number((await page.locator("#grid-count").innerText()).split(" ")[0]);
    assert.ok(jackets > 0 && jackets < total);
    const images = await page.locator("#product-grid .product-image").evaluateAll((imgs) =>
      imgs.slice(0, 4).map((img) => [img.getAttribute("src"), img.complete && img.naturalWidth > 0]),
    );
    for (const [src, loaded] of images) {
      assert.equal(src, "/static/img/categories/jackets.svg");
      assert.ok(loaded, `${src} did not load`);
    }
    await page.locator("#login-switch").waitFor({ state: "visible" });
    const logins = await page.locator("#login-switch option").allInnerTexts();
    assert.deepEqual(logins, [
      "Guest",
      "Alice Moreno <alice@example.com>",
      "Bob Chen <bob@example.com>",
      "Carla Diaz <carla@example.com>",
    ]);
    await screenshot(page, "shop-page");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("quick replies send their payload and show their title, then go away", async () => {
    const { context, page, problems } = await openShop(browser);
    await openChat(page);
    const [question] = await say(page, "hello");
    assert.equal(await question.locator(".chat-bubble").innerText(), "Hi! Shall I show you this week's deals?");
    assert.deepEqual(await question.locator(".chat-quick-reply").allInnerTexts(), ["Yes", "No"]);
    const answer = await replyTo(page, () => question.locator(".chat-quick-reply", { hasText: "No" }).click());
    assert.equal(await textOf(answer), "You chose no.");
    assert.equal(await page.locator(".chat-log > .chat-user").last().innerText(), "No");
    assert.equal(await page.locator(".chat-quick-reply").count(), 0);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("shows the typing indicator while the assistant thinks", async () => {
    const { context, page } = await openShop(browser);
    await openChat(page);
    await page.locator(".chat-form input").fill("slow");
    await page.locator(".chat-form button").click();
    await page.locator(".chat-typing").waitFor({ state: "visible", timeout: 1000 });
    await settled(page);
    assert.equal(await page.locator(".chat-typing").isVisible(), false);
    assert.equal(await botMessages(page).last().innerText(), "Sorry for the wait.");
    await context.close();
  });

  test("renders product cards as a carousel; More like this asks for similar items; all of it survives a reload", async () => {
    const { context, page, problems } = await openShop(browser);
    await openChat(page);
    const reply = await say(page, "jackets");
    assert.equal(await reply[0].locator("strong").innerText(), "2 jackets");
    const cards = reply[1].locator(".chat-card");
    assert.equal(await cards.count(), 2);
    const first = cards.nth(0);
    assert.equal(await first.locator(".chat-card-title").innerText(), "Trailblazer Waterproof Jacket");
    assert.equal(await first.locator(".chat-card-price").innerText(), "$89.99");
    assert.equal(await first.locator(".chat-card-rating").innerText(), "\u2605 4.5 (120)");
    assert.equal(await first.locator(".chat-card-stock").innerText(), "In stock");
    assert.equal(await first.locator(".chat-card-reason").innerText(), "popular in Jackets");
    assert.ok(await first.locator("img").evaluate((img) => img.complete && img.naturalWidth > 0));
    const second = cards.nth(1);
    assert.equal(await second.locator(".chat-card-price").innerText(), "$1,299.00");
    assert.equal(await second.locator(".chat-card-stock").innerText(), "Out of stock");
    assert.ok(await second.getByRole("button", { name: "Add to cart" }).isDisabled());
    await screenshot(page, "widget-carousel-known-replies");

    const similar = await replyTo(page, () => first.getByRole("button", { name: "More like this" }).click());
    assert.equal(
      await page.locator(".chat-log > .chat-user").last().innerText(),
      "More like this: Trailblazer Waterproof Jacket",
    );
    assert.equal(await similar[0].innerText(), "Similar to product 12:");
    assert.equal(await similar[1].locator(".chat-card-title").innerText(), "Ridge Softshell Jacket");

    const before = await page.locator(".chat-log").innerText();
    await page.reload();
    await page.locator(".chat-log .chat-card").first().waitFor();
    assert.equal(await page.locator(".chat-panel").isVisible(), true, "the chat stays open");
    assert.equal(await page.locator(".chat-log").innerText(), before);
    assert.equal(await page.locator(".chat-log .chat-card").count(), 3);
    await screenshot(page, "widget-history-after-reload");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("renders markdown but never runs HTML from a reply", async () => {
    const { context, page } = await openShop(browser);
    await openChat(page);
    const [reply] = await say(page, "markdown");
    assert.equal(await reply.locator("strong").innerText(), "bold");
    assert.equal(await page.locator(".chat-log script").count(), 0);
    assert.match(await reply.innerText(), /<script>alert\(1\)<\/script>/);
    assert.equal(await reply.locator("a").count(), 1);
    assert.equal(await reply.locator("a").getAttribute("href"), "/static/img/logo.svg");
    assert.match(await reply.innerText(), /\[elsewhere\]\(https:\/\/example\.com\)/);
    await context.close();
  });

  test("shows that a human takes over, also after a reload", async () => {
    const { context, page } = await openShop(browser);
    await openChat(page);
    await say(page, "handoff");
    const banner = page.locator(".chat-handoff");
    assert.match(await banner.innerText(), /A human will take over \(ticket #42\)/);
    await screenshot(page, "widget-handoff");
    await page.reload();
    await page.locator(".chat-log .chat-bot").first().waitFor();
    await banner.waitFor({ state: "visible" });
    assert.match(await banner.innerText(), /ticket #42/);
    await context.close();
  });

  test("logging in sends a signed identity with each message and starts a new conversation", async () => {
    const { context, page } = await openShop(browser);
    await openChat(page);
    await say(page, "hello");
    await logInAs(page, 1);
    assert.equal(await page.locator(".chat-identity").innerText(), "chatting as Alice Moreno");
    assert.equal(await page.locator(".chat-log > *").count(), 0, "Alice does not see the guest's chat");
    const [reply] = await say(page, "who am i");
    assert.match(await reply.innerText(), /^identity: v1\.1\.\d+\.[0-9a-f]{64}$/);

    await page.reload();
    await page.locator(".chat-log .chat-bot").first().waitFor();
    await page.waitForFunction(() => document.body.dataset.customer === "1"); // checked with /api/me
    assert.equal(await page.locator("#login-switch").inputValue(), "1", "still Alice after a reload");

    await page.locator("#login-switch").selectOption("");
    assert.equal(await page.locator(".chat-identity").innerText(), "chatting as a guest");
    const [guest] = await say(page, "who am i");
    assert.equal(await guest.innerText(), "identity: guest");
    await context.close();
  });

  test("a forged token in the browser's storage is dropped, so the shopper is a guest", async () => {
    const { context, page } = await openShop(browser);
    await page.evaluate(() => {
      localStorage.setItem("shopbot.identity", "v1.2.1700000000." + "0".repeat(64));
      localStorage.setItem("shopbot.customer", JSON.stringify({ id: 2, name: "Bob Chen", email: "bob@example.com" }));
    });
    await page.reload();
    await page.waitForFunction(() => localStorage.getItem("shopbot.identity") === null);
    assert.equal(await page.locator("#login-switch").inputValue(), "");
    await openChat(page);
    const [reply] = await say(page, "who am i");
    assert.equal(await reply.innerText(), "identity: guest");
    await context.close();
  });

  // Issue 18: a pasted 10 kB message was cut at the input's maxlength or answered 413, and the
  // widget showed nothing about it.
  test("a message that is too long is refused in words and stays in the box", async () => {
    const { context, page, problems } = await openShop(browser);
    await openChat(page);
    const sent = [];
    page.on("request", (request) => { if (request.url().endsWith("/api/chat")) sent.push(request); });
    const long = "y".repeat(10000);
    await page.locator(".chat-form input").fill(long);
    await page.locator(".chat-form button").click();
    await page.locator(".chat-system").last().waitFor();
    assert.match(await page.locator(".chat-system").last().innerText(), /too long \(10,000 characters; at most 2,000\)/);
    assert.equal(await page.locator(".chat-form input").inputValue(), long);
    assert.equal(sent.length, 0);
    assert.equal(await botMessages(page).count(), 0);
    assert.deepEqual(problems, []);
    await context.close();
  });

  // Issue 18: the assistant echoes what the shopper wrote; markdown in it must stay text.
  test("echoed markdown never shows another site's image or link", async () => {
    const { context, page, problems } = await openShop(browser);
    await openChat(page);
    const images = [];
    page.on("request", (request) => { if (request.url().includes("evil.example")) images.push(request.url()); });
    const [reply] = await say(page, "![x](http://evil.example/x.png) [a](http://evil.example)");
    assert.equal(await reply.locator("img").count(), 0);
    assert.equal(await reply.locator("a").count(), 0);
    assert.match(await reply.innerText(), /!\[x\]\(http:\/\/evil\.example\/x\.png\)/);
    assert.deepEqual(images, []);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("an unreachable assistant gets a polite note and the typed message back", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(process.env.SHOP_URL_WITHOUT_RASA);
    await openChat(page);
    await page.locator(".chat-form input").fill("where is my order 100234?");
    await page.locator(".chat-form button").click();
    await settled(page);
    assert.match(await page.locator(".chat-system").last().innerText(), /not reachable right now/);
    assert.equal(await page.locator(".chat-form input").inputValue(), "where is my order 100234?");
    await context.close();
  });

  test("with the demo login off, the page offers no 'logged in as' switch", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const customers = page.waitForResponse((response) => response.url().endsWith("/api/customers"));
    await page.goto(process.env.SHOP_URL_WITHOUT_DEMO_LOGIN);
    await page.locator("#product-grid .product").first().waitFor();
    assert.equal((await customers).status(), 404); // the server has no demo logins to offer
    await page.waitForLoadState("networkidle");
    assert.equal(await page.locator("#login-switch").isVisible(), false);
    assert.equal(await page.getByText("Logged in as").isVisible(), false);
    await screenshot(page, "shop-page-without-demo-login");
    await context.close();
  });
});
