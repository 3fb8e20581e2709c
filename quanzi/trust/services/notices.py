"""What trust tells people, in words, through the notification centre (`NotificationKind.TRUST`):
a store that a case concerns it, an appellant how their appeal was decided. Written in the site's
language, as the other domains' notices are (never in the language of the operator who acted)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from quanzi.catalog.models import Product
from quanzi.circles.models import NotificationKind
from quanzi.circles.services.notifications import notify_users
from quanzi.reviews.models import Review
from quanzi.stores.models import Store, StoreStaff
from quanzi.trust.models import Appeal, AppealBy, AppealStatus

MAX_TITLES = 3


def titles(products: Sequence[Product]) -> str:
    """ "A, B and 2 more": the products a notice names."""
    names = [f"「{p.title}」" for p in products[:MAX_TITLES]]
    rest = len(products) - len(names)
    if rest > 0:
        names.append(ngettext("%(n)d more", "%(n)d more", rest) % {"n": rest})
    return gettext(", ").join(names)


@translation.override(settings.LANGUAGE_CODE)
def tell_store(store: Store, products: Sequence[Product], held: int) -> set[int]:
    """Tell the store's owner and staff that a case concerns its products; answers who."""
    people = StoreStaff.objects.filter(store=store).values_list("user_id", flat=True)
    what = titles(products) or store.name
    text = ngettext(
        "The platform is reviewing suspicious reviews of %(what)s: %(n)d review is held out "
        "of the rating while it decides. See the case and appeal if you disagree.",
        "The platform is reviewing suspicious reviews of %(what)s: %(n)d reviews are held out "
        "of the rating while it decides. See the case and appeal if you disagree.",
        held,
    ) % {"what": what, "n": held}
    url = reverse("trust:store_appeals", args=[store.pk])
    return notify_users(list(people), NotificationKind.TRUST, text, url=url)


@translation.override(settings.LANGUAGE_CODE)
def tell_reviewers(reviews: Sequence[Review]) -> set[int]:
    """Tell the authors of newly held reviews that theirs is under review (never silently
    gone), with a link to see it and appeal; one notice per author."""
    by_author: dict[int, list[Review]] = {}
    for review in reviews:
        by_author.setdefault(review.author_id, []).append(review)
    told: set[int] = set()
    url = reverse("trust:my_reviews")
    for author_id, theirs in by_author.items():
        text = ngettext(
            "Your review of %(what)s is under review: it is held out of view and of the rating "
            "while the platform checks reviews of this product. You can see it and appeal.",
            "Your reviews of %(what)s are under review: they are held out of view and of the "
            "rating while the platform checks reviews of these products. You can see them and "
            "appeal.",
            len(theirs),
        ) % {"what": titles([r.product for r in theirs])}
        told |= notify_users([author_id], NotificationKind.TRUST, text, url=url)
    return told


@translation.override(settings.LANGUAGE_CODE)
def tell_appellant(appeal: Appeal, restored: int, still_held: bool) -> set[int]:
    """Tell the appellant how their appeal was decided (the operator's words for a rejection)."""
    upheld = appeal.status == AppealStatus.UPHELD
    if appeal.by_role == AppealBy.REVIEWER:
        url = reverse("trust:my_reviews")
        product = appeal.review.product.title if appeal.review is not None else ""
        if upheld and still_held:
            text = gettext(
                "Your appeal about your review of 「%(product)s」 was upheld, but another check "
                "still holds the review; it stays under review for now."
            ) % {"product": product}
        elif upheld:
            text = gettext(
                "Your appeal was upheld: your review of 「%(product)s」 is shown again and counts "
                "in the rating."
            ) % {"product": product}
        else:
            text = gettext(
                "Your appeal about your review of 「%(product)s」 was rejected: %(why)s"
            ) % {"product": product, "why": appeal.decision}
    else:
        assert appeal.store_id is not None
        url = reverse("trust:store_appeals", args=[appeal.store_id])
        if upheld:
            text = ngettext(
                "Your store's appeal was upheld: %(n)d held review is shown again.",
                "Your store's appeal was upheld: %(n)d held reviews are shown again.",
                restored,
            ) % {"n": restored}
        else:
            text = gettext("Your store's appeal was rejected: %(why)s") % {"why": appeal.decision}
    return notify_users([appeal.author_id], NotificationKind.TRUST, text, url=url)
