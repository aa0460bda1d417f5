"""Parse every message of the realistic corpus with the trained model, as the server would.

    cd bot && ../.venv-rasa/bin/python tests/nlu/realistic/parse.py \
        --out ../var/rasa-test/realistic/predictions.json

Runs in Rasa's environment (Python 3.10). Unlike `rasa test nlu`, which undoes the
FallbackClassifier's verdict before writing its files, this keeps the final prediction the
assistant acts on: `nlu_fallback` from the confidence threshold *and* the ambiguity threshold,
and whatever intent a custom component (language detection) set. It writes one JSON list in
the shape of Rasa's intent_successes.json (`text`, `intent` = label, `intent_prediction`) plus
the top of `intent_ranking`; `shopbot nlu realistic DIR` reads it in preference to Rasa's
files. Rasa loads only .yml/.json from this folder, so this file is not mistaken for data.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
BOT_DIR = HERE.parents[2]


def corpus_messages(directory: Path) -> list[tuple[str, str]]:
    """(text, label) of every example in the corpus files."""
    messages = []
    for path in sorted(directory.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    messages.append((line.strip()[2:].strip(), block["intent"]))
    return messages


async def parse_all(model: str, messages: list[tuple[str, str]]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    results = []
    for text, label in messages:
        parsed = await agent.parse_message(text)
        intent = parsed.get("intent") or {}
        results.append(
            {
                "text": text,
                "intent": label,
                "intent_prediction": {
                    "name": intent.get("name") or "",
                    "confidence": float(intent.get("confidence") or 0.0),
                },
                "intent_ranking": [
                    {"name": r.get("name"), "confidence": float(r.get("confidence") or 0.0)}
                    for r in (parsed.get("intent_ranking") or [])[:3]
                ],
            }
        )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(BOT_DIR / "models"), help="model file or folder")
    parser.add_argument("--corpus", type=Path, default=HERE)
    parser.add_argument("--out", type=Path, required=True, help="predictions.json to write")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(BOT_DIR))  # custom components (nlu_components.py, ...) live there
    from rasa.model import get_local_model

    model = get_local_model(args.model)
    messages = corpus_messages(args.corpus)
    started = time.perf_counter()
    results = asyncio.run(parse_all(model, messages))
    elapsed = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(results)} messages parsed with {Path(model).name} in {elapsed:.1f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
