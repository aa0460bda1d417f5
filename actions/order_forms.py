"""Validation of the forms that identify an order (and collect what a write needs).

Five forms share the first two slots: `order_number` and, for a guest, `order_email` (a
logged-in shopper's identity comes from the signed metadata, so they are never asked). The
lookup rules are `shop.orders`': a wrong number and a wrong email get the same neutral answer,
lookups are rate-limited per sender, and after `MAX_LOOKUP_FAILURES` misses the form ends with
an offer of a human. The order number is parsed here, once, as it enters its slot
(`actions.order_slots`); the questions the forms ask are in `actions.order_questions`.

When the shop refuses the flow for the order (cancel after shipment, return outside the
window...), validation explains why and records the refusal in `order_refusal`; the form then
ends at once (`required_slots` returns nothing) and the form's submit action tidies up.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import store
from actions.address_text import parse_address
from actions.context import client_address, entity_values, requester
from actions.order_questions import offer_handoff_buttons
from actions.order_slots import (
    current_return_options,
    order_number,
    order_number_slot_value,
    refusal_of,
    return_item_value,
    rma_order_number,
    value_before_latest_message,
)
from actions.references import best_title_match, pick, position
from actions.safety import polite
from shop.addresses import InvalidAddress, validate_address
from shop.identity import Requester
from shop.orders import parse_order_number
from shop.ratelimit import check_order_lookup
from shop.refusals import Refusal, Refused
from shop.returns import LineEligibility, ReturnOptions
from shop.texts import say

#: Wrong order number/email combinations in one flow before the form gives up and offers a human.
MAX_LOOKUP_FAILURES = 3
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")

#: Refusals that are about who may see the order rather than about the flow.
LOOKUP_REFUSALS = {Refusal.NOT_FOUND, Refusal.RETURN_NOT_FOUND, Refusal.EMAIL_REQUIRED}

#: Slots answered in free text, where a number is part of the answer, not an order number.
FREE_TEXT_SLOTS = frozenset({"new_address", "return_reason"})


class OrderFormValidation(FormValidationAction):
    """Shared validation of `order_number` and `order_email`; subclasses add their flow's check."""

    form = ""

    def name(self) -> str:
        return f"validate_{self.form}"

    @polite
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        return await super().run(dispatcher, tracker, domain)

    # Subclasses: raise `Refused` when the flow is impossible for this (visible) order.
    def check_order(self, who: Requester, number: int, email: str | None) -> None:
        store.find_order(who, number, email)

    # Subclasses: extra slots to set once the order is verified (e.g. the item named earlier).
    def after_verified(self, tracker: Tracker, who: Requester, number: int, email: str | None) -> dict:
        return {}

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if refusal_of(tracker, self.form):
            return []
        slots = list(domain_slots)
        if not requester(tracker).is_guest and "order_email" in slots:
            slots.remove("order_email")
        return slots

    def validate_order_number(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        before = value_before_latest_message(tracker, "order_number")
        if before and tracker.get_slot("requested_slot") in FREE_TEXT_SLOTS:
            # A number inside a free-text answer (a postcode in an address, say) is not a new
            # order: the order stays the one already verified.
            return {"order_number": before}
        who = requester(tracker)
        raw = str(slot_value or "").strip()
        if raw == "latest":
            if who.is_guest:
                dispatcher.utter_message(text=say("orders.latest_needs_login"))
                return {"order_number": None}
            latest = store.recent_orders(who, limit=1)
            if not latest:
                dispatcher.utter_message(text=say("orders.no_orders"))
                return {"order_number": None, "order_refusal": f"{self.form}:no_orders"}
            number = latest[0].number
        else:
            try:
                number = parse_order_number(raw)
            except Refused as refused:
                dispatcher.utter_message(text=refused.explanation)
                return {"order_number": None}
        email = tracker.get_slot("order_email")
        if who.is_guest and not email:
            # A guest's number is checked together with the email, so the answer can't reveal
            # whether the number exists.
            return {
                "order_number": order_number_slot_value(number),
                **self._new_order_resets(tracker, number),
            }
        return self._verify(dispatcher, tracker, who, number, email)

    def validate_order_email(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email = str(slot_value or "").strip()
        if not EMAIL_PATTERN.fullmatch(email):
            dispatcher.utter_message(text=say("orders.bad_email"))
            return {"order_email": None}
        who = requester(tracker)
        number = self.number_to_check(tracker)
        if number is None or not who.is_guest:
            return {"order_email": email}
        return self._verify(dispatcher, tracker, who, number, email)

    def number_to_check(self, tracker: Tracker) -> int | None:
        return order_number(tracker)

    def _new_order_resets(self, tracker: Tracker, number: int) -> dict[str, Any]:
        """A different order than before: forget what was chosen for the previous one."""
        if order_number(tracker) == number and tracker.get_slot("return_item") is not None:
            return {}
        return {"return_item": None, "confirmation": None}

    def _verify(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        who: Requester,
        number: int,
        email: str | None,
    ) -> dict[str, Any]:
        try:
            check_order_lookup(tracker.sender_id, client=client_address(tracker), order_number=number)
            self.check_order(who, number, email)
        except Refused as refused:
            dispatcher.utter_message(text=refused.explanation)
            if refused.reason in LOOKUP_REFUSALS:
                failures = int(tracker.get_slot("lookup_failures") or 0) + 1
                reset = {"order_number": None, "order_email": None if who.is_guest else email}
                if failures >= MAX_LOOKUP_FAILURES:
                    dispatcher.utter_message(
                        text=say("orders.still_not_found"),
                        buttons=offer_handoff_buttons(),
                    )
                    return {**reset, "lookup_failures": 0, "order_refusal": f"{self.form}:not_found"}
                return {**reset, "lookup_failures": float(failures)}
            if refused.reason == Refusal.TOO_MANY_ATTEMPTS:
                return {"order_number": None, "order_refusal": f"{self.form}:{refused.reason.value}"}
            # The order is theirs, but this flow isn't possible for it (already shipped...).
            return {
                "order_number": order_number_slot_value(number),
                "order_email": email,
                "order_refusal": f"{self.form}:{refused.reason.value}",
            }
        return {
            "order_number": order_number_slot_value(number),
            "order_email": email,
            "lookup_failures": 0.0,
            **self._new_order_resets(tracker, number),
            **self.after_verified(tracker, who, number, email),
        }


class ValidateOrderStatusForm(OrderFormValidation):
    form = "order_status_form"


class ValidateCancelOrderForm(OrderFormValidation):
    form = "cancel_order_form"

    def check_order(self, who: Requester, number: int, email: str | None) -> None:
        store.check_cancel(who, number, email)


class ValidateChangeAddressForm(OrderFormValidation):
    form = "change_address_form"

    def check_order(self, who: Requester, number: int, email: str | None) -> None:
        store.check_address_change(who, number, email)

    def validate_new_address(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        fields = parse_address(str(slot_value or ""))
        if fields is None:
            dispatcher.utter_message(text=say("orders.unreadable_address"))
            return {"new_address": None}
        try:
            address = validate_address(fields)
        except InvalidAddress as invalid:
            dispatcher.utter_message(text=say("orders.invalid_address", explanation=invalid.explanation))
            return {"new_address": None}
        return {"new_address": json.dumps(address.to_dict())}


class ValidateReturnForm(OrderFormValidation):
    form = "return_form"

    def check_order(self, who: Requester, number: int, email: str | None) -> None:
        refusal = store.return_options(who, number, email).refusal()
        if refusal is not None:
            raise refusal

    def after_verified(self, tracker: Tracker, who: Requester, number: int, email: str | None) -> dict:
        # "I want to return the sleeve from 100236": the item was named before the order was known.
        named = entity_values(tracker, "product")
        if not named or tracker.get_slot("return_item"):
            return {}
        options = store.return_options(who, number, email)
        line = _line_from_text(" ".join(named), options)
        return {"return_item": return_item_value(number, line.item.line_id)} if line and line.eligible else {}

    def validate_return_item(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        number = self.number_to_check(tracker)
        if number is None:
            return {"return_item": None}
        options = current_return_options(tracker, number)
        value = str(slot_value or "")
        line = None
        if ":" in value and value.partition(":")[2].isdigit():
            line = options.line(int(value.partition(":")[2]))
        else:
            line = _line_from_text(value, options)
        if line is None:
            dispatcher.utter_message(text=say("orders.which_item"))
            return {"return_item": None}
        if not line.eligible:
            dispatcher.utter_message(text=line.explanation or say("orders.item_not_returnable"))
            return {"return_item": None}
        return {"return_item": return_item_value(number, line.item.line_id)}

    def validate_return_reason(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        reason = " ".join(str(slot_value or "").split())
        if len(reason) < 3 or reason.startswith("/"):
            dispatcher.utter_message(text=say("orders.return_reason_too_short"))
            return {"return_reason": None}
        return {"return_reason": reason[:300]}


class ValidateRefundStatusForm(OrderFormValidation):
    form = "refund_status_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        # An RMA number names the order already.
        if rma_order_number(tracker.get_slot("rma_number")) is not None and "order_number" in slots:
            slots.remove("order_number")
        return slots

    def number_to_check(self, tracker: Tracker) -> int | None:
        return rma_order_number(tracker.get_slot("rma_number")) or super().number_to_check(tracker)


def _line_from_text(text: str, options: ReturnOptions) -> LineEligibility | None:
    lines = list(options.lines)
    pos = position(text)
    if pos is not None:
        index = pick(list(range(len(lines))), pos)
        return lines[index] if index is not None else None
    match = best_title_match(text, [line.item.title for line in lines])
    return lines[match] if match is not None else None
