"""The two container images hold every module their servers import (no Docker daemon needed).

Issue 18: deploy/Dockerfile.rasa copied neither bot/nlu_components.py (the NLU pipeline names
it) nor bot/action_response_validation.py (imported by the REST channel), so the image could not
start. This test reads what the servers load, the way they load it, and checks each file against
the images' COPY lines:

* Rasa: the custom components named in bot/config.yml (pipeline and policies), the custom
  channels in bot/credentials.yml, the custom stores in the endpoints files and the Helm values,
  plus every first-party module those import (Rasa's working directory /app is on sys.path, and
  the image's PYTHONPATH=/ finds `shop.privacy` at /shop).
* The action server: the `actions` package and `rasa_sdk_plugins` (rasa-sdk imports both from
  its working directory), plus every first-party module they import.

So a new component in config.yml (a featurizer module in bot/, say) fails here until the image
copies it.
"""

from __future__ import annotations

import ast
import fnmatch
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from shopbot.serve import BOT_DIR, REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
RASA_WORKDIR = PurePosixPath("/app")
#: Top-level packages of this repository that a server may import (pyproject's package list).
FIRST_PARTY = ("shop", "search", "recommender", "actions", "shopbot", "web", "rasa_sdk_plugins")


# --- what the images contain ---------------------------------------------------------------------
@dataclass(frozen=True)
class Copy:
    sources: tuple[str, ...]
    destination: str


def copy_instructions(dockerfile: Path) -> Iterator[Copy]:
    text = dockerfile.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if not words or words[0].upper() != "COPY":
            continue
        args = [w for w in words[1:] if not w.startswith("--")]
        yield Copy(tuple(args[:-1]), args[-1])


def image_files(dockerfile: Path, workdir: PurePosixPath) -> dict[PurePosixPath, Path]:
    """Image path -> repository file, for every file the COPY lines put into the image."""
    files: dict[PurePosixPath, Path] = {}
    ignored = _dockerignore()
    for copy in copy_instructions(dockerfile):
        destination = workdir / copy.destination
        for pattern in copy.sources:
            matches = sorted(REPO_ROOT.glob(pattern)) if pattern not in (".", "./") else [REPO_ROOT]
            into_directory = copy.destination.endswith("/") or len(copy.sources) > 1 or "*" in pattern
            for source in matches:
                if source.is_dir():
                    for path in source.rglob("*"):
                        if path.is_file() and not ignored(path):
                            files[destination / path.relative_to(source).as_posix()] = path
                elif not ignored(source):
                    files[destination / source.name if into_directory else destination] = source
    return files


def _dockerignore():  # type: ignore[no-untyped-def]
    path = REPO_ROOT / ".dockerignore"
    patterns = (
        [p.strip() for p in path.read_text().splitlines() if p.strip() and not p.startswith("#")]
        if path.exists()
        else []
    )

    def ignored(file: Path) -> bool:
        relative = file.relative_to(REPO_ROOT).as_posix()
        parts = relative.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        return any(fnmatch.fnmatch(prefix, p.strip("/")) for p in patterns for prefix in prefixes)

    return ignored


# --- what the servers import ---------------------------------------------------------------------
def module_file(name: str, roots: Iterable[Path]) -> Path | None:
    for root in roots:
        base = root.joinpath(*name.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def imported_names(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = path.parent.relative_to(REPO_ROOT).as_posix().replace("/", ".")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def first_party_closure(modules: Iterable[str], roots: list[Path]) -> set[Path]:
    """The files of `modules` and of every first-party module they import, parents included."""
    seen: set[Path] = set()
    pending = list(modules)
    while pending:
        name = pending.pop()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # a module's packages are imported first
            path = module_file(".".join(parts[:i]), roots)
            if path is None or path in seen:
                continue
            if path.is_relative_to(BOT_DIR) or path.relative_to(REPO_ROOT).parts[0] in FIRST_PARTY:
                seen.add(path)
                pending.extend(imported_names(path))
    return seen


def _dotted(value: object) -> str | None:
    """'nlu_components.RegexEntityPriority' -> 'nlu_components' (a class in a custom module)."""
    if isinstance(value, str) and "." in value and " " not in value and "/" not in value:
        return value.rsplit(".", 1)[0]
    return None


def _walk(node: object) -> Iterator[tuple[object, object]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def rasa_custom_modules() -> set[str]:
    config = yaml.safe_load((BOT_DIR / "config.yml").read_text())
    modules = {_dotted(c.get("name")) for c in [*config.get("pipeline", []), *config.get("policies", [])]}
    for name in ("credentials.yml", "endpoints.yml", "endpoints.prod.yml"):
        for key, value in _walk(yaml.safe_load((BOT_DIR / name).read_text()) or {}):
            modules.add(_dotted(key) if name == "credentials.yml" else None)
            if key == "type":
                modules.add(_dotted(value))
    values = yaml.safe_load((DEPLOY / "values-rasa.yaml").read_text())
    for key, value in _walk(values):
        if key == "additionalChannelCredentials" and isinstance(value, dict):
            modules.update(_dotted(k) for k in value)
        if key == "type":
            modules.add(_dotted(value))
    return {m for m in modules if m}


def rasa_image_path(path: Path) -> PurePosixPath:
    """Where a module must be in the Rasa image to be importable: bot/X at /app/X, and the
    repository's packages at /app/.. (= /), which deploy/Dockerfile.rasa puts on PYTHONPATH."""
    if path.is_relative_to(BOT_DIR):
        return RASA_WORKDIR / path.relative_to(BOT_DIR).as_posix()
    return RASA_WORKDIR.parent / path.relative_to(REPO_ROOT).as_posix()


# --- the tests -------------------------------------------------------------------------------------
def test_the_rasa_config_names_the_custom_modules_this_test_follows():
    modules = rasa_custom_modules()
    assert {"nlu_components", "resilient_rest", "atomic_lock_store"} <= modules
    needed = first_party_closure(modules, [BOT_DIR, REPO_ROOT])
    assert BOT_DIR / "action_response_validation.py" in needed  # imported by resilient_rest
    assert REPO_ROOT / "shop" / "privacy.py" in needed


def test_the_rasa_image_holds_every_module_rasa_imports():
    in_image = image_files(DEPLOY / "Dockerfile.rasa", RASA_WORKDIR)
    needed = first_party_closure(rasa_custom_modules(), [BOT_DIR, REPO_ROOT])
    missing = sorted(
        f"{p.relative_to(REPO_ROOT)} (at {rasa_image_path(p)})"
        for p in needed
        if rasa_image_path(p) not in in_image
    )
    assert not missing, "deploy/Dockerfile.rasa does not copy: " + ", ".join(missing)
    assert "ENV PYTHONPATH=/\n" in (DEPLOY / "Dockerfile.rasa").read_text()  # shop/ is found at /shop
    assert RASA_WORKDIR / "config.yml" in in_image and RASA_WORKDIR / "credentials.yml" in in_image


def test_the_rasa_image_copies_the_trained_model():
    copies = list(copy_instructions(DEPLOY / "Dockerfile.rasa"))
    assert any("bot/models/" in c.sources and c.destination == "/app/models/" for c in copies)


def test_the_action_image_holds_every_module_the_action_server_imports():
    workdir = PurePosixPath("/srv/shopbot")
    dockerfile = (DEPLOY / "Dockerfile.actions").read_text()
    assert f"WORKDIR {workdir}" in dockerfile
    in_image = image_files(DEPLOY / "Dockerfile.actions", workdir)
    # rasa-sdk's `--actions actions` imports every module of the package (register_package).
    actions = [f"actions.{p.stem}" for p in (REPO_ROOT / "actions").glob("*.py")]
    needed = first_party_closure([*actions, "rasa_sdk_plugins"], [REPO_ROOT])
    assert REPO_ROOT / "shop" / "orders.py" in needed and REPO_ROOT / "search" / "engine.py" in needed
    missing = sorted(
        str(p.relative_to(REPO_ROOT))
        for p in needed
        if workdir / p.relative_to(REPO_ROOT).as_posix() not in in_image
    )
    assert not missing, "deploy/Dockerfile.actions does not copy: " + ", ".join(missing)
    # `pip install .` installs the same packages (pyproject's list) for anything run elsewhere.
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    top_level = {p.relative_to(REPO_ROOT).parts[0] for p in needed}
    assert all(f'"{package}*"' in pyproject for package in top_level), top_level


def test_the_copy_reader_sees_a_file_left_out():
    """The checker itself: a Dockerfile without nlu_components.py is caught."""
    broken = DEPLOY.parent / "var" / "Dockerfile.broken"
    broken.parent.mkdir(exist_ok=True)
    broken.write_text(
        "FROM rasa/rasa:3.6.21\n"
        "COPY --chown=1001 bot/config.yml bot/credentials.yml bot/atomic_lock_store.py \\\n"
        "     bot/resilient_rest.py /app/\n"
    )
    try:
        in_image = image_files(broken, RASA_WORKDIR)
    finally:
        broken.unlink()
    assert RASA_WORKDIR / "resilient_rest.py" in in_image
    assert RASA_WORKDIR / "nlu_components.py" not in in_image
