"""Just enough PDF reading to check a voucher: its pages and the text drawn in CID fonts."""
import base64
import re
import zlib

_STREAM = re.compile(rb"(?<!end)stream\r?\n(.*?)\s*endstream", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")
_LITERAL = re.compile(rb"\((.*?)(?<!\\)\)", re.S)


def page_count(pdf):
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def text_of(pdf):
    """The UCS-2 text shown on every page (reportlab's built-in CID fonts draw it so)."""
    chunks = []
    for raw in _STREAM.findall(pdf):
        try:  # reportlab's streams are ASCII85 over Flate
            content = zlib.decompress(base64.a85decode(raw.strip().removesuffix(b"~>")))
        except (ValueError, zlib.error):
            content = raw
        for literal in _LITERAL.findall(content):
            data = re.sub(rb"\\([()\\])", rb"\1", literal)
            data = re.sub(rb"\\([0-7]{1,3})", lambda m: bytes([int(m[1], 8)]), data)
            chunks.append(data)
        chunks.extend(bytes.fromhex(h.decode()) for h in _HEX.findall(content) if len(h) % 4 == 0)
    return "".join(chunk.decode("utf-16-be", errors="ignore") for chunk in chunks if len(chunk) % 2 == 0)
