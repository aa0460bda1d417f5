"""The action server's long-lived services: loaded once, replaced when a newer build lands on disk."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from actions.services import LazyService


def wait_for(condition, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


@pytest.fixture
def build_file(tmp_path: Path) -> Path:
    """Stands for an index or a model on disk: its text is the build."""
    path = tmp_path / "build.txt"
    path.write_text("build 1")
    return path


def service_over(build_file: Path, loads: list[str]) -> LazyService[str]:
    def load() -> str:
        text = build_file.read_text()
        if text == "corrupt":
            raise ValueError("unreadable build")
        loads.append(text)
        return text

    return LazyService("test service", load, version=build_file.read_text, recheck_seconds=0)


def test_a_service_is_loaded_once_and_shared_while_its_build_is_unchanged(build_file: Path) -> None:
    loads: list[str] = []
    service = service_over(build_file, loads)

    assert [service.get() for _ in range(5)] == ["build 1"] * 5
    assert loads == ["build 1"]


def test_a_newer_build_on_disk_replaces_the_loaded_one_without_a_restart(build_file: Path) -> None:
    loads: list[str] = []
    service = service_over(build_file, loads)
    assert service.get() == "build 1"

    build_file.write_text("build 2")
    first = service.get()  # the old build keeps serving while the new one loads

    assert first in {"build 1", "build 2"}
    assert wait_for(lambda: service.get() == "build 2")
    assert loads == ["build 1", "build 2"]


def test_a_newer_build_that_cannot_be_loaded_leaves_the_old_one_serving(build_file: Path) -> None:
    loads: list[str] = []
    service = service_over(build_file, loads)
    assert service.get() == "build 1"

    build_file.write_text("corrupt")
    service.get()
    time.sleep(0.2)

    assert service.get() == "build 1"
    build_file.write_text("build 3")
    assert wait_for(lambda: service.get() == "build 3")


def test_an_installed_instance_is_never_replaced_by_a_build_on_disk(build_file: Path) -> None:
    loads: list[str] = []
    service = service_over(build_file, loads)
    service.set("installed by a test")

    build_file.write_text("build 2")
    service.get()
    time.sleep(0.2)

    assert service.get() == "installed by a test" and loads == []


def test_a_service_that_cannot_load_reports_itself_missing(tmp_path: Path) -> None:
    def load() -> str:
        raise FileNotFoundError("no index built yet")

    assert LazyService("missing", load).get() is None
