"""What follows an import: the layers above the shop catch up with the data.

`shop/` imports files into the database and knows nothing of search or the recommender; this
module composes the layers after an import that changed something:

- search re-indexes what changed (`search.index.rebuild_from_database`: only products whose
  text changed are re-encoded; a running action server swaps the new index in by itself);

Each step reports what it did as one line; a step that fails does not undo the import (it is
committed) and says which command finishes the job.
"""

from __future__ import annotations

from dataclasses import dataclass

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
