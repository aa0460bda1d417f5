"""`shopbot recommender` commands end to end, and the evaluation report, on the TINY shop."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from recommender.cli import app
from recommender.evaluate import GROUPS, METHODS, evaluate_shop, format_table, write_report
from shop.config import get_settings
from shop.db import get_engine, transaction
from shop.models import EventKind, EventSource, InteractionEvent
from tests.recommender.reco_fixtures import SMALL_CONFIG, seeded_sqlite


@pytest.fixture
def cli_shop(tmp_path, tiny_shops, monkeypatch):  # type: ignore[no-untyped-def]
    """DATABASE_URL and the model directory point at a fresh TINY shop under tmp_path."""
    engine = seeded_sqlite(tiny_shops, tmp_path / "shop.db")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'shop.db'}")
    monkeypatch.setenv("SHOPBOT_MODEL_DIR", str(tmp_path / "models"))
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield engine, tmp_path / "models" / "recommender"
    get_settings.cache_clear()
    get_engine.cache_clear()
    engine.dispose()


def run(*arguments: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(arguments), catch_exceptions=False)


def test_train_if_changed_skips_unchanged_data_and_retrains_after_new_interactions(cli_shop):
    engine, directory = cli_shop
    fast = ("--no-tune", "--epochs", "2")

    first = run("train", "--if-changed", *fast)
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in directory.glob("*.lfm")) == ["recommender-v0001.lfm"]

    second = run("train", "--if-changed", *fast)
    assert second.exit_code == 0
    assert "up to date" in second.output
    assert sorted(p.name for p in directory.glob("*.lfm")) == ["recommender-v0001.lfm"]

    with transaction(engine) as session:
        session.add(
            InteractionEvent(customer_id=2, product_id=3, kind=EventKind.CLICK, source=EventSource.CHAT)
        )
    third = run("train", "--if-changed", *fast)
    assert third.exit_code == 0
    assert (directory / "recommender-v0002.lfm").is_file()

    info = run("info")
    assert info.exit_code == 0
    header = json.loads(info.stdout)
    assert header["version"] == 2 and header["config"]["epochs"] == 2

    shown = run("recommend", "1", "-k", "3")
    assert shown.exit_code == 0
    assert "Because you" in shown.stdout
    together = run("together", "1", "-k", "2")
    assert together.exit_code == 0 and "Often bought with" in together.stdout

    refreshed = run("refresh", "--epochs", "1")
    assert refreshed.exit_code == 0
    assert (directory / "recommender-v0003.lfm").is_file()


def test_commands_refuse_a_corrupt_artifact_with_its_reason_and_no_traceback(cli_shop):
    _, directory = cli_shop
    assert run("train", "--no-tune", "--epochs", "1").exit_code == 0
    path = directory / "recommender-v0001.lfm"
    path.write_bytes(path.read_bytes()[:-10])

    result = run("recommend", "1")
    assert result.exit_code == 1
    assert "corrupt" in result.output
    assert "Traceback" not in result.output


def test_evaluation_reports_every_method_for_all_cold_and_newcomer_customers(trained_shop, tmp_path):
    report = evaluate_shop(trained_shop.data, SMALL_CONFIG.replace(tune_blend=True), test_days=60)

    assert set(report.methods) == set(METHODS)
    assert report.split["test_users"] > 0
    for groups in report.methods.values():
        assert set(groups) == set(GROUPS)
        for metrics in groups.values():
            for name in ("precision@10", "recall@10", "ndcg@10", "hit_rate", "coverage"):
                assert 0.0 <= metrics[name] <= 1.0
    assert report.methods["served"]["all"]["users"] == report.split["test_users"]
    assert report.blend["validation"]["warm"]["users"] > 0
    assert set(report.beats_every_baseline()) == set(GROUPS)

    path = write_report(report, tmp_path)
    assert json.loads(path.read_text())["methods"].keys() == report.methods.keys()
    assert path.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| served | all |" in format_table(report)
