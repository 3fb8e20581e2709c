"""The kinds of page a share link points at: where the page is, who may see it, what its poster
shows. Referrals declares the kinds of the domains below it (products, notes, circles, stores);
a campaign app above registers its own kind (group buys, bargains) from its AppConfig.ready, so
referrals never imports the campaigns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from quanzi.accounts.models import User
from quanzi.catalog.models import Product, ProductImage
from quanzi.catalog.services import access_product
from quanzi.circles.models import Circle
from quanzi.core.money import format_fen
from quanzi.referrals.models import TargetKind
from quanzi.social.models import Note, NoteImage
from quanzi.stores.models import Store


@dataclass(frozen=True)
class PosterContent:
    title: str
    price: str | None
    picture: str | None  # storage name of the image, None for a plain panel


@dataclass(frozen=True)
class ShareTarget:
    """`path` has `{}` for the target's id; `exists` says whether the target exists for the
    sharer (it may raise its own NotFound instead); `poster` reads the poster's content by id."""

    path: str
    exists: Callable[[User, str], bool]
    poster: Callable[[str], PosterContent]


_TARGETS: dict[str, ShareTarget] = {}


def register(kind: TargetKind, target: ShareTarget) -> None:
    _TARGETS[kind.value] = target


def is_known(kind: str) -> bool:
    return kind in _TARGETS


def target_for(kind: str) -> ShareTarget:
    return _TARGETS[kind]


def product_picture(product: Product) -> str | None:
    """The storage name of the product's first image (None when it has none)."""
    img = ProductImage.objects.filter(product=product).order_by("position").first()
    return img.image.name if img else None


def _product_visible(user: User, target_id: str) -> bool:
    access_product(user, target_id, need="read")  # its own NotFound when hidden
    return True


def _product_poster(target_id: str) -> PosterContent:
    product = Product.objects.get(pk=target_id)
    return PosterContent(product.title, format_fen(product.min_price), product_picture(product))


def _note_poster(target_id: str) -> PosterContent:
    note = Note.objects.get(pk=target_id)
    nimg = NoteImage.objects.filter(note=note).order_by("position").first()
    return PosterContent(note.title, None, nimg.image.name if nimg else None)


register(TargetKind.PRODUCT, ShareTarget("/products/{}/", _product_visible, _product_poster))
register(
    TargetKind.NOTE,
    ShareTarget(
        "/social/notes/{}/",
        lambda user, pk: Note.objects.filter(pk=pk, is_hidden=False).exists(),
        _note_poster,
    ),
)
register(
    TargetKind.CIRCLE,
    ShareTarget(
        "/circles/{}/",
        lambda user, pk: Circle.objects.filter(pk=pk).exists(),
        lambda pk: PosterContent(Circle.objects.get(pk=pk).name, None, None),
    ),
)
register(
    TargetKind.STORE,
    ShareTarget(
        "/stores/{}/",
        lambda user, pk: Store.objects.filter(pk=pk, is_active=True).exists(),
        lambda pk: PosterContent(Store.objects.get(pk=pk).name, None, None),
    ),
)
