// The cart and checkout in Chromium against the real assistant (issue 14): search in the widget,
// add a product choosing its size, see it in the page's cart, log in as a demo customer (the
// guest's cart moves into hers), check out in chat, then ask the bot for that order's status.
// pytest starts the stack and checks the order in the database: tests/browser/test_cart_live.py.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ARTIFACTS, SHOP_URL, launch, logInAs, openChat, openShop, replyTo, say, screenshot, textOf } from "./lib.mjs";

const QUERY = process.env.CART_QUERY || "show me waterproof jackets";
// Products of the demo shop that come in several sizes (pytest reads them from the database).
const SIZED = new Set((process.env.SIZED_PRODUCTS || "").split(",").filter(Boolean));
const CUSTOMER = process.env.CART_CUSTOMER || "1";

async function sizedCard(replies) {
  for (const reply of replies) {
    const cards = reply.locator(".chat-card");
    const count = await cards.count();
    for (let i = 0; i < count; i++) {
      const id = await cards.nth(i).getAttribute("data-product-id");
      const addable = cards.nth(i).getByRole("button", { name: "Add to cart" });
      if (SIZED.has(id) && (await addable.count()) && (await addable.isEnabled())) return cards.nth(i);
    }
  }
  return null;
}

function quickReplies(replies) {
  return replies.length ? replies[replies.length - 1].locator(".chat-quick-reply") : null;
}

describe("cart and checkout with the real assistant", () => {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  test("search, add with a size, see it in the page's cart, check out in chat, ask for the order", async () => {
    const { context, page, problems } = await openShop(browser);
    await openChat(page);

    // 1. Search in the widget and pick a card of a product with sizes.
    const found = await say(page, QUERY);
    const card = await sizedCard(found);
    assert.ok(card, `no card of a sized product in the answer to "${QUERY}":\n${await textOf(found)}`);
    const title = await card.locator(".chat-card-title").innerText();

    // 2. "Add to cart": the assistant asks for the size; the shopper picks one in stock.
    const asked = await replyTo(page, () => card.getByRole("button", { name: "Add to cart" }).click());
    const askedText = await textOf(asked);
    assert.match(askedText, /size/i, `no size question after "Add to cart":\n${askedText}`);
    const sizes = quickReplies(asked);
    const labels = await sizes.allInnerTexts();
    const index = labels.findIndex((label) => !/sold out/i.test(label));
    assert.ok(index >= 0, `no size in stock among ${labels.join(", ")}`);
    const size = labels[index].trim();
    const added = await textOf(await replyTo(page, () => sizes.nth(index).click()));
    assert.match(added, /Added 1 × /, `not added:\n${added}`);
    // The line names its variant as "(size)" or "(size, colour)": a sized product may come in one colour.
    const variantOf = (text) => (text.match(/Added 1 × .* \(([^)]*)\) to your cart/) || [])[1] || "";
    assert.equal(variantOf(added).split(", ")[0], size, `the size ${size} is not in:\n${added}`);
    await screenshot(page, "cart-added-in-chat");

    // 3. The page's cart shows what the chat added: the icon's count and the cart page.
    await page.waitForFunction(() => document.querySelector("[data-role=cart-count]").textContent === "1");
    await page.locator(".shop-cart-link").click();
    await page.waitForURL(/\/cart$/);
    const line = page.locator(".cart-line").first();
    await line.waitFor();
    assert.equal(await page.locator(".cart-line").count(), 1);
    assert.equal(await line.locator(".cart-line-title").innerText(), title);
    assert.equal((await line.locator(".cart-line-variant").innerText()).split(", ")[0], size);
    assert.equal(await line.locator("input[type=number]").inputValue(), "1");
    await screenshot(page, "cart-page");

    // 4. Log in as a demo customer: the guest's cart moves into hers.
    await page.goto(SHOP_URL);
    await page.locator("#product-grid .product").first().waitFor();
    const merged = page.waitForResponse((response) => response.url().endsWith("/api/cart/merge"));
    await logInAs(page, CUSTOMER);
    assert.equal((await merged).status(), 200);
    await page.waitForFunction(() => document.querySelector("[data-role=cart-count]").textContent === "1");

    // 5. Check out in chat: the summary, then "Yes, place the order".
    await openChat(page);
    const summary = await say(page, "checkout please");
    const summaryText = await textOf(summary);
    assert.match(summaryText, /Shall I place it\?/, `no checkout summary:\n${summaryText}`);
    assert.ok(summaryText.includes(title) && summaryText.includes(size), summaryText);
    const yes = quickReplies(summary).filter({ hasText: "Yes, place the order" });
    const placedText = await textOf(await replyTo(page, () => yes.click()));
    const number = (placedText.match(/Your order (\d+) is placed/) || [])[1];
    assert.ok(number, `no order number in:\n${placedText}`);
    await screenshot(page, "cart-order-placed");
    await page.waitForFunction(() => document.querySelector("[data-role=cart-count]").textContent === "0");

    // 6. The bot finds that order's status.
    const status = await textOf(await say(page, `where is order ${number}?`));
    assert.ok(status.includes(number), `order ${number} not in:\n${status}`);
    assert.match(status, /placed/i, `no status in:\n${status}`);
    await screenshot(page, "cart-order-status");

    writeFileSync(path.join(ARTIFACTS, "cart-live-order.json"), JSON.stringify({ number, title, size }));
    assert.deepEqual(problems, []);
    await context.close();
  });
});
