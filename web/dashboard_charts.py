"""The dashboard's charts: the owner's report (`analytics.report.Report.to_dict()`) drawn as SVG.

Drawn on the server with matplotlib (already a dependency of the recommender's benchmarks, well
kept, and nothing to load from a CDN or bundle for the browser): each chart is one SVG document,
served as an image, so the page needs no script and its CSP stays strict.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update(
    {"svg.fonttype": "none", "font.size": 10, "axes.spines.top": False, "axes.spines.right": False}
)
BLUE, GREEN, ORANGE, GREY = "#2563eb", "#16a34a", "#ea580c", "#9ca3af"


def _svg(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    return buffer.getvalue()


def _empty(axes: Any, what: str) -> None:
    axes.text(0.5, 0.5, f"No {what} yet", ha="center", va="center", color=GREY, transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])


def conversations(report: dict[str, Any]) -> bytes:
    """Conversations per day."""
    figure, axes = plt.subplots(figsize=(7, 2.8))
    days = report["conversations_per_day"]
    if days:
        axes.bar(list(days), list(days.values()), color=BLUE)
        axes.tick_params(axis="x", rotation=45)
    else:
        _empty(axes, "conversations")
    axes.set_title("Conversations per day")
    return _svg(figure)


def outcomes(report: dict[str, Any]) -> bytes:
    """Verified resolution, containment, handoff and fallback rates."""
    figure, axes = plt.subplots(figsize=(7, 2.8))
    names = ["verified resolution", "containment", "handoff", "fallback"]
    rates = [
        report["resolution"]["rate"],
        report["containment"]["rate"],
        report["handoff"]["rate"],
        report["fallback"]["rate"],
    ]
    bars = axes.barh(names[::-1], [r * 100 for r in rates[::-1]], color=[ORANGE, ORANGE, GREEN, GREEN])
    axes.bar_label(bars, labels=[f"{r:.0%}" for r in rates[::-1]], padding=3)
    axes.set_xlim(0, 110)
    axes.set_xlabel("% of conversations (fallback: of messages)")
    axes.set_title("How the assistant does")
    return _svg(figure)


def intents(report: dict[str, Any]) -> bytes:
    """The ten most frequent intents."""
    figure, axes = plt.subplots(figsize=(7, 3.2))
    top = list(report["intents"].items())[:10]
    if top:
        axes.barh([name for name, _ in top][::-1], [count for _, count in top][::-1], color=BLUE)
    else:
        _empty(axes, "messages")
    axes.set_title("What shoppers ask (messages per intent)")
    return _svg(figure)


def lists(report: dict[str, Any]) -> bytes:
    """Impressions, clicks, add-to-carts and purchases of search results and recommendations."""
    figure, axes = plt.subplots(figsize=(7, 2.8))
    steps = ["impressions", "clicks", "add_to_carts", "purchases"]
    width = 0.38
    for offset, (part, color) in ((-width / 2, ("search", BLUE)), (width / 2, ("recommendations", GREEN))):
        counts = [report["lists"][part][step] for step in steps]
        positions = [i + offset for i in range(len(steps))]
        bars = axes.bar(positions, counts, width, label=part, color=color)
        axes.bar_label(bars, padding=2, fontsize=8)
    axes.set_xticks(range(len(steps)), [s.replace("_", " ") for s in steps])
    axes.set_yscale("symlog")
    axes.legend(frameon=False)
    axes.set_title("Lists shown in chat and what came of them")
    return _svg(figure)


CHARTS: dict[str, Callable[[dict[str, Any]], bytes]] = {
    "conversations": conversations,
    "outcomes": outcomes,
    "intents": intents,
    "lists": lists,
}
