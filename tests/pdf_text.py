"""The text a voucher draws, read back from its PDF (reportlab, the CID font, no extra tools)."""
import base64
import re
import zlib

_STREAM = re.compile(rb"/Filter \[ /ASCII85Decode /FlateDecode \].*?stream\r?\n(.*?)endstream", re.S)
_SHOWN = re.compile(rb"\(((?:\\.|[^\\)])*)\) Tj")
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)


def _literal(raw):
    def unescape(m):
        code = m.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(code, code)
    return _ESCAPE.sub(unescape, raw)


def pdf_lines(pdf):
    """One string per text object (BT … ET) the PDF draws, in order."""
    lines = []
    for stream in _STREAM.finditer(pdf):
        content = zlib.decompress(base64.a85decode(stream.group(1).strip(), adobe=True))
        for block in content.split(b"BT ")[1:]:
            shown = [_literal(m.group(1)) for m in _SHOWN.finditer(block.split(b"ET")[0])]
            if shown:
                lines.append("".join(part.decode("utf-16-be") for part in shown))
    return lines
