"""`shopbot worker`: refresh every N minutes, retrain nightly, each a new artifact the servers swap in."""

from __future__ import annotations

from datetime import datetime, timedelta

from recommender.artifact import current_artifact_path, read_header, save_artifact
from recommender.worker import Schedule, Worker
from shop.db import transaction
from shop.models import EventKind, EventSource, InteractionEvent
from tests.recommender.reco_fixtures import SMALL_CONFIG

NIGHT = datetime(2026, 11, 24, 3, 0)


def test_the_schedule_is_off_unless_configured() -> None:
    assert not Schedule().enabled
    assert Schedule().due(NIGHT, None, None) is None


def test_refresh_every_n_minutes_and_retrain_once_a_night() -> None:
    schedule = Schedule(refresh_minutes=15, retrain_hour=3)
    assert schedule.due(NIGHT + timedelta(minutes=1), None, None) == "retrain"
    done = NIGHT + timedelta(minutes=1)
    assert schedule.due(done + timedelta(minutes=14), done, done) is None
    assert schedule.due(done + timedelta(minutes=15), done, done) == "refresh"
    assert schedule.due(NIGHT + timedelta(hours=23, minutes=59), done, done) == "refresh"
    assert schedule.due(NIGHT + timedelta(days=1), done, done) == "retrain"


def test_a_tick_refreshes_on_new_interactions_and_retrains_when_due(mutable_shop, tmp_path) -> None:  # type: ignore[no-untyped-def]
    directory = tmp_path / "recommender"
    save_artifact(mutable_shop.artifact, directory)
    first = current_artifact_path(directory)
    clock = [NIGHT + timedelta(hours=1)]
    worker = Worker(
        mutable_shop.engine,
        Schedule(refresh_minutes=10, retrain_hour=3),
        directory=directory,
        config=SMALL_CONFIG,
        clock=lambda: clock[0],
        last_retrain=NIGHT,
    )

    assert worker.tick() == ("refresh", None)  # nothing happened since training: no new version
    assert current_artifact_path(directory) == first

    customer, product = next(iter(mutable_shop.artifact.user_index)), mutable_shop.data.catalog[0].product_id
    with transaction(mutable_shop.engine) as session:
        session.add(
            InteractionEvent(
                customer_id=customer, session_id="s", product_id=product, kind=EventKind.ADD_TO_CART,
                source=EventSource.CHAT, occurred_at=mutable_shop.data.reference_time + timedelta(minutes=1),
            )
        )  # fmt: skip
    clock[0] += timedelta(minutes=5)
    assert worker.tick() is None  # not due yet
    clock[0] += timedelta(minutes=5)
    job, path = worker.tick()
    assert job == "refresh" and path == current_artifact_path(directory) != first
    assert read_header(directory)["metrics"]["refresh"]["learned_pairs"] == 1

    clock[0] = NIGHT + timedelta(days=1, minutes=1)
    job, path = worker.tick()
    assert job == "retrain" and path == current_artifact_path(directory)
    clock[0] += timedelta(days=1)
    assert worker.tick() == ("retrain", None)  # the data did not change: nothing to retrain
