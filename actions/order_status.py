"""Order status and tracking."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.context import shop_engine
from shop.models import Order


class ActionOrderStatus(Action):
    def name(self) -> str:
        return "action_order_status"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        number = str(tracker.get_slot("order_number") or "").lstrip("#")
        if not number.isdigit():
            dispatcher.utter_message(text="Which order? Please give me its number, e.g. 100234.")
            return []
        with Session(shop_engine()) as session:
            order = session.get(Order, int(number))
            if order is None:
                dispatcher.utter_message(text=f"I couldn't find an order with the number {number}.")
                return []
            text = f"Order {order.id} is {order.status.value}."
            if order.shipment is not None:
                s = order.shipment
                text += (
                    f" It went out with {s.carrier}, tracking number {s.tracking_number},"
                    f" estimated delivery {s.estimated_delivery:%A %d %B}."
                )
        dispatcher.utter_message(text=text)
        return []
