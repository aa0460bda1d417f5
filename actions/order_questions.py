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
ORDER_FORMS = (
    "order_status_form",
    "cancel_order_form",
    "change_address_form",
    "return_form",
    "refund_status_form",
)
FLOW_WORDS = {form: (say(f"orders.{form}_topic"), say(f"orders.{form}_question")) for form in ORDER_FORMS}

YES_NO_BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def offer_handoff_buttons() -> list[dict[str, str]]:
    return [
        {"title": say("buttons.talk_to_person"), "payload": "/request_human"},
        {"title": say("buttons.no_thanks"), "payload": "/deny"},
    ]


def resuming_prefix(tracker: Tracker) -> str:
    """ "Back to your return: " when the form is picking up again after a side question."""
    form = (tracker.active_loop or {}).get("name")
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "action_execution_rejected" and event.get("name") == form:
            return say("orders.resuming", topic=FLOW_WORDS.get(form, ("it",))[0])
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
                    text=prefix + say("orders.pick_recent_order", question=question),
                    buttons=[
                        {"title": o.label(), "payload": button_payload("inform", order_number=str(o.number))}
                        for o in orders
                    ],
                )
                return []
        dispatcher.utter_message(text=prefix + say("orders.where_is_the_number", question=question))
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
        text = resuming_prefix(tracker) + say("orders.which_item_to_return", number=number)
        if options.window_ends:
            text += say("orders.return_window", date=options.window_ends)
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
                total = format_money(view.total, view.currency)
                text = prefix + say("orders.confirm_cancel", number=view.number, items=items, total=total)
            elif form == "change_address_form":
                view = store.check_address_change(who, number, email)
                new = validate_address(json.loads(tracker.get_slot("new_address")))
                old = view.shipping_address.one_line()
                text = prefix + say("orders.confirm_address", number=view.number, new=new.one_line(), old=old)
            elif form == "return_form":
                text = prefix + _return_summary(tracker, who, number, email)
            else:
                text = prefix + say("orders.confirm")
        except Refused as refused:
            text = say("orders.still_try", explanation=refused.explanation)
        dispatcher.utter_message(text=text, buttons=YES_NO_BUTTONS)
        return []


def _return_summary(tracker: Tracker, who: Requester, number: int | None, email: str | None) -> str:
    options = store.return_options(who, number, email)
    line_id = return_line_id(tracker)
    line = options.line(line_id) if line_id is not None else None
    if line is None:
        return say("orders.confirm_return_unknown_line")
    reason = tracker.get_slot("return_reason")
    if is_exchange(tracker):
        return say("orders.confirm_exchange", item=line.item.label(), number=number, reason=reason)
    refund = line.item.unit_price * line.returnable_quantity
    return say(
        "orders.confirm_return",
        quantity=line.returnable_quantity,
        title=line.item.title,
        number=number,
        reason=reason,
        refund=format_money(refund, options.order.currency),
    )
