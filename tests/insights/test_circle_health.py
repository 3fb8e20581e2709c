"""Circle health (quanzi/insights/circles.py): members and their trend, DAU/WAU/MAU, messages
per active member, lurkers, the commercial share, joins and leaves, the members' orders and GMV,
the score; the page, its export and the API, and who may see them."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from quanzi.accounts.models import User
from quanzi.circles.models import Circle, MessageKind
from quanzi.insights.circles import CircleHealth, circle_health
from quanzi.insights.periods import Period
from quanzi.insights.score import social_dividend
from quanzi.stores.models import Store
from tests.factories import UserFactory
from tests.insights.conftest_health import (
    a_circle,
    a_member,
    a_message,
    a_staff,
    a_store,
    an_order,
    at,
    rolled_up,
)

pytestmark = pytest.mark.django_db


@dataclass
class Community:
    owner: User
    store: Store
    circle: Circle
    period: Period
    members: dict[str, User]


@pytest.fixture
def community() -> Community:
    """A store's circle over a 7-day period that ended two days ago (`end`):

    members now: the owner (joined today), A (60 days before the end), B (40), C (30),
    D (10), E (100), G (50); F left. The 28 days ending at the end began 27 days before it.
    Messages: A twice on the last day (one commercial), B 5 days before the end, D the day
    before it, C 20 days before it (in the 28 days, not in the period), E 40 days before it
    (too old), G only a message the moderators removed; a system notice on the last day.
    Rollups: 2 joins 2 days before the end, a leave the day before it and one on it, a join
    after the period (yesterday) and one before it.
    """
    owner, store = a_store()
    today = timezone.localdate()
    end = today - timedelta(days=2)
    period = Period("custom", end - timedelta(days=6), end)
    circle = a_circle(owner, store, "阿梅咖啡圈", born=at(end - timedelta(days=200)))
    joined = {"A": 60, "B": 40, "C": 30, "D": 10, "E": 100, "G": 50}
    members = {name: a_member(circle, at(end - timedelta(days=d))) for name, d in joined.items()}
    members["F"] = a_member(circle, at(end - timedelta(days=90)), state="left")
    a_message(circle, members["A"], at(end, 10), commercial=True)
    a_message(circle, members["A"], at(end, 11))
    a_message(circle, members["B"], at(end - timedelta(days=5)))
    a_message(circle, members["D"], at(end - timedelta(days=1)))
    a_message(circle, members["C"], at(end - timedelta(days=20)))
    a_message(circle, members["E"], at(end - timedelta(days=40)))
    a_message(circle, members["G"], at(end - timedelta(days=3)), removed=True)
    a_message(circle, members["B"], at(end, 9), removed=True)
    a_message(circle, None, at(end, 12), kind=MessageKind.SYSTEM)
    rolled_up(store, circle, end - timedelta(days=2), joins=2)
    rolled_up(store, circle, end - timedelta(days=1), leaves=1)
    rolled_up(store, circle, end, leaves=1)
    rolled_up(store, circle, end + timedelta(days=1), joins=1)
    rolled_up(store, circle, end - timedelta(days=10), joins=1)
    return Community(owner, store, circle, period, members)


def health_of(c: Community) -> CircleHealth:
    (health,) = [h for h in circle_health(c.store, c.period) if h.circle_id == c.circle.pk]
    return health


def test_members_now_and_at_the_end_of_each_day(community: Community) -> None:
    # given the community (7 members now: the owner and A B C D E G)
    # when its health is read
    health = health_of(community)
    # then the members now are exact, and each day's count is the members now less the joins
    # after that day plus the leaves after it: 6 before the joins, 8, then 7 and 6 after the
    # two leaves (the join of yesterday makes today's 7)
    assert health.members == 7
    assert [n for _day, n in health.members_by_day] == [6, 6, 6, 6, 8, 7, 6]
    assert [day for day, _n in health.members_by_day] == list(community.period.each_day())
    # and the joins and leaves are those of the period's days only
    assert (health.joins, health.leaves) == (2, 2)


def test_daily_weekly_monthly_active_members(community: Community) -> None:
    # given the community's messages
    # when its health is read
    health = health_of(community)
    # then DAU counts who wrote on the last day (A), WAU the last 7 days (A, B, D), MAU the last
    # 28 (A, B, C, D); removed messages and system notices count for nobody
    assert (health.dau, health.wau, health.mau) == (1, 3, 4)


def test_messages_per_active_member_and_commercial_share(community: Community) -> None:
    # given 4 messages in the period (A's two, one of them commercial; B's; D's) by 3 people
    # when its health is read
    health = health_of(community)
    # then messages per active member is 4 ÷ 3 and the commercial share 1 ÷ 4
    assert (health.messages, health.senders, health.commercial) == (4, 3, 1)
    assert health.messages_per_active == pytest.approx(4 / 3)
    assert health.commercial_share == 0.25


def test_lurker_share_as_worked_out_by_hand(community: Community) -> None:
    # given the members who joined before the 28 days began: A, B, C, E, G (not D, who joined
    # 10 days before the end, nor the owner, who joined today; not F, who left)
    # when its health is read
    health = health_of(community)
    # then the lurkers are E (last message 40 days before the end) and G (only a removed one):
    # 2 of the 5 settled members
    assert (health.settled, health.lurkers) == (5, 2)
    assert health.lurker_share == 0.4


def test_members_orders_and_gmv_with_refunds_taken_out(community: Community) -> None:
    # given paid orders at the store in the period: A's ¥100 with ¥30 refunded and B's ¥20
    # refunded in full; and orders that do not count: A's before the period, A's unpaid one,
    # F's (no longer a member), a stranger's, A's at another store
    m, store, end = community.members, community.store, community.period.end
    an_order(m["A"], store, 10000, paid_at=at(end - timedelta(days=1)), refunded=3000)
    an_order(m["B"], store, 2000, paid_at=at(end - timedelta(days=2)), refunded=2000)
    an_order(m["A"], store, 5000, paid_at=at(end - timedelta(days=9)))
    an_order(m["A"], store, 4000, paid_at=None)
    an_order(m["F"], store, 8000, paid_at=at(end))
    an_order(UserFactory(), store, 9000, paid_at=at(end))
    _, other_store = a_store("别家")
    an_order(m["A"], other_store, 7000, paid_at=at(end))
    # when its health is read
    health = health_of(community)
    # then the two members' orders count, with ¥70 of GMV
    assert (health.orders, health.gmv) == (2, 7000)


def test_the_score_of_a_circle(community: Community) -> None:
    # given 3 people who wrote 4 messages in the period
    # when its health is read
    health = health_of(community)
    # then the score is the social dividend of reach 3, no virality, 4 interactions
    assert health.score.value == social_dividend(3, 0.0, 4).value == 4.6


def test_only_the_stores_circles_biggest_first(community: Community) -> None:
    # given a quiet second circle of the store, another store's circle and an interest circle
    quiet = a_circle(community.owner, community.store, "新圈", born=at(community.period.end))
    other_owner, other_store = a_store("别家")
    a_circle(other_owner, other_store, "别家圈", born=at(community.period.end))
    a_circle(other_owner, None, "晨跑小队", born=at(community.period.end))
    # when the store's circles are read
    health = circle_health(community.store, community.period)
    # then only the store's two circles come, the bigger first; the quiet one has zeros and
    # no member before the day it was made
    assert [h.circle_id for h in health] == [community.circle.pk, quiet.pk]
    assert (health[1].members, health[1].mau, health[1].lurker_share) == (1, 0, None)
    assert [n for _day, n in health[1].members_by_day] == [0, 0, 0, 0, 0, 0, 1]
    assert health[1].score.value == 0


def test_active_windows_follow_the_clock(time_machine: object) -> None:
    # given a circle whose member wrote on 2026-03-01 10:00 (local), and "today" three weeks on
    owner, store = a_store()
    circle = a_circle(owner, store, "圈", born=at(date(2026, 1, 1)))
    member = a_member(circle, at(date(2026, 1, 2)))
    a_message(circle, member, at(date(2026, 3, 1), 10))
    time_machine.move_to(at(date(2026, 3, 22), 9))  # type: ignore[attr-defined]
    # when the last 7 days (to today) are read, then the last 30
    week = circle_health(store, Period("7d", date(2026, 3, 16), date(2026, 3, 22)))[0]
    month = circle_health(store, Period("30d", date(2026, 2, 21), date(2026, 3, 22)))[0]
    # then the message is 21 days before the end: out of DAU and WAU, in MAU; the member is not a
    # lurker; in the 30 days it is also the period's only message
    assert (week.dau, week.wau, week.mau, week.lurkers) == (0, 0, 1, 0)
    assert (month.messages, month.senders, month.members_by_day[-1][1]) == (1, 1, 2)


# --- The page, its export and the API ---------------------------------------------------------


def page(user: User | None) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def url(store: Store) -> str:
    return f"/insights/console/{store.pk}/circles/"


def test_the_page_shows_the_circles_to_the_owner(community: Community) -> None:
    # given the store's owner
    # when they open the circle-health page for the last 30 days
    response = page(community.owner).get(url(community.store), {"period": "30d"})
    # then it shows the circle's tables, the charts' data and the score's help
    assert response.status_code == 200
    body = response.content.decode()
    for table in ("circles", "members", "circle-activity", "circle-score"):
        assert f'data-testid="insights-{table}"' in body
    assert "阿梅咖啡圈" in body
    assert "Social dividend = information" in body
    assert 'data-testid="insights-tab-circles"' in body
    assert "style=" not in body.split('data-testid="insights-circles"')[1]


def test_the_circles_table_exports_to_excel(community: Community) -> None:
    # given the owner and the period that ended two days ago
    p = community.period
    query = {"period": "custom", "start": p.start.isoformat(), "end": p.end.isoformat()}
    # when they export the circles table as Excel
    response = page(community.owner).get(
        url(community.store), {**query, "export": "circles", "format": "xlsx"}
    )
    # then the sheet has the headers and the circle's figures, shares as fractions
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[0] == "Circle"
    assert first["Circle"] == "阿梅咖啡圈"
    assert (first["Members"], first["Monthly active"], first["Share of lurkers"]) == (7, 4, 0.4)


def test_staff_let_see_the_insights_see_the_page(community: Community) -> None:
    # given a staff member the owner let see the insights
    staff = a_staff(community.store, sees_insights=True)
    # when they open the page
    response = page(staff).get(url(community.store))
    # then it is shown
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["other_owner", "staff", "customer"])
def test_the_page_is_refused_to_others(community: Community, who: str) -> None:
    # given another store's owner, a plain staff member, a customer of the circle
    other_owner, _ = a_store("别家")
    people = {
        "other_owner": other_owner,
        "staff": a_staff(community.store),
        "customer": community.members["A"],
    }
    # when they open the page
    response = page(people[who]).get(url(community.store))
    # then they get nothing
    assert response.status_code in (403, 404)
    assert "阿梅咖啡圈" not in response.content.decode()


def test_the_page_sends_anonymous_visitors_to_sign_in(community: Community) -> None:
    # given an anonymous visitor
    # when they open the page
    response = page(None).get(url(community.store))
    # then they are sent to sign in
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_api_gives_the_owner_the_figures(community: Community, api: type) -> None:
    # given the owner and the period that ended two days ago
    p = community.period
    # when they ask the API
    response = api(community.owner).get(
        f"insights/{community.store.pk}/circles",
        {"period": "custom", "start": p.start.isoformat(), "end": p.end.isoformat()},
    )
    # then the figures are those of the page
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["period"]["key"] == "custom"
    assert (data["period"]["start"], data["period"]["end"]) == (str(p.start), str(p.end))
    (circle,) = data["circles"]
    assert circle["circle_id"] == community.circle.pk
    assert (circle["members"], circle["dau"], circle["wau"], circle["mau"]) == (7, 1, 3, 4)
    assert (circle["lurkers"], circle["settled_members"], circle["lurker_share"]) == (2, 5, 0.4)
    assert (circle["joins"], circle["leaves"], circle["commercial_share"]) == (2, 2, 0.25)
    assert [d["members"] for d in circle["members_by_day"]] == [6, 6, 6, 6, 8, 7, 6]
    assert circle["score"] == 4.6


def test_the_api_refuses_a_bad_period(community: Community, api: type) -> None:
    # given the owner
    # when they ask for a period that is not one
    response = api(community.owner).get(
        f"insights/{community.store.pk}/circles", {"period": "forever"}
    )
    # then it is refused in words (422: the schema lists the periods there are)
    assert response.status_code == 422
    assert response.json()["code"] and response.json()["detail"]


@pytest.mark.parametrize("who", ["anonymous", "other_owner", "staff", "customer"])
def test_the_api_refuses_others(community: Community, api: type, who: str) -> None:
    # given an anonymous caller, another store's owner, a plain staff member, a customer
    other_owner, _ = a_store("别家")
    people = {
        "anonymous": None,
        "other_owner": other_owner,
        "staff": a_staff(community.store),
        "customer": community.members["A"],
    }
    # when they ask the API
    response = api(people[who]).get(f"insights/{community.store.pk}/circles")
    # then they get an error answer and no figure
    assert response.status_code in (401, 403, 404)
    assert "circles" not in response.json()


def test_the_queries_do_not_grow_with_the_circles(community: Community) -> None:
    # given the store's figures read once with one circle
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        circle_health(community.store, community.period)
    # when three more busy circles are added and the figures read again
    for n in range(3):
        circle = a_circle(community.owner, community.store, f"圈{n}", born=at(date(2026, 1, 1)))
        member = a_member(circle, at(date(2026, 1, 2)))
        a_message(circle, member, at(community.period.end))
        an_order(member, community.store, 1000, paid_at=at(community.period.end))
    with CaptureQueriesContext(connection) as four:
        health = circle_health(community.store, community.period)
    # then it takes the same number of queries
    assert len(health) == 4
    assert len(four.captured_queries) == len(one.captured_queries) <= 7
