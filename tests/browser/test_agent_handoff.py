"""The handoff to a person in Chromium, two pages (scenario in agent_handoff.test.mjs): a shopper
and an agent in the console, against the real shop page server and the Rasa double (with the
tracker events endpoint; "handoff" opens the ticket as the action server does). The same with the
real assistant: test_agent_handoff_live.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shop import agents
from shop.db import make_engine
from tests.browser.browser_support import run_scenarios
from tests.tiny_shop import TinyShops
from tests.web import web_server
from tests.web.agent_double import running_agent_rasa_double

pytestmark = pytest.mark.browser

AGENT = {"AGENT_EMAIL": "sam@shop.example", "AGENT_PASSWORD": "a long console password"}


@pytest.fixture(scope="module")
def shop_with_agent(
    browser_tooling: None, tmp_path_factory: pytest.TempPathFactory, tiny_shops: TinyShops
) -> Iterator[str]:
    database_url = tiny_shops.copy(tmp_path_factory.mktemp("agent-browser-shop") / "shop.db")
    engine = make_engine(database_url)
    agents.add_agent(AGENT["AGENT_EMAIL"], "Sam", AGENT["AGENT_PASSWORD"], engine=engine)
    engine.dispose()
    with running_agent_rasa_double("agent-browser-token", database_url) as double:
        server = web_server.start_web_server(
            tmp_path_factory.mktemp("agent-browser-web"),
            database_url=database_url, rasa_url=double.url, rasa_token=double.token,
        )  # fmt: skip
        try:
            yield server.url
        finally:
            web_server.stop_web_server(server)


def test_a_person_answers_in_the_shoppers_widget_and_hands_back(shop_with_agent: str) -> None:
    run_scenarios(
        "agent_handoff.test.mjs",
        {"SHOP_URL": shop_with_agent, "HANDOFF_MESSAGE": "handoff", "NEXT_MESSAGE": "hello again", **AGENT},
    )
