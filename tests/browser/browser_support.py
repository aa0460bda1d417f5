"""Runs the JavaScript browser scenarios (node --test + playwright-core) for pytest."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

BROWSER_DIR = Path(__file__).resolve().parent
REPO_ROOT = BROWSER_DIR.parents[1]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def run_scenarios(script: str, env: dict[str, str], timeout: float = 420) -> None:
    """Run one file of browser scenarios; fail with node's report if any scenario fails."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["node", "--test", "--test-reporter=spec", script],
        cwd=BROWSER_DIR,
        env={**os.environ, "ARTIFACTS_DIR": str(ARTIFACTS_DIR), "CHROMIUM": CHROMIUM, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    report = result.stdout + result.stderr
    (ARTIFACTS_DIR / f"{Path(script).stem}.log").write_text(report)
    assert result.returncode == 0, f"browser scenarios failed ({script}):\n{report[-12000:]}"
