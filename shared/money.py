"""Money is Decimal end to end; rounding unit and mode are policy, not literals."""
import re
from decimal import ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_DOWN, Decimal, InvalidOperation

from shared.text import normalize_text, typed_pattern

ROUNDING_UNITS = {"yuan": Decimal("1"), "fen": Decimal("0.01")}
ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}
CENT = Decimal("0.01")
MAX_DIGITS = 12  # integer digits, as NUMERIC(14, 2) holds them: nothing the hall handles reaches a trillion yuan
# how people write an amount: ASCII digits (full-width ones are made so first), a point, commas;
# Decimal alone would also take "5_000", "1E+3" and digits of other scripts
_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


class MoneyError(ValueError):
    """Not an amount of money; the message is for the clerk."""


def percent(rate):
    """A rate as a percentage's digits: 0.1200 → "12", 0.075 → "7.5"."""
    return f"{(Decimal(rate) * 100).normalize():f}"


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


def amount_pattern(max_places=2, signed=True):
    """The OpenAPI pattern of what `to_money(value, max_places)` takes: _AMOUNT with at most
    `max_places` places, full-width forms, commas and blanks around as normalize_text and to_money
    drop them (how many integer digits it allows is its own: leading zeros do not count)."""
    sign = "-?" if signed else ""
    return typed_pattern(rf"{sign}[0-9]+(\.[0-9]{{1,{max_places}}})?", ignored=",")


def round_money(amount, unit="yuan", mode="half_up"):
    """Round by the policy's unit (yuan or fen) and mode; result keeps two places."""
    try:
        quantum, rounding = ROUNDING_UNITS[unit], ROUNDING_MODES[mode]
    except KeyError:
        raise ValueError(f"unknown rounding policy {unit}/{mode}") from None
    return Decimal(amount).quantize(quantum, rounding=rounding).quantize(CENT)


def money_str(amount):
    return str(Decimal(amount).quantize(CENT))


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def _capital_group(number):
    """0 < number < 10000 in capitals, zeros inside it read once (1010 → 壹仟零壹拾)."""
    text, zero = "", False
    for place in (3, 2, 1, 0):
        digit = number // 10 ** place % 10
        if digit == 0:
            zero = zero or bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += _DIGITS[digit] + _PLACES[place]
    return text


def _capital_integer(number):
    groups = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    text, gap = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            gap = gap or bool(text)
            continue
        if text and (gap or group < 1000):
            text += "零"
        text += _capital_group(group) + _GROUPS[index]
        gap = False
    return text


def capital_amount(amount):
    """人民币大写 of an amount in yuan, as written on payment vouchers:
    1234.50 → 壹仟贰佰叁拾肆元伍角整, 1004.05 → 壹仟零肆元零伍分, 0 → 零元整."""
    amount = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "负" if amount < 0 else ""
    fen_total = int(abs(amount) * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if yuan == 0 and jiao == 0 and fen == 0:
        return "零元整"
    if abs(yuan) >= 10 ** 16:
        raise ValueError("amount too large for capitals")
    text = _capital_integer(yuan) + "元" if yuan else ""
    if jiao:
        text += _DIGITS[jiao] + "角"
    if fen:
        text += ("零" if yuan and not jiao else "") + _DIGITS[fen] + "分"
    else:
        text += "整"
    return sign + text
