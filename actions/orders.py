"""What happens when an order form is complete: answer, or perform the confirmed write.

Every write goes through `shop.orders` / `shop.returns`, which re-check identity and the rules
inside one transaction; a refusal there is shown to the shopper and nothing is written. Each
action ends by clearing the flow's slots (the order number and a guest's verified email stay,
so "and cancel it" right after a status check needs no second lookup).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import store
from actions.context import requester
from actions.order_slots import (
    confirmed_in_this_form,
    is_exchange,
    order_number,
    refusal_of,
    return_line_id,
    rma_order_number,
)
from actions.safety import polite
from shop.addresses import validate_address
from shop.orders import describe_order
from shop.refusals import Refused
from shop.returns import describe_return
from shop.texts import say


def flow_reset(*extra: str) -> list[dict[str, Any]]:
    """Slots a finished flow leaves empty."""
    names = ("confirmation", "order_refusal", "lookup_failures", *extra)
    return [SlotSet(name, 0.0 if name == "lookup_failures" else None) for name in names]


class OrderSubmitAction(Action, ABC):
    """Shared shape: if the form ended on a refusal, it was explained already; just tidy up."""

    form = ""
    clears: tuple[str, ...] = ()

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        if refusal_of(tracker, self.form) is None and order_number(tracker) is not None:
            try:
                self.perform(dispatcher, tracker)
            except Refused as refused:
                dispatcher.utter_message(text=refused.explanation)
        return flow_reset(*self.clears)

    # Abstract, so that rasa-sdk (which registers every concrete Action subclass) skips this base.
    @abstractmethod
    def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None: ...


class ActionOrderStatus(OrderSubmitAction):
    form = "order_status_form"

    def name(self) -> str:
        return "action_order_status"

    def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        email = tracker.get_slot("order_email")
        view = store.find_order(requester(tracker), order_number(tracker), email)
        text = describe_order(view)
        items = ", ".join(item.label() for item in view.items)
        if items:
            text += say("orders.status_items", items=items)
        buttons = []
        if view.can_cancel:
            buttons.append({"title": say("buttons.cancel_this_order"), "payload": "/cancel_order"})
            buttons.append({"title": say("buttons.change_the_address"), "payload": "/change_address"})
        dispatcher.utter_message(text=text, buttons=buttons)


class ActionCancelOrder(OrderSubmitAction):
    form = "cancel_order_form"

    def name(self) -> str:
        return "action_cancel_order"

    def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        if not confirmed_in_this_form(tracker, self.form):
            dispatcher.utter_message(text=say("orders.cancel_declined"))
            return
        result = store.cancel_order(
            requester(tracker),
            order_number(tracker),
            tracker.get_slot("order_email"),
        )
        dispatcher.utter_message(text=result.message)


class ActionChangeAddress(OrderSubmitAction):
    form = "change_address_form"
    clears = ("new_address",)

    def name(self) -> str:
        return "action_change_address"

    def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        if not confirmed_in_this_form(tracker, self.form):
            dispatcher.utter_message(text=say("orders.address_declined"))
            return
        address = validate_address(json.loads(tracker.get_slot("new_address")))
        result = store.change_shipping_address(
            requester(tracker),
            order_number(tracker),
            address,
            tracker.get_slot("order_email"),
        )
        dispatcher.utter_message(text=result.message)


class ActionCreateReturn(OrderSubmitAction):
    form = "return_form"
    clears = ("return_item", "return_reason", "return_kind")

    def name(self) -> str:
        return "action_create_return"

    def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        if not confirmed_in_this_form(tracker, self.form):
            dispatcher.utter_message(text=say("orders.return_declined"))
            return
        line_id = return_line_id(tracker)
        if line_id is None:
            dispatcher.utter_message(text=say("orders.return_item_lost"))
            return
        receipt = store.create_return(
            requester(tracker),
            order_number(tracker),
            [line_id],
            tracker.get_slot("return_reason") or "",
            tracker.get_slot("order_email"),
            exchange=is_exchange(tracker),
        )
        dispatcher.utter_message(text=receipt.message())


class ActionRefundStatus(Action):
    form = "refund_status_form"

    def name(self) -> str:
        return "action_refund_status"

    @polite
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        if refusal_of(tracker, self.form) is None:
            rma = tracker.get_slot("rma_number")
            email = tracker.get_slot("order_email")
            who = requester(tracker)
            try:
                if rma_order_number(rma) is not None:
                    returns = store.find_returns(who, rma_number=rma, email=email)
                else:
                    returns = store.find_returns(
                        who,
                        order_number=order_number(tracker),
                        email=email,
                    )
                if returns:
                    dispatcher.utter_message(text="\n".join(describe_return(r) for r in returns))
                else:
                    dispatcher.utter_message(
                        text=say("orders.no_return_yet", number=order_number(tracker)),
                        buttons=[{"title": "Start a return", "payload": "/return_item"}],
                    )
            except Refused as refused:
                dispatcher.utter_message(text=refused.explanation)
        return [*flow_reset(), SlotSet("rma_number", None)]
