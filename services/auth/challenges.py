"""Captcha images and SMS codes, and the keyed digests they are stored as."""
import hashlib
import hmac
import io
import random
import secrets

from PIL import Image, ImageDraw, ImageFilter, ImageFont

# No look-alikes (0/O, 1/I/L, 2/Z, 5/S, 8/B), so a clerk can read every answer.
CAPTCHA_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
_WIDTH, _HEIGHT = 150, 50


def digest(secret, value):
    """Captchas and codes are short: a keyed digest, so a copy of the table does not reveal them."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def matches(secret, value, stored_digest):
    return hmac.compare_digest(digest(secret, value), stored_digest)


def new_captcha_answer(min_length, max_length):
    length = min_length + secrets.randbelow(max_length - min_length + 1)
    return "".join(secrets.choice(CAPTCHA_ALPHABET) for _ in range(length))


def new_sms_code():
    return f"{secrets.randbelow(10 ** 6):06d}"


def captcha_png(answer):
    """The answer drawn with jittered, rotated letters over noise lines and dots."""
    rng = random.Random(secrets.randbits(64))
    image = Image.new("RGB", (_WIDTH, _HEIGHT), (235 + rng.randrange(20), 240, 235 + rng.randrange(20)))
    font = ImageFont.load_default(size=30)
    step = (_WIDTH - 20) / len(answer)
    for index, char in enumerate(answer):
        glyph = Image.new("RGBA", (40, 44), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((6, 2), char, font=font,
                                   fill=(rng.randrange(10, 120), rng.randrange(10, 120), rng.randrange(10, 120)))
        glyph = glyph.rotate(rng.uniform(-30, 30), resample=Image.BICUBIC, expand=False)
        image.paste(glyph, (int(10 + index * step + rng.uniform(-3, 3)), rng.randrange(0, 8)), glyph)
    draw = ImageDraw.Draw(image)
    for _ in range(5):
        draw.line([(rng.randrange(_WIDTH), rng.randrange(_HEIGHT)) for _ in range(2)],
                  fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)), width=2)
    for _ in range(300):
        draw.point((rng.randrange(_WIDTH), rng.randrange(_HEIGHT)),
                   fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    out = io.BytesIO()
    image.filter(ImageFilter.SMOOTH).save(out, format="PNG")
    return out.getvalue()
