"""Conversation-level actions: greeting, leaving a form, policy answers, fallback and human handoff."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services, store
from actions.context import conversation_turns, requester, user_text
from actions.order_questions import FLOW_WORDS, offer_handoff_buttons
from actions.safety import polite
from shop.support import contact_email_in, summarize_conversation
from shop.texts import say

HANDOFF_MESSAGE_TYPE = "handoff"

#: Intents the two-stage fallback may offer ("Did you mean ...?"); their titles are texts
#: (data/texts/buttons.yml, "intent_<name>").
FALLBACK_INTENTS = (
    "order_status", "cancel_order", "change_address", "return_item", "refund_status",
    "ask_policy", "complaint", "request_human", "search_product", "refine_search", "show_more",
    "product_question", "similar_items", "recommend", "add_to_cart", "help",
)  # fmt: skip
#: How many likely intents the fallback offers.
FALLBACK_CHOICES = 2


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        name = store.first_name(requester(tracker))
        dispatcher.utter_message(text=say("conversation.greet", name=f" {name}" if name else ""))
        return []


class ActionStopForm(Action):
    """Leave the current form; what was collected stays, so asking again picks up where it was."""

    def name(self) -> str:
        return "action_stop_form"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        form = (tracker.active_loop or {}).get("name")
        topic = FLOW_WORDS.get(form, ("that",))[0]
        dispatcher.utter_message(text=say("conversation.stopped", topic=topic))
        return [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            SlotSet("confirmation", None),
            SlotSet("order_refusal", None),
        ]


class ActionAnswerPolicy(Action):
    def name(self) -> str:
        return "action_answer_policy"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        knowledge_base = services.policy_knowledge_base.get()
        if knowledge_base is None:
            dispatcher.utter_message(
                text=say("conversation.policies_unavailable"),
                buttons=offer_handoff_buttons(),
            )
            return []
        answer = knowledge_base.answer(user_text(tracker))
        if answer.confident:
            dispatcher.utter_message(text=answer.text)
        else:
            dispatcher.utter_message(
                text=say("conversation.policy_unsure"),
                buttons=offer_handoff_buttons(),
            )
        return []


class ActionHandoff(Action):
    """Open (or refresh) a support ticket with a summary, tell the channel, and pause the bot."""

    def name(self) -> str:
        return "action_handoff"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        who = requester(tracker)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if intent == "complaint":
            complaint = " ".join(user_text(tracker).split())
            subject = (
                say("conversation.complaint_subject", complaint=complaint[:150])
                if complaint
                else say("conversation.complaint_subject_bare")
            )
            dispatcher.utter_message(text=say("conversation.complaint_sorry"))
        else:
            subject = say("conversation.handoff_subject")
        turns = conversation_turns(tracker)
        summary = summarize_conversation(turns, requester=who)
        # How the agent can reach a guest: the email they gave (masked in the summary, not here).
        email = (tracker.get_slot("order_email") or contact_email_in(turns)) if who.is_guest else None
        receipt = store.open_ticket(tracker.sender_id, who, subject, summary, contact_email=email)
        dispatcher.utter_message(text=receipt.message())
        dispatcher.utter_message(
            json_message={
                "type": HANDOFF_MESSAGE_TYPE,
                "ticket_id": receipt.ticket_id,
                "reference": receipt.reference,
            }
        )
        return [ActiveLoop(None), SlotSet("requested_slot", None), ConversationPaused()]


class ActionDefaultAskAffirmation(Action):
    """First stage of the two-stage fallback: offer the likeliest intents as buttons."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        choices = [r["name"] for r in ranking if r.get("name") in FALLBACK_INTENTS][:FALLBACK_CHOICES]
        buttons = [{"title": say(f"buttons.intent_{name}"), "payload": f"/{name}"} for name in choices]
        # Rasa's two-stage fallback reads /out_of_scope as "none of these".
        buttons.append({"title": "Something else", "payload": "/out_of_scope"})
        dispatcher.utter_message(text=say("conversation.did_you_mean"), buttons=buttons)
        return []


class ActionDefaultAskRephrase(Action):
    def name(self) -> str:
        return "action_default_ask_rephrase"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        dispatcher.utter_message(text=say("conversation.rephrase"))
        return []


class ActionDefaultFallback(Action):
    """After repeated misunderstandings: say so, and offer a person."""

    def name(self) -> str:
        return "action_default_fallback"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        dispatcher.utter_message(
            text=say("conversation.still_not_understood"),
            buttons=offer_handoff_buttons(),
        )
        return [UserUtteranceReverted()]
