"""Reading a voucher back: its pages and its text, whichever font it is set in."""
import io

from pypdf import PdfReader


def page_count(pdf):
    return len(PdfReader(io.BytesIO(pdf)).pages)


def text_of(pdf):
    """The text of every page, as a viewer extracts it (through the fonts' character maps)."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def check_link_of(pdf):
    """The public check address a voucher prints under its QR code (the same text the code holds),
    as one line however the PDF wrapped it."""
    text = text_of(pdf)
    start = text.index("扫码核验：") + len("扫码核验：")
    return "".join(text[start:].split()).split("第")[0]
