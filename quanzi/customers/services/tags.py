"""Tag groups and tags: creating, renaming and deleting them, putting manual tags on customers
and taking them off (one or many at once). Rule tags are put on by `services.rules` only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from quanzi.accounts.models import User
from quanzi.core.errors import Conflict, InvalidInput, NotFound
from quanzi.core.ids import is_public_id
from quanzi.core.validation import clean_text
from quanzi.customers.errors import CustomerCode
from quanzi.customers.models import CustomerTag, Tag, TagGroup, TagKind
from quanzi.customers.services import population, rules
from quanzi.stores.models import Store

MAX_BULK = 1000  # customers in one bulk change
UNSET: Any = object()


def _name(value: Any, max_length: int = 20) -> str:
    return clean_text(value, field="name", max_length=max_length, required=True)


# --- Groups ---------------------------------------------------------------------------------


def group_of(store: Store, group_id: Any) -> TagGroup:
    group = (
        TagGroup.objects.filter(store=store, pk=group_id).first()
        if is_public_id(group_id)
        else None
    )
    if group is None:
        raise NotFound(_("No such tag group."), code=CustomerCode.TAG_GROUP_NOT_FOUND)
    return group


def create_group(store: Store, name: str) -> TagGroup:
    name = _name(name)
    if TagGroup.objects.filter(store=store, name=name).exists():
        raise Conflict(_("A group of that name exists."), code=CustomerCode.TAG_NAME_TAKEN)
    last = TagGroup.objects.filter(store=store).order_by("-position").first()
    return TagGroup.objects.create(
        store=store, name=name, position=(last.position + 1) if last else 0
    )


def rename_group(group: TagGroup, name: str) -> TagGroup:
    name = _name(name)
    if TagGroup.objects.filter(store=group.store, name=name).exclude(pk=group.pk).exists():
        raise Conflict(_("A group of that name exists."), code=CustomerCode.TAG_NAME_TAKEN)
    group.name = name
    group.save(update_fields=["name", "updated_at"])
    return group


def delete_group(group: TagGroup) -> None:
    """The group goes; its tags stay, ungrouped."""
    group.delete()


# --- Tags -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagFields:
    """A tag: `rule` given makes it a rule tag (creation only decides the kind)."""

    name: str | None = None
    group: str | None = UNSET  # a group id, None: no group, UNSET: leave it
    rule: dict[str, Any] | None = None


def tag_of(store: Store, tag_id: Any) -> Tag:
    tag = Tag.objects.filter(store=store, pk=tag_id).first() if is_public_id(tag_id) else None
    if tag is None:
        raise NotFound(_("No such tag."), code=CustomerCode.TAG_NOT_FOUND)
    return tag


def _taken(store: Store, name: str, tag: Tag | None = None) -> None:
    others = Tag.objects.filter(store=store, name=name)
    if tag is not None:
        others = others.exclude(pk=tag.pk)
    if others.exists():
        raise Conflict(_("A tag of that name exists."), code=CustomerCode.TAG_NAME_TAKEN)


def create_tag(store: Store, fields: TagFields) -> Tag:
    name = _name(fields.name)
    _taken(store, name)
    group = group_of(store, fields.group) if fields.group is not UNSET and fields.group else None
    rule = rules.validate_rule(store, fields.rule) if fields.rule is not None else {}
    try:
        with transaction.atomic():
            tag = Tag.objects.create(
                store=store,
                name=name,
                group=group,
                kind=TagKind.RULE if rule else TagKind.MANUAL,
                rule=rule,
            )
    except IntegrityError as exc:  # two creations of one name at once
        raise Conflict(_("A tag of that name exists."), code=CustomerCode.TAG_NAME_TAKEN) from exc
    if rule:
        rules.refresh_store(store, tags=[tag])
    return tag


def change_tag(tag: Tag, fields: TagFields) -> Tag:
    if fields.name is not None:
        tag.name = _name(fields.name)
        _taken(tag.store, tag.name, tag)
    if fields.group is not UNSET:
        tag.group = group_of(tag.store, fields.group) if fields.group else None
    if fields.rule is not None:
        if tag.kind != TagKind.RULE:
            raise InvalidInput(
                _("A manual tag has no rule: make a rule tag instead."),
                code=CustomerCode.BAD_RULE,
                field="rule",
            )
        tag.rule = rules.validate_rule(tag.store, fields.rule)
    tag.save()
    if fields.rule is not None:
        rules.refresh_store(tag.store, tags=[tag])
    return tag


def delete_tag(tag: Tag) -> None:
    tag.delete()


# --- Customers' tags ------------------------------------------------------------------------


def customers_by_public_id(store: Store, public_ids: Iterable[Any]) -> list[User]:
    """The store's profiled customers named; any unknown or forged id is a 404."""
    wanted = list(dict.fromkeys(public_ids))
    if len(wanted) > MAX_BULK:
        raise InvalidInput(
            _("At most %(n)d customers at once.") % {"n": MAX_BULK},
            code=CustomerCode.TOO_MANY_CUSTOMERS,
            field="customers",
        )
    if not all(is_public_id(p) for p in wanted):
        raise NotFound(_("No such customer."), code=CustomerCode.CUSTOMER_NOT_FOUND)
    found = list(population.customers(store).filter(public_id__in=wanted))
    if len(found) != len(wanted):
        raise NotFound(_("No such customer."), code=CustomerCode.CUSTOMER_NOT_FOUND)
    return found


def _manual(tag: Tag) -> None:
    if tag.kind == TagKind.RULE:
        raise Conflict(
            _("This tag follows its rule: it cannot be put on or taken off by hand."),
            code=CustomerCode.TAG_IS_RULE,
        )


def add_tag(tag: Tag, users: Iterable[User]) -> int:
    """Put a manual tag on customers; answers how many did not have it."""
    _manual(tag)
    ids = {u.pk for u in users}
    have = set(
        CustomerTag.objects.filter(tag=tag, user_id__in=ids).values_list("user_id", flat=True)
    )
    CustomerTag.objects.bulk_create(
        [
            CustomerTag(tag=tag, store_id=tag.store_id, user_id=uid, source=TagKind.MANUAL)
            for uid in sorted(ids - have)
        ],
        ignore_conflicts=True,
    )
    return len(ids - have)


def remove_tag(tag: Tag, users: Iterable[User]) -> int:
    _manual(tag)
    deleted, _rows = CustomerTag.objects.filter(tag=tag, user_id__in={u.pk for u in users}).delete()
    return deleted


def tags_of(store: Store, user_id: int) -> list[CustomerTag]:
    return list(
        CustomerTag.objects.filter(store=store, user_id=user_id)
        .select_related("tag", "tag__group")
        .order_by("tag__group__position", "tag__name")
    )
