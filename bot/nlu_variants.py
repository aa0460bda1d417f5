"""Write bot/data/nlu/variants/<topic>.yml: surface variants of the hand-written NLU examples.

Shoppers wrap the same request in greetings, apologies and thanks, write in lower case without
punctuation, shout, and mistype. The hand-written examples in bot/data/nlu/<topic>.yml carry
the meaning; this script adds, deterministically (fixed seed), variants of them with such
surface changes until every intent has at least `--min` examples (hand-written + variants):
an opener ("hi,", "sorry to bother you but"), a closer ("thanks", "asap"), one or two typos
(a dropped, doubled or swapped letter, a neighbouring key), lower case without punctuation, or
capitals. Entity annotations ("[100234](order_number)") are never changed. Short answers
(yes/no, thanks, the bare answers a form asks for) get typos and case changes only.

    .venv/bin/python bot/nlu_variants.py            # rewrite bot/data/nlu/variants/
    .venv/bin/python bot/nlu_variants.py --check    # exit 1 when the files are not current
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

import yaml

NLU_DIR = Path(__file__).resolve().parent / "data" / "nlu"
OUT_DIR = NLU_DIR / "variants"
#: Topic files this script reads.
TOPICS = (
    *("basics", "orders", "returns", "support", "shopping", "cart"),
    *("advice", "account", "privacy", "out_of_scope"),
)
SEED = 17
DEFAULT_MIN = 160

#: Intents whose messages are short answers: no openers or closers, only typos and case.
SHORT = {"affirm", "deny", "inform", "greet", "goodbye", "thank", "stop"}
OPENERS = (
    "hi,", "hello,", "hey,", "hi there,", "good morning,", "hello again,", "excuse me,",
    "sorry to bother you but", "quick question:", "um", "ok so", "hey there, quick one:",
    "hi, hope you can help.", "Hello. I have a question.", "hi team,", "yo", "dear shop,",
    "so", "right,", "please help!", "I'm a regular customer.", "I tried the website first.",
    "my english is not so good, sorry.", "i'm on my phone so sorry for typos.",
)  # fmt: skip
CLOSERS = (
    "thanks", "thank you", "thanks in advance", "please", "pls", "plz", "asap", "?", "??",
    "!!", ":)", "cheers", "thank you very much", "if possible", "please help", "ty",
    "Kind regards.", "any help appreciated", "it's urgent", "thx",
)  # fmt: skip
KEYBOARD = {
    c: n
    for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    for i, c in enumerate(row)
    for n in [row[max(i - 1, 0)] + row[min(i + 1, len(row) - 1)]]
}
_ANNOTATION = re.compile(r"\[[^\]]*\]\([^)]*\)")
_WORD = re.compile(r"[A-Za-z]{4,}")


def _segments(text: str) -> list[tuple[str, bool]]:
    """(piece, is_annotation) pieces of an example."""
    pieces, last = [], 0
    for match in _ANNOTATION.finditer(text):
        pieces.append((text[last : match.start()], False))
        pieces.append((match.group(), True))
        last = match.end()
    pieces.append((text[last:], False))
    return [p for p in pieces if p[0]]


def _map_plain(text: str, change) -> str:
    return "".join(piece if annotated else change(piece) for piece, annotated in _segments(text))


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "double", "swap", "key"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    near = KEYBOARD.get(word[i].lower())
    return word[:i] + rng.choice(near) + word[i + 1 :] if near else word


def add_typos(text: str, rng: random.Random, count: int) -> str:
    def change(piece: str) -> str:
        words = list(_WORD.finditer(piece))
        chosen = {m.start() for m in rng.sample(words, min(count, len(words)))}
        return _WORD.sub(lambda m: _typo(m.group(), rng) if m.start() in chosen else m.group(), piece)

    return _map_plain(text, change)


def casual(text: str) -> str:
    """lower case, no end punctuation (the annotations keep their case)."""
    return _map_plain(text, lambda p: p.lower().replace("?", "").replace("!", "")).strip(" .")


def shout(text: str) -> str:
    return _map_plain(text, str.upper)


def variant(text: str, intent: str, rng: random.Random) -> str:
    short = intent in SHORT
    roll = rng.random()
    if short:
        if roll < 0.6:
            return add_typos(text, rng, 1)
        return casual(text) if roll < 0.8 else add_typos(casual(text), rng, 1)
    out = text
    if roll < 0.45:
        out = f"{rng.choice(OPENERS)} {out[0].lower() + out[1:] if not out.startswith('[') else out}"
    elif roll < 0.7:
        closer = rng.choice(CLOSERS)
        out = f"{out.rstrip('.')}{'' if closer[0] in '?!:' else ' '}{closer}"
    elif roll < 0.85:
        out = f"{rng.choice(OPENERS)} {out} {rng.choice(CLOSERS)}"
    if rng.random() < 0.5:
        out = add_typos(out, rng, rng.choice((1, 1, 2)))
    if rng.random() < 0.25:
        out = casual(out)
    elif rng.random() < 0.04:
        out = shout(out)
    return out


def read_topic(topic: str) -> list[tuple[str, list[str]]]:
    data = yaml.safe_load((NLU_DIR / f"{topic}.yml").read_text(encoding="utf-8"))
    blocks = []
    for item in data.get("nlu", []):
        if "intent" in item:
            lines = [
                line.strip()[2:] for line in item["examples"].splitlines() if line.strip().startswith("- ")
            ]
            blocks.append((item["intent"], lines))
    return blocks


_TOKEN = re.compile(r"\w+(?:'\w+)?", re.UNICODE)
_ANNOTATED = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
CORPUS_DIR = NLU_DIR.parents[1] / "tests" / "nlu" / "realistic"


def grams(text: str) -> set[tuple[str, ...]]:
    """Word 4-grams as `shopbot nlu overlap` counts them (lower case, annotations stripped)."""
    tokens = _TOKEN.findall(_ANNOTATED.sub(r"\1", text).lower())
    return {tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3)}


def near_copy_check():
    """A predicate: True for a candidate holding >= 80% of the 4-grams of a realistic-corpus
    message (bot/tests/nlu/realistic; `shopbot nlu overlap` fails on those), so that no
    generated variant is a near-copy of an evaluation message."""
    corpus = []
    for path in sorted(CORPUS_DIR.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                if line.strip().startswith("- ") and grams(line.strip()[2:]):
                    corpus.append(grams(line.strip()[2:]))
    index: dict[tuple, list[int]] = {}
    for number, message in enumerate(corpus):
        for gram in message:
            index.setdefault(gram, []).append(number)

    def near(candidate: str) -> bool:
        shared: dict[int, int] = {}
        for gram in grams(candidate):
            for number in index.get(gram, ()):
                shared[number] = shared.get(number, 0) + 1
        return any(count >= 0.8 * len(corpus[number]) for number, count in shared.items())

    return near


def build(minimum: int) -> dict[str, str]:
    """topic -> text of its variants file."""
    rng = random.Random(SEED)
    near = near_copy_check()
    blocks = {topic: read_topic(topic) for topic in TOPICS}
    seen = {line.lower() for topic in blocks.values() for _, lines in topic for line in lines}
    files = {}
    for topic, intents in blocks.items():
        out = [
            'version: "3.1"',
            f"# Generated by bot/nlu_variants.py from {topic}.yml: do not edit, edit {topic}.yml and rerun.",
            "nlu:",
        ]
        for intent, lines in intents:
            made: list[str] = []
            tries = 0
            while len(lines) + len(made) < minimum and tries < minimum * 20:
                tries += 1
                candidate = variant(lines[tries % len(lines)], intent, rng).strip()
                if (
                    candidate
                    and candidate.lower() not in seen
                    and not candidate.startswith(("#", "-", "[]"))
                    and not near(candidate)
                ):
                    seen.add(candidate.lower())
                    made.append(candidate)
            if made:
                out += [f"  - intent: {intent}", "    examples: |", *(f"      - {line}" for line in made)]
        files[topic] = "\n".join(out) + "\n"
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min", type=int, default=DEFAULT_MIN, help="examples per intent, at least")
    parser.add_argument("--check", action="store_true", help="fail when the files are not current")
    args = parser.parse_args()
    files = build(args.min)
    stale = [
        topic
        for topic, text in files.items()
        if not (OUT_DIR / f"{topic}.yml").exists() or (OUT_DIR / f"{topic}.yml").read_text() != text
    ]
    if args.check:
        if stale:
            sys.exit(f"bot/data/nlu/variants/ is not current ({', '.join(stale)}): run bot/nlu_variants.py")
        return
    OUT_DIR.mkdir(exist_ok=True)
    for topic, text in files.items():
        yaml.safe_load(text)
        (OUT_DIR / f"{topic}.yml").write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files to {OUT_DIR}")


if __name__ == "__main__":
    main()
