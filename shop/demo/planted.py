"""The planted part of the demo shop: known customers and orders with fixed ids.

Conversations, tests and the README rely on these exact entities ("where is my order
100234?"), so their ids, statuses and dates relative to `now` never change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from shop.demo.catalog import CatalogDraft
from shop.demo.rows import Address
from shop.demo.shoppers import Shopper, Simulation, make_shopper
from shop.models import OrderStatus, RefundStatus, ReturnStatus

ALICE_ID, BOB_ID, CARLA_ID = 1, 2, 3
ALICE_EMAIL, BOB_EMAIL, CARLA_EMAIL = "alice@example.com", "bob@example.com", "carla@example.com"
GUEST_EMAIL = "guest@example.com"
#: Planted order numbers; generated orders start at FIRST_GENERATED_ORDER_ID.
ALICE_SHIPPED, ALICE_PLACED, ALICE_FINAL_SALE, ALICE_OLD = 100234, 100235, 100236, 100237
BOB_PAID, BOB_RETURNED, BOB_CANCELLED, GUEST_SHIPPED = 100238, 100239, 100240, 100241
PLANTED_ORDER_IDS = tuple(range(100234, 100242))
BOB_RMA = "RMA-100239-1"
FIRST_GENERATED_CUSTOMER_ID = 4
FIRST_GENERATED_ORDER_ID = 200000

ALICE_ADDRESS = Address("Alice Moreno", "12 Harbor View", "Seattle", "98101")
BOB_ADDRESS = Address("Bob Chen", "480 Pine Road", "Denver", "80202")
CARLA_ADDRESS = Address("Carla Diaz", "77 Meadow Lane", "Austin", "73301")
GUEST_ADDRESS = Address("Jamie Guest", "5 Spring Street", "Boston", "02108")


@dataclass(frozen=True)
class PlantedProducts:
    """SKUs of the products in the planted orders, by role."""

    skus: dict[str, str]


class _Picker:
    """Finds a deterministic, sensible product for each planted order line."""

    def __init__(self, catalog: CatalogDraft, codes: list[str]) -> None:
        self.catalog = catalog
        self.codes = codes
        self.taken: set[int] = set()

    def in_stock(self, index: int) -> bool:
        return sum(self.catalog.variants[v - 1]["stock"] for v in self.catalog.variant_ids[index]) > 0

    def pick(
        self, code: str, *, level: int = 1, where: Callable[[dict[str, Any]], bool] = lambda p: True
    ) -> int:
        """The first sellable product of `code` that matches `where` at `level`, relaxing both if need be."""
        start, end = self.catalog.category_range[self.codes.index(code)]
        sellable = [
            i
            for i in range(start, end)
            if i not in self.taken
            and self.catalog.products[i]["active"]
            and self.in_stock(i)
            and not self.catalog.products[i]["attributes"].get("final_sale")
        ]
        if not sellable:
            raise ValueError(f"the demo catalog has no sellable product to plant in category {code}")
        fitting = [i for i in sellable if where(self.catalog.products[i])] or sellable
        chosen = next((i for i in fitting if int(self.catalog.level[i]) == level), fitting[0])
        self.taken.add(chosen)
        return chosen


def plant(simulation: Simulation) -> tuple[list[Shopper], PlantedProducts]:
    """Add the planted customers and orders; return Alice and Bob as shoppers (for their browsing)."""
    draft, catalog, now, currency = simulation.draft, simulation.catalog, simulation.now, simulation.currency
    vocabulary, rnd, rng = simulation.vocabulary, simulation.rnd, simulation.rng
    picker = _Picker(catalog, [c.code for c in vocabulary.categories])

    laptop = picker.pick("LAP", where=lambda p: p["attributes"].get("screen_size_in") in (14, 15, 16))
    screen = catalog.products[laptop]["attributes"]["screen_size_in"]
    sleeve = picker.pick("SLV", where=lambda p: p["attributes"].get("fits_screen_size_in") == screen)
    headphones = picker.pick("HPH")
    tshirt = picker.pick("TSH", where=lambda p: "M" in p["attributes"].get("sizes", []))
    catalog.products[tshirt]["attributes"]["final_sale"] = True
    mouse = picker.pick("MOU")
    backpack = picker.pick("BPK")
    tent = picker.pick("TNT", level=2, where=lambda p: p["attributes"].get("persons") == 2)
    boots = picker.pick("BOT", level=2, where=lambda p: "43" in p["attributes"].get("sizes", []))
    socks = picker.pick("SCK", level=2)
    sleeping_bag = picker.pick("SBG", level=2)
    coffee_maker = picker.pick("COF")
    roles = {
        "alice_laptop": laptop,
        "alice_sleeve": sleeve,
        "alice_headphones": headphones,
        "alice_final_sale_tshirt": tshirt,
        "alice_mouse": mouse,
        "alice_backpack": backpack,
        "bob_tent": tent,
        "bob_boots": boots,
        "bob_socks": socks,
        "bob_sleeping_bag": sleeping_bag,
        "guest_coffee_maker": coffee_maker,
    }

    def variant(index: int, size: str | None = None) -> int:
        ids = catalog.variant_ids[index]
        sizes = catalog.products[index]["attributes"].get("sizes", [])
        return ids[sizes.index(size)] if size in sizes else ids[0]

    def line(index: int, size: str | None = None) -> tuple[int, int | None, int, Decimal]:
        return (index + 1, variant(index, size), 1, catalog.products[index]["price"])

    created = now - timedelta(days=400)
    draft.add_customer(ALICE_ID, ALICE_EMAIL, ALICE_ADDRESS, "mainstream", created)
    draft.add_customer(BOB_ID, BOB_EMAIL, BOB_ADDRESS, "premium", created + timedelta(days=35))
    draft.add_customer(CARLA_ID, CARLA_EMAIL, CARLA_ADDRESS, "mainstream", now - timedelta(days=3))

    def days_ago(days: float) -> datetime:
        return now - timedelta(days=days)

    def order(
        order_id: int,
        customer_id: int | None,
        email: str,
        address: Address,
        status: OrderStatus,
        placed_at: datetime,
        lines: list[tuple[int, int | None, int, Decimal]],
    ) -> list[int]:
        return draft.add_order(
            order_id,
            customer_id=customer_id,
            email=email,
            status=status,
            placed_at=placed_at,
            currency=currency,
            lines=lines,
            address=address,
        )

    def shipped(
        order_id: int, carrier: str, tracking: str, at: datetime, eta: datetime, delivered: datetime | None
    ):  # type: ignore[no-untyped-def]
        draft.add_shipment(
            order_id,
            carrier=carrier,
            tracking=tracking,
            shipped_at=at,
            estimated_delivery=eta.date(),
            delivered_at=delivered,
        )
        draft.add_status(order_id, OrderStatus.SHIPPED, at, f"Handed to {carrier}")
        if delivered is not None:
            draft.add_status(order_id, OrderStatus.DELIVERED, delivered)

    def paid(order_id: int, placed_at: datetime) -> None:
        draft.add_status(order_id, OrderStatus.PLACED, placed_at)
        draft.add_status(order_id, OrderStatus.PAID, placed_at + timedelta(minutes=4))

    # Alice: shipped laptop + sleeve, arriving in two days.
    placed = days_ago(3)
    order(
        ALICE_SHIPPED,
        ALICE_ID,
        ALICE_EMAIL,
        ALICE_ADDRESS,
        OrderStatus.SHIPPED,
        placed,
        [line(laptop), line(sleeve)],
    )
    paid(ALICE_SHIPPED, placed)
    shipped(ALICE_SHIPPED, "UPS", "1Z999AA10123456784", days_ago(1), now + timedelta(days=2), None)

    # Alice: just placed, not yet paid; can still be cancelled or get a new address.
    placed = now - timedelta(hours=2)
    order(ALICE_PLACED, ALICE_ID, ALICE_EMAIL, ALICE_ADDRESS, OrderStatus.PLACED, placed, [line(headphones)])
    draft.add_status(ALICE_PLACED, OrderStatus.PLACED, placed)

    # Alice: delivered five days ago; the T-shirt was a final-sale item.
    placed = days_ago(10)
    order(
        ALICE_FINAL_SALE, ALICE_ID, ALICE_EMAIL, ALICE_ADDRESS, OrderStatus.DELIVERED, placed,
        [line(tshirt, "M"), line(mouse)],
    )  # fmt: skip
    paid(ALICE_FINAL_SALE, placed)
    shipped(ALICE_FINAL_SALE, "FedEx", "612999880023", days_ago(8), days_ago(5), days_ago(5))

    # Alice: delivered sixty days ago, outside the return window.
    placed = days_ago(66)
    order(ALICE_OLD, ALICE_ID, ALICE_EMAIL, ALICE_ADDRESS, OrderStatus.DELIVERED, placed, [line(backpack)])
    paid(ALICE_OLD, placed)
    shipped(ALICE_OLD, "USPS", "9400111899223344556677", days_ago(64), days_ago(60), days_ago(60))

    # Bob: paid yesterday, waiting for the warehouse.
    placed = days_ago(1)
    order(BOB_PAID, BOB_ID, BOB_EMAIL, BOB_ADDRESS, OrderStatus.PAID, placed, [line(tent)])
    paid(BOB_PAID, placed)

    # Bob: delivered twelve days ago; the boots came back and await their refund.
    placed = days_ago(18)
    line_ids = order(
        BOB_RETURNED, BOB_ID, BOB_EMAIL, BOB_ADDRESS, OrderStatus.DELIVERED, placed,
        [line(boots, "43"), line(socks, "L")],
    )  # fmt: skip
    paid(BOB_RETURNED, placed)
    shipped(BOB_RETURNED, "DHL", "4829105533", days_ago(16), days_ago(12), days_ago(12))
    boots_price = catalog.products[boots]["price"]
    return_id = draft.add_return(
        BOB_RETURNED,
        reason="Doesn't fit",
        status=ReturnStatus.RECEIVED,
        refund_amount=boots_price,
        created_at=days_ago(8),
        lines=[(line_ids[0], 1)],
    )
    draft.add_refund(
        BOB_RETURNED,
        return_id=return_id,
        amount=boots_price,
        currency=currency,
        status=RefundStatus.PENDING,
        created_at=days_ago(3),
        issued_at=None,
    )

    # Bob: cancelled the day he ordered; the payment was refunded.
    placed = days_ago(20)
    order(
        BOB_CANCELLED,
        BOB_ID,
        BOB_EMAIL,
        BOB_ADDRESS,
        OrderStatus.CANCELLED,
        placed,
        [line(sleeping_bag, "Long")],
    )
    paid(BOB_CANCELLED, placed)
    draft.add_status(
        BOB_CANCELLED,
        OrderStatus.CANCELLED,
        placed + timedelta(hours=3),
        "Cancelled at the customer's request",
    )
    draft.add_refund(
        BOB_CANCELLED,
        return_id=None,
        amount=catalog.products[sleeping_bag]["price"],
        currency=currency,
        status=RefundStatus.ISSUED,
        created_at=placed + timedelta(hours=3),
        issued_at=placed + timedelta(days=1),
    )

    # A guest (no account) whose coffee maker is on its way.
    placed = days_ago(4)
    order(GUEST_SHIPPED, None, GUEST_EMAIL, GUEST_ADDRESS, OrderStatus.SHIPPED, placed, [line(coffee_maker)])
    paid(GUEST_SHIPPED, placed)
    shipped(GUEST_SHIPPED, "UPS", "1Z999AA10987654321", days_ago(2), now + timedelta(days=1), None)

    # Alice and Bob also browse, and their orders came from shopping sessions.
    alice = make_shopper(ALICE_ID, ALICE_EMAIL, ALICE_ADDRESS, vocabulary, rnd, rng,
                         segment="mainstream", departments=["Electronics"])  # fmt: skip
    bob = make_shopper(BOB_ID, BOB_EMAIL, BOB_ADDRESS, vocabulary, rnd, rng,
                       segment="premium", departments=["Outdoor"])  # fmt: skip
    sessions = {
        ALICE_SHIPPED: (alice, [laptop, sleeve]),
        ALICE_PLACED: (alice, [headphones]),
        ALICE_FINAL_SALE: (alice, [tshirt, mouse]),
        ALICE_OLD: (alice, [backpack]),
        BOB_PAID: (bob, [tent]),
        BOB_RETURNED: (bob, [boots, socks]),
        BOB_CANCELLED: (bob, [sleeping_bag]),
    }
    placed_at = {row["id"]: row["placed_at"] for row in draft.orders}
    for order_id, (shopper, items) in sessions.items():
        at = placed_at[order_id]
        simulation.browse(shopper, at - timedelta(minutes=40), purchase=items, purchased_at=at)
    for shopper in (alice, bob):
        for _ in range(8):
            simulation.browse(shopper, now - timedelta(days=rnd.uniform(1, 150)))
    return [alice, bob], PlantedProducts({role: catalog.products[i]["sku"] for role, i in roles.items()})
