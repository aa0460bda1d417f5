"""The shop's HTML pages, assembled once from web/static/ with the parts they share.

A page names a shared part with `<!--#include NAME -->` (the chat widget's markup, the shop
header of the cart and checkout pages), and the part lives in web/static/partials/NAME.html, so
the markup the widget script expects exists in one place.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sanic.response import HTTPResponse, raw

INCLUDE = re.compile(r"^[ \t]*<!--#include ([a-z-]+) -->\n", re.M)


@cache
def page_html(path: Path) -> bytes:
    """The page at `path` with its includes filled in (an unknown part is a bug: it raises)."""
    partials = path.parent / "partials"

    def part(match: re.Match[str]) -> str:
        return (partials / f"{match.group(1)}.html").read_text(encoding="utf-8")

    return INCLUDE.sub(part, path.read_text(encoding="utf-8")).encode()


def page(path: Path) -> HTTPResponse:
    return raw(page_html(path), content_type="text/html; charset=utf-8")
