"""The owner's dashboard on the real web server: behind the agent login, figures and SVG charts
drawn from a generated log of known conversations; and in headless Chromium (dashboard.test.mjs),
which finds every chart drawn and takes a screenshot (the one in docs/dashboard.png).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import select

from shop import agents
from shop.db import make_engine
from shop.models import EventKind, Product, utcnow
from tests.analytics.conversation_log import ConversationLog
from tests.browser.browser_support import ARTIFACTS_DIR, run_scenarios
from tests.tiny_shop import TinyShops
from tests.web import web_server

PASSWORD = "dashboard-test-password-1"
CHARTS = ("conversations", "outcomes", "intents", "lists")


def known_conversations(shop: Any, tracker: Any) -> None:
    """Three conversations in the last days: a search with a click, a recommendation, a fallback."""
    with shop.connect() as connection:
        p = connection.scalars(select(Product.id).order_by(Product.id).limit(4)).all()
    start = utcnow() - timedelta(days=2)
    log = ConversationLog()
    log.conversation("dash-one", start).user("running shoes", "search_product").event(
        EventKind.SEARCH, None, "list-s", "running shoes"
    ).shown("list-s", p[0], p[1], p[2]).user("/similar_items", "similar_items").event(
        EventKind.CLICK, p[0], "list-s"
    )
    log.conversation("dash-two", start + timedelta(days=1)).user("suggest something", "recommend").shown(
        "list-r", p[2], p[3]
    ).event(EventKind.ADD_TO_CART, p[3], "list-r")
    log.conversation("dash-three", start + timedelta(days=1)).user("purple unicorn lamp?", "nlu_fallback")
    log.write(tracker, shop)


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory, tiny_shops: TinyShops) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("dashboard")
    database_url = tiny_shops.copy(directory / "shop.db")
    shop, tracker = make_engine(database_url), make_engine(f"sqlite:///{directory / 'tracker.db'}")
    known_conversations(shop, tracker)
    agents.add_agent("owner@shop.example", "Olga", PASSWORD, engine=shop)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOPBOT_TRACKER_DATABASE_URL", f"sqlite:///{directory / 'tracker.db'}")
        server = web_server.start_web_server(
            directory, database_url=database_url, rasa_url="http://127.0.0.1:9", rasa_token="unused"
        )
    yield server.url
    web_server.stop_web_server(server)
    shop.dispose()
    tracker.dispose()


def logged_in(url: str) -> requests.Session:
    session = requests.Session()
    response = session.post(
        f"{url}/api/agent/login", json={"email": "owner@shop.example", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return session


def test_the_dashboard_is_only_for_logged_in_agents(dashboard: str) -> None:
    page = requests.get(f"{dashboard}/agents/dashboard", allow_redirects=False)
    assert page.status_code in {302, 303} and page.headers["Location"] == "/agent"
    assert requests.get(f"{dashboard}/agents/dashboard/lists.svg").status_code == 401


def test_the_page_shows_the_reports_figures_and_one_image_per_chart(dashboard: str) -> None:
    page = logged_in(dashboard).get(f"{dashboard}/agents/dashboard?days=30")
    assert page.status_code == 200
    text = re.sub(r"<[^>]+>", " ", page.text)
    assert re.search(r"Conversations\s+3\b", text)
    assert re.search(r"Fallback rate\s+25\.0%", text)  # one message of four
    assert "purple unicorn lamp?" in text  # not understood, masked (nothing to mask here)
    assert re.findall(r'data-chart="(\w+)"', page.text) == list(CHARTS)


def test_each_chart_is_an_svg_with_its_bars_drawn(dashboard: str) -> None:
    session = logged_in(dashboard)
    for chart in CHARTS:
        response = session.get(f"{dashboard}/agents/dashboard/{chart}.svg?days=30")
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("image/svg+xml")
        assert response.text.lstrip().startswith("<?xml") and "<svg" in response.text
        assert response.text.count("<path") >= 3, chart  # bars and axes are paths
    assert session.get(f"{dashboard}/agents/dashboard/nothing.svg").status_code == 404


@pytest.mark.browser
def test_the_dashboard_in_chromium_draws_every_chart(dashboard: str) -> None:
    run_scenarios(
        "dashboard.test.mjs",
        {
            "SHOP_URL": dashboard,
            "AGENT_EMAIL": "owner@shop.example",
            "AGENT_PASSWORD": PASSWORD,
            "CHART_COUNT": str(len(CHARTS)),
            # docs/dashboard.png (linked from the README) is a copy of this screenshot.
            "SCREENSHOT": str(ARTIFACTS_DIR / "dashboard.png"),
        },
    )
