"""Run the real Rasa actions against a real, seeded shop database.

The TINY demo shop is seeded once per session into a template SQLite file; each test gets its
own copy (a file copy is much faster than seeding), so writes in one test never leak into
another. The actions are pointed at that copy with `actions.context.use_engine`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine

from actions.context import use_engine
from shop.config import REPO_ROOT, get_settings
from shop.db import make_engine
from tests.actions.action_harness import IDENTITY_SECRET
from tests.tiny_shop import TinyShops, copy_sqlite


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The bot's domain, merged from the topic files in bot/domain/ as Rasa merges them."""
    merged: dict[str, Any] = {}
    for path in sorted((REPO_ROOT / "bot" / "domain").glob("*.yml")):
        for key, value in (yaml.safe_load(path.read_text()) or {}).items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged[key] = value
    return merged


@pytest.fixture(scope="session")
def demo_template(tiny_shops: TinyShops) -> Path:
    return tiny_shops.template()


@pytest.fixture
def shop(demo_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A private copy of the seeded TINY shop, used by the actions for this test."""
    engine = make_engine(copy_sqlite(demo_template, tmp_path / "shop.db"))
    use_engine(engine)
    yield engine
    use_engine(None)
    engine.dispose()


@pytest.fixture(autouse=True)
def identity_secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("SHOPBOT_IDENTITY_SECRET", IDENTITY_SECRET)
    # The shoppers of these tests allowed tracking (without a choice: tests/privacy, issue 16).
    monkeypatch.setenv("SHOPBOT_TRACKING_WITHOUT_CHOICE", "true")
    get_settings.cache_clear()
    yield IDENTITY_SECRET
    get_settings.cache_clear()
