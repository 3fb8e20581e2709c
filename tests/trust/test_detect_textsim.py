"""Near-duplicate texts: 3-gram shingles, MinHash and LSH banding."""

from __future__ import annotations

import random

from quanzi.trust.detect import textsim

TEMPLATE = "宝贝收到了，质量非常好，和描述的一模一样，卖家服务态度超级好，物流速度很快，强烈推荐！"


def _organic(rng: random.Random, n: int) -> dict[str, str]:
    subjects = ["味道", "包装", "物流", "客服", "口感", "做工", "颜色", "尺寸", "分量", "香气"]
    predicates = ["很不错", "一般般", "比想象中好", "有点失望", "超出预期", "还可以", "很精致"]
    predicates += ["和描述有差距", "挺满意的", "有待改进", "偏甜了一点", "中规中矩", "没得挑"]
    return {
        f"o{i:03d}": "，".join(
            rng.choice(subjects) + rng.choice(predicates) for _ in range(rng.randint(2, 4))
        )
        for i in range(n)
    }


def test_given_a_text_when_shingled_then_punctuation_and_spaces_do_not_count() -> None:
    assert textsim.shingles("质量 很好！") == textsim.shingles("质量很好")
    assert textsim.shingles("质量很好") == frozenset({"质量很", "量很好"})
    assert textsim.normalise("ＡＢＣ，好") == "abc好"


def test_given_a_template_with_edits_when_clustered_then_its_copies_are_one_cluster() -> None:
    rng = random.Random(1)
    texts = _organic(rng, 200)
    copies = {
        "t1": TEMPLATE,
        "t2": "亲们" + TEMPLATE,
        "t3": TEMPLATE.replace("强烈推荐", "必须好评"),
        "t4": TEMPLATE.replace("，", " ") + "哈哈",
    }
    texts.update(copies)

    clusters = textsim.near_duplicates(texts)

    assert sorted(copies) in clusters
    assert all(not set(c) & set(copies) or set(c) == set(copies) for c in clusters)


def test_given_texts_sharing_some_words_when_clustered_then_they_stay_apart() -> None:
    a = "这款咖啡豆酸度刚好，手冲很推荐，下次还会回购"
    b = "这款咖啡豆有点苦，做拿铁还行，不太适合手冲"
    assert textsim.jaccard(textsim.shingles(a), textsim.shingles(b)) < 0.6

    assert textsim.near_duplicates({"a": a, "b": b}) == []


def test_given_short_texts_when_clustered_then_they_are_left_out() -> None:
    texts = {f"r{i}": "好评好评" for i in range(10)}

    assert textsim.near_duplicates(texts) == []
    assert textsim.near_duplicates(texts, min_shingles=1) == [sorted(texts)]


def test_given_the_same_texts_when_clustered_twice_then_the_clusters_are_the_same() -> None:
    rng = random.Random(2)
    texts = _organic(rng, 300)
    texts.update({f"t{i}": TEMPLATE + "！" * i for i in range(5)})

    assert textsim.near_duplicates(texts) == textsim.near_duplicates(dict(reversed(texts.items())))


def test_given_sets_when_signed_then_equal_sets_have_equal_signatures() -> None:
    a = textsim.shingles(TEMPLATE)
    b = textsim.shingles("完全不同的一句话，说的是别的事情")

    sig = textsim.signatures([a, a, b])

    assert (sig[0] == sig[1]).all()
    assert (sig[0] != sig[2]).mean() > 0.5
