"""While a person has a `shopbot chat` conversation, show what they write.

The shell talks to Rasa's REST channel, which cannot push; an agent's messages (and the notices
"Sam from our team has joined" / "... handed the conversation back") are in the conversation's
history, which the shop page's server serves at `/api/history` (it holds Rasa's API token). The
follower polls it every `interval` seconds in a background thread, prints what is new, and stops
when the conversation is handed back to the bot.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

#: (role, agent name or None, text): role is "agent" or "system".
Printer = Callable[[str, str | None, str], None]


@dataclass
class HandoffFollower:
    web_url: str
    sender: str
    show: Printer
    interval: float = 2.0
    seen: set[str] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _history(self) -> dict[str, Any] | None:
        try:
            response = requests.get(
                f"{self.web_url.rstrip('/')}/api/history", params={"sender": self.sender}, timeout=10
            )
            return response.json() if response.ok else None
        except (requests.RequestException, ValueError):
            return None

    def poll_once(self, *, show: bool = True) -> bool:
        """Show what is new; False once the bot has the conversation again."""
        history = self._history()
        if history is None:
            return True  # the page's server is away: try again later
        for message in history.get("messages") or []:
            key = message.get("id")
            if message.get("role") in ("agent", "system") and key and key not in self.seen:
                self.seen.add(key)
                if show:
                    self.show(message["role"], message.get("agent"), str(message.get("text") or ""))
        return bool(history.get("paused")) or history.get("handoff_ticket") is not None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self.poll_once(show=False)  # earlier handoffs' messages were shown then
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="handoff-follower", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if not self.poll_once():
                return

    def stop(self) -> None:
        self._stop.set()
