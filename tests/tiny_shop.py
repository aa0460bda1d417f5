"""The TINY demo shop for tests: seeded once per test session and "as of" moment, then copied.

Seeding costs seconds; a SQLite file copy costs milliseconds. So every folder's fixtures ask the
session's `TinyShops` for a private copy instead of seeding their own (the `tiny_shops` fixture
in tests/conftest.py).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from shop.db import make_engine, upgrade
from shop.demo import TINY, seed_demo_shop

#: A fixed "now" for tests whose figures depend on the seeding day (recommender, demo structure).
FIXED_NOW = datetime(2026, 11, 23, 12, 0, 0)


def copy_sqlite(source: Path, target: Path) -> str:
    """Copy a SQLite database file consistently (WAL included); return the copy's URL."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


class TinyShops:
    """Seeded TINY shop templates in `directory`, one per "as of" moment (None: the real now)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._templates: dict[datetime | None, Path] = {}

    def template(self, now: datetime | None = None) -> Path:
        if now not in self._templates:
            name = "now" if now is None else now.strftime("%Y%m%dT%H%M%S")
            path = self.directory / f"tiny-{name}.db"
            url = f"sqlite:///{path}"
            upgrade(url)
            engine = make_engine(url)
            seed_demo_shop(engine, size=TINY, now=now)
            engine.dispose()
            self._templates[now] = path
        return self._templates[now]

    def copy(self, target: Path, now: datetime | None = None) -> str:
        """A private, writable copy of the TINY shop at `target`; returns its URL."""
        return copy_sqlite(self.template(now), target)
