// The widget against the real assistant (Rasa + action server + shop page, over a copy of the demo
// shop). pytest starts the stack and passes the facts to check: tests/browser/test_widget_live.py.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { launch, logInAs, openChat, openShop, replyTo, say, screenshot, textOf } from "./lib.mjs";

const ALICE_LAST_ORDER = process.env.ALICE_LAST_ORDER;
const ALICE_TRACKING = (process.env.ALICE_TRACKING_NUMBERS || "").split(",").filter(Boolean);
const OTHER_ORDERS = (process.env.OTHER_CUSTOMERS_ORDERS || "").split(",").filter(Boolean);
const PRODUCT_QUERY = process.env.PRODUCT_QUERY || "show me waterproof jackets";

function ordersIn(text, orders) {
  return orders.filter((number) => new RegExp(`(^|\\D)${number}(\\D|$)`).test(text));
}

async function cardsIn(replies) {
  for (const reply of replies) {
    const cards = reply.locator(".chat-card");
    if ((await cards.count()) > 0) return cards;
  }
  return null;
}

describe("the widget with the real assistant", () => {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  test("a shopper asks for a product, sees cards, asks for more like one, and finds it all after a reload", async () => {
    const { context, page, problems } = await openShop(browser);
    await openChat(page);
    const answer = await say(page, PRODUCT_QUERY);
    const cards = await cardsIn(answer);
    assert.ok(cards, `no product cards in the answer to "${PRODUCT_QUERY}":\n${await textOf(answer)}`);
    const first = cards.nth(0);
    const title = await first.locator(".chat-card-title").innerText();
    assert.match(await first.locator(".chat-card-price").innerText(), /^\$[\d,]+\.\d\d$/);
    assert.match(await first.locator(".chat-card-stock").innerText(), /In stock|Only \d+ left|Out of stock/);
    assert.ok(await first.locator("img").evaluate((img) => img.complete && img.naturalWidth > 0), "card image");
    await screenshot(page, "widget-carousel");

    const similar = await replyTo(page, () => first.getByRole("button", { name: "More like this" }).click());
    const similarCards = await cardsIn(similar);
    assert.ok(similarCards, `no cards after "More like this":\n${await textOf(similar)}`);
    const similarTitles = await similarCards.locator(".chat-card-title").allInnerTexts();
    assert.ok(!similarTitles.includes(title), `"More like this" offered the same product: ${title}`);
    await screenshot(page, "widget-more-like-this");

    const shown = await page.locator(".chat-log").innerText();
    await page.reload();
    await page.locator(".chat-log .chat-card").first().waitFor();
    const restored = await page.locator(".chat-log").innerText();
    assert.ok(restored.includes(PRODUCT_QUERY), "the question is restored");
    assert.ok(restored.includes(`More like this: ${title}`), "the button press is restored with its title");
    assert.equal(restored, shown);
    await screenshot(page, "widget-history-live");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a logged-in customer asks for the last order and sees only her own", async () => {
    const { context, page, problems } = await openShop(browser);
    await logInAs(page, 1);
    await openChat(page);
    const answer = await textOf(await say(page, "where is my last order?"));
    assert.deepEqual(ordersIn(answer, [ALICE_LAST_ORDER]), [ALICE_LAST_ORDER], `not her last order:\n${answer}`);
    assert.deepEqual(ordersIn(answer, OTHER_ORDERS), [], `another customer's order in:\n${answer}`);
    await screenshot(page, "widget-last-order");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a guest asking for 'my last order' sees nobody's orders", async () => {
    const { context, page } = await openShop(browser);
    await openChat(page);
    const answer = await textOf(await say(page, "where is my last order?"));
    assert.deepEqual(ordersIn(answer, [ALICE_LAST_ORDER]), [], answer);
    assert.deepEqual(ALICE_TRACKING.filter((number) => answer.includes(number)), [], answer);
    await context.close();
  });
});
