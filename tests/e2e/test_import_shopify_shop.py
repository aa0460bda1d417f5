"""A shop that runs on Shopify tries the assistant: its exports go into an empty database, and the
real actions then answer from that data alone.

`shopbot import` (the command, with what follows an import) fills an empty, migrated SQLite
database from data/examples/shopify/; the recommender is trained on it as `make run` would; the
Rasa actions run in-process (the action harness of tests/actions) against that database. Then a
guest asks where order #1001 is (number + email), asks for suggestions, and a product the shop
adds later is recommended at once, before any retraining.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shop.config import REPO_ROOT, get_settings
from shop.db import make_engine, upgrade
from shop.models import Product
from tests.actions.action_harness import IDENTITY_SECRET, json_messages, make_tracker, slot_events, texts
from tests.shop.importing_shop import SHOPIFY, edited_csv

SHOPIFY_SKUS = {"merino-trail-beanie", "summit-softshell-jacket", "enamel-camp-mug"}


def run(action: Any, tracker: Any, domain: dict[str, Any]) -> tuple[CollectingDispatcher, list]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return dispatcher, events


def cards(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    shown = [m for m in json_messages(dispatcher) if m.get("type") == "product_cards"]
    assert shown, f"no product cards in {dispatcher.messages}"
    return shown[-1]["products"]


def skus(engine: Engine, ids: list[int]) -> set[str]:
    with Session(engine) as session:
        return set(session.scalars(select(Product.sku).where(Product.id.in_(ids))))


@pytest.fixture
def domain() -> dict[str, Any]:
    """The bot's domain, merged from bot/domain/*.yml as Rasa merges them."""
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


@pytest.fixture
def shopify_shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, Any, Path]]:
    """An empty database filled by `shopbot import` from the Shopify exports, a recommender
    trained on it, and the actions pointed at both."""
    from actions import services
    from actions.context import use_engine
    from recommender.artifact import save_artifact
    from recommender.config import TrainConfig
    from recommender.data import load_shop_data
    from recommender.serving import Recommender
    from recommender.train import build_artifact
    from shop import db
    from shopbot.cli import app

    url = f"sqlite:///{tmp_path / 'shop.db'}"
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SHOPBOT_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("SHOPBOT_IDENTITY_SECRET", IDENTITY_SECRET)
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    files = [str(SHOPIFY / "products_export.csv"), str(SHOPIFY / "orders_export.csv")]
    result = CliRunner().invoke(
        app, ["import", *files, "--no-reindex", "--lookups", str(tmp_path / "catalog.yml")]
    )
    assert result.exit_code == 0, result.output
    engine = make_engine(url)
    artifact = build_artifact(load_shop_data(engine), TrainConfig(epochs=5, tune_blend=False))
    recommender = Recommender.load(
        save_artifact(artifact, tmp_path / "models" / "recommender"), engine=engine
    )
    use_engine(engine)
    services.install(recommender_=recommender)
    yield engine, recommender, tmp_path
    services.recommender.set(None)
    use_engine(None)
    engine.dispose()
    get_settings.cache_clear()
    db.get_engine.cache_clear()


def test_a_guest_gets_the_status_of_an_imported_order_with_its_number_and_email(shopify_shop, domain) -> None:  # type: ignore[no-untyped-def]
    from actions.order_forms import ValidateOrderStatusForm
    from actions.orders import ActionOrderStatus

    slots = {"order_number": "1001", "order_email": "Robin.Example@example.net"}
    form = make_tracker(
        "robin.example@example.net",
        intent="inform",
        active_loop="order_status_form",
        slots=slots,
        validate=["order_email"],
    )
    dispatcher, events = run(ValidateOrderStatusForm(), form, domain)
    assert texts(dispatcher) == [] and slot_events(events)["order_number"] == "1001"

    dispatcher, _ = run(ActionOrderStatus(), make_tracker("", slots=slots), domain)

    answer = texts(dispatcher)[0]
    assert answer.startswith("Order 1001 is on its way")  # Shopify: paid, then fulfilled
    assert "Peakwool Summit Softshell Jacket" in answer and "Peakwool Merino Trail Beanie" in answer


def test_a_guest_with_another_email_learns_nothing_about_the_imported_order(shopify_shop, domain) -> None:  # type: ignore[no-untyped-def]
    from actions.order_forms import ValidateOrderStatusForm
    from shop.refusals import NOT_FOUND_EXPLANATION

    tracker = make_tracker(
        "sam.sample@example.net",
        intent="inform",
        active_loop="order_status_form",
        slots={"order_number": "1001", "order_email": "sam.sample@example.net"},
        validate=["order_email"],
    )
    dispatcher, _ = run(ValidateOrderStatusForm(), tracker, domain)

    assert texts(dispatcher) == [NOT_FOUND_EXPLANATION]


def test_suggestions_come_from_the_imported_catalog(shopify_shop, domain) -> None:  # type: ignore[no-untyped-def]
    from actions.shopping import ActionRecommend

    engine, _, _ = shopify_shop
    dispatcher, _ = run(ActionRecommend(), make_tracker("what do you suggest?", intent="recommend"), domain)

    shown = cards(dispatcher)
    assert shown and skus(engine, [c["id"] for c in shown]) <= SHOPIFY_SKUS


def test_a_product_imported_after_training_is_recommended_at_once(
    shopify_shop, domain, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The shop adds a second mug; with no retraining, the recommender (refreshed by the import's
    follow-up, as a running action server refreshes itself) offers it from its metadata alone."""
    from actions.shopping import ActionRecommend
    from shop.importing import import_files
    from shopbot.importing import follow_import

    engine, recommender, folder = shopify_shop
    new_mug = edited_csv(
        SHOPIFY / "products_export.csv",
        tmp_path / "new_products.csv",
        {
            (6, "Handle"): "enamel-camp-mug-large",
            (6, "Title"): "Trailkettle Enamel Camp Mug, Large",
            (6, "Variant SKU"): "TK-MUG-500",
        },
        drop=(1, 2, 3, 4, 5),
    )
    report = import_files(engine, [new_mug])
    assert report.counts["products"].created == 1

    steps = follow_import(
        engine,
        products_changed=True,
        reindex=False,
        recommender=recommender,
        lookups_output=folder / "lk.yml",
    )

    assert "1 of them new since training" in steps[0].message
    tracker = make_tracker("any mugs you'd suggest?", intent="recommend", entities=[("category", "Mugs")])
    dispatcher, _ = run(ActionRecommend(), tracker, domain)
    assert "enamel-camp-mug-large" in skus(engine, [c["id"] for c in cards(dispatcher)])
