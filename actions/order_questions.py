"""The questions the order forms ask (`action_ask_<slot>`) and the confirmation before a write.

Each question names the flow it belongs to ("Which order would you like to cancel?") and, when
the form picks up again after a side question, says so ("Back to your return: "). The last
question before a write states exactly what will happen (`ActionAskConfirmation`).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import store
from actions.cards import button_payload
from actions.context import requester
from actions.order_slots import (
    current_return_options,
    is_exchange,
    order_number,
    return_item_value,
    return_line_id,
)
from actions.safety import polite
from shop.addresses import validate_address
from shop.identity import Requester
from shop.money import format_money
from shop.refusals import Refused
from shop.texts import say

#: How many recent orders a logged-in shopper is offered as buttons.
RECENT_ORDER_CHOICES = 5

#: What each form is about, for the questions it asks ("Which order would you like to cancel?").
FLOW_WORDS = {
    "order_status_form": ("your order", "Which order should I look up?"),
    "cancel_order_form": ("cancelling your order", "Which order would you like to cancel?"),
    "change_address_form": ("changing the address", "Which order's address should I change?"),
    "return_form": ("your return", "Which order is the item from?"),
    "refund_status_form": ("your refund", "Which order is the return for?"),
}

YES_NO_BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def offer_handoff_buttons() -> list[dict[str, str]]:
    return [
        {"title": "Talk to a person", "payload": "/request_human"},
        {"title": "No, thanks", "payload": "/deny"},
    ]


def resuming_prefix(tracker: Tracker) -> str:
    """ "Back to your return: " when the form is picking up again after a side question."""
    form = (tracker.active_loop or {}).get("name")
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "action_execution_rejected" and event.get("name") == form:
            return f"Back to {FLOW_WORDS.get(form, ('it',))[0]}: "
    return ""


class ActionAskOrderNumber(Action):
    def name(self) -> str:
        return "action_ask_order_number"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        form = (tracker.active_loop or {}).get("name", "order_status_form")
        question = FLOW_WORDS.get(form, FLOW_WORDS["order_status_form"])[1]
        prefix = resuming_prefix(tracker)
        who = requester(tracker)
        if not who.is_guest:
            orders = store.recent_orders(who, limit=RECENT_ORDER_CHOICES)
            if orders:
                dispatcher.utter_message(
                    text=f"{prefix}{question} Here are your recent orders:",
                    buttons=[
                        {"title": o.label(), "payload": button_payload("inform", order_number=str(o.number))}
                        for o in orders
                    ],
                )
                return []
        dispatcher.utter_message(
            text=f"{prefix}{question} You'll find the order number in your confirmation email (e.g. 100234)."
        )
        return []


class FixedQuestion(Action, ABC):
    """A question whose words do not depend on the order: `action_ask_<slot>`."""

    slot = ""
    buttons: tuple[tuple[str, str], ...] = ()  # (title, reason) quick replies

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    # Abstract, so that rasa-sdk (which registers every concrete Action subclass) skips this base.
    @abstractmethod
    def question(self) -> str: ...

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        buttons = [{"title": t, "payload": button_payload("inform", reason=r)} for t, r in self.buttons]
        dispatcher.utter_message(text=resuming_prefix(tracker) + self.question(), buttons=buttons)
        return []


class ActionAskOrderEmail(FixedQuestion):
    slot = "order_email"

    def question(self) -> str:
        return say("orders.ask_email")


class ActionAskNewAddress(FixedQuestion):
    slot = "new_address"

    def question(self) -> str:
        return say("orders.ask_new_address")


class ActionAskReturnReason(FixedQuestion):
    slot = "return_reason"
    buttons = (
        ("Doesn't fit", "doesn't fit"),
        ("Arrived damaged", "arrived damaged"),
        ("Changed my mind", "changed my mind"),
    )

    def question(self) -> str:
        return say("orders.ask_return_reason")


class ActionAskReturnItem(Action):
    def name(self) -> str:
        return "action_ask_return_item"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        number = order_number(tracker)
        if number is None:
            return []
        options = current_return_options(tracker, number)
        line_currency = options.order.currency
        buttons = [
            {
                "title": f"{line.item.label()} - {format_money(line.item.unit_price, line_currency)}",
                "payload": button_payload("inform", line_id=return_item_value(number, line.item.line_id)),
            }
            for line in options.eligible_lines
        ]
        notes = [f"({line.explanation})" for line in options.lines if not line.eligible and line.explanation]
        text = f"{resuming_prefix(tracker)}Which item from order {number} would you like to return?"
        if options.window_ends:
            text += f" You can return items until {options.window_ends:%d %B %Y}."
        if notes:
            text += "\n" + "\n".join(notes)
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionAskConfirmation(Action):
    """The last question before a write: exactly what will happen, yes or no."""

    def name(self) -> str:
        return "action_ask_confirmation"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        form = (tracker.active_loop or {}).get("name")
        who = requester(tracker)
        number = order_number(tracker)
        email = tracker.get_slot("order_email")
        prefix = resuming_prefix(tracker)
        try:
            if form == "cancel_order_form":
                view = store.check_cancel(who, number, email)
                items = ", ".join(item.label() for item in view.items)
                text = (
                    f"{prefix}Order {view.number} ({items}; {format_money(view.total, view.currency)}) "
                    "will be cancelled. Shall I go ahead?"
                )
            elif form == "change_address_form":
                view = store.check_address_change(who, number, email)
                new = validate_address(json.loads(tracker.get_slot("new_address")))
                text = (
                    f"{prefix}Order {view.number} will be shipped to {new.one_line()} "
                    f"instead of {view.shipping_address.one_line()}. Shall I change it?"
                )
            elif form == "return_form":
                text = prefix + _return_summary(tracker, who, number, email)
            else:
                text = f"{prefix}Shall I go ahead?"
        except Refused as refused:
            text = f"{refused.explanation} Shall I still try?"
        dispatcher.utter_message(text=text, buttons=YES_NO_BUTTONS)
        return []


def _return_summary(tracker: Tracker, who: Requester, number: int | None, email: str | None) -> str:
    options = store.return_options(who, number, email)
    line_id = return_line_id(tracker)
    line = options.line(line_id) if line_id is not None else None
    if line is None:
        return "Shall I register the return?"
    reason = tracker.get_slot("return_reason")
    if is_exchange(tracker):
        return (
            f"I'll register an exchange of {line.item.label()} from order {number} "
            f'(reason: "{reason}"); we\'ll send the replacement when it arrives. Shall I go ahead?'
        )
    refund = line.item.unit_price * line.returnable_quantity
    return (
        f"I'll register a return of {line.returnable_quantity} × {line.item.title} from order {number} "
        f'(reason: "{reason}"). Your refund will be {format_money(refund, options.order.currency)}. '
        "Shall I go ahead?"
    )
