"""Circle membership over the API: roles × actions, joining, leaving, bans, join requests,
member counts, idempotent joins and constant query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from quanzi.circles.models import (
    Circle,
    JoinRequest,
    Membership,
    ModerationLog,
    Notification,
)
from quanzi.circles.services import membership as services
from quanzi.core.errors import InvalidInput
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _root() -> str:
    """The collection URL (create, discovery), whatever the router nesting makes of it."""
    return reverse("api:circles_root")


ROLES = ("owner", "admin", "member", "stranger", "anonymous")


def _count(circle: Circle) -> int:
    circle.refresh_from_db()
    return circle.member_count


def _active(circle: Circle) -> int:
    return Membership.objects.filter(circle=circle, state="active").count()


# --- The role × action matrix ----------------------------------------------------------------

# (method, path after /api/v1/circles/<id>, body, setup, expected per role in ROLES order).
# `{t}` is a plain member the action is aimed at; `{r}` a pending join request.
MATRIX: list[tuple[str, str, Any, str | None, tuple[int, ...]]] = [
    ("get", "", None, None, (200, 200, 200, 200, 200)),
    ("patch", "", {"description": "新描述"}, None, (200, 200, 403, 403, 401)),
    ("patch", "", {"commercial_share_percent": 10}, None, (200, 200, 403, 403, 401)),
    ("patch", "", {"name": "新名字"}, None, (200, 403, 403, 403, 401)),
    ("post", "/invite/rotate", None, None, (200, 200, 403, 403, 401)),
    ("get", "/members", None, None, (200, 200, 200, 403, 401)),
    ("get", "/requests", None, None, (200, 200, 403, 403, 401)),
    ("post", "/members/{t}/mute", {"minutes": 10}, None, (200, 200, 403, 403, 401)),
    ("post", "/members/{t}/unmute", None, None, (200, 200, 403, 403, 401)),
    ("post", "/members/{t}/remove", None, None, (204, 204, 403, 403, 401)),
    ("post", "/members/{t}/ban", None, None, (204, 204, 403, 403, 401)),
    ("post", "/members/{t}/unban", None, "ban", (204, 204, 403, 403, 401)),
    ("post", "/members/{t}/promote", None, None, (200, 403, 403, 403, 401)),
    ("post", "/members/{t}/demote", None, "promote", (200, 403, 403, 403, 401)),
    ("post", "/transfer", {"user_id": "{t}"}, None, (200, 403, 403, 403, 401)),
    ("post", "/requests/{r}/approve", None, "request", (200, 200, 403, 403, 401)),
    ("post", "/requests/{r}/reject", None, "request", (200, 200, 403, 403, 401)),
    ("post", "/leave", None, None, (409, 204, 204, 403, 401)),
    ("post", "/join", {}, None, (200, 200, 200, 201, 401)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "method,path,body,setup,expected",
    MATRIX,
    ids=[f"{m} {p} {s or ''}" for m, p, _b, s, _e in MATRIX],
)
def test_role_action_matrix(
    api, roles, store_circle, add_member, role, method, path, body, setup, expected
):
    # given the store circle with its owner, an admin, a member, a stranger and anonymous, and a
    # plain member `t` as the target (banned / promoted / asking to join, as the case needs)
    target = UserFactory()
    add_member(store_circle, target)
    owner = store_circle.owner
    request_id = ""
    if setup == "ban":
        services.ban_member(owner, store_circle.pk, target.public_id)
    elif setup == "promote":
        services.set_admin(owner, store_circle.pk, target.public_id, admin=True)
    elif setup == "request":
        services.update_circle(
            owner, store_circle.pk, services.CircleChange(join_policy="approval")
        )
        request_id = services.join_circle(UserFactory(), store_circle.pk).join_request.pk
    url = f"circles/{store_circle.pk}{path}".replace("{t}", target.public_id).replace(
        "{r}", request_id
    )
    if isinstance(body, dict):
        body = {
            k: (v.replace("{t}", target.public_id) if isinstance(v, str) else v)
            for k, v in body.items()
        }
    # when that role calls the endpoint
    r = getattr(api(roles[role]), method)(url, body)
    # then the answer is the one the role allows, and refusals say why in a code
    assert r.status_code == expected[ROLES.index(role)], r.content
    if r.status_code in (401, 403):
        assert r.json()["code"]


def test_anonymous_and_stranger_cannot_read_the_member_list(
    api, store_circle, circle_member, stranger
):
    # given a circle with members
    # when someone outside asks for the member list
    r_anon = api().get(f"circles/{store_circle.pk}/members")
    r_stranger = api(stranger).get(f"circles/{store_circle.pk}/members")
    # then nobody outside sees it
    assert r_anon.status_code == 401
    assert r_stranger.status_code == 403
    assert r_stranger.json()["code"] == "not_member"
    assert circle_member.username not in r_stranger.content.decode()


def test_unknown_circle_is_404(api, stranger):
    # given no such circle / when asked for it / then 404, even with odd characters
    assert api(stranger).get("circles/NoSuchCircle0000").status_code == 404
    assert api(stranger).post("circles/bad%20id!/join", {}).status_code == 404


# --- Moderation rules --------------------------------------------------------------------------


def test_nobody_moderates_the_owner_and_admins_not_each_other(
    api, store_circle, circle_admin, add_member
):
    # given a second admin
    other_admin = UserFactory()
    add_member(store_circle, other_admin, "admin")
    owner = store_circle.owner
    base = f"circles/{store_circle.pk}/members"
    # when an admin tries to ban the owner or mute the other admin
    r_owner = api(circle_admin).post(f"{base}/{owner.public_id}/ban")
    r_admin = api(circle_admin).post(f"{base}/{other_admin.public_id}/mute", {"minutes": 10})
    r_self = api(circle_admin).post(f"{base}/{circle_admin.public_id}/remove")
    # then all are refused with a reason
    assert (r_owner.status_code, r_owner.json()["code"]) == (403, "target_owner")
    assert (r_admin.status_code, r_admin.json()["code"]) == (403, "target_admin")
    assert (r_self.status_code, r_self.json()["code"]) == (403, "self")
    # and the owner may moderate the admin
    r = api(owner).post(f"{base}/{other_admin.public_id}/mute", {"minutes": 60})
    assert r.status_code == 200 and r.json()["muted_until"]


def test_mute_durations_and_log(api, store_circle, circle_member):
    # given a member
    base = f"circles/{store_circle.pk}/members/{circle_member.public_id}"
    owner = api(store_circle.owner)
    # when muted for 0 minutes or more than 30 days
    # then it is refused; a 30-day mute is fine
    assert owner.post(f"{base}/mute", {"minutes": 0}).status_code == 422
    assert owner.post(f"{base}/mute", {"minutes": 30 * 24 * 60 + 1}).status_code == 422
    assert owner.post(f"{base}/mute", {"minutes": 30 * 24 * 60}).status_code == 200
    with pytest.raises(InvalidInput):
        services.mute_member(
            store_circle.owner, store_circle.pk, circle_member.public_id, minutes=0
        )
    # and unmuting clears it; each action is in the moderation log
    assert owner.post(f"{base}/unmute").json()["muted_until"] is None
    actions = list(
        ModerationLog.objects.filter(circle=store_circle).values_list("action", flat=True)
    )
    assert {"mute", "unmute"} <= set(actions)


def test_leaving_and_rejoining_does_not_lift_a_mute(api, store_circle, circle_member):
    # given a muted member of an open circle
    owner = api(store_circle.owner)
    base = f"circles/{store_circle.pk}"
    owner.post(f"{base}/members/{circle_member.public_id}/mute", {"minutes": 60})
    # when they leave and join again
    c = api(circle_member)
    assert c.post(f"{base}/leave").status_code == 204
    assert c.post(f"{base}/join", {}).status_code == 201
    # then they are still muted
    rows = c.get(f"{base}/members").json()["items"]
    me = next(x for x in rows if x["user_id"] == circle_member.public_id)
    assert me["muted_until"] is not None


def test_promote_transfer_then_old_owner_can_leave(api, store_circle, circle_member):
    # given the owner and a member
    owner = store_circle.owner
    # when the owner tries to leave first
    r = api(owner).post(f"circles/{store_circle.pk}/leave")
    # then it is refused: the ownership must be transferred
    assert (r.status_code, r.json()["code"]) == (409, "owner_cannot_leave")
    # when the owner transfers the circle to the member
    r = api(owner).post(f"circles/{store_circle.pk}/transfer", {"user_id": circle_member.public_id})
    # then the member owns it and the former owner is an admin who may now leave
    assert r.status_code == 200, r.content
    store_circle.refresh_from_db()
    assert store_circle.owner == circle_member
    assert Membership.objects.get(circle=store_circle, user=owner).role == "admin"
    assert api(owner).post(f"circles/{store_circle.pk}/leave").status_code == 204
    assert _count(store_circle) == 1


# --- Joining, leaving and counts -------------------------------------------------------------


def test_member_count_stays_right_through_join_leave_remove(
    api, store_circle, circle_member, stranger
):
    # given a circle of two (owner and member)
    assert _count(store_circle) == 2
    c = api(stranger)
    url = f"circles/{store_circle.pk}"
    # when a stranger joins twice, leaves twice, rejoins, and is removed twice
    assert c.post(f"{url}/join", {}).json()["status"] == "joined"
    assert c.post(f"{url}/join", {}).json()["status"] == "already_member"
    assert _count(store_circle) == 3
    assert c.post(f"{url}/leave").status_code == 204
    assert c.post(f"{url}/leave").status_code == 403
    assert _count(store_circle) == 2
    assert c.post(f"{url}/join", {}).status_code == 201
    assert _count(store_circle) == 3
    owner = api(store_circle.owner)
    assert owner.post(f"{url}/members/{stranger.public_id}/remove").status_code == 204
    assert owner.post(f"{url}/members/{stranger.public_id}/remove").status_code == 404
    # then the count always equals the active members
    assert _count(store_circle) == 2 == _active(store_circle)
    # and a removed member may rejoin
    assert c.post(f"{url}/join", {}).json()["status"] == "joined"
    assert _count(store_circle) == 3 == _active(store_circle)
    # and banning a former member does not move the count
    assert c.post(f"{url}/leave").status_code == 204
    assert owner.post(f"{url}/members/{stranger.public_id}/ban").status_code == 204
    assert _count(store_circle) == 2 == _active(store_circle)


def test_banned_member_cannot_rejoin_in_any_way(api, store_circle, circle_member):
    # given a banned member
    owner = api(store_circle.owner)
    url = f"circles/{store_circle.pk}"
    assert owner.post(f"{url}/members/{circle_member.public_id}/ban").status_code == 204
    c = api(circle_member)
    # when they try to join by id, by the link's code, and (approval circle) by request
    r_id = c.post(f"{url}/join", {})
    r_code = c.post(f"circles/join/{store_circle.invite_code}", {})
    services.update_circle(
        store_circle.owner, store_circle.pk, services.CircleChange(join_policy="approval")
    )
    r_request = c.post(f"{url}/join", {"message": "让我回来"})
    # then each is a 403 with a clear reason, and nothing was created
    for r in (r_id, r_code, r_request):
        assert (r.status_code, r.json()["code"]) == (403, "banned"), r.content
    assert "banned" in c.post(f"{url}/join", {}, headers={"Accept-Language": "en"}).json()["detail"]
    assert not JoinRequest.objects.filter(circle=store_circle, user=circle_member).exists()
    assert Membership.objects.get(circle=store_circle, user=circle_member).state == "banned"
    # and once unbanned they may join again
    assert owner.post(f"{url}/members/{circle_member.public_id}/unban").status_code == 204
    services.update_circle(
        store_circle.owner, store_circle.pk, services.CircleChange(join_policy="open")
    )
    assert c.post(f"{url}/join", {}).json()["status"] == "joined"


def test_join_by_code_for_each_policy(api, make_circle, interest_owner, stranger):
    # given an open, an approval and an invite-only circle
    circles = {
        p: make_circle(interest_owner, name=p, join_policy=p)
        for p in ("open", "approval", "invite")
    }
    c = api(stranger)
    # when a stranger uses each one's join link
    results = {p: c.post(f"circles/join/{x.invite_code}", {}) for p, x in circles.items()}
    # then open and invite-only join at once, approval makes a request
    assert {p: r.json()["status"] for p, r in results.items()} == {
        "open": "joined",
        "approval": "requested",
        "invite": "joined",
    }
    assert results["approval"].json()["join_request_id"]
    # and an invite-only circle cannot be joined without the link
    other = UserFactory()
    r = api(other).post(f"circles/{circles['invite'].pk}/join", {})
    assert (r.status_code, r.json()["code"]) == (403, "invite_only")


def test_rotating_the_invite_kills_the_old_link(api, store_circle, circle_admin, stranger):
    # given the current join link
    old = store_circle.invite_code
    # when an admin renews it
    r = api(circle_admin).post(f"circles/{store_circle.pk}/invite/rotate")
    # then the old code is unknown and the new one works
    assert r.status_code == 200
    new = r.json()["join_link"].rstrip("/").rsplit("/", 1)[1]
    assert new != old and len(new) >= 20
    bad = api(stranger).post(f"circles/join/{old}", {})
    assert (bad.status_code, bad.json()["code"]) == (404, "bad_link")
    assert api(stranger).post(f"circles/join/{new}", {}).status_code == 201


def test_join_with_idempotency_key_replays(api, store_circle, stranger):
    # given a stranger on a flaky network
    c = api(stranger)
    url = f"circles/{store_circle.pk}/join"
    # when the same join is sent twice with one key
    first = c.post(url, {}, headers={"Idempotency-Key": "join-1"})
    second = c.post(url, {}, headers={"Idempotency-Key": "join-1"})
    # then both get the first answer and the person joined once
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert _count(store_circle) == 2
    # and the same key with another body is refused
    third = c.post(url, {"message": "different"}, headers={"Idempotency-Key": "join-1"})
    assert third.status_code == 422


def test_join_request_flow_with_notifications(
    api, make_circle, interest_owner, stranger, add_member
):
    # given an approval circle with an admin
    circle = make_circle(interest_owner, name="读书会", join_policy="approval")
    admin = UserFactory()
    add_member(circle, admin, "admin")
    c = api(stranger)
    # when a stranger asks to join (twice)
    r1 = c.post(f"circles/{circle.pk}/join", {"message": "我爱读书"})
    r2 = c.post(f"circles/{circle.pk}/join", {})
    # then one request waits and the owner and admin are told
    assert (r1.status_code, r1.json()["status"]) == (201, "requested")
    assert (r2.status_code, r2.json()["status"]) == (200, "pending")
    told = Notification.objects.filter(kind="join_request", text__contains=stranger.display_name)
    assert set(told.values_list("user", flat=True)) == {interest_owner.pk, admin.pk}
    assert told.count() == 2
    listed = api(admin).get(f"circles/{circle.pk}/requests").json()
    assert [x["message"] for x in listed] == ["我爱读书"]
    # when the admin rejects it
    rid = listed[0]["id"]
    assert (
        api(admin).post(f"circles/{circle.pk}/requests/{rid}/reject").json()["state"] == "rejected"
    )
    # then the stranger is told, is not a member, and may ask again
    assert Notification.objects.filter(user=stranger, kind="join_decided").count() == 1
    assert _count(circle) == 2
    rid2 = c.post(f"circles/{circle.pk}/join", {}).json()["join_request_id"]
    # when the owner approves the new request (and someone answers it twice)
    r = api(interest_owner).post(f"circles/{circle.pk}/requests/{rid2}/approve")
    again = api(admin).post(f"circles/{circle.pk}/requests/{rid2}/approve")
    # then the stranger is a member once, told so, and the second answer is a conflict
    assert r.status_code == 200 and again.status_code == 409
    assert _count(circle) == 3 == _active(circle)
    assert Notification.objects.filter(user=stranger, kind="join_decided").count() == 2
    assert api(stranger).get(f"circles/{circle.pk}/members").status_code == 200
    # and a request of another circle is not found here
    other = make_circle(UserFactory(), name="别的圈", join_policy="approval")
    foreign = services.join_circle(UserFactory(), other.pk).join_request
    assert api(admin).post(f"circles/{circle.pk}/requests/{foreign.pk}/approve").status_code == 404


# --- Create and settings ---------------------------------------------------------------------


def test_create_store_and_interest_circles(api, shop, store_owner, stranger):
    # given a store owner and a stranger
    # when the owner creates a store circle and the stranger an interest circle
    r1 = api(store_owner).post(
        _root(), {"name": "店铺圈", "store_id": shop.pk, "join_policy": "approval"}
    )
    r2 = api(stranger).post(_root(), {"name": "兴趣圈"})
    # then both exist with their creator as owner and one member
    assert r1.status_code == 201, r1.content
    assert r1.json()["store_name"] == shop.name and r1.json()["role"] == "owner"
    assert r2.status_code == 201 and r2.json()["member_count"] == 1
    # and a stranger cannot make a circle for someone else's store
    r3 = api(stranger).post(_root(), {"name": "冒充", "store_id": shop.pk})
    assert r3.status_code == 403
    # and anonymous cannot create at all
    assert api().post(_root(), {"name": "x"}).status_code == 401


def test_owned_circles_are_capped(api, stranger):
    # given someone who owns the maximum of circles
    c = api(stranger)
    for n in range(services.MAX_OWNED_CIRCLES):
        assert c.post(_root(), {"name": f"圈{n}"}).status_code == 201
    # when they create one more
    r = c.post(_root(), {"name": "再来一个"})
    # then it is refused and nothing was written
    assert (r.status_code, r.json()["code"]) == (409, "too_many_circles")
    assert Circle.objects.filter(owner=stranger).count() == services.MAX_OWNED_CIRCLES


@pytest.mark.parametrize(
    "patch",
    [
        {"commercial_share_percent": 101},
        {"flood_per_minute": 0},
        {"commercial_daily_cap": -1},
        {"blocked_words": ["x" * 31]},
        {"blocked_words": [f"词{i}" for i in range(201)]},
        {"join_policy": "everyone"},
        {"name": "   "},
    ],
)
def test_bad_settings_are_refused(api, store_circle, patch):
    # given the owner / when a setting is out of range / then 400 and nothing changed
    r = api(store_circle.owner).patch(f"circles/{store_circle.pk}", patch)
    assert r.status_code in (400, 422), r.content
    store_circle.refresh_from_db()
    assert store_circle.commercial_share_percent == 20 and store_circle.name == "阿梅咖啡圈"


def test_admin_settings_and_blocked_words_are_cleaned(api, store_circle, circle_admin):
    # given an admin / when they set the limits and a messy word list
    r = api(circle_admin).patch(
        f"circles/{store_circle.pk}",
        {
            "commercial_share_percent": 15,
            "flood_per_minute": 5,
            "blocked_words": [" 代购 ", "代购", "", "刷单"],
        },
    )
    # then the words are trimmed and distinct, and the settings saved
    assert r.status_code == 200, r.content
    assert r.json()["blocked_words"] == ["代购", "刷单"]
    store_circle.refresh_from_db()
    assert (store_circle.commercial_share_percent, store_circle.flood_per_minute) == (15, 5)


def test_settings_are_hidden_from_plain_members(api, store_circle, circle_member):
    # given a member / when they read the circle / then they see the link but not the settings
    body = api(circle_member).get(f"circles/{store_circle.pk}").json()
    assert body["join_link"].endswith(f"/circles/join/{store_circle.invite_code}/")
    assert body["blocked_words"] is None
    # and anonymous sees no link
    assert api().get(f"circles/{store_circle.pk}").json()["join_link"] is None


# --- Lists -----------------------------------------------------------------------------------


def test_discovery_lists_listed_circles_with_search_and_constant_queries(
    api, make_circle, store_circle, django_assert_max_num_queries
):
    # given listed circles and an unlisted one
    make_circle(UserFactory(), name="隐藏圈", is_listed=False)
    c = api()
    with django_assert_max_num_queries(3) as few:
        small = c.get(_root(), {"page_size": 50}).json()
    for n in range(12):
        make_circle(UserFactory(), name=f"跑步圈{n}")
    # when the list is read with many more circles
    with django_assert_max_num_queries(len(few.captured_queries)):
        big = c.get(_root(), {"page_size": 50}).json()
    # then the query count did not grow and the unlisted circle is absent
    assert small["count"] == 1 and big["count"] == 13
    assert "隐藏圈" not in {x["name"] for x in big["items"]}
    # and the search finds by name or store name
    assert c.get(_root(), {"q": "跑步圈1"}).json()["count"] == 3  # 1, 10, 11
    assert c.get(_root(), {"q": "阿梅的咖啡"}).json()["items"][0]["id"] == store_circle.pk


def test_member_list_search_paging_and_constant_queries(
    api, store_circle, circle_member, add_member, django_assert_max_num_queries
):
    # given a circle of two
    c = api(circle_member)
    url = f"circles/{store_circle.pk}/members"
    with django_assert_max_num_queries(20) as few:
        c.get(url, {"page_size": 50})
    for n in range(12):
        add_member(store_circle, UserFactory(nickname=f"咖啡客{n}"))
    # when the member list is read with many more members
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = c.get(url, {"page_size": 50}).json()
    # then the query count did not grow; the owner comes first
    assert body["count"] == 14
    assert body["items"][0]["role"] == "owner"
    # and search and paging work
    assert c.get(url, {"q": "咖啡客1"}).json()["count"] == 3
    page2 = c.get(url, {"page": 2, "page_size": 10}).json()
    assert (page2["page"], len(page2["items"])) == (2, 4)


def test_my_circles_with_unread(api, store_circle, interest_circle, circle_member, add_member):
    # given a member of two circles, behind on one of them
    add_member(interest_circle, circle_member)
    Circle.objects.filter(pk=store_circle.pk).update(last_message_seq=7)
    Membership.objects.filter(circle=store_circle, user=circle_member).update(last_read_seq=3)
    # when they list their circles
    rows = {x["id"]: x for x in api(circle_member).get("circles/mine").json()}
    # then each shows the unread count
    assert rows[store_circle.pk]["unread"] == 4
    assert rows[interest_circle.pk]["unread"] == 0
    assert rows[store_circle.pk]["role"] == "member"
