"""`shopbot import`: the shop's own data, from our files or from the platforms' exports.

    report = import_files(engine, ["products_export.csv", "orders_export.csv"])

Files are detected (`shop.importing.sources`), read as streams of records in our schema
(`rows`, `shopify`, `woocommerce`), validated row by row and written in batches
(`writer`) inside ONE transaction: products first, then customers, orders, shipments,
returns and refunds, so every reference can resolve against what the same import wrote.
Every bad row is collected with its file, line and reason; if there is any, or on a dry run,
the transaction is rolled back and nothing is written. Importing the same files again
changes nothing. Schema: data/shop-data-schema.md; platform mapping: data/platform-imports.md.

May be imported by `shopbot/` (the command and what follows an import) and tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from shop.catalog_rows import RowChecker
from shop.db import session_factory
from shop.importing.rows import VALIDATORS
from shop.importing.sources import FAMILIES, Source, detect, read
from shop.importing.writer import KINDS, KindCounts, ShopDataWriter, WriteLog
from shop.rowfiles import FileProblem, RowError

__all__ = [
    "FAMILIES",
    "KINDS",
    "FileProblem",
    "ImportReport",
    "KindCounts",
    "Source",
    "detect",
    "import_files",
]

BATCH_SIZE = 1000


@dataclass
class ImportReport:
    sources: list[Source]
    counts: dict[str, KindCounts]
    errors: list[tuple[str, RowError]] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def written(self) -> bool:
        """True when the import was committed (no bad row, not a dry run)."""
        return not self.errors and not self.dry_run

    @property
    def products_changed(self) -> bool:
        return self.counts["products"].changed > 0

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.counts.values())


class _Rollback(Exception):
    pass


def import_files(
    engine: Engine,
    paths: Sequence[str | Path],
    *,
    family: str = "auto",
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import every file in one transaction; all rows of all files, or none.

    Raises `FileProblem` for a file that is missing, unreadable or of unknown kind (before
    anything is read); bad rows are not raised but listed in the report, which then says
    `written=False`. `progress` is called with the number of records read so far.
    """
    started = time.perf_counter()
    sources = sorted((detect(p, family) for p in paths), key=lambda s: KINDS.index(s.kind))
    log = WriteLog()
    session = session_factory(engine)()
    read_so_far = 0
    try:
        with session.begin():
            writer = ShopDataWriter(session, log)
            products = RowChecker()
            for source in sources:
                pending: dict[str, list] = {}
                size = 0
                seen_rows = False
                for kind, item in read(source):
                    read_so_far += 1
                    if isinstance(item, RowError):
                        log.reject(source.path, kind, item)
                        continue
                    seen_rows = True
                    line, raw = item
                    row = products.check(line, raw) if kind == "products" else VALIDATORS[kind](raw, line)
                    if isinstance(row, RowError):
                        log.reject(source.path, kind, row)
                        continue
                    pending.setdefault(kind, []).append(row)
                    size += 1
                    if size >= batch_size:
                        _flush(writer, source.path, pending)
                        size = 0
                        if progress:
                            progress(read_so_far)
                _flush(writer, source.path, pending)
                if not seen_rows and not any(path == source.path for path, _ in log.errors):
                    log.reject(source.path, source.kind, RowError(line=1, reason="the file holds no rows"))
            writer.finish()
            if progress:
                progress(read_so_far)
            if log.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    finally:
        session.close()
    log.errors.sort(key=lambda e: (e[0], e[1].line))
    return ImportReport(
        sources=sources,
        counts=log.counts,
        errors=log.errors,
        dry_run=dry_run,
        seconds=time.perf_counter() - started,
    )


def _flush(writer: ShopDataWriter, path: str, pending: dict[str, list]) -> None:
    for kind in KINDS:
        rows = pending.pop(kind, None)
        if rows:
            writer.write(path, kind, rows)
