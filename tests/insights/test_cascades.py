"""How far it travelled: the shape of share trees, the cascades of a store with their figures,
the K-factor, the pages and the API, and who may see them."""

from __future__ import annotations

import io
from collections import deque
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from quanzi.campaigns.groupbuy.models import Group, GroupCampaign
from quanzi.insights.cascades import (
    LinkFacts,
    campaign_k_factor,
    cascade_of,
    cascades_of,
    k_factor,
    target_k_factor,
    tree_metrics,
)
from quanzi.insights.periods import parse_period
from quanzi.orders.models import OrderStatus
from quanzi.referrals.models import TargetKind
from quanzi.stores.models import StoreStaff
from tests.factories import ProductFactory, UserFactory, store_with_owner
from tests.insights.cascade_helpers import Merchant, link, make_merchant, order, visit

# --- The shape of a tree --------------------------------------------------------------------


def _star(n: int) -> dict[int, int | None]:
    return {0: None} | {i: 0 for i in range(1, n)}


def _path(n: int) -> dict[int, int | None]:
    return {0: None} | {i: i - 1 for i in range(1, n)}


def test_one_node_has_no_depth_and_no_virality():
    # given a link nobody reshared
    # when its shape is measured
    m = tree_metrics({"a": None})
    # then it is one node on one level, depth 0, virality 0
    assert (m.size, m.depth, m.max_breadth, m.virality, m.levels) == (1, 0, 1, 0.0, (1,))


@pytest.mark.parametrize("n", [2, 3, 5, 10, 100])
def test_a_star_has_virality_two_minus_two_over_n(n):
    # given a star of n nodes (one sharer, everyone reshared from them)
    # when measured
    m = tree_metrics(_star(n))
    # then depth 1, breadth n − 1, virality 2 − 2/n
    assert (m.size, m.depth, m.max_breadth) == (n, 1, max(n - 1, 1))
    assert m.virality == pytest.approx(2 - 2 / n)


@pytest.mark.parametrize("n", [2, 3, 4, 10, 100])
def test_a_path_has_virality_n_plus_one_over_three(n):
    # given a chain of n nodes (each reshared once, from the one before)
    # when measured
    m = tree_metrics(_path(n))
    # then depth n − 1, breadth 1, virality (n + 1)/3
    assert (m.size, m.depth, m.max_breadth) == (n, n - 1, 1)
    assert m.virality == pytest.approx((n + 1) / 3)


def test_a_small_tree_computed_by_hand():
    # given A with children B and C, and D under B
    tree = {"A": None, "B": "A", "C": "A", "D": "B"}
    # when measured
    m = tree_metrics(tree)
    # then the distances AB 1, AC 1, AD 2, BC 2, BD 1, CD 3 average 10/6
    assert (m.size, m.depth, m.max_breadth, m.levels) == (4, 2, 2, (1, 2, 1))
    assert m.virality == pytest.approx(10 / 6)


@pytest.mark.parametrize(
    "bad",
    [{}, {"a": None, "b": None}, {"a": None, "b": "x"}, {"a": None, "b": "c", "c": "b"}],
)
def test_what_is_not_one_tree_is_refused(bad):
    # given an empty map, two roots, a parent that is no node, a cycle
    # when measured, then it is refused
    with pytest.raises(ValueError):
        tree_metrics(bad)


def _brute_force_virality(parents: dict[int, int | None]) -> float:
    """Mean distance over all pairs by a breadth-first search from every node."""
    near: dict[int, list[int]] = {node: [] for node in parents}
    for node, parent in parents.items():
        if parent is not None:
            near[node].append(parent)
            near[parent].append(node)
    total = 0
    for start in parents:
        seen = {start: 0}
        queue = deque([start])
        while queue:
            here = queue.popleft()
            for there in near[here]:
                if there not in seen:
                    seen[there] = seen[here] + 1
                    queue.append(there)
        total += sum(seen.values())
    n = len(parents)
    return total / (n * (n - 1)) if n > 1 else 0.0


@st.composite
def trees(draw: st.DrawFn) -> dict[int, int | None]:
    """A random tree: node i > 0 hangs from one of the nodes before it."""
    n = draw(st.integers(min_value=1, max_value=40))
    return {0: None} | {i: draw(st.integers(min_value=0, max_value=i - 1)) for i in range(1, n)}


@settings(max_examples=200, deadline=None)
@given(trees())
def test_virality_matches_the_mean_distance_of_all_pairs(tree):
    # given any tree
    # when measured
    m = tree_metrics(tree)
    # then the Wiener-index virality equals the brute-force all-pairs mean distance,
    # and the levels add up to the size
    assert m.virality == pytest.approx(_brute_force_virality(tree))
    assert sum(m.levels) == m.size == len(tree)
    assert m.max_breadth == max(m.levels) and m.depth == len(m.levels) - 1


# --- K-factor (pure) ------------------------------------------------------------------------


def test_k_factor_of_two_sharers_with_five_invitees_of_whom_two_convert():
    # given 2 sharers, 5 visitors each, 2 of each 5 buying through the link
    at = timezone.now()
    links = [
        LinkFacts(
            f"L{s}",
            f"u:s{s}",
            None,
            at,
            frozenset(f"u:v{s}{i}" for i in range(5)),
            frozenset({f"u:v{s}0", f"u:v{s}1"}),
        )
        for s in range(2)
    ]
    # when the K-factor is computed
    k = k_factor(links)
    # then 5 invitations per sharer × 40 % conversion = 2.0, and no cycle time
    assert (k.sharers, k.invitations, k.converted) == (2, 10, 4)
    assert k.invitations_per_sharer == 5 and k.conversion == pytest.approx(0.4)
    assert k.k == pytest.approx(2.0) and k.cycle_time is None


def test_a_reshare_is_a_conversion_and_gives_the_cycle_time():
    # given A visited by 4 people; b reshared 2 h later, c 4 h later; a buyer who never
    # visited through A does not count
    at = timezone.now()
    people = frozenset({"u:b", "u:c", "u:d", "s:anon"})
    links = [
        LinkFacts("A", "u:a", None, at, people, frozenset({"u:stranger"})),
        LinkFacts("B", "u:b", "A", at + timedelta(hours=2)),
        LinkFacts("C", "u:c", "A", at + timedelta(hours=4)),
    ]
    # when the K-factor is computed
    k = k_factor(links)
    # then 3 sharers, 4 invitations, 2 converted (the resharers): K = 4/3 × 1/2; cycle 3 h
    assert (k.sharers, k.invitations, k.converted) == (3, 4, 2)
    assert k.k == pytest.approx(2 / 3)
    assert k.cycle_time == timedelta(hours=3) and k.cycle_hours == pytest.approx(3.0)


def test_k_factor_of_nothing_is_zero():
    # given no links, when the K-factor is computed, then everything is 0
    k = k_factor([])
    assert (k.sharers, k.invitations, k.k, k.conversion) == (0, 0, 0.0, 0.0)


# --- Cascades from the database -------------------------------------------------------------


class Tree:
    """A share tree of the merchant's product: A (阿强) → B (小美) → D (大卫), A → C (小翠).

    Visitors: A by 小美, 小翠 and two buyers (one anonymous session), B by 大卫 and a
    returning buyer, C by a buyer. Orders through the links: ¥59.00 through A (a first
    order), ¥100.00 through B with ¥30.00 refunded (a returning customer), ¥20.00 through C
    fully refunded, an unpaid one through C, and one of another store through A."""

    def __init__(self, merchant: Merchant) -> None:
        pid = merchant.product.pk
        self.alice = UserFactory(nickname="阿强")
        self.bob = UserFactory(nickname="小美")
        self.cara = UserFactory(nickname="小翠")
        self.dan = UserFactory(nickname="大卫")
        self.new_buyer = UserFactory()
        self.returning = UserFactory()
        self.refunded_buyer = UserFactory()
        start = timezone.now() - timedelta(days=2)
        self.a = link(self.alice, pid, at=start)
        self.b = link(self.bob, pid, parent=self.a, at=start + timedelta(hours=1))
        self.c = link(self.cara, pid, parent=self.a, at=start + timedelta(hours=3))
        self.d = link(self.dan, pid, parent=self.b, at=start + timedelta(hours=5))
        for who in (self.bob, self.cara, self.new_buyer):
            visit(self.a, who)
        visit(self.a, self.new_buyer)  # twice: one visitor
        visit(self.a, session="anon-session")
        visit(self.b, self.dan)
        visit(self.b, self.returning)
        visit(self.c, self.refunded_buyer)
        order(merchant.store, self.new_buyer, 5900, through=self.a)
        order(merchant.store, self.returning, 4000, paid_at=start - timedelta(days=30))
        order(merchant.store, self.returning, 10000, through=self.b, refunded=3000)
        order(
            merchant.store,
            self.refunded_buyer,
            2000,
            through=self.c,
            refunded=2000,
            status=OrderStatus.REFUNDED,
        )
        order(
            merchant.store,
            self.refunded_buyer,
            3000,
            through=self.c,
            paid=False,
            status=OrderStatus.CANCELLED,
        )
        elsewhere = store_with_owner()
        order(elsewhere, UserFactory(), 8800, through=self.a)


@pytest.fixture
def merchant(db: None) -> Merchant:
    return make_merchant()


@pytest.fixture
def tree(merchant: Merchant) -> Tree:
    return Tree(merchant)


def test_the_cascade_of_a_tree_with_its_figures_to_the_fen(
    merchant, tree, django_assert_max_num_queries
):
    # given the share tree (any of its codes names it)
    # when its cascade is read
    with django_assert_max_num_queries(8):
        cascade = cascade_of(merchant.store, tree.d.code)
    # then it is the whole tree from A, with its shape
    assert cascade.code == tree.a.code
    assert [n.code for n in cascade.nodes] == [tree.a.code, tree.b.code, tree.c.code, tree.d.code]
    m = cascade.metrics
    assert (m.size, m.depth, m.max_breadth, m.levels) == (4, 2, 2, (1, 2, 1))
    assert m.virality == pytest.approx(10 / 6)
    # and each node's distinct visitors, paid orders, GMV net of refunds and new customers
    figures = {
        n.sharer: (n.level, n.visits, n.orders, n.gmv, n.new_customers) for n in cascade.nodes
    }
    assert figures == {
        "阿强": (0, 4, 1, 5900, 1),
        "小美": (1, 2, 1, 7000, 0),
        "小翠": (1, 1, 0, 0, 0),
        "大卫": (2, 0, 0, 0, 0),
    }
    # and the totals: the other store's order is not this store's GMV
    assert (cascade.visits, cascade.orders, cascade.gmv, cascade.new_customers) == (7, 2, 12900, 1)
    assert cascade.target == "云南小粒咖啡豆"
    # and its K-factor: 4 sharers, 7 invitations; 小美, 小翠 and 大卫 reshared, two bought (the
    # fully refunded buyer did not convert): K = 7/4 × 5/7
    k = cascade.k_factor()
    assert (k.sharers, k.invitations, k.converted) == (4, 7, 5)
    assert k.k == pytest.approx(1.25)
    assert k.cycle_time == timedelta(hours=3)  # gaps of 1 h, 3 h and 4 h


def test_the_list_holds_the_cascades_started_in_the_period(
    merchant, tree, django_assert_max_num_queries
):
    # given, beside the tree, a lone share of the store 3 days ago and one 40 days ago
    lone = link(
        UserFactory(),
        merchant.store.pk,
        kind=TargetKind.STORE,
        at=timezone.now() - timedelta(days=3),
    )
    link(
        UserFactory(),
        merchant.store.pk,
        kind=TargetKind.STORE,
        at=timezone.now() - timedelta(days=40),
    )
    # and a share of another store's product
    other = ProductFactory(store=store_with_owner())
    link(UserFactory(), other.pk)
    # when the last 7 days' cascades are listed
    with django_assert_max_num_queries(8):
        found = cascades_of(merchant.store, parse_period({"period": "7d"}))
    # then the tree first (the biggest), then the lone share, nothing else
    assert [c.code for c in found] == [tree.a.code, lone.code]
    assert (found[0].metrics.size, found[0].gmv) == (4, 12900)
    assert (found[1].metrics.size, found[1].metrics.virality) == (1, 0.0)
    assert found[1].target in ("The store", "店铺")  # in the active language


def test_another_stores_link_is_not_found(merchant, tree):
    # given a link of another store's product
    other = ProductFactory(store=store_with_owner())
    foreign = link(UserFactory(), other.pk)
    # when this store asks for it, or for a code that is no code, then not found
    from quanzi.core.errors import NotFound

    for code in (foreign.code, "nope", "x" * 8):
        with pytest.raises(NotFound):
            cascade_of(merchant.store, code)


def test_k_factor_of_a_group_buy_campaign(merchant):
    # given a group-buy campaign with two groups, each shared by one person; five people
    # visit through each link and two of each five buy
    now = timezone.now()
    campaign = GroupCampaign.objects.create(
        store=merchant.store,
        product=merchant.product,
        team_size=3,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
    )
    groups = [
        Group.objects.create(
            campaign=campaign, team_size=3, opened_at=now, expires_at=now + timedelta(hours=24)
        )
        for _ in range(2)
    ]
    for group in groups:
        shared = link(UserFactory(), group.pk, kind=TargetKind.GROUP)
        invitees = [UserFactory() for _ in range(5)]
        for person in invitees:
            visit(shared, person)
        for buyer in invitees[:2]:
            order(merchant.store, buyer, 3900, through=shared)
    # when the campaign's K-factor is computed
    k = campaign_k_factor(merchant.store, TargetKind.GROUP, campaign.pk)
    # then K = 5 invitations per sharer × 40 % = 2.0
    assert (k.sharers, k.invitations, k.converted) == (2, 10, 4)
    assert k.k == pytest.approx(2.0)
    # and one group alone has K = 2.0 too; another store sees nothing of it
    assert target_k_factor(merchant.store, TargetKind.GROUP, groups[0].pk).k == pytest.approx(2.0)
    assert campaign_k_factor(store_with_owner(), TargetKind.GROUP, campaign.pk).sharers == 0


# --- Pages ------------------------------------------------------------------------------------


def _client(user=None) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def test_the_owner_sees_the_list_and_the_tree(merchant, tree, django_assert_max_num_queries):
    # given the owner, and a sharer whose name is markup
    tree.dan.nickname = "<b>大卫</b>"
    tree.dan.save()
    client = _client(merchant.owner)
    # when they open the cascades tab
    r = client.get(f"/insights/console/{merchant.store.pk}/cascades/")
    # then the table and a link to the tree
    assert r.status_code == 200
    html = r.content.decode()
    assert (
        'data-testid="insights-cascades"' in html and 'data-testid="insights-tab-cascades"' in html
    )
    url = reverse("insights:cascade", args=[merchant.store.pk, tree.a.code])
    assert url in html and 'data-testid="cascade-link"' in html
    # when they open the tree (bounded queries, whatever its size)
    with django_assert_max_num_queries(25):
        r = client.get(url)
    # then the cards, the nested tree with one item per link, the tables and the K-factor
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count('data-testid="cascade-node"') == 4
    assert html.count('data-testid="cascade-tree"') == 1
    assert '<ul class="cascade-tree" data-testid="cascade-tree">' in html
    assert 'data-testid="metric-gmv">¥129.00<' in html
    assert 'data-testid="metric-virality">1.67<' in html
    assert 'data-testid="k-cascade">1.25<' in html
    assert 'data-testid="insights-levels"' in html and 'data-testid="insights-nodes"' in html
    # and the sharer's name is text, not markup; no inline script or style
    assert "&lt;b&gt;大卫&lt;/b&gt;" in html and "<b>大卫</b>" not in html
    assert "<script>" not in html and " style=" not in html


def test_the_nodes_export_as_excel(merchant, tree):
    # given the owner on a cascade's page
    url = reverse("insights:cascade", args=[merchant.store.pk, tree.b.code])
    # when they export the table of links as Excel
    r = _client(merchant.owner).get(url, {"export": "nodes", "format": "xlsx"})
    # then a workbook of the four links, GMV in yuan
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 5
    gmv = rows[0].index("GMV (¥)")
    assert sorted(row[gmv] for row in rows[1:]) == [0, 0, 59.0, 70.0]
    # and the list exports too
    r = _client(merchant.owner).get(
        f"/insights/console/{merchant.store.pk}/cascades/", {"export": "cascades", "format": "csv"}
    )
    assert r.status_code == 200 and "129.0" in r.content.decode()


def test_staff_let_see_the_insights_see_the_pages(merchant, tree):
    # given the staff member, once the owner let them see the insights
    StoreStaff.objects.filter(user=merchant.staff).update(sees_insights=True)
    # when they open the list and the tree, then they see them
    client = _client(merchant.staff)
    assert client.get(f"/insights/console/{merchant.store.pk}/cascades/").status_code == 200
    assert (
        client.get(reverse("insights:cascade", args=[merchant.store.pk, tree.a.code])).status_code
        == 200
    )


def test_nobody_else_sees_the_pages(merchant, tree):
    # given another store's owner, staff not let see the insights, a customer, a visitor
    other_owner = UserFactory()
    store_with_owner(other_owner)
    pages = [
        f"/insights/console/{merchant.store.pk}/cascades/",
        reverse("insights:cascade", args=[merchant.store.pk, tree.a.code]),
        reverse("insights:cascade", args=[merchant.store.pk, tree.a.code])
        + "?export=nodes&format=xlsx",
    ]
    for who in (other_owner, merchant.staff, merchant.customer, tree.alice):
        for page in pages:
            # when they open a page, then they are refused
            r = _client(who).get(page)
            assert r.status_code in (403, 404), (who, page, r.status_code)
            assert "cascade-node" not in r.content.decode()
    for page in pages:
        r = _client().get(page)
        assert r.status_code == 302 and "/login" in r["Location"]


def test_another_stores_code_and_a_bad_period_on_the_pages(merchant, tree):
    # given a link of another store's product, on this store's page
    other = ProductFactory(store=store_with_owner())
    foreign = link(UserFactory(), other.pk)
    client = _client(merchant.owner)
    # when the owner asks for it, then not found
    assert (
        client.get(reverse("insights:cascade", args=[merchant.store.pk, foreign.code])).status_code
        == 404
    )
    # when they ask for a period that is none, then a 400
    r = client.get(f"/insights/console/{merchant.store.pk}/cascades/", {"period": "forever"})
    assert r.status_code == 400


def test_an_empty_store_shows_an_empty_list(merchant):
    # given a store nobody shared yet, when its owner opens the tab, then it says so
    r = _client(merchant.owner).get(f"/insights/console/{merchant.store.pk}/cascades/")
    assert r.status_code == 200 and 'data-testid="empty-cascades"' in r.content.decode()


# --- API --------------------------------------------------------------------------------------


def test_the_api_lists_the_cascades_and_gives_a_tree(merchant, tree, api):
    # given the owner's client
    client = api(merchant.owner)
    # when they list the cascades of the last 30 days
    r = client.get(f"/api/v1/insights/{merchant.store.pk}/cascades", {"period": "30d"})
    # then the tree's cascade with its figures in fen
    assert r.status_code == 200, r.content
    body = r.json()
    first = body["cascades"][0]
    assert (first["code"], first["size"], first["depth"], first["max_breadth"]) == (
        tree.a.code,
        4,
        2,
        2,
    )
    assert (first["visitors"], first["orders"], first["gmv"], first["new_customers"]) == (
        7,
        2,
        12900,
        1,
    )
    assert first["structural_virality"] == pytest.approx(10 / 6, abs=1e-4)
    # when they ask for the tree through any of its links
    r = client.get(f"/api/v1/insights/{merchant.store.pk}/cascades/{tree.c.code}")
    # then every link, breadth first, with its parent and figures, and the K-factors
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["code"] == tree.a.code and body["levels"] == [1, 2, 1]
    nodes = {n["code"]: n for n in body["nodes"]}
    assert nodes[tree.b.code]["parent_code"] == tree.a.code
    assert (nodes[tree.b.code]["gmv"], nodes[tree.c.code]["gmv"]) == (7000, 0)
    assert body["k_factor"]["k"] == pytest.approx(1.25)
    assert body["k_factor"]["cycle_time_hours"] == pytest.approx(3.0)


def test_the_api_refuses_a_bad_period_and_another_stores_code(merchant, tree, api):
    # given the owner's client, and a link of another store
    client = api(merchant.owner)
    foreign = link(UserFactory(), ProductFactory(store=store_with_owner()).pk)
    base = f"/api/v1/insights/{merchant.store.pk}/cascades"
    # when the period is no period, then the shared period schema refuses it (422, naming it)
    r = client.get(base, {"period": "forever"})
    assert r.status_code == 422 and r.json()["code"]
    # when custom dates are missing, reversed or in the future, then a 400 in words
    for query in (
        {"period": "custom"},
        {"period": "custom", "start": "2026-03-02", "end": "2026-03-01"},
        {"period": "custom", "start": "2026-03-01", "end": "2999-01-01"},
    ):
        r = client.get(base, query)
        assert r.status_code == 400 and r.json()["code"] and r.json()["detail"], query
        r = client.get(f"{base}/{tree.a.code}", query)
        assert r.status_code == 400, query
    # when the code is another store's, then 404
    r = client.get(f"/api/v1/insights/{merchant.store.pk}/cascades/{foreign.code}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_nobody_else_gets_the_api(merchant, tree, api):
    # given another store's owner, staff not let see the insights, a customer, anonymous
    other_owner = UserFactory()
    store_with_owner(other_owner)
    paths = [
        f"/api/v1/insights/{merchant.store.pk}/cascades",
        f"/api/v1/insights/{merchant.store.pk}/cascades/{tree.a.code}",
    ]
    for who in (other_owner, merchant.staff, merchant.customer, None):
        for path in paths:
            # when they call, then they are refused with the error body
            r = api(who).get(path)
            assert r.status_code in (401, 403, 404), (who, path, r.status_code)
            assert "code" in r.json() and "nodes" not in r.json()


def test_the_api_is_documented(merchant, api):
    # given the OpenAPI document, when read, then both operations have their schemas
    doc = api().get("/api/v1/openapi.json").json()
    listing = doc["paths"]["/api/v1/insights/{store_id}/cascades"]["get"]
    one = doc["paths"]["/api/v1/insights/{store_id}/cascades/{code}"]["get"]
    assert "CascadeListOut" in str(listing["responses"]["200"])
    assert "CascadeTreeOut" in str(one["responses"]["200"])
    assert {p["name"] for p in listing["parameters"]} >= {"store_id", "period", "start", "end"}
    assert "4XX" in one["responses"]


def test_the_queries_do_not_grow_with_the_tree(merchant, tree):
    # given the owner, and the number of queries of the tree's pages as it is
    client = _client(merchant.owner)
    tree_page = reverse("insights:cascade", args=[merchant.store.pk, tree.a.code])
    list_page = f"/insights/console/{merchant.store.pk}/cascades/"

    def queries(page: str) -> int:
        with CaptureQueriesContext(connection) as seen:
            assert client.get(page).status_code == 200
        return len(seen)

    before = (queries(tree_page), queries(list_page))
    # when the tree grows by 30 links, each visited and with an order
    parent = tree.d
    for _ in range(30):
        sharer = UserFactory()
        parent = link(sharer, merchant.product.pk, parent=parent)
        buyer = UserFactory()
        visit(parent, buyer)
        order(merchant.store, buyer, 1000, through=parent)
    # then its pages make as many queries as before
    assert (queries(tree_page), queries(list_page)) == before
