"""`shopbot worker`: keeps the recommender fresh while the shop runs.

Two jobs on one clock, both off unless configured (and off in tests):

- every `SHOPBOT_RECOMMENDER_REFRESH_MINUTES` minutes, a *refresh*: `fit_partial` on the
  interactions newer than the current artifact, count statistics (co-occurrence, guests'
  sessions, popularity) recomputed over all data; skipped when nothing new happened;
- once a day at `SHOPBOT_RECOMMENDER_RETRAIN_HOUR` (UTC), a *full retrain* (new customers and
  products get their own vectors), skipped when the data fingerprint equals the artifact's.

Each writes a new artifact version atomically (`recommender.artifact.save_artifact`); the action
servers notice the newer `CURRENT` within 30 seconds and swap it in without a restart
(`actions/services.py`), so nobody is ever served a half-written model.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import typer
from sqlalchemy import Engine

from recommender.artifact import ArtifactError, artifact_dir, load_artifact, read_header, save_artifact
from recommender.config import TrainConfig
from shop.models import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    """When the worker refreshes and retrains; 0 minutes / hour -1 switch a job off."""

    refresh_minutes: int = 0
    retrain_hour: int = -1

    @property
    def enabled(self) -> bool:
        return self.refresh_minutes > 0 or 0 <= self.retrain_hour <= 23

    def due(self, now: datetime, last_refresh: datetime | None, last_retrain: datetime | None) -> str | None:
        """ "retrain", "refresh" or None: what to do at `now`, given when each job last ran."""
        if 0 <= self.retrain_hour <= 23:
            today = now.replace(hour=self.retrain_hour, minute=0, second=0, microsecond=0)
            slot = today if now >= today else today - timedelta(days=1)
            if last_retrain is None or last_retrain < slot:
                return "retrain"
        interval = timedelta(minutes=self.refresh_minutes)
        if self.refresh_minutes > 0 and (last_refresh is None or now - last_refresh >= interval):
            return "refresh"
        return None


def retrain(engine: Engine, directory: Path | None = None, config: TrainConfig | None = None) -> Path | None:
    """A full retrain unless a full training on the same data and config is current; the new path or None."""
    from recommender.data import load_shop_data
    from recommender.train import build_artifact

    directory = directory or artifact_dir()
    config = config or TrainConfig()
    data = load_shop_data(engine)
    if not data.interactions:
        return None
    try:
        header = read_header(directory)
    except ArtifactError:
        header = {}
    # A refreshed artifact matches the data's fingerprint but lacks vectors for newcomers.
    fully_trained = "refresh" not in (header.get("metrics") or {})
    if fully_trained and header.get("fingerprint") == data.fingerprint(config):
        return None
    return save_artifact(build_artifact(data, config), directory)


def refresh(engine: Engine, directory: Path | None = None, *, epochs: int = 3) -> Path | None:
    """`fit_partial` on what happened since the current artifact; None when nothing new happened."""
    from recommender.data import load_shop_data
    from recommender.train import refresh_artifact

    directory = directory or artifact_dir()
    artifact = load_artifact(directory)
    data = load_shop_data(engine)
    if data.fingerprint(artifact.config) == artifact.fingerprint:
        return None
    refreshed, summary = refresh_artifact(artifact, data, epochs=epochs)
    path = save_artifact(refreshed, directory)
    log.info("recommender refreshed: %s (%s)", path.name, summary)
    return path


@dataclass
class Worker:
    engine: Engine
    schedule: Schedule
    directory: Path | None = None
    #: The full retrain's config (default: `TrainConfig()`, the one `shopbot recommender train` uses).
    config: TrainConfig | None = None
    clock: Callable[[], datetime] = utcnow
    last_refresh: datetime | None = None
    last_retrain: datetime | None = None

    def tick(self) -> tuple[str, Path | None] | None:
        """Run the job that is due now, if any: (job, new artifact path or None when skipped)."""
        now = self.clock()
        job = self.schedule.due(now, self.last_refresh, self.last_retrain)
        if job is None:
            return None
        try:
            path = (
                retrain(self.engine, self.directory, self.config)
                if job == "retrain"
                else refresh(self.engine, self.directory)
            )
        except Exception:  # noqa: BLE001 - a failed run keeps the served artifact; try at the next slot
            log.exception("recommender %s failed; the current artifact stays in service", job)
            path = None
        if job == "retrain":
            self.last_retrain = self.last_refresh = now
        else:
            self.last_refresh = now
        return job, path


def worker(
    once: bool = typer.Option(False, "--once", help="Run what is due now, then exit."),
    poll_seconds: float = typer.Option(30.0, help="How often to check the schedule."),
) -> None:
    """Refresh (fit_partial) and retrain the recommender on schedule (SHOPBOT_RECOMMENDER_*)."""
    from shop.config import get_settings
    from shop.db import get_engine

    settings = get_settings()
    schedule = Schedule(settings.recommender_refresh_minutes, settings.recommender_retrain_hour)
    if not schedule.enabled:
        typer.echo(
            "nothing scheduled: set SHOPBOT_RECOMMENDER_REFRESH_MINUTES "
            "and/or SHOPBOT_RECOMMENDER_RETRAIN_HOUR"
        )
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The artifact on disk counts as this morning's retrain, so a restart does not retrain at once.
    started = utcnow()
    job_worker = Worker(get_engine(), schedule, last_retrain=None if once else started)
    while True:
        done = job_worker.tick()
        if done is not None:
            typer.echo(f"{done[0]}: {done[1] or 'skipped (nothing changed)'}")
        if once:
            return
        time.sleep(poll_seconds)
