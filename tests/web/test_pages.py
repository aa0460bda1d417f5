"""The shop's pages carry the chat widget and the shop header from one copy of their markup."""

from __future__ import annotations

import pytest
import requests

from tests.web.web_server import WebServer
from web.app import STATIC_DIR


@pytest.mark.parametrize("path", ["/", "/cart", "/checkout"])
def test_every_shop_page_is_served_with_the_one_chat_widget_and_no_include_left(
    web: WebServer, path: str
) -> None:
    widget = (STATIC_DIR / "partials" / "chat-widget.html").read_text(encoding="utf-8")

    page = requests.get(web.url + path, timeout=10)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert widget in page.text
    assert "<!--#include" not in page.text


@pytest.mark.parametrize("path", ["/cart", "/checkout"])
def test_the_cart_and_checkout_pages_share_the_shop_header_with_the_cart_count(
    web: WebServer, path: str
) -> None:
    header = (STATIC_DIR / "partials" / "shop-header.html").read_text(encoding="utf-8")

    page = requests.get(web.url + path, timeout=10).text

    assert header in page and 'data-role="cart-count"' in page
