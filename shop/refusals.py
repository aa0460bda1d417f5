"""Why the shop said no: one machine-readable reason plus a sentence a shopper can read.

Every customer-service operation (`shop.orders`, `shop.returns`) either returns its typed
result or raises `Refused`. A refused operation has written nothing. Callers (the Rasa
actions, an HTTP handler) branch on `Refused.reason` and show `Refused.explanation`.
"""

from __future__ import annotations

import enum


class Refusal(enum.StrEnum):
    #: Unknown order number, wrong email, or someone else's order: deliberately one reason,
    #: so an answer never reveals which orders exist.
    NOT_FOUND = "not_found"
    INVALID_ORDER_NUMBER = "invalid_order_number"
    EMAIL_REQUIRED = "email_required"
    #: The requester gave several failing lookups in a short time (order-number enumeration).
    TOO_MANY_ATTEMPTS = "too_many_attempts"

    # Cancel / address change.
    ALREADY_SHIPPED = "already_shipped"
    ALREADY_DELIVERED = "already_delivered"
    ALREADY_CANCELLED = "already_cancelled"
    ALREADY_RETURNED = "already_returned"
    INVALID_ADDRESS = "invalid_address"
    SAME_ADDRESS = "same_address"

    # Returns.
    NOT_DELIVERED = "not_delivered"
    OUTSIDE_RETURN_WINDOW = "outside_return_window"
    FINAL_SALE = "final_sale"
    NOTHING_LEFT_TO_RETURN = "nothing_left_to_return"
    UNKNOWN_LINE = "unknown_line"
    INVALID_QUANTITY = "invalid_quantity"
    NO_ITEMS_CHOSEN = "no_items_chosen"
    REASON_REQUIRED = "reason_required"
    RETURN_NOT_FOUND = "return_not_found"

    # Cart and checkout (issue 14, shop/cart.py and shop/checkout.py).
    PRODUCT_NOT_FOUND = "product_not_found"
    VARIANT_REQUIRED = "variant_required"
    VARIANT_NOT_FOUND = "variant_not_found"
    OUT_OF_STOCK = "out_of_stock"
    CART_LINE_NOT_FOUND = "cart_line_not_found"
    CART_EMPTY = "cart_empty"
    CART_CHANGED = "cart_changed"
    LOGIN_REQUIRED = "login_required"
    ADDRESS_REQUIRED = "address_required"


class Refused(Exception):  # noqa: N818 - reads as "raise Refused(...)", which is what it means
    """An operation was refused for `reason`; `explanation` is written for the shopper."""

    def __init__(self, reason: Refusal, explanation: str) -> None:
        super().__init__(f"{reason.value}: {explanation}")
        self.reason = reason
        self.explanation = explanation


#: The neutral answer for an order that does not exist, is not the requester's, or whose
#: email does not match. Kept in one place so every path returns exactly the same words.
NOT_FOUND_EXPLANATION = (
    "I couldn't find an order with that number and email address. Please check both and try again."
)


def not_found() -> Refused:
    return Refused(Refusal.NOT_FOUND, NOT_FOUND_EXPLANATION)
