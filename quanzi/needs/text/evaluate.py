"""Measure a text model on the labelled fixture (tests/needs/fixtures/community_texts.jsonl).

`python -m quanzi.needs.text.evaluate [--split held|tune|all]` prints the baseline (`RuleModel`)
and the configured local model side by side, measured in the same run. `load_fixture` is the
loader the tests use too.

The figures:

- wish spans: precision and recall of exact span matches (a multiset of strings per message),
  and a partial score by character overlap with the best-matching gold span;
- paraphrase groups: `model.group` runs on the split's gold wish spans, and every pair of spans
  counts as "same wish" or not; pairwise precision, recall and F1 against the gold groups;
- sentiment: accuracy and macro-F1 over the three classes;
- motives: accuracy of the primary (first) motive over the messages with a motive label, and
  micro-F1 over motive sets over all messages (so a motive seen where there is none costs);
- ms per message of `analyze` (warm: after one call that loads the model's resources).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from quanzi.needs.text.base import Analysis, Motive, Sentiment, TextModel

FIXTURE = Path(__file__).resolve().parents[3] / "tests" / "needs" / "fixtures"
FIXTURE_FILE = FIXTURE / "community_texts.jsonl"
SPLITS = ("held", "tune", "all")


@dataclass(frozen=True)
class Wish:
    text: str
    group: str
    start: int
    end: int


@dataclass(frozen=True)
class Item:
    id: str
    source: str
    text: str
    sentiment: Sentiment
    motives: tuple[Motive, ...]
    wishes: tuple[Wish, ...]
    split: str


def load_fixture(split: str = "all", path: Path | None = None) -> list[Item]:
    """The labelled items of one split ("held", "tune" or "all"), in file order."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}")
    items = []
    for line in (path or FIXTURE_FILE).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        if split != "all" and raw["split"] != split:
            continue
        text = raw["text"]
        wishes, cursor = [], 0
        for wish in raw["wishes"]:
            start = text.find(wish["text"], cursor)
            if start < 0:
                start = text.find(wish["text"])
            if start < 0:
                raise ValueError(f"{raw['id']}: wish {wish['text']!r} is not in the text")
            end = start + len(wish["text"])
            wishes.append(Wish(wish["text"], wish["group"], start, end))
            cursor = end
        items.append(
            Item(
                id=raw["id"],
                source=raw["source"],
                text=text,
                sentiment=Sentiment(raw["sentiment"]),
                motives=tuple(Motive(m) for m in raw["motives"]),
                wishes=tuple(wishes),
                split=raw["split"],
            )
        )
    return items


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def wish_scores(items: Sequence[Item], analyses: Sequence[Analysis]) -> dict[str, float]:
    exact_tp = n_pred = n_gold = 0
    partial_p = partial_r = 0.0
    for item, analysis in zip(items, analyses, strict=True):
        gold = [(w.start, w.end) for w in item.wishes]
        pred = [(s.start, s.end) for s in analysis.wishes]
        n_gold += len(gold)
        n_pred += len(pred)
        exact_tp += sum(
            (
                Counter(w.text for w in item.wishes) & Counter(s.text for s in analysis.wishes)
            ).values()
        )
        for p in pred:
            partial_p += max((_overlap(p, g) for g in gold), default=0) / (p[1] - p[0])
        for g in gold:
            partial_r += max((_overlap(g, p) for p in pred), default=0) / (g[1] - g[0])
    precision, recall = _ratio(exact_tp, n_pred), _ratio(exact_tp, n_gold)
    pp, pr = _ratio(partial_p, n_pred), _ratio(partial_r, n_gold)
    return {
        "wish_precision": precision,
        "wish_recall": recall,
        "wish_f1": _f1(precision, recall),
        "wish_partial_precision": pp,
        "wish_partial_recall": pr,
        "wish_partial_f1": _f1(pp, pr),
    }


def pairwise_scores(gold: Sequence[str], predicted: Sequence[int]) -> dict[str, float]:
    """Pairwise precision/recall/F1 of co-membership: a pair is positive when both share a
    group."""
    tp = fp = fn = 0
    for i in range(len(gold)):
        for j in range(i + 1, len(gold)):
            same_gold, same_pred = gold[i] == gold[j], predicted[i] == predicted[j]
            tp += same_gold and same_pred
            fp += same_pred and not same_gold
            fn += same_gold and not same_pred
    p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return {"group_precision": p, "group_recall": r, "group_f1": _f1(p, r)}


def sentiment_scores(items: Sequence[Item], analyses: Sequence[Analysis]) -> dict[str, float]:
    pairs = [(i.sentiment, a.sentiment) for i, a in zip(items, analyses, strict=True)]
    f1s = []
    for label in Sentiment:
        tp = sum(g == label and p == label for g, p in pairs)
        p = _ratio(tp, sum(p == label for _, p in pairs))
        r = _ratio(tp, sum(g == label for g, _ in pairs))
        f1s.append(_f1(p, r))
    return {
        "sentiment_accuracy": _ratio(sum(g == p for g, p in pairs), len(pairs)),
        "sentiment_macro_f1": sum(f1s) / len(f1s),
    }


def motive_scores(items: Sequence[Item], analyses: Sequence[Analysis]) -> dict[str, float]:
    labelled = [(i, a) for i, a in zip(items, analyses, strict=True) if i.motives]
    hits = sum(bool(a.motives) and a.motives[0] == i.motives[0] for i, a in labelled)
    tp = fp = fn = 0
    for item, analysis in zip(items, analyses, strict=True):
        gold, pred = set(item.motives), set(analysis.motives)
        tp, fp, fn = tp + len(gold & pred), fp + len(pred - gold), fn + len(gold - pred)
    p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return {"motive_accuracy": _ratio(hits, len(labelled)), "motive_micro_f1": _f1(p, r)}


def evaluate(model: TextModel, items: Sequence[Item]) -> dict[str, float]:
    """Every figure of `model` on `items` (see the module docstring)."""
    model.analyze(["预热一下"])  # load the model's resources outside the timing
    started = time.perf_counter()
    analyses = model.analyze([item.text for item in items])
    elapsed = time.perf_counter() - started
    spans = [w for item in items for w in item.wishes]
    groups = model.group([w.text for w in spans])
    return {
        **wish_scores(items, analyses),
        **pairwise_scores([w.group for w in spans], groups),
        **sentiment_scores(items, analyses),
        **motive_scores(items, analyses),
        "ms_per_message": 1000 * elapsed / max(len(items), 1),
        "messages": float(len(items)),
        "wish_spans": float(len(spans)),
    }


ROWS = (
    ("wish_precision", "wish span precision (exact)"),
    ("wish_recall", "wish span recall (exact)"),
    ("wish_f1", "wish span F1 (exact)"),
    ("wish_partial_precision", "wish span precision (char overlap)"),
    ("wish_partial_recall", "wish span recall (char overlap)"),
    ("group_f1", "paraphrase group pairwise F1"),
    ("group_precision", "  pairwise precision"),
    ("group_recall", "  pairwise recall"),
    ("sentiment_accuracy", "sentiment accuracy"),
    ("sentiment_macro_f1", "sentiment macro-F1"),
    ("motive_accuracy", "motive accuracy (primary)"),
    ("motive_micro_f1", "motive micro-F1 (sets)"),
    ("ms_per_message", "ms per message (analyze)"),
    ("messages", "messages"),
    ("wish_spans", "gold wish spans"),
)


def table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """results[split][model name][figure] → one aligned text table."""
    columns = [(split, name) for split, by_model in results.items() for name in by_model]
    header = ["figure"] + [f"{split}:{name}" for split, name in columns]
    lines = [header]
    for key, label in ROWS:
        row = [label]
        for split, name in columns:
            value = results[split][name][key]
            row.append(
                f"{value:.0f}"
                if key in ("messages", "wish_spans")
                else f"{value:.2f}"
                if key == "ms_per_message"
                else f"{value:.3f}"
            )
        lines.append(row)
    widths = [max(_width(r[c]) for r in lines) for c in range(len(header))]
    return "\n".join(
        "  ".join(cell + " " * (widths[c] - _width(cell)) for c, cell in enumerate(r)).rstrip()
        for r in lines
    )


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def run(
    splits: Iterable[str], models: Sequence[TextModel]
) -> dict[str, dict[str, dict[str, float]]]:
    return {
        split: {model.name: evaluate(model, load_fixture(split)) for model in models}
        for split in splits
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--split", choices=SPLITS, default=None, help="default: held and tune")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from quanzi.needs.text.local import LocalModel, embedding_load_stats
    from quanzi.needs.text.rules import RuleModel

    models: list[TextModel] = [RuleModel(), LocalModel(), LocalModel(thesaurus=False)]
    splits = [args.split] if args.split else ["held", "tune"]
    print(table(run(splits, models)))
    stats = embedding_load_stats()
    if stats:
        print(
            f"\nUSE embedding model: loaded in {stats['seconds']:.2f} s, "
            f"resident memory +{stats['rss_mb']:.0f} MB"
        )


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quanzi.settings")
    main()
