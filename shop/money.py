"""Money arithmetic and display: Decimal amounts rounded to cents, shown with the currency."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def to_cents(amount: Decimal | int | str) -> Decimal:
    """`amount` rounded half-up to cents (what a payment provider would charge or refund)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal | int | str, currency: str) -> str:
    """'$1,299.00', '€12.50'; an unknown currency as '12.50 CHF'."""
    value = to_cents(amount)
    symbol = _SYMBOLS.get(currency.upper())
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.2f}" if symbol else f"{sign}{abs(value):,.2f} {currency.upper()}"
