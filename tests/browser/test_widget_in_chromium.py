"""The shop page and chat widget in headless Chromium (scenarios in widget.test.mjs).

Against the real shop page server and the Rasa double, so every widget behaviour is checked with
known replies: markdown, quick replies, the product carousel, "More like this", the typing
indicator, the handoff state, history after a reload, logging in and out, a forged token, and
an unreachable assistant. The same widget against the real assistant: test_widget_live.py.
"""

from __future__ import annotations

import pytest

from tests.browser.browser_support import run_scenarios

pytestmark = pytest.mark.browser


def test_the_widget_in_chromium_against_known_replies(shop_with_rasa_double: dict[str, str]) -> None:
    run_scenarios("widget.test.mjs", shop_with_rasa_double)
