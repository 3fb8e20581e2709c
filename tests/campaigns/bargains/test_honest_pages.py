"""Bargain pages tell the truth: a progress bar of how much of start → floor is cut, the amount
left to the floor, and titles that never promise free (免单) while the floor is above zero."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from quanzi.campaigns.bargains import services
from quanzi.campaigns.bargains.honesty import claims_free, honest_title
from quanzi.campaigns.bargains.models import BargainCampaign
from quanzi.core.errors import InvalidInput
from tests.campaigns.bargains.helpers import a_campaign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_the_bargain_page_shows_the_real_progress_and_what_is_left():
    # given a ¥59.00 → ¥9.90 bargain (¥49.10 to cut) helped once
    starter = UserFactory()
    bargain = services.start_bargain(starter, a_campaign().pk)
    cut = services.help_bargain(UserFactory(), bargain.pk).help.amount
    # when anyone opens it, and the starter opens their bargains
    page = Client().get(f"/bargains/{bargain.pk}/", **EN).content.decode()
    client = Client()
    client.force_login(starter)
    mine = client.get("/bargains/", **EN).content.decode()
    # then a <progress> shows exactly the fen cut out of the fen to cut, and what is left
    for html in (page, mine):
        assert f'<progress max="4910" value="{cut}"' in html
        assert f'data-cut="{cut}" data-room="4910"' in html
        left = 4910 - cut
        assert f"¥{left // 100}.{left % 100:02d} left to the floor" in html
        assert f"({cut * 100 // 4910}%)" in html
        # styled by its stylesheet, never by a style attribute (the CSP)
        assert "bargains/bargains.css" in html and 'style="' not in html


def test_the_progress_bar_is_full_only_at_the_floor():
    starter = UserFactory()
    bargain = services.start_bargain(starter, a_campaign().pk)
    for _ in range(3):
        services.help_bargain(UserFactory(), bargain.pk)
    page = Client().get(f"/bargains/{bargain.pk}/", **ZH).content.decode()
    assert '<progress max="4910" value="4910"' in page and "（100%）" in page
    assert "距底价还差 ¥0.00" in page


@pytest.mark.parametrize(
    ("title", "free"),
    [
        ("砍价免单：咖啡豆", True),
        ("免费领咖啡", True),
        ("0元拿走", True),
        ("零元购", True),
        ("砍到¥0", True),
        ("Get it FREE", True),
        ("砍到9.9元", False),
        ("砍到10元", False),
        ("低至¥0.99", False),
        ("Freedom roast", False),
    ],
)
def test_what_counts_as_a_promise_of_free(title: str, free: bool):
    assert claims_free(title) is free


def test_a_title_promising_free_is_refused_while_the_floor_is_above_zero():
    # when a merchant names a ¥9.90-floor campaign "砍价免单"
    with pytest.raises(InvalidInput) as refused:
        a_campaign(title="砍价免单：云南咖啡")
    # then it is refused on the title, and nothing is created
    assert refused.value.extra["field"] == "title"
    assert not BargainCampaign.objects.exists()


def test_a_free_title_stored_before_the_rule_is_shown_honestly():
    # given a campaign whose stored title still says 免单
    campaign = a_campaign()
    BargainCampaign.objects.filter(pk=campaign.pk).update(title="砍价免单价：云南小粒咖啡豆")
    bargain = services.start_bargain(UserFactory(), campaign.pk)
    # when its pages are opened
    pages = [
        Client().get(f"/bargains/c/{campaign.pk}/", **ZH).content.decode(),
        Client().get(f"/bargains/{bargain.pk}/", **ZH).content.decode(),
    ]
    # then neither the page's title nor its heading promises free: they name the floor
    for html in pages:
        assert "免单" not in html
        heading = re.search(r'data-testid="bargain-title">([^<]*)<', html)
        assert heading and heading.group(1) == "砍价：云南小粒咖啡豆，最低 ¥9.90"
        assert "<title>" in html and "砍价：云南小粒咖啡豆，最低 ¥9.90" in html.split("</title>")[0]


def test_an_honest_title_is_shown_as_the_merchant_wrote_it():
    campaign = a_campaign()
    assert honest_title(campaign) == "砍到9.9元"
