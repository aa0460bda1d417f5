"""Browser tests: pytest starts the servers, then runs the JavaScript scenarios (node --test,
playwright-core) in Debian's headless Chromium and reports their result.

Needs `make browser-deps` (Chromium from Debian, `npm ci` here); `make test` runs it first.
Screenshots are written to test-artifacts/browser/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.browser_support import BROWSER_DIR, CHROMIUM
from tests.chat import rasa_double
from tests.tiny_shop import TinyShops
from tests.web import web_server


def _missing_browser_tooling() -> str | None:
    if not shutil.which("node"):
        return "node is not installed"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (make browser-deps installs Debian's chromium)"
    if not (BROWSER_DIR / "node_modules" / "playwright-core").exists():
        return "tests/browser/node_modules is missing (make browser-deps runs npm ci)"
    return None


@pytest.fixture(scope="session")
def browser_tooling() -> None:
    """Chromium, node and playwright-core; in CI their absence fails, elsewhere it skips."""
    missing = _missing_browser_tooling()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run: {missing}")
        pytest.skip(missing)


@pytest.fixture(scope="session")
def tiny_shop(tmp_path_factory: pytest.TempPathFactory, tiny_shops: TinyShops) -> str:
    return tiny_shops.copy(tmp_path_factory.mktemp("browser-shop") / "shop.db")


@pytest.fixture(scope="session")
def shop_with_rasa_double(
    browser_tooling: None, tmp_path_factory: pytest.TempPathFactory, tiny_shop: str
) -> Iterator[dict[str, str]]:
    """The shop page in front of the Rasa double, a second one in front of no Rasa at all, and a
    third with the demo login off (as the prod profile serves it)."""
    tmp = tmp_path_factory.mktemp("browser-web")
    with rasa_double.running_rasa_double(token="browser-test-token") as double:
        server = web_server.start_web_server(
            tmp, database_url=tiny_shop, rasa_url=double.url, rasa_token=double.token
        )
        orphan = web_server.start_web_server(
            tmp, database_url=tiny_shop, rasa_url="http://127.0.0.1:9", rasa_token="none"
        )
        no_demo_login = web_server.start_web_server(
            tmp,
            database_url=tiny_shop,
            rasa_url=double.url,
            rasa_token=double.token,
            extra_env={"SHOPBOT_DEMO_LOGIN": "false"},
        )
        try:
            yield {
                "SHOP_URL": server.url,
                "SHOP_URL_WITHOUT_RASA": orphan.url,
                "SHOP_URL_WITHOUT_DEMO_LOGIN": no_demo_login.url,
            }
        finally:
            web_server.stop_web_server(server)
            web_server.stop_web_server(orphan)
            web_server.stop_web_server(no_demo_login)
