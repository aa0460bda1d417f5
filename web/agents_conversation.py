"""The conversation as the agent console touches it, through Rasa's HTTP API (with the token).

- What an agent writes, and the notices "Sam from our team has joined" / "... has handed you back",
  are appended to the conversation's tracker as bot events (`POST /conversations/{id}/tracker/events`)
  marked in their metadata (`shopbot_agent`, `shopbot_notice`). The tracker stays the one record
  of the conversation: the widget's and the shell's history shows them, and they poll it while a
  person has the conversation (`agent_message_json` is how the history shows them).
- Handing back appends Rasa's `ConversationResumed` (event "resume"), and `action_listen` so the
  next shopper message is predicted as after any bot turn.
- `conversation_for_agent` is the whole conversation (since the last restart) for the agent:
  the shopper's words unmasked, product lists as their titles.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests

from shop.agents import AgentInfo
from shop.texts import say
from web.rasa import RasaClient, RasaUnavailable
from web.replies import humanize_payload, parse_reply

AGENT_KEY = "shopbot_agent"
NOTICE_KEY = "shopbot_notice"


def append_events(rasa: RasaClient, sender: str, events: Sequence[Mapping[str, Any]]) -> None:
    """Append events to a conversation's tracker (Rasa's HTTP API; needs its token)."""
    params = {"include_events": "NONE"}
    if rasa.token:
        params["token"] = rasa.token
    url = rasa.base_url.rstrip("/") + f"/conversations/{quote(sender, safe='')}/tracker/events"
    try:
        response = requests.post(url, params=params, json=list(events), timeout=rasa.timeout)
    except requests.RequestException as error:
        raise RasaUnavailable(f"cannot reach Rasa at {rasa.base_url}: {error}") from error
    if not response.ok:
        raise RasaUnavailable(f"Rasa's tracker events endpoint answered {response.status_code}")


def _bot_event(text: str, metadata: Mapping[str, Any]) -> dict[str, Any]:
    return {"event": "bot", "text": text, "data": {}, "metadata": dict(metadata), "timestamp": time.time()}


def agent_says(rasa: RasaClient, sender: str, agent: AgentInfo, text: str) -> None:
    append_events(rasa, sender, [_bot_event(text, {AGENT_KEY: {"id": agent.id, "name": agent.name}})])


def agent_joined(rasa: RasaClient, sender: str, agent: AgentInfo) -> None:
    append_events(
        rasa, sender, [_bot_event(say("support.agent_joined", name=agent.name), {NOTICE_KEY: "joined"})]
    )


def hand_back(rasa: RasaClient, sender: str, agent: AgentInfo, *, tell: bool) -> None:
    """Give the conversation back to the bot (idempotent); `tell`: say so to the shopper."""
    events: list[dict[str, Any]] = []
    if tell:
        events.append(_bot_event(say("support.agent_left", name=agent.name), {NOTICE_KEY: "left"}))
    events += [
        {"event": "resume", "timestamp": time.time()},
        {"event": "action", "name": "action_listen", "timestamp": time.time()},
    ]
    append_events(rasa, sender, events)


def _event_id(event: Mapping[str, Any]) -> str:
    return f"{event.get('timestamp')}"


def agent_message_json(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """How the shopper's history shows an agent's message or a notice (None: another bot event).

    Agents' words are shown as text, never as markup; `id` lets the widget add only new ones."""
    metadata = event.get("metadata")
    if not isinstance(metadata, Mapping):
        return None
    text = event.get("text")
    if not isinstance(text, str) or not text:
        return None
    agent = metadata.get(AGENT_KEY)
    if isinstance(agent, Mapping):
        name = agent.get("name")
        return {"role": "agent", "id": _event_id(event), "agent": str(name or "Our team"), "text": text}
    if isinstance(metadata.get(NOTICE_KEY), str):
        return {"role": "system", "id": _event_id(event), "text": text}
    return None


def _at(event: Mapping[str, Any]) -> str | None:
    stamp = event.get("timestamp")
    if not isinstance(stamp, int | float):
        return None
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def conversation_for_agent(tracker: Mapping[str, Any], *, limit: int = 500) -> list[dict[str, Any]]:
    """Every message of the conversation, oldest first: role (shopper, bot, agent, system), text, time."""
    lines: list[dict[str, Any]] = []
    events = tracker.get("events")
    for event in events if isinstance(events, Sequence) else ():
        if not isinstance(event, Mapping):
            continue
        kind = event.get("event")
        if kind == "user":
            text = event.get("text")
            if isinstance(text, str) and text:
                shown = humanize_payload(text) if text.startswith("/") else text
                lines.append({"role": "shopper", "text": shown, "at": _at(event)})
        elif kind == "bot":
            special = agent_message_json(event)
            if special is not None:
                lines.append({**special, "at": _at(event)})
                continue
            data = event.get("data")
            reply = parse_reply({**(data if isinstance(data, Mapping) else {}), "text": event.get("text")})
            parts = [reply.text] if reply.text else []
            if reply.cards:
                parts.append("[products: " + "; ".join(c.title for c in reply.cards) + "]")
            if reply.buttons:
                parts.append("[choices: " + " | ".join(b.title for b in reply.buttons) + "]")
            if reply.is_handoff:
                parts.append("[handed over to a person]")
            if parts:
                lines.append({"role": "bot", "text": "\n".join(parts), "at": _at(event)})
    return lines[-limit:]
