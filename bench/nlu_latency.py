"""NLU parse latency in-process: the trained Rasa model, one message at a time.

    cd bot && ../.venv-rasa/bin/python ../bench/nlu_latency.py [--model models] [--limit 1000]

Runs in Rasa's environment (Python 3.10). Loads the latest model in bot/models, warms it up,
then parses the messages of the realistic corpus (bot/tests/nlu/realistic, timing only: nothing
is tuned on it) one by one, as the server does for each incoming message, and prints p50, p95,
p99 and max in milliseconds. As the baseline in the same run, the sentence encoder alone
(tokenizer + ONNX all-MiniLM-L6-v2 + pooling, bot/nlu_sentence_features.py) is timed on the
same messages, so its share of the parse is visible.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

BOT_DIR = Path(__file__).resolve().parent.parent / "bot"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(name: str, values: list[float]) -> str:
    return (
        f"| {name} | {len(values)} | {statistics.median(values):.1f} | {percentile(values, 0.95):.1f}"
        f" | {percentile(values, 0.99):.1f} | {max(values):.1f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(BOT_DIR / "models"))
    parser.add_argument("--limit", type=int, default=1000, help="messages to parse")
    args = parser.parse_args()
    sys.path.insert(0, str(BOT_DIR))
    sys.path.insert(0, str(BOT_DIR / "tests" / "nlu" / "realistic"))
    from nlu_sentence_features import SentenceEncoder, resolve_model_dir
    from parse import corpus_messages  # bot/tests/nlu/realistic/parse.py
    from rasa.core.agent import Agent
    from rasa.model import get_local_model

    texts = [text for text, _ in corpus_messages(BOT_DIR / "tests" / "nlu" / "realistic")]
    step = max(1, len(texts) // args.limit)
    texts = texts[::step][: args.limit]
    agent = Agent.load(get_local_model(args.model))

    async def parse_all() -> list[float]:
        for text in texts[:20]:  # warm-up
            await agent.parse_message(text)
        timings = []
        for text in texts:
            started = time.perf_counter()
            await agent.parse_message(text)
            timings.append((time.perf_counter() - started) * 1000)
        return timings

    parse = asyncio.run(parse_all())
    encoder = SentenceEncoder(resolve_model_dir(None), threads=2)
    encoder.encode(texts[:20])
    encode = []
    for text in texts:
        started = time.perf_counter()
        encoder.encode([text])
        encode.append((time.perf_counter() - started) * 1000)
    print(f"model {Path(get_local_model(args.model)).name}, load average {os.getloadavg()[0]:.1f}")
    print("| step | messages | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|")
    print(summary("whole NLU parse (agent.parse_message)", parse))
    print(summary("sentence encoder alone (baseline share)", encode))
    return 0


if __name__ == "__main__":
    sys.exit(main())
