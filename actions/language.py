"""Answering what the assistant cannot act on: off-topic requests, other languages, noise.

The NLU gate (`bot/nlu_gate.py`) marks a message it cannot read with a `language` entity: an
ISO 639-1 code, "none" (no words: empty, "???") or "code" (an SQL injection string, markup).
Such a message never starts a flow; this action says why, in English and, where the texts have
it, in the shopper's language. Any other out-of-scope message gets the usual "here is what I
can do" answer (`utter_out_of_scope`). Nothing is written.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import entity_values
from actions.safety import polite
from shop.texts import MissingText, say


def unreadable_reply(language: str) -> str:
    """What to say about a message in `language` ("none", "code" or an ISO 639-1 code)."""
    if language in {"none", "code"}:
        return say("language.no_words" if language == "none" else "language.code")
    reply = say("language.english_only")
    try:
        return f"{reply}\n\n{say(f'language.{language}')}"
    except MissingText:
        return reply


class ActionOutOfScope(Action):
    def name(self) -> str:
        return "action_out_of_scope"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        languages = entity_values(tracker, "language")
        if languages:
            buttons = [{"title": say("buttons.talk_to_person"), "payload": "/request_human"}]
            dispatcher.utter_message(text=unreadable_reply(languages[0]), buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
        return []
