"""The couriers (快递公司) a store ships with: their codes, names, the shape of their tracking
numbers and, where the courier has one, the public page that tracks a parcel.

An order keeps in `carrier` a courier's code ("SF"), or the name the merchant typed for a
courier that is not in the list ("other"). Orders shipped before the list keep the free text
they were given and show it as it was; a name that is a known courier's ("顺丰速运") still gets
its tracking link. What the merchant gives when shipping is read by `clean_shipment`: a code, a
courier's name in any language Quanzi speaks or a usual short name ("顺丰", "中通快递"), or
"other" with the courier's name; a known courier's tracking number must have its shape.

The tracking page templates are the couriers' own public pages; a courier without one here
shows its number without a link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from quanzi.core import validation
from quanzi.core.errors import CoreCode, InvalidInput
from quanzi.orders.errors import OrderCode

OTHER = "other"  # the choice of a courier that is not in the list: its name is typed
MAX_NAME = 40  # Order.carrier
MAX_NUMBER = 60  # Order.tracking_number
ANY_NUMBER = re.compile(r"[A-Za-z0-9\-]+")  # what any courier's tracking number is made of


@dataclass(frozen=True)
class Carrier:
    code: str
    name: Promise
    pattern: str  # a tracking number, upper-cased, matches it whole
    shape: Promise  # the pattern in words, for the refusal
    example: str
    track_url: str = ""  # the public tracking page, "{number}" standing for the number
    aliases: tuple[str, ...] = ()  # other names merchants write (a file format: not translated)

    def accepts(self, number: str) -> bool:
        return re.fullmatch(self.pattern, number) is not None

    def tracking_url(self, number: str) -> str:
        return self.track_url.replace("{number}", quote(number, safe="")) if self.track_url else ""


CARRIERS: tuple[Carrier, ...] = (
    Carrier(
        "SF",
        _("SF Express"),
        r"SF\d{12,15}|\d{12}",
        _("SF and 12 to 15 digits, or 12 digits"),
        "SF1234567890123",
        "https://www.sf-express.com/chn/sc/waybill/waybill-detail/{number}",
        ("顺丰", "顺丰速运", "顺丰快递", "顺丰物流", "shunfeng"),
    ),
    Carrier(
        "ZTO",
        _("ZTO Express"),
        r"\d{12,15}",
        _("12 to 15 digits"),
        "731234567890123",
        aliases=("中通", "中通快递", "中通速递", "zhongtong"),
    ),
    Carrier(
        "YTO",
        _("YTO Express"),
        r"YT\d{12,15}|\d{10,13}",
        _("YT and 12 to 15 digits, or 10 to 13 digits"),
        "YT1234567890123",
        aliases=("圆通", "圆通速递", "圆通快递", "yuantong"),
    ),
    Carrier(
        "YUNDA",
        _("Yunda Express"),
        r"\d{13,15}",
        _("13 to 15 digits"),
        "4312345678901",
        aliases=("韵达", "韵达快递", "韵达速递"),
    ),
    Carrier(
        "STO",
        _("STO Express"),
        r"\d{12,15}",
        _("12 to 15 digits"),
        "773123456789012",
        aliases=("申通", "申通快递", "shentong"),
    ),
    Carrier(
        "JTEXPRESS",
        _("J&T Express"),
        r"JT\d{13,15}",
        _("JT and 13 to 15 digits"),
        "JT5012345678901",
        aliases=("极兔", "极兔速递", "极兔快递", "J&T", "JT", "jitu"),
    ),
    Carrier(
        "EMS",
        _("China Post EMS"),
        r"\d{13}|[A-Z]{2}\d{9}[A-Z]{2}",
        _("13 digits, or 2 letters, 9 digits and 2 letters"),
        "1012345678901",
        "https://www.ems.com.cn/queryList?mailNum={number}",
        ("邮政", "中国邮政", "邮政EMS", "中国邮政EMS", "邮政快递", "邮政快递包裹", "youzheng"),
    ),
    Carrier(
        "JD",
        _("JD Logistics"),
        r"JD[0-9A-Z]{11,16}",
        _("JD and 11 to 16 letters or digits"),
        "JDVA01234567890",
        "https://www.jdl.com/orderSearch/?waybillCodes={number}",
        ("京东", "京东物流", "京东快递", "jingdong"),
    ),
    Carrier(
        "DEPPON",
        _("Deppon Express"),
        r"DPK\d{12,15}|\d{8,12}",
        _("DPK and 12 to 15 digits, or 8 to 12 digits"),
        "DPK360123456789",
        aliases=("德邦", "德邦快递", "德邦物流", "debang"),
    ),
    Carrier(
        "BEST",
        _("BEST Express"),
        r"\d{12,15}",
        _("12 to 15 digits"),
        "551234567890",
        aliases=("百世", "百世快递", "百世汇通", "汇通", "HTKY"),
    ),
)
BY_CODE: dict[str, Carrier] = {carrier.code: carrier for carrier in CARRIERS}
OTHER_LABEL = _("Other courier")


def _key(text: str) -> str:
    return "".join(text.split()).casefold()


@cache
def _names() -> dict[str, Carrier]:
    """Every name that finds a courier: its code, its name in each language, its aliases."""
    names: dict[str, Carrier] = {}
    for carrier in CARRIERS:
        for alias in (carrier.code, *carrier.aliases):
            names[_key(alias)] = carrier
        for language, _label in settings.LANGUAGES:
            with translation.override(language):
                names[_key(str(carrier.name))] = carrier
    return names


def carrier_of(stored: str) -> Carrier | None:
    """The courier an order's `carrier` names: its code, or (orders shipped before the list,
    API clients that send a name) one of its names."""
    return BY_CODE.get(stored) or _names().get(_key(stored))


def carrier_label(stored: str) -> str:
    """What a person reads of an order's `carrier`: a courier's name in their language, or the
    name as it was typed."""
    carrier = BY_CODE.get(stored)
    return str(carrier.name) if carrier else stored


def tracking_url(stored: str, number: str) -> str:
    """The courier's public page tracking this parcel, or "" when it has none (or is unknown)."""
    carrier = carrier_of(stored) if stored and number else None
    return carrier.tracking_url(number) if carrier else ""


@dataclass(frozen=True)
class Shipment:
    """A checked courier and tracking number, as an order keeps them."""

    carrier: str  # a courier's code, or the name of another courier
    tracking_number: str
    known: Carrier | None  # None: another courier, whose numbers have no known shape

    @property
    def label(self) -> str:
        return carrier_label(self.carrier)


def _text(value: object, limit: int, field: str, missing: Promise) -> str:
    return validation.clean_text(
        value,
        field=field,
        max_length=limit,
        required=True,
        missing=missing,
        missing_code=CoreCode.REQUIRED,
        too_long_code=CoreCode.TOO_LONG,
    )


def clean_tracking_number(tracking_number: object, field: str = "tracking_number") -> str:
    """A tracking number of any courier: required, at most MAX_NUMBER characters, only
    letters, digits and '-' (a 400 naming the field otherwise)."""
    number = _text(tracking_number, MAX_NUMBER, field, _("Enter the tracking number."))
    if ANY_NUMBER.fullmatch(number) is None:
        raise InvalidInput(
            _("A tracking number has only letters, digits and '-'."),
            code=OrderCode.INVALID_TRACKING_NUMBER,
            field=field,
        )
    return number


def clean_shipment(carrier: object, tracking_number: object, carrier_name: object = "") -> Shipment:
    """The courier and tracking number a merchant gave, checked: `carrier` is a code, a
    courier's name, or OTHER with the courier's name in `carrier_name` (a name that is not a
    known courier's is another courier). A known courier's number, upper-cased, must have its
    shape; any number has only letters, digits and '-'. Every refusal is a 400 naming the field."""
    text = _text(carrier, MAX_NAME, "carrier", _("Choose the courier."))
    if text.casefold() == OTHER:
        text = _text(carrier_name, MAX_NAME, "carrier_name", _("Write the name of the courier."))
    known = carrier_of(text)
    number = clean_tracking_number(tracking_number)
    if known is None:
        return Shipment(text, number, None)
    number = number.upper()
    if not known.accepts(number):
        raise InvalidInput(
            _("%(carrier)s tracking numbers are %(shape)s, for example %(example)s.")
            % {"carrier": known.name, "shape": known.shape, "example": known.example},
            code=OrderCode.INVALID_TRACKING_NUMBER,
            field="tracking_number",
        )
    return Shipment(known.code, number, known)


def choices() -> list[tuple[str, str]]:
    """The couriers of a select, in the reader's language, "other" last."""
    return [(carrier.code, str(carrier.name)) for carrier in CARRIERS] + [(OTHER, str(OTHER_LABEL))]


def form_choice(stored: str) -> tuple[str, str]:
    """(the select's value, the other courier's name) that show a stored `carrier` in a form:
    the last courier a store used is the next shipment's default."""
    if not stored:
        return "", ""
    carrier = carrier_of(stored)
    return (carrier.code, "") if carrier else (OTHER, stored)


def parse_ship_note(note: str) -> tuple[str, str] | None:
    """(carrier, tracking number) of the note a shipment left on the timeline ("SF SF123…";
    before the list, "顺丰速运 SF123…"), or None when the note is not one."""
    carrier, _sep, number = note.strip().rpartition(" ")
    if not carrier or not number or ANY_NUMBER.fullmatch(number) is None:
        return None
    return carrier, number
