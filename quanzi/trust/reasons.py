"""Each signal in words: the detectors answer a reason as a code and its numbers
(`detect.records.Reason`); `describe` writes the sentence in the reader's language. A code is
stored with scores and cases, so it is never renamed; a new signal adds its sentence here."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# code → sentence with %(name)s placeholders filled from the reason's params.
SENTENCES: dict[str, Promise] = {}


def describe(reason: Mapping[str, object]) -> str:
    """The sentence of one stored reason ({"code", "points", "params"}); an unknown code (a
    signal retired since) reads as a generic sentence, never as the code."""
    code = str(reason.get("code", ""))
    params = reason.get("params")
    values = dict(params) if isinstance(params, Mapping) else {}
    sentence = SENTENCES.get(code)
    if sentence is None:
        return gettext("A signal that is no longer used.")
    try:
        return str(sentence) % values
    except (KeyError, TypeError, ValueError):
        return str(sentence).split("%(")[0].strip() or gettext("A signal that is no longer used.")


def describe_all(reasons: object) -> list[str]:
    """Sentences of a stored list of reasons, strongest first as stored."""
    if not isinstance(reasons, list):
        return []
    return [describe(r) for r in reasons if isinstance(r, Mapping)]


__all__ = ["SENTENCES", "_", "describe", "describe_all"]
