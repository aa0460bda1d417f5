"""`shopbot privacy export|erase`, as an agent runs them on a shopper's request (SQLite TINY shop)."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shop.config import get_settings
from shop.db import get_engine, make_engine
from shop.erasure import erased_email
from shop.models import Customer
from shopbot.cli import app


def test_export_then_erase_a_customer_with_the_agent_as_actor(tiny_shops, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = tiny_shops.copy(tmp_path / "shop.db")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SHOPBOT_TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    runner = CliRunner()
    try:
        exported = runner.invoke(app, ["privacy", "export", "--customer-id", "2"])
        assert exported.exit_code == 0, exported.output
        assert json.loads(exported.output)["customer"]["id"] == 2
        assert runner.invoke(app, ["privacy", "erase", "--customer-id", "2"]).exit_code == 1  # no --yes
        assert runner.invoke(app, ["privacy", "erase", "--yes"]).exit_code != 0  # nobody named
        erased = runner.invoke(app, ["privacy", "erase", "--customer-id", "2", "--agent-id", "7", "--yes"])
        assert erased.exit_code == 0 and "orders anonymised" in erased.output
        unknown = runner.invoke(app, ["privacy", "export", "--customer-id", "999999"])
        assert unknown.exit_code == 1
    finally:
        get_settings.cache_clear()
        get_engine.cache_clear()
    engine = make_engine(url)
    with Session(engine) as session:
        assert session.get(Customer, 2).email == erased_email(2)
    engine.dispose()
