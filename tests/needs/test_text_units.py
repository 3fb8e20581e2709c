"""The local text model, case by case: wish spans, negation, paraphrase groups, topics."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from quanzi.needs.text import local
from quanzi.needs.text.base import Motive, Sentiment
from quanzi.needs.text.local import LocalModel, extract_wishes, topic_labels


def wishes(text: str) -> list[str]:
    spans = extract_wishes(text)
    assert all(text[s.start : s.end] == s.text for s in spans)
    return [s.text for s in spans]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("希望有无糖款，控糖期也想吃", ["无糖款"]),
        ("能不能出个大袋装啊", ["大袋装"]),
        ("想要家庭装，家里孩子多", ["家庭装"]),
        ("有没有大码？", ["大码"]),
        ("求试用装！想先试试", ["试用装"]),
        ("要是有小包装就好了", ["小包装"]),
        ("什么时候出抹茶味？蹲一个", ["抹茶味"]),
        ("出个礼盒装吧，过年送人", ["礼盒装"]),
        ("可以上加大码吗？", ["加大码"]),
        ("能不能出不加糖的酸奶块呀", ["不加糖的酸奶块"]),
        ("有没有小样可以先试？", ["小样"]),
        ("有大码吗？", ["大码"]),
        ("请问有无糖的吗", ["无糖的"]),
        ("啥时候出冷泡茶", ["冷泡茶"]),
        ("跪求出个家庭装", ["家庭装"]),
    ],
)
def test_a_wish_is_the_thing_asked_for_without_cue_particles_or_punctuation(
    text: str, expected: list[str]
) -> None:
    assert wishes(text) == expected


def test_several_wishes_in_one_message() -> None:
    # given two cues, and two things joined by 和 after one cue
    assert wishes("希望有礼盒装，还想要试用装先试试") == ["礼盒装", "试用装"]
    assert wishes("求出无糖款和大包装，天天喝") == ["无糖款", "大包装"]


@pytest.mark.parametrize(
    "text",
    [
        # 有没有 + a person is a question to the circle, not an ask
        "有没有人知道几点发货",
        "有没有人用过这款面霜？敏感肌能用吗",
        "有没有宝妈一起团？",
        # 有没有 + a fact about an order or an offer that exists
        "这个有没有优惠活动？",
        # fixes to one order and restocking are not wishes
        "快递一直不更新，想要退款",
        "什么时候发货呀",
        "什么时候补货？想要的码都没了",
        "求链接",
        "求问这个保质期多久？",
        "要求退货",
        "不想要了，地址填错了",
        "有人知道吗？",
        "有货吗",
        "有点贵吗",
    ],
)
def test_questions_and_order_fixes_are_not_wishes(text: str) -> None:
    assert wishes(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("不难吃，甚至有点惊喜", Sentiment.POSITIVE),
        ("不太好，味道有点怪", Sentiment.NEGATIVE),
        ("不好吃", Sentiment.NEGATIVE),
        ("一点都不保湿", Sentiment.NEGATIVE),
        ("还行吧，中规中矩", Sentiment.NEUTRAL),
        ("呵呵 这质量", Sentiment.NEGATIVE),
        ("真是好极了，用了两天就坏了", Sentiment.NEGATIVE),
        ("孩子吃得特别香", Sentiment.POSITIVE),  # 特别 is a degree word, not 别
        ("差点没抢到，好吃", Sentiment.POSITIVE),  # 差点 is "nearly"
        ("有没有人知道几点发货？", Sentiment.NEUTRAL),
        ("物美价廉，良心店家", Sentiment.POSITIVE),
        ("包装破损，还有色差", Sentiment.NEGATIVE),
    ],
)
def test_sentiment_reads_negation_degree_and_sarcasm(text: str, expected: Sentiment) -> None:
    [analysis] = LocalModel().analyze([text])
    assert analysis.sentiment == expected
    assert -1.0 <= analysis.sentiment_score <= 1.0


def test_a_complaint_inside_a_wish_does_not_make_it_negative() -> None:
    [analysis] = LocalModel().analyze(["能不能出甜度低一点的，现在这款太甜了"])
    assert analysis.sentiment == Sentiment.NEUTRAL


def test_motives_put_the_deep_reason_first() -> None:
    [gift, relief, price] = LocalModel().analyze(
        [
            "送给婆婆的生日礼物，质量很好",
            "心情不好买点零食解压",
            "活动价入的，很划算",
        ]
    )
    assert gift.motives[0] == Motive.GIFT
    assert relief.motives[0] == Motive.STRESS_RELIEF
    assert price.motives == (Motive.PRICE,)


def test_obvious_paraphrases_share_a_group() -> None:
    # given two wishes, each in three phrasings
    labels = LocalModel().group(
        ["无糖款", "不加糖的", "零糖版本", "大包装", "家庭装", "量大一点的"]
    )
    # then they make exactly two groups, labelled in order of first appearance
    assert labels == [0, 0, 0, 1, 1, 1]


def test_many_distinct_phrases_are_grouped_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    # given the one-pass leader clustering used for many distinct phrases
    monkeypatch.setattr(local, "EXACT_LIMIT", 0)
    phrases = ["无糖款", "不加糖的", "大包装", "无糖款", "家庭装", "抹茶味", "抹茶口味"]
    # then it finds the same obvious groups, and identical phrases share a label
    assert LocalModel().group(phrases) == [0, 0, 1, 0, 1, 2, 2]


def test_the_encoder_alone_groups_paraphrases_and_keeps_opposites_apart() -> None:
    # given the model without its thesaurus
    model = LocalModel(thesaurus=False)
    # then close phrasings join and 大/小 never do, however close the encoder finds them
    labels = model.group(["抹茶味", "抹茶口味", "大袋装", "小袋装", "儿童款"])
    assert labels[0] == labels[1]
    assert len({labels[2], labels[3], labels[4], labels[0]}) == 4
    assert model.group([]) == []


TEXTS = [
    "什么时候发货啊，等了三天",
    "快递怎么还没到",
    "物流一直不更新",
    "发货太慢了吧",
    "这个芒果干太好吃了",
    "味道很香，孩子爱吃",
    "口感酥脆，好吃",
    "甜度刚好，很好吃",
]


def test_topics_are_deterministic_and_labelled_with_keywords() -> None:
    # given the same texts twice (and a fresh model)
    first = LocalModel().topics(TEXTS, 2)
    second = LocalModel().topics(list(TEXTS), 2)
    # then the labels are identical, at most k, in order of first appearance
    assert first == second
    assert first[0] == 0 and set(first) <= {0, 1}
    # and delivery complaints and praise of taste fall apart
    assert first == [0, 0, 0, 0, 1, 1, 1, 1]
    labels = topic_labels(TEXTS, first, top=3)
    assert set(labels) == {0, 1}
    assert "发货" in labels[0]
    assert "好吃" in labels[1]


def test_topics_of_few_texts() -> None:
    model = LocalModel()
    assert model.topics([], 3) == []
    assert model.topics(["一条消息"], 3) == [0]


def test_the_encoder_is_loaded_once_across_threads() -> None:
    # given several threads asking for the encoder at once
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(local.embedder())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then they all got the same one, and its load was measured
    assert len({id(m) for m in seen}) == 1
    stats = local.embedding_load_stats()
    assert stats["seconds"] > 0


def test_the_local_model_is_the_configured_one() -> None:
    assert import_string(settings.NEEDS_TEXT_MODEL) is LocalModel
    assert LocalModel.name == "local-v1"
