"""Each signal in words: the detectors answer a reason as a code and its numbers
(`detect.records.Reason`); `describe` writes the sentence in the reader's language. A code is
stored with scores and cases, so it is never renamed; a new signal adds its sentence here."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

# code → sentence with %(name)s placeholders filled from the reason's params (a sentence whose
# count may be one is an `ngettext_lazy` keyed by that param).
SENTENCES: dict[str, Promise] = {
    # --- the detectors (quanzi.trust.detect.signals): one review ---
    "near_duplicate_text": ngettext_lazy(
        "Its text nearly repeats a review by %(others)s other account at the same store.",
        "Its text nearly repeats reviews by %(others)s other accounts at the same store.",
        "others",
    ),
    "rating_deviation": _(
        "Rated %(stars)s out of 5 while the product's %(others)s other reviews average %(mean)s."
    ),
    "cheap_order_five_stars": _("Five stars for an order paid at %(percent)s%% of the list price."),
    "tracking_reused": ngettext_lazy(
        "Its tracking number was also used for the order of %(others)s other buyer.",
        "Its tracking number was also used for the orders of %(others)s other buyers.",
        "others",
    ),
    "fast_delivery": ngettext_lazy(
        "The parcel was received %(minutes)s minute after it shipped.",
        "The parcel was received %(minutes)s minutes after it shipped.",
        "minutes",
    ),
    "refund_after_review": _("The order was refunded after this %(stars)s-star review."),
    "burst_new_accounts": _(
        "One of %(count)s reviews of the product within %(hours)s h, %(new)s of them by new "
        "accounts."
    ),
    "burst_after_campaign": _(
        "One of %(count)s reviews of the product within %(hours)s h, most of them bought "
        "through a campaign (alone this says little)."
    ),
    "review_burst": _(
        "One of %(count)s reviews of the product within %(hours)s h (alone a burst says "
        "little: a product can go viral)."
    ),
    "promoter_is_reviewer": _("Written by a promoter of the store about the store's product."),
    "promoter_team": _(
        "One of %(members)s reviews of this product by customers bound to the same promoter."
    ),
    "new_account_review": ngettext_lazy(
        "Written %(days)s day after the account was created.",
        "Written %(days)s days after the account was created.",
        "days",
    ),
    # --- one account ---
    "new_account": ngettext_lazy(
        "Most of its reviews were written while the account was new; the first one %(days)s "
        "day after it was created.",
        "Most of its reviews were written while the account was new; the first one %(days)s "
        "days after it was created.",
        "days",
    ),
    "shared_network": ngettext_lazy(
        "Its network (IP prefix) is shared with %(others)s other reviewer of the same products.",
        "Its network (IP prefix) is shared with %(others)s other reviewers of the same products.",
        "others",
    ),
    "shared_device": ngettext_lazy(
        "Its device is shared with %(others)s other reviewer of the same products.",
        "Its device is shared with %(others)s other reviewers of the same products.",
        "others",
    ),
    "shared_address": ngettext_lazy(
        "Its shipping address is shared with %(others)s other reviewer of the same products.",
        "Its shipping address is shared with %(others)s other reviewers of the same products.",
        "others",
    ),
    # --- a group (a dense block of accounts and products) ---
    "dense_block": _(
        "%(accounts)s accounts and %(products)s products form a block %(times)s times as dense "
        "as the whole review graph."
    ),
    "lockstep": ngettext_lazy(
        "%(accounts)s accounts created within %(days)s day of each other reviewed the same "
        "%(products)s products within %(hours)s h.",
        "%(accounts)s accounts created within %(days)s days of each other reviewed the same "
        "%(products)s products within %(hours)s h.",
        "days",
    ),
    "reviewed_together": _(
        "The group's %(accounts)s accounts reviewed %(products)s of its products within "
        "%(hours)s h of one another."
    ),
    "ring_duplicate_texts": _(
        "%(count)s of the group's %(reviews)s reviews nearly repeat one another."
    ),
    "ring_shared_traces": _(
        "%(shared)s of the group's %(accounts)s accounts share networks, devices or addresses "
        "(%(traces)s shared in all)."
    ),
    "ring_order_traces": ngettext_lazy(
        "%(count)s of the group's %(reviews)s reviews comes with a suspicious order (paid far "
        "below the price, a reused tracking number, received minutes after shipping, or "
        "refunded).",
        "%(count)s of the group's %(reviews)s reviews come with suspicious orders (paid far "
        "below the price, a reused tracking number, received minutes after shipping, or "
        "refunded).",
        "count",
    ),
    "ring_new_accounts": ngettext_lazy(
        "%(count)s of the group's %(reviews)s reviews was written by a new account.",
        "%(count)s of the group's %(reviews)s reviews were written by new accounts.",
        "count",
    ),
    "ring_rating_deviation": ngettext_lazy(
        "%(count)s of the group's %(reviews)s reviews is far from the product's mean (computed "
        "without the group).",
        "%(count)s of the group's %(reviews)s reviews are far from the products' means "
        "(computed without the group).",
        "count",
    ),
    "ring_promoter_team": _(
        "%(bound)s of the group's %(accounts)s accounts are bound to the same promoter."
    ),
    "ring_promoter_inside": _(
        "A promoter of the store is in the group, and %(bound)s of its accounts are bound to them."
    ),
    # --- membership ---
    "in_ring": _(
        "Part of a suspected ring: %(accounts)s accounts pushing %(products)s products "
        "together (ring score %(score)s)."
    ),
}


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
        return str(sentence % values)
    except (KeyError, TypeError, ValueError):
        return str(sentence).split("%(")[0].strip() or gettext("A signal that is no longer used.")


def describe_all(reasons: object) -> list[str]:
    """Sentences of a stored list of reasons, strongest first as stored."""
    if not isinstance(reasons, list):
        return []
    return [describe(r) for r in reasons if isinstance(r, Mapping)]


__all__ = ["SENTENCES", "_", "describe", "describe_all"]
