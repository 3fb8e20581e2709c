"""A text model for the tests: the keyword baseline, except that `group` merges the phrases of
one known paraphrase set ("无糖款", "不加糖的版本", "零糖的") so that merging can be tested without
depending on what a real model makes of them."""

from __future__ import annotations

from collections.abc import Sequence

from quanzi.needs.text.rules import RuleModel

SUGAR_FREE = {"无糖款", "不加糖的版本", "零糖的"}


class ParaphraseModel(RuleModel):
    name = "test-paraphrase"

    def group(self, phrases: Sequence[str]) -> list[int]:
        seen: dict[str, int] = {}
        out = []
        for phrase in phrases:
            key = "sugar-free" if phrase in SUGAR_FREE else phrase
            out.append(seen.setdefault(key, len(seen)))
        return out
