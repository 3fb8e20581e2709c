"""Social pages: graph (thin; services do the work).

A person's page with their notes, their followers and following lists, follow / unfollow /
block buttons (POST forms that come back to where they were pressed), store follow buttons and
the privacy settings page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quanzi.accounts.auth import page_user, signed_in_user
from quanzi.core.errors import DomainError
from quanzi.core.pagination import page_number
from quanzi.social.models import Note
from quanzi.social.services import graph

NOTES_ON_PAGE = 30
PEOPLE_PER_PAGE = 30


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Back to the page holding the button (`next`), when it is one of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


def person(request: HttpRequest, public_id: str) -> HttpResponse:
    """A person: nickname, avatar, counts, follow button and their notes."""
    viewer = page_user(request)
    target = graph.visible_person(viewer, public_id)
    notes = (
        Note.objects.filter(author=target, store__isnull=True, is_hidden=False)
        .select_related("author")
        .prefetch_related("images")
        .order_by("-created_at")[:NOTES_ON_PAGE]
    )
    you_follow = graph.follows_person(viewer, target)
    follows_you = viewer is not None and graph.follows_person(target, viewer)
    return render(
        request,
        "social/graph_person.html",
        {
            "person": target,
            "counts": graph.counts(target),
            "notes": notes,
            "is_me": viewer is not None and viewer.pk == target.pk,
            "you_follow": you_follow,
            "is_friend": you_follow and follows_you,
            "blocked_by_me": viewer is not None and viewer.blocks.filter(blocked=target).exists(),
        },
    )


def _people(request: HttpRequest, public_id: str, which: str) -> HttpResponse:
    viewer = page_user(request)
    target = graph.visible_person(viewer, public_id)
    lister = graph.followers_page if which == "followers" else graph.following_page
    page = lister(viewer, target, page_number(request), PEOPLE_PER_PAGE)
    return render(
        request,
        "social/graph_people.html",
        {"person": target, "page": page, "which": which, "viewer": viewer},
    )


def followers(request: HttpRequest, public_id: str) -> HttpResponse:
    return _people(request, public_id, "followers")


def following(request: HttpRequest, public_id: str) -> HttpResponse:
    return _people(request, public_id, "following")


def _person_action(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    me = signed_in_user(request)
    fallback = reverse("social:person", args=[public_id])
    try:
        if action == "follow":
            graph.follow_person(me, public_id)
        elif action == "unfollow":
            graph.unfollow_person(me, public_id)
        elif action == "block":
            graph.block(me, public_id)
            messages.success(request, _("Blocked. You will no longer see each other."))
            return redirect("social:feed")
        else:
            graph.unblock(me, public_id)
    except DomainError as error:
        messages.error(request, str(error.message))
    return _back(request, fallback)


@login_required
@require_POST
def follow_person(request: HttpRequest, public_id: str) -> HttpResponse:
    return _person_action(request, public_id, "follow")


@login_required
@require_POST
def unfollow_person(request: HttpRequest, public_id: str) -> HttpResponse:
    return _person_action(request, public_id, "unfollow")


@login_required
@require_POST
def block_person(request: HttpRequest, public_id: str) -> HttpResponse:
    return _person_action(request, public_id, "block")


@login_required
@require_POST
def unblock_person(request: HttpRequest, public_id: str) -> HttpResponse:
    return _person_action(request, public_id, "unblock")


@login_required
@require_POST
def follow_store(request: HttpRequest, store_id: str) -> HttpResponse:
    graph.follow_store(signed_in_user(request), store_id)
    return _back(request, reverse("stores:public", args=[store_id]))


@login_required
@require_POST
def unfollow_store(request: HttpRequest, store_id: str) -> HttpResponse:
    graph.unfollow_store(signed_in_user(request), store_id)
    return _back(request, reverse("stores:public", args=[store_id]))


@login_required
def privacy(request: HttpRequest) -> HttpResponse:
    """What friends see of my activity: purchases (off by default) and reviews."""
    me = signed_in_user(request)
    if request.method == "POST":
        graph.update_privacy(
            me,
            share_purchases=request.POST.get("share_purchases") == "on",
            share_reviews=request.POST.get("share_reviews") == "on",
        )
        messages.success(request, _("Saved. This applies to what you do from now on."))
        return redirect("social:privacy")
    return render(request, "social/graph_privacy.html", {"privacy": graph.privacy(me)})


@login_required
@require_POST
def purchase_question(request: HttpRequest) -> HttpResponse:
    """The answer to the question asked after a purchase (social/panels.py)."""
    share = request.POST.get("share") == "1"
    graph.answer_purchase_question(signed_in_user(request), share)
    if share:
        messages.success(request, _("Your friends will see what you buy from now on."))
    else:
        messages.success(request, _("Your purchases stay private."))
    return redirect(_local_next(request))


def _local_next(request: HttpRequest) -> str:
    nxt = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return reverse("orders:my_orders")


urlpatterns: list[URLPattern | URLResolver] = [
    path("privacy/", privacy, name="privacy"),
    path("privacy/purchases/", purchase_question, name="purchase_question"),
    path("u/<str:public_id>/", person, name="person"),
    path("u/<str:public_id>/followers/", followers, name="followers"),
    path("u/<str:public_id>/following/", following, name="following"),
    path("u/<str:public_id>/follow/", follow_person, name="follow"),
    path("u/<str:public_id>/unfollow/", unfollow_person, name="unfollow"),
    path("u/<str:public_id>/block/", block_person, name="block"),
    path("u/<str:public_id>/unblock/", unblock_person, name="unblock"),
    path("stores/<str:store_id>/follow/", follow_store, name="follow_store"),
    path("stores/<str:store_id>/unfollow/", unfollow_store, name="unfollow_store"),
]
