"""The shop page's privacy endpoints on the real web server: the banner's choice and the download."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, insert, select

from analytics.tracker import EVENTS, TRACKER_METADATA
from recommender.feedback import record_interactions
from shop.db import make_engine
from shop.identity import sign_identity
from shop.models import EventKind
from tests.tiny_shop import TinyShops
from tests.web import web_server

SENDER = "web-consent-0001"
ERASING = "web-erasing-0001"


class ErasingRasa(BaseHTTPRequestHandler):
    """Rasa's REST webhook as it answers the turn that erased the shopper's data."""

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps(
            [
                {"recipient_id": ERASING, "text": "Done: erased."},
                {"recipient_id": ERASING, "custom": {"type": "data_erased"}},
            ]
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args) -> None:  # type: ignore[no-untyped-def]
        pass


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, tiny_shops: TinyShops
) -> Iterator[tuple[str, Engine, Engine]]:
    directory: Path = tmp_path_factory.mktemp("privacy-web")
    database_url = tiny_shops.copy(directory / "shop.db")
    tracker = make_engine(f"sqlite:///{directory / 'tracker.db'}")
    TRACKER_METADATA.create_all(tracker)
    rasa = ThreadingHTTPServer(("127.0.0.1", 0), ErasingRasa)
    threading.Thread(target=rasa.serve_forever, daemon=True).start()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOPBOT_TRACKER_DATABASE_URL", f"sqlite:///{directory / 'tracker.db'}")
        server = web_server.start_web_server(
            directory,
            database_url=database_url,
            rasa_url=f"http://127.0.0.1:{rasa.server_address[1]}",
            rasa_token="unused",
        )
    engine = make_engine(database_url)
    yield server.url, engine, tracker
    web_server.stop_web_server(server)
    rasa.shutdown()
    engine.dispose()
    tracker.dispose()


def test_the_banners_choice_is_what_recording_respects(site) -> None:  # type: ignore[no-untyped-def]
    url, engine, _ = site
    assert requests.get(f"{url}/api/consent", params={"sender": SENDER}).json() == {"allowed": None}
    assert record_interactions(engine, EventKind.VIEW, [1], customer_id=None, session_id=SENDER) == 0
    response = requests.post(f"{url}/api/consent", json={"sender": SENDER, "allowed": True})
    assert response.status_code == 200 and response.json() == {"allowed": True}
    assert record_interactions(engine, EventKind.VIEW, [1], customer_id=None, session_id=SENDER) == 1
    requests.post(f"{url}/api/consent", json={"sender": SENDER, "allowed": False})
    assert record_interactions(engine, EventKind.VIEW, [1], customer_id=None, session_id=SENDER) == 0


def test_a_choice_must_be_json_with_a_sender_and_a_yes_or_no(site) -> None:  # type: ignore[no-untyped-def]
    url, _, _ = site
    assert requests.post(f"{url}/api/consent", data="sender=x&allowed=1").status_code == 415
    assert requests.post(f"{url}/api/consent", json={"sender": SENDER, "allowed": "yes"}).status_code == 400
    assert requests.post(f"{url}/api/consent", json={"sender": "x", "allowed": True}).status_code == 400


def test_a_logged_in_shopper_downloads_their_data_and_a_guest_cannot(site) -> None:  # type: ignore[no-untyped-def]
    url, _, _ = site
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


def test_after_the_turn_that_erased_the_data_its_conversation_is_deleted_again(site) -> None:  # type: ignore[no-untyped-def]
    url, _, tracker = site
    with tracker.begin() as connection:  # what Rasa wrote back of the erasing turn
        connection.execute(
            insert(EVENTS).values(sender_id=ERASING, type_name="user", timestamp=1.0, data="{}")
        )
        connection.execute(
            insert(EVENTS).values(sender_id="someone-else-01", type_name="user", timestamp=1.0, data="{}")
        )
    response = requests.post(f"{url}/api/chat", json={"sender": ERASING, "message": "/delete_my_data"})
    assert response.status_code == 200
    with tracker.connect() as connection:
        assert set(connection.scalars(select(EVENTS.c.sender_id))) == {"someone-else-01"}
