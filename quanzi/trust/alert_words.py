"""Reputation alerts in words: the headline of an alert (what the merchant's notification says
and the alerts pages show) and the labels of the suggested responses. Written when read, in the
reader's language; an alert stores numbers and links only."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from quanzi.trust.models import AlertKind

MAX_QUOTE = 40


def window_words(minutes: int) -> str:
    """ "the last hour", "the last 2 hours", "the last 30 minutes"."""
    if minutes == 60:
        return _("the last hour")
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("the last %(n)d hour", "the last %(n)d hours", hours) % {"n": hours}
    return ngettext("the last %(n)d minute", "the last %(n)d minutes", minutes) % {"n": minutes}


def usual_words(baseline: float) -> str:
    if baseline < 0.05:
        return _("usually none")
    return _("usually %(n)s") % {"n": f"{baseline:.1f}"}


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1] + "…"


def headline(
    kind: str,
    *,
    count: int,
    baseline: float,
    minutes: int,
    product: str = "",
    circles: int = 0,
    quote: str = "",
) -> str:
    """ "5 complaints about 手冲壶 in the last hour, usually 0.2."; a shared complaint: "A
    complaint is being shared in 2 of your circles: “…”"."""
    if kind == AlertKind.RESHARED:
        params = {"n": max(circles, 2), "text": _clip(quote), "product": product}
        if product:
            return (
                _(
                    "A complaint about %(product)s is being shared in %(n)d of your circles:"
                    " “%(text)s”"
                )
                % params
            )
        return _("A complaint is being shared in %(n)d of your circles: “%(text)s”") % params
    values = {
        "count": count,
        "window": window_words(minutes),
        "usual": usual_words(baseline),
        "product": product,
    }
    if kind == AlertKind.PRODUCT and product:
        return (
            ngettext(
                "%(count)d complaint about %(product)s in %(window)s, %(usual)s.",
                "%(count)d complaints about %(product)s in %(window)s, %(usual)s.",
                count,
            )
            % values
        )
    return (
        ngettext(
            "%(count)d complaint about your store in %(window)s, %(usual)s.",
            "%(count)d complaints about your store in %(window)s, %(usual)s.",
            count,
        )
        % values
    )


class Suggestion:
    """The kinds of suggested response an alert stores (with their links)."""

    REPLY = "reply"  # answer in the circle where it was said
    REVIEW = "review"  # answer the review
    AFTER_SALE = "after_sale"  # open (or answer) after-sales for the buyer
    COUPON = "coupon"  # a goodwill coupon


def suggestion_label(suggestion: dict[str, object]) -> str:
    kind = suggestion.get("kind")
    name = str(suggestion.get("name") or "")
    if kind == Suggestion.REPLY:
        return _("Reply in %(circle)s") % {"circle": name} if name else _("Reply in the circle")
    if kind == Suggestion.REVIEW:
        return _("Answer the review")
    if kind == Suggestion.AFTER_SALE:
        if not name:
            return _("Find their orders for after-sales")
        if suggestion.get("after_sale"):
            return _("Answer the after-sales request of order %(number)s") % {"number": name}
        return _("Offer after-sales on order %(number)s") % {"number": name}
    if kind == Suggestion.COUPON:
        return _("Send a goodwill coupon")
    return _("Open")


def suggestion_help(suggestion: dict[str, object]) -> str:
    kind = suggestion.get("kind")
    if kind == Suggestion.REPLY:
        return _("Say you heard them and what you will do, where they said it.")
    if kind == Suggestion.REVIEW:
        return _("A public answer under the review shows other buyers you care.")
    if kind == Suggestion.AFTER_SALE:
        return _("Offer a refund or a replacement before they ask twice.")
    if kind == Suggestion.COUPON:
        return _("Make a small coupon for the people who complained.")
    return ""


def duration_words(seconds: float | None) -> str:
    """ "4 minutes", "2 hours 5 minutes", "3 days 2 hours"; "" for none."""
    if seconds is None:
        return ""
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        if minutes == 0:
            return _("under a minute")
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        text = ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
        if minutes:
            text += " " + ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
        return text
    days, hours = divmod(hours, 24)
    text = ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if hours:
        text += " " + ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return text
