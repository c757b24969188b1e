"""What a clerk types, made plain: full-width forms as he means them, hidden characters refused."""
import re

_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: ord(" ")}
# zero-width characters, bidirectional controls and the soft hyphen: they can make a name or an
# address on a voucher read as something else, and no clerk types them on purpose
HIDDEN = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")


def normalize_text(value):
    """Trim; full-width ASCII (digits, letters, punctuation) and ideographic spaces to half-width."""
    return str(value).translate(_HALF_WIDTH).strip()


def has_hidden(text):
    return bool(HIDDEN.search(text))
