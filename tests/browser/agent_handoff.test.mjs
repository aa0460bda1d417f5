// Two pages in Chromium: a shopper asks for a person in the widget, an agent logs in to the console
// (/agent), opens the ticket, answers; the shopper sees the answer while the chat is open; the
// agent hands the conversation back and the bot answers the shopper's next message.
// pytest starts the servers (tests/browser/test_agent_handoff*.py) and passes what to say.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { REPLY_TIMEOUT, SHOP_URL, launch, openChat, openShop, say, screenshot, textOf } from "./lib.mjs";

const AGENT_EMAIL = process.env.AGENT_EMAIL;
const AGENT_PASSWORD = process.env.AGENT_PASSWORD;
const HANDOFF_MESSAGE = process.env.HANDOFF_MESSAGE || "I want to talk to a real person";
const NEXT_MESSAGE = process.env.NEXT_MESSAGE || "hello";
const NAME = process.env.SCREENSHOT_PREFIX || "agent-handoff";
// Long enough for the widget's poll (2 s) on a busy machine.
const SEEN_TIMEOUT = 30000;

describe("handoff to a person through the agent console", () => {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  test("a shopper asks for a person, an agent answers and hands back, the bot answers again", async () => {
    const shopper = await openShop(browser);
    await openChat(shopper.page);
    const handoff = await say(shopper.page, HANDOFF_MESSAGE);
    const chat = shopper.page.locator("#chat");
    await shopper.page.locator('#chat[data-handoff="true"]').waitFor({ timeout: REPLY_TIMEOUT }).catch(async () => {
      assert.fail(`no handoff after "${HANDOFF_MESSAGE}":\n${await textOf(handoff)}`);
    });
    const sender = await shopper.page.evaluate(() => window.localStorage.getItem("shopbot.sender"));

    // The agent, in another browser context (another person's browser).
    const agentContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const agent = await agentContext.newPage();
    const agentProblems = [];
    agent.on("pageerror", (error) => agentProblems.push(`page error: ${error.message}`));
    await agent.goto(`${SHOP_URL}/agent`);
    await agent.locator("[data-role=login] input[name=email]").fill(AGENT_EMAIL);
    await agent.locator("[data-role=login] input[name=password]").fill(AGENT_PASSWORD);
    await agent.locator("[data-role=login] button[type=submit]").click();
    await agent.locator("[data-role=login]").waitFor({ state: "hidden" });
    const ticket = agent.locator(`.agent-queue-item[data-conversation="${sender}"]`);
    await ticket.waitFor({ timeout: SEEN_TIMEOUT });
    await ticket.click();
    const conversation = agent.locator("[data-role=conversation]");
    await conversation.getByText(HANDOFF_MESSAGE).first().waitFor({ timeout: SEEN_TIMEOUT });

    // The shopper is told a person has joined.
    await shopper.page.locator(".chat-system", { hasText: "has joined the conversation" }).waitFor({ timeout: SEEN_TIMEOUT });

    const answer = "Hi, this is Sam from the shop. I'm looking into it now.";
    await agent.locator("[data-role=reply] textarea").fill(answer);
    await agent.locator("[data-role=reply] button[type=submit]").click();
    await conversation.getByText(answer).waitFor({ timeout: SEEN_TIMEOUT });
    const bubble = shopper.page.locator(".chat-agent .chat-bubble", { hasText: answer });
    await bubble.waitFor({ timeout: SEEN_TIMEOUT });
    assert.match(await shopper.page.locator(".chat-agent .chat-agent-name").last().innerText(), /\S/);
    await screenshot(shopper.page, `${NAME}-shopper-sees-the-agent`);
    await screenshot(agent, `${NAME}-agent-console`);

    await agent.locator("[data-role=hand-back]").click();
    await agent.locator('[data-role=ticket][data-status="closed"]').waitFor({ timeout: SEEN_TIMEOUT });
    await shopper.page.locator(".chat-system", { hasText: "handed the conversation back" }).waitFor({ timeout: SEEN_TIMEOUT });
    await shopper.page.locator('#chat[data-handoff="false"]').waitFor({ timeout: SEEN_TIMEOUT });
    assert.equal(await chat.locator("[data-role=handoff]").isHidden(), true, "the handoff banner is gone");

    const next = await say(shopper.page, NEXT_MESSAGE);
    const nextText = await textOf(next);
    assert.ok(next.length > 0 && nextText.trim().length > 0, `the bot did not answer "${NEXT_MESSAGE}" after the handback`);
    await screenshot(shopper.page, `${NAME}-bot-again`);
    assert.equal(await bubble.count(), 1, "the agent's answer is shown once");
    assert.deepEqual([...shopper.problems, ...agentProblems], []);
    await agentContext.close();
    await shopper.context.close();
  });
});
