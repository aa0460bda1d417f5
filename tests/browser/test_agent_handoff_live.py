"""The handoff to a person in Chromium against the real assistant (Rasa + action server + shop page,
over a copy of the demo shop; scenario in agent_handoff.test.mjs): the shopper asks for a person
in their own words, the action server opens the ticket, an agent answers in the console, the
shopper sees it, the agent hands back (Rasa's ConversationResumed) and the bot answers again."""

from __future__ import annotations

import pytest

from shop import agents
from shop.db import make_engine
from shopbot.serve import Stack
from tests.browser.browser_support import run_scenarios

pytestmark = [pytest.mark.browser, pytest.mark.rasa]

AGENT = {"AGENT_EMAIL": "live.agent@shop.example", "AGENT_PASSWORD": "a long console password"}


def test_a_person_takes_over_from_the_real_assistant_and_hands_back(
    browser_tooling: None, live_stack: Stack
) -> None:
    engine = make_engine(live_stack.config.database_url)
    try:
        if agents.authenticate(AGENT["AGENT_EMAIL"], AGENT["AGENT_PASSWORD"], engine=engine) is None:
            agents.add_agent(AGENT["AGENT_EMAIL"], "Sam", AGENT["AGENT_PASSWORD"], engine=engine)
    finally:
        engine.dispose()
    run_scenarios(
        "agent_handoff.test.mjs",
        {
            "SHOP_URL": live_stack.config.web_url,
            "HANDOFF_MESSAGE": "I want to talk to a real person",
            "NEXT_MESSAGE": "hello",
            "SCREENSHOT_PREFIX": "agent-handoff-live",
            **AGENT,
        },
    )
