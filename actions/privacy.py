"""Privacy self-service in chat (issue 16): the tracking choice, a copy of my data, delete my data.

Adapters only: the rules are `shop.consent` (what may be recorded), `shop.personal_data` (what is
kept about a customer) and `shop.erasure` (what erasing does and what orders keep). A guest may
set the tracking choice for their session; export and erasure need a logged-in shopper (a guest
asks a person, and an agent does it with `shopbot privacy`).

The buttons send the same intent with a `privacy_choice` entity ("allow"/"decline",
"yes"/"no"), so the answer reaches the action that asked. Deletion erases only when the
question was asked in this conversation (`privacy_pending` slot) and answered "yes".
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.cards import button_payload
from actions.context import entity_values, requester, shop_engine, user_text
from actions.safety import polite
from shop import consent, erasure, personal_data
from shop.audit import Actor
from shop.texts import say

#: Words that say "stop" in a tracking message; anything else that is not clearly "allow" asks.
_DECLINE = re.compile(
    r"\b(stop|don'?t|do not|dont|opt.?out|no tracking|turn off|disable|withdraw|not)\b", re.I
)
#: The custom message that tells the channel this conversation was erased.
ERASED_MESSAGE_TYPE = "data_erased"
_ALLOW = re.compile(r"\b(allow|agree|consent|opt.?in|back on|turn on|you can|may track)\b", re.I)


@cache
def _tracker_store() -> Any:
    """Rasa's tracker store, where the customer's conversations are (SHOPBOT_TRACKER_DATABASE_URL)."""
    from analytics.cli import tracker_engine

    return tracker_engine()


def _choice(tracker: Tracker) -> str | None:
    values = entity_values(tracker, "privacy_choice")
    return str(values[0]).lower() if values else None


class ActionTrackingConsent(Action):
    def name(self) -> str:
        return "action_tracking_consent"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        who, session_id = requester(tracker), tracker.sender_id
        choice = _choice(tracker)
        if choice is None and not user_text(tracker).startswith("/"):
            text = user_text(tracker)
            if _DECLINE.search(text):
                choice = "decline"
            elif _ALLOW.search(text):
                choice = "allow"
        if choice in {"allow", "decline"}:
            consent.set_choice(who, session_id, choice == "allow", source="chat", engine=shop_engine())
            dispatcher.utter_message(
                text=say(f"privacy.consent_{'allowed' if choice == 'allow' else 'declined'}")
            )
            return []
        current = consent.choice(who, session_id, engine=shop_engine())
        state = {True: "allowed", False: "declined", None: "unset"}[current]
        dispatcher.utter_message(
            text=say("privacy.consent_ask", state=say(f"privacy.consent_state_{state}")),
            buttons=[
                {
                    "title": say("privacy.consent_button_allow"),
                    "payload": button_payload("tracking_consent", privacy_choice="allow"),
                },
                {
                    "title": say("privacy.consent_button_decline"),
                    "payload": button_payload("tracking_consent", privacy_choice="decline"),
                },
            ],
        )
        return []


class ActionExportMyData(Action):
    def name(self) -> str:
        return "action_export_my_data"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        who = requester(tracker)
        if who.customer_id is None:
            dispatcher.utter_message(text=say("privacy.login_required"))
            return []
        data = personal_data.export_data(who.customer_id, engine=shop_engine(), tracker=_tracker_store())
        dispatcher.utter_message(
            text=say(
                "privacy.export_ready",
                orders=len(data["orders"]),
                conversations=len(data["conversations"]),
                interactions=len(data["interactions"]),
            )
        )
        return []


class ActionDeleteMyData(Action):
    def name(self) -> str:
        return "action_delete_my_data"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        who = requester(tracker)
        if who.customer_id is None:
            dispatcher.utter_message(text=say("privacy.login_required"))
            return [SlotSet("privacy_pending", None)]
        choice = _choice(tracker)
        asked = tracker.get_slot("privacy_pending") == "delete"
        if asked and choice == "no":
            dispatcher.utter_message(text=say("privacy.delete_kept"))
            return [SlotSet("privacy_pending", None)]
        if not (asked and choice == "yes"):
            dispatcher.utter_message(
                text=say("privacy.delete_ask"),
                buttons=[
                    {
                        "title": say("privacy.delete_button_yes"),
                        "payload": button_payload("delete_my_data", privacy_choice="yes"),
                    },
                    {
                        "title": say("privacy.delete_button_no"),
                        "payload": button_payload("delete_my_data", privacy_choice="no"),
                    },
                ],
            )
            return [SlotSet("privacy_pending", "delete")]
        report = erasure.erase_data(
            who.customer_id,
            actor=Actor.from_requester(who),
            engine=shop_engine(),
            tracker=_tracker_store(),
        )
        dispatcher.utter_message(text=say("privacy.deleted", orders=report.orders_anonymised))
        # Rasa writes this turn back into the tracker store when it ends; the channel that relayed
        # it deletes the conversation again once Rasa has answered (web/privacy_api.py).
        dispatcher.utter_message(json_message={"type": ERASED_MESSAGE_TYPE})
        return [SlotSet("privacy_pending", None)]
