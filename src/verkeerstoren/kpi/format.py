"""Dutch number formatting for dashboards and the report (decimal comma, dot thousands)."""

from __future__ import annotations

SUFFIX = {"percent": "%", "days": " dagen", "hours": " uur", "eur": "", "count": "",
          "score": "", "text": ""}


def number(value: float | None, decimals: int = 1) -> str:
    """1234.5 → "1.234,5"; whole numbers without decimals; None → "–"."""
    if value is None:
        return "–"
    if float(value).is_integer():
        decimals = 0
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def value(amount: float | None, unit: str) -> str:
    """A value with its unit: "91,5%", "€ 3.230", "13,1 uur"."""
    if amount is None:
        return "–"
    if unit == "eur":
        return f"€ {number(amount, 0)}"
    return number(amount) + SUFFIX.get(unit, "")
