"""Reading import files row by row: CSV (with a header) or JSON Lines, streamed, with line numbers.

Every import (the catalog, the shop's data, the platforms' exports) reads its file through
here, so the rules are the same everywhere: UTF-8 (a byte-order mark is fine), RFC 4180 CSV
whose header names the columns, or one JSON object per line; blank lines are skipped but
counted; each record carries the physical line where it starts (1 = the CSV header). Nothing
is read into memory as a whole: a 200,000-order file is a stream of small dicts.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

RowFormat = Literal["csv", "jsonl"]
#: A record: the line it starts on and its fields by name (CSV cells are text).
Record = tuple[int, dict[str, Any]]
# Product descriptions with HTML in a cell can be long; the default limit (128 KiB) is too small.
csv.field_size_limit(16 * 1024 * 1024)


@dataclass(frozen=True)
class RowError:
    """A bad row: where it starts, why it is bad, and its key (a SKU, an order number) if known."""

    line: int
    reason: str
    sku: str | None = None

    @property
    def key(self) -> str | None:
        return self.sku

    def __str__(self) -> str:
        where = f"line {self.line}" + (f" ({self.sku})" if self.sku else "")
        return f"{where}: {self.reason}"


class FileProblem(Exception):
    """The file itself is unusable: missing, unreadable, not UTF-8, or of unknown format."""


def detect_format(name: str) -> RowFormat | None:
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".jsonl", ".ndjson", ".jsonlines")):
        return "jsonl"
    return None


@contextmanager
def open_text(path: str | Path) -> Iterator[TextIO]:
    """The file as UTF-8 text; every way it can be unusable becomes a `FileProblem` naming it."""
    name = str(path)
    try:
        stream = Path(name).open(encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise FileProblem(f"{name}: no such file") from None
    except IsADirectoryError:
        raise FileProblem(f"{name}: is a directory, not a data file") from None
    except OSError as error:
        raise FileProblem(f"{name}: cannot read ({error.strerror})") from None
    try:
        yield stream
    except UnicodeDecodeError as error:
        raise FileProblem(f"{name}: not UTF-8 text (byte {error.start} of a block)") from None
    finally:
        stream.close()


def csv_header(stream: TextIO) -> list[str]:
    """The header's column names (stripped); the stream is left after the header."""
    try:
        return [name.strip() for name in next(csv.reader([stream.readline()]))]
    except (StopIteration, csv.Error):
        return []


def csv_records(
    stream: TextIO,
    *,
    fields: Collection[str] | None = None,
    required: Collection[str] = (),
) -> Iterator[Record | RowError]:
    """Each data row as a dict by column name, or a RowError; `fields` (if given) limits the columns."""
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        yield RowError(line=1, reason="the file is empty (expected a header line)")
        return
    except csv.Error as error:
        yield RowError(line=1, reason=f"bad CSV: {error}")
        return
    names = [name.strip() for name in header]
    problems = []
    unknown = [name for name in names if fields is not None and name not in fields]
    missing = [name for name in required if name not in names]
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}")
    if missing:
        problems.append(f"missing required column(s) {', '.join(missing)}")
    if len(set(names)) != len(names):
        problems.append("a column name appears twice")
    if problems:
        yield from (RowError(line=1, reason=reason) for reason in problems)
        return
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield RowError(line=start, reason=f"bad CSV: {error}")
            return
        if cells and any(cell.strip() for cell in cells):
            if len(cells) != len(names):
                yield RowError(line=start, reason=f"expected {len(names)} fields, found {len(cells)}")
            else:
                yield start, dict(zip(names, cells, strict=True))
        start = reader.line_num + 1


def printable(value: str) -> str:
    """`value` safe to print and store in a report: lone surrogates become escapes."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def parse_json_line(line: str) -> tuple[Any, str | None]:
    """(the line's JSON value, None) or (None, the reason it is not JSON we can read)."""
    try:
        return json.loads(line), None
    except json.JSONDecodeError as error:
        return None, f"bad JSON: {error.msg} (column {error.colno})"
    except RecursionError:
        return None, "bad JSON: nested too deeply"
    except ValueError:  # an integer of more digits than Python converts
        return None, "bad JSON: a number too long"


def jsonl_records(
    stream: TextIO, *, fields: Collection[str] | None = None, key: str | None = None
) -> Iterator[Record | RowError]:
    """Each line's JSON object, or a RowError; `fields` (if given) limits the keys."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        value, problem = parse_json_line(line)
        if problem:
            yield RowError(line=number, reason=problem)
            continue
        if not isinstance(value, dict):
            yield RowError(line=number, reason="bad JSON: each line must be one JSON object")
            continue
        unknown = sorted(set(value) - set(fields)) if fields is not None else []
        if unknown:
            found = value.get(key) if key else None
            yield RowError(
                line=number,
                reason=f"unknown field(s) {printable(', '.join(unknown))[:300]}",
                sku=printable(str(found))[:100] if isinstance(found, str | int) else None,
            )
            continue
        yield number, value


def records(
    stream: TextIO,
    fmt: RowFormat,
    *,
    fields: Collection[str] | None = None,
    required: Collection[str] = (),
    key: str | None = None,
) -> Iterator[Record | RowError]:
    if fmt == "csv":
        return csv_records(stream, fields=fields, required=required)
    return jsonl_records(stream, fields=fields, key=key)
