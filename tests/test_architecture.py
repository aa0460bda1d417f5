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


# --- the README describes the tree it stands in ------------------------------------------------------
README = REPO / "README.md"


def _readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _committed_top_level_folders() -> set[str]:
    import subprocess

    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    return {name.split("/", 1)[0] for name in listed.decode().split("\0") if "/" in name}


def test_the_readme_folder_table_lists_every_top_level_folder() -> None:
    table = _readme_section("How it fits together")
    missing = sorted(f for f in _committed_top_level_folders() if f"| `{f}/` |" not in table)
    assert missing == []
    assert "shop/migrations/alembic.ini" in table and (REPO / "shop/migrations/alembic.ini").is_file()


def test_every_folder_readme_says_who_may_import_it() -> None:
    folders = sorted(_committed_top_level_folders())
    silent = [f for f in folders if "## Who may import this" not in _read(REPO / f / "README.md")]
    assert silent == []


def test_the_readme_counts_the_intents_of_the_domain() -> None:
    import re

    import yaml

    intents: set[str] = set()
    for path in sorted((REPO / "bot" / "domain").glob("*.yml")):
        for intent in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents") or []:
            intents.add(intent if isinstance(intent, str) else next(iter(intent)))
    counts = {int(n) for n in re.findall(r"(\d+) intents\b", README.read_text(encoding="utf-8"))}
    assert counts == {len(intents)}


def test_the_readme_says_why_each_dependency_is_there() -> None:
    import re
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *sum(project["optional-dependencies"].values(), [])]
    wanted += [
        line.strip()
        for line in (REPO / "bot" / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    table = _readme_section("Dependencies, and why each is there").lower()
    names = {re.split(r"[<>=!~\[ ;]", spec.strip(), maxsplit=1)[0].lower() for spec in wanted}
    unexplained = sorted(n for n in names if not re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", table))
    assert unexplained == []


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""
