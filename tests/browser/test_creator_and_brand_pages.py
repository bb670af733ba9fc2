"""A manager reads what a creator wrote and what members say of a brand, in a real browser, on a
desktop (1440 px) and a phone (390 px): the texts are visible and the page never scrolls sideways."""

from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2026, 1, 5, 12, tzinfo=UTC)
LONG_WORD = "https://reddit.example/r/fountainpens/comments/abcdefghijklmnopqrstuvwxyz0123456789/a_very_long_slug"


@pytest.fixture
def written(community, make_identity, make_interaction, brand_a):
    """Alice started a thread Bob and Carol answered and wrote 25 replies (one removed, one with a
    long unbroken link); Mia praised Inkwell in the brand's absence; Inkwell was measured."""
    from influencers.services import community_memberships_refresh, creator_link_identities
    from partnerships.measurement.services import brand_measure
    from partnerships.models import CommunityStance

    alice, bob, carol, mia = (make_identity(h) for h in ("alice", "bob", "carol", "mia"))
    make_interaction(
        "t3_nib", alice, title="Which nib for sketching with a left hand?", text="My converter leaks.",
        thread_external_id="t3_nib", url="https://reddit.example/t3_nib", score=9, at=START,
    )  # fmt: skip
    for n, who in enumerate((bob, carol, bob)):
        make_interaction(f"t1_ans{n}", who, kind="comment", thread_external_id="t3_nib", target=alice,
                         text="A fine nib, and flush the converter.", at=START + timedelta(hours=n + 1))  # fmt: skip
    for n in range(25):
        make_interaction(
            f"t1_alice{n}", alice, kind="comment", thread_external_id="t3_nib", target=bob, score=n,
            text=f"Reply {n}: the converter and the nib, see {LONG_WORD}" if n == 24 else f"Reply {n} about the nib",
            url=f"https://reddit.example/t1_alice{n}", at=START + timedelta(days=n + 1),
            is_removed=n == 23, removed_by="community" if n == 23 else "",
        )  # fmt: skip
    CommunityStance.objects.create(brand=brand_a, community=community)
    make_interaction(
        "t3_mia", mia, title="Starter inks", thread_external_id="t3_mia", url="https://reddit.example/t3_mia",
        text="Honestly Inkwell is great for beginners, I love it. " + LONG_WORD, at=START + timedelta(days=3),
    )  # fmt: skip
    community_memberships_refresh(community=community)
    brand_measure(brand=brand_a)
    return creator_link_identities(identities=[alice])


@pytest.mark.parametrize("width", [1440, 390])
def test_a_manager_reads_a_creators_posts_and_a_brands_mentions(
    chromium, live_server, manager_a, written, brand_a, width, log_in
):
    context = chromium.new_context(
        viewport={"width": width, "height": 900}, is_mobile=width < 500, has_touch=width < 500
    )
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    log_in(page, "manager-a")

    page.goto(live_server.url + f"/creators/{written.pk}/")
    writings = page.locator("ol.writings > li")
    assert writings.count() == 20
    newest = writings.first
    assert newest.is_visible() and "Reply 24: the converter" in newest.inner_text()
    assert "in “Which nib for sketching with a left hand?”" in newest.inner_text()
    assert "Removed by the community" in writings.nth(1).inner_text()
    assert page.locator("ol.answered li").first.inner_text().startswith("Which nib for sketching with a left hand?")
    assert "3 replies from 2 members" in page.locator("ol.answered li").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.click("a:has-text('Older →')")
    page.wait_for_selector("text=Reply 0 about the nib")
    assert page.locator("ol.writings > li").count() == 6  # 4 older replies, the post, and the first reply
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.goto(live_server.url + f"/brands/{brand_a.pk}/")
    mention = page.locator("ol.mentions > li").first
    mention.scroll_into_view_if_needed()
    assert mention.is_visible()
    assert "mia" in mention.inner_text() and "r/fountainpens" in mention.inner_text()
    assert "Positive" in mention.inner_text() and "brand absent" in mention.inner_text()
    page.select_option("select[name=tone]", "negative")
    page.click("#mention-list button:has-text('Show')")
    page.wait_for_selector("text=No mention matches these filters.")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert problems == []
    context.close()
