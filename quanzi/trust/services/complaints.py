"""What counts as a complaint, what it is about, and when two complaints are one message shared
again: pure code over plain values (the detection in `services.alerts` loads the rows).

A text is a complaint when the text model found it negative, when it holds one of the complaint
words below (a buyer may complain politely: "退款什么时候到" is neutral to a sentiment model),
or when it is a buyer's words in an after-sales thread. What a complaint is about: the product
the text carries (a review, an after-sales request, a note's product) or, for chat, the store
product whose name it mentions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q

from quanzi.needs.models import Source
from quanzi.needs.text.base import Sentiment

# Words that make a text a complaint whatever its sentiment score. Kept specific: words that
# also mean something harmless (烂 in 灿烂, 坑 in 坑位) are left out.
COMPLAINT_WORDS: tuple[str, ...] = (
    "质量差",
    "质量不好",
    "质量太差",
    "假货",
    "假的",
    "退款",
    "退货",
    "投诉",
    "坏了",
    "坏的",
    "破损",
    "漏了",
    "漏液",
    "发霉",
    "过期",
    "变质",
    "骗",
    "差评",
    "上当",
    "不能用",
    "没法用",
    "用不了",
    "太差",
    "垃圾",
    "失望",
    "难吃",
    "难喝",
    "异味",
    "发错",
    "少发",
    "没收到",
    "不发货",
    "客服不理",
    "不理人",
    "掉色",
    "烂了",
    "维权",
    "黑心",
)

# A chat text shorter than this (letters, digits and CJK characters only) is too short to say
# it is the same message as another: "太差了" in two circles is two people, not a share.
MIN_SHARED_CHARS = 8
SHARED_SIMILARITY = 0.6  # Jaccard of character bigrams


def complaint_words_in(text: str) -> list[str]:
    return [word for word in COMPLAINT_WORDS if word in text]


def is_complaint(source: str, sentiment: str, text: str) -> bool:
    return (
        sentiment == Sentiment.NEGATIVE
        or source == Source.AFTER_SALE
        or any(word in text for word in COMPLAINT_WORDS)
    )


def complaint_q() -> Q:
    """The same test in SQL, over `needs.TextItem` rows."""
    words = reduce(or_, (Q(text__contains=word) for word in COMPLAINT_WORDS))
    return Q(sentiment=Sentiment.NEGATIVE) | Q(source=Source.AFTER_SALE) | words


# --- What a chat text is about ----------------------------------------------------------------

_SPLIT = re.compile(r"[\s\-_/|,，.。·・:：;；()（）\[\]【】「」《》+&~～!！?？]+")
MAX_NAME = 30


def _cjk_count(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch) == "Lo")


def product_names(title: str) -> list[str]:
    """What people call a product in chat: its title, each part of it with at least two CJK
    characters, and the endings of a longer Chinese part, where its head noun is ("玫瑰鲜花饼
    12枚装" → the title, 玫瑰鲜花饼, 12枚装, 鲜花饼, 花饼, 瑰鲜花饼; a name several products share
    names none)."""
    title = title.strip()
    names = [title] if 2 <= len(title) <= MAX_NAME else []
    for part in _SPLIT.split(title):
        if part and part != title and _cjk_count(part) >= 2 and len(part) <= MAX_NAME:
            names.append(part)
        if _cjk_count(part) >= 3 and _cjk_count(part) == len(part) and len(part) <= MAX_NAME:
            names.extend(part[start:] for start in range(1, len(part) - 1))
    return list(dict.fromkeys(names))


@dataclass(frozen=True)
class ProductMatcher:
    """The store's product names, each naming one product (a part of several titles, such as
    礼盒, names none)."""

    names: Mapping[str, str]  # name → product id
    lengths: tuple[int, ...]  # the names' lengths, longest first

    @classmethod
    def of(cls, products: Iterable[tuple[str, str]]) -> ProductMatcher:
        """From (product id, title) pairs."""
        owners: dict[str, set[str]] = {}
        for product_id, title in products:
            for name in product_names(title):
                owners.setdefault(name, set()).add(product_id)
        names = {name: next(iter(ids)) for name, ids in owners.items() if len(ids) == 1}
        lengths = tuple(sorted({len(n) for n in names}, reverse=True))
        return cls(names, lengths)

    def names_of(self, product_id: str) -> list[str]:
        return [name for name, pid in self.names.items() if pid == product_id]

    def find(self, text: str) -> str | None:
        """The product whose name the text mentions (the longest name wins), or None."""
        if not self.names:
            return None
        for length in self.lengths:
            for start in range(0, len(text) - length + 1):
                found = self.names.get(text[start : start + length])
                if found is not None:
                    return found
        return None


# --- The same message in several circles ------------------------------------------------------


def normalise(text: str) -> str:
    """Letters, digits and CJK characters only, case folded (a forward's 【转】 and its
    punctuation do not make it another text)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def same_message(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= SHARED_SIMILARITY
