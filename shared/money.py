"""Money is Decimal end to end; rounding unit and mode are policy, not literals."""
import re
from decimal import ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_DOWN, Decimal, InvalidOperation

from shared.text import normalize_text

ROUNDING_UNITS = {"yuan": Decimal("1"), "fen": Decimal("0.01")}
ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}
CENT = Decimal("0.01")
MAX_DIGITS = 13  # integer digits: nothing the hall handles reaches ten trillion yuan
# how people write an amount: ASCII digits (full-width ones are made so first), a point, commas;
# Decimal alone would also take "5_000", "1E+3" and digits of other scripts
_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


class MoneyError(ValueError):
    """Not an amount of money; the message is for the clerk."""


def to_money(value, max_places=2):
    """Parse an amount given as str/int/Decimal (never float) to Decimal."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    if isinstance(value, Decimal):
        amount = value
    else:
        text = normalize_text(value if value is not None else "").replace(",", "")
        if not _AMOUNT.fullmatch(text):
            raise MoneyError("金额格式不正确")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise MoneyError("金额格式不正确") from None
    if not amount.is_finite() or amount.adjusted() >= MAX_DIGITS:
        raise MoneyError("金额格式不正确")
    if -amount.as_tuple().exponent > max_places:
        raise MoneyError(f"金额最多保留{max_places}位小数")
    return amount


def round_money(amount, unit="yuan", mode="half_up"):
    """Round by the policy's unit (yuan or fen) and mode; result keeps two places."""
    try:
        quantum, rounding = ROUNDING_UNITS[unit], ROUNDING_MODES[mode]
    except KeyError:
        raise ValueError(f"unknown rounding policy {unit}/{mode}") from None
    return Decimal(amount).quantize(quantum, rounding=rounding).quantize(CENT)


def money_str(amount):
    return str(Decimal(amount).quantize(CENT))
