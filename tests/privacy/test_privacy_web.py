"""The shop page's privacy endpoints on the real web server: the banner's choice and the download."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine

from recommender.feedback import record_interactions
from shop.db import make_engine
from shop.identity import sign_identity
from shop.models import EventKind
from tests.tiny_shop import TinyShops
from tests.web import web_server

SENDER = "web-consent-0001"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, tiny_shops: TinyShops) -> Iterator[tuple[str, Engine]]:
    directory: Path = tmp_path_factory.mktemp("privacy-web")
    database_url = tiny_shops.copy(directory / "shop.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOPBOT_TRACKER_DATABASE_URL", f"sqlite:///{directory / 'tracker.db'}")
        server = web_server.start_web_server(
            directory, database_url=database_url, rasa_url="http://127.0.0.1:9", rasa_token="unused"
        )
    engine = make_engine(database_url)
    yield server.url, engine
    web_server.stop_web_server(server)
    engine.dispose()


def test_the_banners_choice_is_what_recording_respects(site) -> None:  # type: ignore[no-untyped-def]
    url, engine = site
    assert requests.get(f"{url}/api/consent", params={"sender": SENDER}).json() == {"allowed": None}
    assert record_interactions(engine, EventKind.VIEW, [1], customer_id=None, session_id=SENDER) == 0
    response = requests.post(f"{url}/api/consent", json={"sender": SENDER, "allowed": True})
    assert response.status_code == 200 and response.json() == {"allowed": True}
    assert record_interactions(engine, EventKind.VIEW, [1], customer_id=None, session_id=SENDER) == 1
    requests.post(f"{url}/api/consent", json={"sender": SENDER, "allowed": False})
    assert record_interactions(engine, EventKind.VIEW, [1], customer_id=None, session_id=SENDER) == 0


def test_a_choice_must_be_json_with_a_sender_and_a_yes_or_no(site) -> None:  # type: ignore[no-untyped-def]
    url, _ = site
    assert requests.post(f"{url}/api/consent", data="sender=x&allowed=1").status_code == 415
    assert requests.post(f"{url}/api/consent", json={"sender": SENDER, "allowed": "yes"}).status_code == 400
    assert requests.post(f"{url}/api/consent", json={"sender": "x", "allowed": True}).status_code == 400


def test_a_logged_in_shopper_downloads_their_data_and_a_guest_cannot(site) -> None:  # type: ignore[no-untyped-def]
    url, _ = site
    assert requests.get(f"{url}/api/privacy/export").status_code == 401
    forged = requests.get(f"{url}/api/privacy/export", headers={"X-Shop-Identity": "v1.1.0.beef"})
    assert forged.status_code == 401
    token = sign_identity(1, secret=web_server.IDENTITY_SECRET)
    response = requests.get(f"{url}/api/privacy/export", headers={"X-Shop-Identity": token})
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.content)
    assert data["customer"]["id"] == 1 and data["orders"]
    page = requests.get(f"{url}/privacy")
    assert page.status_code == 200 and "Download my data" in page.text
    assert "/static/js/consent.js" in requests.get(url).text
