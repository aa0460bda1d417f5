"""What follows an import: the layers above the shop catch up with the data.

`shop/` imports files into the database and knows nothing of search, the recommender or Rasa;
this module composes them after an import that changed the catalog:

- search re-indexes what changed (`search.index.rebuild_from_database`: only products whose
  text changed are re-encoded; a running action server swaps the new index in by itself);
- the recommender scores the new products at once from their metadata (`refresh_catalog`, or a
  fresh load for a process that holds none; running action servers re-read the catalog when
  `shop.catalog.catalog_version` changes, within 30 s);
- the NLU lookup tables (brands, colours, sizes, product types) are written again from the
  catalog, with a note to retrain the Rasa model when they changed.

Each step reports what it did as one `FollowUp`; a step that fails does not undo the import (it
is committed) and says which command finishes the job.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine


@dataclass(frozen=True)
class FollowUp:
    """One step after an import: what it did, or why it could not, and how to finish by hand."""

    step: str
    message: str
    ok: bool = True


def reindex_search(engine: Engine) -> FollowUp:
    from search.index import rebuild_from_database

    try:
        report = rebuild_from_database(engine)
    except Exception as error:  # noqa: BLE001 - the import itself is committed; say how to finish
        return FollowUp(
            "search",
            f"imported, but the search index was not rebuilt ({error}): run `shopbot search build`",
            ok=False,
        )
    return FollowUp("search", report.describe())


def refresh_recommender(engine: Engine, recommender: Any | None = None) -> FollowUp:
    """Score the catalog's products, new ones from their metadata, without retraining.

    `recommender` is a loaded `recommender.serving.Recommender` to refresh in place (an action
    server's, a test's); without one the current artifact is loaded over `engine`.
    """
    from recommender.artifact import ArtifactError
    from recommender.serving import Recommender

    try:
        if recommender is None:
            recommender = Recommender.load(engine=engine)
        else:
            recommender.refresh_catalog()
    except ArtifactError as error:
        return FollowUp("recommender", f"recommender: not trained yet ({error})", ok=False)
    known = set(recommender.artifact.item_index)
    products = [int(pid) for pid in recommender.catalog_product_ids()]
    new = sum(1 for pid in products if pid not in known)
    return FollowUp(
        "recommender",
        f"recommender: {len(products):,} products can be recommended, {new:,} of them new since training "
        "(scored from their metadata); running action servers re-read the catalog within 30 s",
    )


def regenerate_lookups(engine: Engine, output: Path | None = None) -> FollowUp:
    """Write the NLU lookup tables from the catalog; say when the Rasa model should be retrained."""
    from shopbot.lookups import OUTPUT, write_lookups

    try:
        changed = write_lookups(output or OUTPUT, engine)
    except Exception as error:  # noqa: BLE001 - the import is committed; say how to finish
        return FollowUp(
            "lookups", f"the NLU lookup tables were not written ({error}): run `shopbot nlu lookups`", False
        )
    if changed:
        return FollowUp(
            "lookups",
            "the NLU lookup tables changed: retrain the Rasa model (`make rasa-model`, or `make run`)",
        )
    return FollowUp("lookups", "the NLU lookup tables are unchanged: the Rasa model needs no retraining")


def follow_import(
    engine: Engine,
    *,
    products_changed: bool,
    reindex: bool = True,
    recommender: Any | None = None,
    lookups_output: Path | None = None,
) -> list[FollowUp]:
    """Everything that follows an import that changed products (nothing when none changed)."""
    if not products_changed:
        return []
    steps = [reindex_search(engine)] if reindex else []
    steps.append(refresh_recommender(engine, recommender))
    steps.append(regenerate_lookups(engine, lookups_output))
    return steps
