"""The floors of the house, read from the source: which package may import which.

    shopbot/  (composition: CLI, supervisor)          may import every package below
    actions/  web/  bot/                               the edges: Rasa actions, HTTP, Rasa plugins
    search/  recommender/  analytics/                  libraries on top of the shop
    shop/                                              the domain and its data; imports none of ours

Each folder's README repeats its line of this table. The test parses every module's imports
(no module is executed), so it also catches imports inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

#: Our top-level packages and the ones each may import (besides itself).
MAY_IMPORT: dict[str, set[str]] = {
    "shop": set(),
    "search": {"shop"},
    "recommender": {"shop"},
    "analytics": {"shop"},
    "actions": {"shop", "search", "recommender", "analytics"},
    "web": {"shop", "analytics"},
    "bot": {"shop"},
    "rasa_sdk_plugins": {"actions"},
    "shopbot": {"shop", "search", "recommender", "analytics", "actions", "web"},
}
#: Frameworks that stay at the edges: actions are adapters and never talk SQL themselves.
FORBIDDEN_LIBRARIES: dict[str, set[str]] = {"actions": {"sqlalchemy"}}


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def modules_of(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_a_package_imports_only_the_floors_below_it(package: str) -> None:
    ours = set(MAY_IMPORT)
    wrong = []
    for path in modules_of(package):
        for name in sorted(imported_top_levels(path) & ours - {package} - MAY_IMPORT[package]):
            wrong.append(f"{path.relative_to(REPO)} imports {name}")
    assert wrong == []


@pytest.mark.parametrize("package", sorted(FORBIDDEN_LIBRARIES))
def test_the_actions_import_no_sqlalchemy(package: str) -> None:
    wrong = [
        f"{path.relative_to(REPO)} imports {name}"
        for path in modules_of(package)
        for name in sorted(imported_top_levels(path) & FORBIDDEN_LIBRARIES[package])
    ]
    assert wrong == []


def test_the_shop_reaches_neither_search_nor_the_recommender() -> None:
    arrows = [
        f"{path.relative_to(REPO)} imports {name}"
        for path in modules_of("shop")
        for name in sorted(imported_top_levels(path) & {"search", "recommender"})
    ]
    assert arrows == []


def test_every_top_level_package_has_a_rule_and_a_readme() -> None:
    packages = {p.parent.name for p in REPO.glob("*/__init__.py")} - {"tests"}
    assert packages <= set(MAY_IMPORT), "a new package needs its line in MAY_IMPORT"
    assert [p for p in sorted(packages) if not (REPO / p / "README.md").exists()] == []
