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


def full_width(c):
    """The full-width form of a printable ASCII character (what `normalize_text` makes half-width), else ""."""
    return chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ""


def _variants(c, upper):
    """`c` as a clerk may type it: itself and its full-width form (and lower case when it is upper-cased first)."""
    chars = [c] + ([c.lower()] if upper and c.isupper() else [])
    return "".join(re.escape(ch) + full_width(ch) for ch in chars)


def _class_items(items, upper):
    out, i = [], 0
    while i < len(items):
        c = items[i]
        if c == "\\":
            c, i = items[i + 1], i + 1
        if i + 2 < len(items) and items[i + 1] == "-":  # a range a-z
            low, high = c, items[i + 2]
            out.append(f"{low}-{high}{full_width(low)}-{full_width(high)}")
            if upper and low.isupper():
                out.append(f"{low.lower()}-{high.lower()}{full_width(low.lower())}-{full_width(high.lower())}")
            i += 3
        else:
            out.append(_variants(c, upper))
            i += 1
    return "".join(out)


def typed_pattern(rule, *, upper=False, blank_ok=False, ignored=""):
    """The OpenAPI pattern of what a clerk may type for a value that `normalize_text` (then
    `.upper()` when `upper`, then dropping the `ignored` characters) makes fully match `rule`:
    every character of the rule also in its full-width form, blanks around the whole, the
    ignored characters anywhere inside. `rule` is a plain regex: literal characters, [classes]
    without negation, (groups), |, ? * + and {m,n}."""
    gap = f"[{_class_items(ignored, False)}]*" if ignored else ""
    out, i = [], 0
    while i < len(rule):
        c = rule[i]
        if c in "()|?*+":
            out.append(c)
            i += 1
            continue
        if c == "{":
            end = rule.index("}", i) + 1
            out.append(rule[i:end])
            i = end
            continue
        if c == "[":
            end = rule.index("]", i + 2)
            if rule[i + 1] == "^":
                raise ValueError(f"a negated class cannot be widened: {rule}")
            atom, i = f"[{_class_items(rule[i + 1:end], upper)}]", end + 1
        elif c == "\\":
            atom, i = f"[{_variants(rule[i + 1], upper)}]", i + 2
        else:
            atom, i = f"[{_variants(c, upper)}]", i + 1
        out.append(f"(?:{atom}{gap})" if gap else atom)
    body = gap + "".join(out)
    return rf"^\s*({body})?\s*$" if blank_ok else rf"^\s*{body}\s*$"
