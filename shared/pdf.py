"""Vouchers (凭证): PDF with the centre's name, business type, number, date, employer, rows,
totals and a verification code that the gateway can check."""
import hashlib
import hmac
import io
from dataclasses import dataclass, field

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

import logging
import os
from functools import lru_cache
from urllib.parse import urlencode

log = logging.getLogger(__name__)

FALLBACK_FONT = "STSong-Light"  # built into reportlab, never embedded: viewers need Chinese fonts of their own
pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))


@lru_cache(maxsize=None)
def voucher_font(path):
    """The font vouchers are set in: the TrueType font at `path` (a subset of it is embedded, so every
    viewer and printer shows the same glyphs), or the built-in CID font when there is none there."""
    if not path or not os.path.exists(path):
        log.warning("voucher font %s not found: vouchers use %s, which viewers must supply", path, FALLBACK_FONT)
        return FALLBACK_FONT
    name = "Voucher-" + os.path.basename(path).split(".")[0]
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    return name


@lru_cache(maxsize=None)
def _styles(font):
    return (ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1),
            ParagraphStyle("body", fontName=font, fontSize=9, leading=13),
            ParagraphStyle("cell", fontName=font, fontSize=8, leading=10))


@dataclass
class Voucher:
    centre_name: str
    business_type: str            # e.g. 个人开户
    number: str                   # batch or change number
    business_date: str            # YYYY-MM-DD
    employer_name: str
    unit_account: str
    verification_code: str
    columns: list
    rows: list                    # lists of display strings
    totals: list = field(default_factory=list)  # [(label, value)]
    link: str = None              # e.g. the hall's address where the voucher is checked: printed as a QR code


def voucher_code(secret, kind, number, unit_account):
    """16 characters, grouped by four: an HMAC of what the voucher is, under the centre's secret."""
    digest = hmac.new(secret.encode(), f"{kind}|{number}|{unit_account}".encode(), hashlib.sha256)
    code = digest.hexdigest()[:16].upper()
    return "-".join(code[i:i + 4] for i in range(0, 16, 4))


def check_voucher_code(secret, kind, number, unit_account, code):
    expected = voucher_code(secret, kind, number, unit_account)
    given = str(code or "").strip().upper()
    return given.isascii() and hmac.compare_digest(expected, given)


TABLE_CHUNK_ROWS = 200   # a long roster is several tables of fixed column widths: memory stays flat
WRAP_AT = 24             # longer cell texts wrap (Paragraph); short ones are plain strings, much lighter


def facts_code(secret, kind, number, unit_account, facts):
    """The code of what a voucher's QR link says it certifies: the link cannot be changed unseen."""
    return voucher_code(secret, kind, f"{number}|{facts}", unit_account)


def voucher_facts(fields):
    """What the public check page shows of a voucher (nothing the voucher itself does not print)."""
    parts = [fields["business_type"], f"业务日期{fields['business_date']}", f"单位账号{fields['unit_account']}"]
    parts += [f"{label}{value}" for label, value in fields.get("totals", [])[:3]]
    return "；".join(parts)


def verify_link(config, kind, number, unit_account, code, facts):
    """The hall's public page that checks this voucher (printed as its QR code)."""
    secret = config["VOUCHERS"]["secret"]
    query = urlencode({"kind": kind, "number": number, "unit_account": unit_account, "code": code, "facts": facts,
                       "facts_code": facts_code(secret, kind, number, unit_account, facts)})
    return f"{str(config['CENTRE']['public_url']).rstrip('/')}/verify?{query}"


def centre_voucher(config, kind, facts=None, **fields):
    """(verification code, PDF) of a voucher of this centre; `kind` names the business. Every voucher
    carries a QR code of its public check page, with what it certifies (`facts`, by default its
    business, date, employer and first totals)."""
    code = voucher_code(config["VOUCHERS"]["secret"], kind, fields["number"], fields["unit_account"])
    fields.setdefault("link", verify_link(config, kind, fields["number"], fields["unit_account"], code,
                                          facts or voucher_facts(fields)))
    voucher = Voucher(centre_name=config["CENTRE"]["name"], verification_code=code, **fields)
    return code, render_voucher(voucher, voucher_font(config["VOUCHERS"].get("font")))


def render_voucher(voucher, font=FALLBACK_FONT):
    TITLE, BODY, CELL = _styles(font)
    buffer = io.BytesIO()
    wide = len(voucher.columns) > 6
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4) if wide else A4,
                            leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
                            title=f"{voucher.business_type}凭证 {voucher.number}", author=voucher.centre_name)
    head = [
        Paragraph(_escape(voucher.centre_name), TITLE),
        Paragraph(_escape(f"{voucher.business_type}凭证"), TITLE),
        Spacer(1, 4 * mm),
        Paragraph(_escape(f"业务编号：{voucher.number}　　业务日期：{voucher.business_date}"), BODY),
        Paragraph(_escape(f"单位名称：{voucher.employer_name}　　单位账号：{voucher.unit_account}"), BODY),
        Spacer(1, 3 * mm),
    ]
    header = [Paragraph(_escape(c), CELL) for c in voucher.columns]
    widths = [doc.width / len(voucher.columns)] * len(voucher.columns)
    style = TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ])
    tables = []
    for start in range(0, max(len(voucher.rows), 1), TABLE_CHUNK_ROWS):
        data = [header] + [[_cell(v, CELL) for v in row] for row in voucher.rows[start:start + TABLE_CHUNK_ROWS]]
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(style)
        tables.append(table)
    tail = [Spacer(1, 4 * mm)]
    if voucher.totals:
        tail.append(Paragraph(_escape("　　".join(f"{label}：{value}" for label, value in voucher.totals)), BODY))
    tail.append(Paragraph(_escape(f"验证码：{voucher.verification_code}（可在网厅核验本凭证真伪）"), BODY))
    if voucher.link:
        tail += [Spacer(1, 2 * mm), qr_code(voucher.link), Paragraph(_escape(f"扫码核验：{voucher.link}"), CELL)]
    doc.build(head + tables + tail, onFirstPage=_footer(voucher, font), onLaterPages=_footer(voucher, font))
    return buffer.getvalue()


QR_SIZE = 32 * mm


def qr_code(text):
    """A QR code of `text`, QR_SIZE square, as a flowable."""
    widget = QrCodeWidget(text)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(QR_SIZE, QR_SIZE, transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0])
    drawing.add(widget)
    return drawing


def _cell(value, style):
    text = "" if value is None else str(value)
    return Paragraph(_escape(text), style) if len(text) > WRAP_AT else text


def _escape(value):
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _footer(voucher, font):
    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawRightString(doc.pagesize[0] - 15 * mm, 8 * mm,
                               f"{voucher.business_type}凭证 {voucher.number}  第{doc.page}页")
        canvas.restoreState()
    return draw
