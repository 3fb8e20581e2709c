"""The keyword baseline: fixed cue words for wishes, sentiment and motives, exact-text paraphrase
groups, topics by the first keyword. It is what every better model is measured against."""

from __future__ import annotations

import re
from collections.abc import Sequence

from quanzi.needs.text.base import Analysis, Motive, Sentiment, Span

WISH_CUES = ("希望有", "希望能", "能不能出", "能不能有", "可不可以出", "想要", "有没有", "求")
_WISH_END = re.compile(r"[，,。.！!？?~～；;\s]|吗|呀|啊|呢|吧")

POSITIVE_WORDS = (
    "好吃",
    "喜欢",
    "不错",
    "满意",
    "推荐",
    "好用",
    "很棒",
    "超赞",
    "赞",
    "回购",
    "惊喜",
)
NEGATIVE_WORDS = ("难吃", "失望", "差", "退货", "坏了", "慢", "贵", "投诉", "假货", "不好", "垃圾")

MOTIVE_CUES: dict[Motive, tuple[str, ...]] = {
    Motive.FUNCTION: ("好用", "功能", "效果", "方便"),
    Motive.QUALITY: ("质量", "做工", "材质", "新鲜"),
    Motive.PRICE: ("便宜", "价格", "划算", "优惠", "贵"),
    Motive.GIFT: ("送", "礼物", "生日", "礼盒"),
    Motive.STATUS: ("有面子", "高级", "档次", "显得"),
    Motive.SELF_REWARD: ("犒劳", "奖励自己", "对自己好"),
    Motive.STRESS_RELIEF: ("解压", "放松", "心情不好", "累了"),
    Motive.BELONGING: ("大家", "一起", "圈里", "姐妹们"),
}


def _wishes(text: str) -> tuple[Span, ...]:
    spans: list[Span] = []
    for cue in WISH_CUES:
        for match in re.finditer(re.escape(cue), text):
            start = match.end()
            stop = _WISH_END.search(text, start)
            end = stop.start() if stop else len(text)
            if end > start and not any(s.start <= start < s.end for s in spans):
                spans.append(Span(start, end, text[start:end]))
    return tuple(sorted(spans, key=lambda s: s.start))


def _keywords(text: str) -> tuple[str, ...]:
    import jieba.analyse

    return tuple(jieba.analyse.extract_tags(text, topK=5))


class RuleModel:
    name = "rules"

    def analyze(self, texts: Sequence[str]) -> list[Analysis]:
        out = []
        for text in texts:
            pos = sum(text.count(w) for w in POSITIVE_WORDS)
            neg = sum(text.count(w) for w in NEGATIVE_WORDS)
            score = 0.0 if pos == neg else (pos - neg) / (pos + neg)
            sentiment = (
                Sentiment.POSITIVE
                if score > 0
                else Sentiment.NEGATIVE
                if score < 0
                else Sentiment.NEUTRAL
            )
            motives = tuple(m for m, cues in MOTIVE_CUES.items() if any(c in text for c in cues))
            out.append(Analysis(sentiment, score, _wishes(text), motives, _keywords(text)))
        return out

    def group(self, phrases: Sequence[str]) -> list[int]:
        return _first_seen_labels([p.strip() for p in phrases])

    def topics(self, texts: Sequence[str], k: int) -> list[int]:
        firsts = [(_keywords(t) or ("",))[0] for t in texts]
        common = [w for w, _ in _counts(firsts)[: max(k - 1, 0)]]
        return _first_seen_labels([w if w in common else "" for w in firsts])


def _counts(items: Sequence[str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])


def _first_seen_labels(keys: Sequence[str]) -> list[int]:
    seen: dict[str, int] = {}
    return [seen.setdefault(key, len(seen)) for key in keys]
