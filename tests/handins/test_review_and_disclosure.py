"""Handed-in work: the brand's review as each review right allows, and the disclosure check that
follows publication (the task run in-process against the fake Reddit through the real praw)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from partnerships.models import Activity, DeliverableStatus, DisclosureState, ReviewRights, ReviewState, Task
from partnerships.services.handins import (
    CONFIRMED_BY_THE_CREATOR,
    deliverable_check_disclosure_again,
    deliverable_confirm_disclosure,
    deliverable_hand_in,
    deliverable_publish,
    deliverable_review,
)
from partnerships.tasks import DISCLOSURE_RETRIES, check_disclosure

pytestmark = pytest.mark.django_db
POST = "https://www.reddit.com/r/fountainpens/comments/abc123/three_sheen_inks/"
VIDEO = "https://video.example/watch/123"


def refusal(call) -> dict:
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


def timeline(partnership) -> list[str]:
    return list(Activity.objects.filter(partnership=partnership).order_by("pk").values_list("summary", flat=True))


# --- the review, right by right ------------------------------------------------------------------
def test_with_no_review_rights_a_hand_in_is_published_as_it_is(partnership_a, make_terms, planned, manager_a):
    terms = make_terms(ReviewRights.NONE, disclosure=False)
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=VIDEO, note="Cut 2")
    assert (piece.status, piece.review_state, piece.agreement, piece.creator_note) == (
        DeliverableStatus.PUBLISHED, ReviewState.NOT_NEEDED, terms, "Cut 2"
    )  # fmt: skip
    assert piece.published_at is not None and piece.disclosure_state == DisclosureState.NOT_REQUIRED
    for decision in ("checked", "approve", "request_changes"):
        assert refusal(lambda d=decision: deliverable_review(deliverable=piece, actor=manager_a, decision=d)) == {
            "decision": ["The agreement gives the brand no review of this piece."]
        }
    assert timeline(partnership_a) == ["Handed in by the creator: Sheen ink comparison"]


def test_a_factual_check_gives_suggestions_and_never_holds_the_piece_back(
    partnership_a, make_terms, planned, manager_a
):
    make_terms(ReviewRights.FACTUAL_CHECK, disclosure=False)
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=VIDEO)
    assert (piece.status, piece.review_state) == (DeliverableStatus.IN_PROGRESS, ReviewState.AWAITING_CHECK)
    for decision in ("approve", "request_changes", "reject", ""):
        assert refusal(lambda d=decision: deliverable_review(deliverable=piece, actor=manager_a, decision=d)) == {
            "decision": ["Under these terms the brand may only: checked."]
        }
    checked = deliverable_review(deliverable=piece, actor=manager_a, decision="checked", note=" It's 2019, not 2018 ")
    assert (checked.review_state, checked.review_note, checked.reviewed_by) == (
        ReviewState.CHECKED, "It's 2019, not 2018", manager_a
    )  # fmt: skip
    assert refusal(lambda: deliverable_review(deliverable=piece, actor=manager_a, decision="checked")) == {
        "decision": ["This piece is not waiting for the brand."]
    }
    published = deliverable_publish(deliverable=piece)
    assert published.status == DeliverableStatus.PUBLISHED and published.url == VIDEO


def test_a_creator_may_publish_before_the_factual_check(partnership_a, make_terms, planned):
    make_terms(ReviewRights.FACTUAL_CHECK, disclosure=False)
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=VIDEO)
    assert deliverable_publish(deliverable=piece).status == DeliverableStatus.PUBLISHED


def test_approval_holds_the_piece_until_the_brand_approves(partnership_a, make_terms, planned, manager_a):
    make_terms(ReviewRights.APPROVAL, disclosure=False)
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=VIDEO)
    assert piece.review_state == ReviewState.AWAITING_APPROVAL
    assert refusal(lambda: deliverable_publish(deliverable=piece)) == {
        "deliverable": ["Not yet: waiting for the brand's approval."]
    }
    assert refusal(lambda: deliverable_review(deliverable=piece, actor=manager_a, decision="checked")) == {
        "decision": ["Under these terms the brand may only: approve, request_changes."]
    }
    assert refusal(
        lambda: deliverable_review(deliverable=piece, actor=manager_a, decision="request_changes", note="  ")
    ) == {"note": ["Say what should change."]}
    asked = deliverable_review(deliverable=piece, actor=manager_a, decision="request_changes", note="Name the ink")
    assert (asked.review_state, asked.review_note) == (ReviewState.CHANGES_REQUESTED, "Name the ink")
    assert refusal(lambda: deliverable_publish(deliverable=piece))["deliverable"] == ["Not yet: changes requested."]
    # handed in again (the same link, edited): waiting again, the old answer gone
    again = deliverable_hand_in(partnership=partnership_a, deliverable=piece, url=VIDEO, note="Named it")
    assert (again.review_state, again.review_note, again.reviewed_by) == (ReviewState.AWAITING_APPROVAL, "", None)
    assert deliverable_review(deliverable=again, actor=manager_a, decision="approve").review_state == "approved"
    assert deliverable_publish(deliverable=again).status == DeliverableStatus.PUBLISHED
    assert timeline(partnership_a) == [
        "Handed in by the creator: Sheen ink comparison",
        "Changes requested: Sheen ink comparison",
        "Handed in by the creator: Sheen ink comparison",
        "Approved: Sheen ink comparison",
        "Published by the creator: Sheen ink comparison",
    ]


def test_only_editors_of_the_brands_organization_review(
    partnership_a, make_terms, planned, viewer_a, manager_b, owner_a
):
    make_terms(ReviewRights.APPROVAL, disclosure=False)
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=VIDEO)
    for outsider in (viewer_a, manager_b):
        with pytest.raises(PermissionDenied):
            deliverable_review(deliverable=piece, actor=outsider, decision="approve")
    piece.refresh_from_db()
    assert piece.review_state == ReviewState.AWAITING_APPROVAL
    assert deliverable_review(deliverable=piece, actor=owner_a, decision="approve").reviewed_by == owner_a


def test_a_hand_in_sent_twice_is_recorded_once(partnership_a, make_terms, planned):
    make_terms(ReviewRights.NONE, disclosure=False)
    first = deliverable_hand_in(partnership=partnership_a, title="Unboxing", url=VIDEO, note="n")
    again = deliverable_hand_in(partnership=partnership_a, title="Unboxing", url=VIDEO, note="n")
    assert again.pk == first.pk and partnership_a.deliverables.count() == 1
    piece = planned()
    deliverable_hand_in(partnership=partnership_a, deliverable=piece, url=VIDEO)
    deliverable_hand_in(partnership=partnership_a, deliverable=piece, url=VIDEO)  # published: the same again
    assert refusal(lambda: deliverable_hand_in(partnership=partnership_a, deliverable=piece, url=VIDEO + "9")) == {
        "deliverable": ["This piece is published."]
    }
    assert len(timeline(partnership_a)) == 2


def test_what_a_hand_in_refuses(partnership_a, partnership_b, make_terms, planned):
    assert refusal(lambda: deliverable_hand_in(partnership=partnership_a, title="X", url=VIDEO)) == {
        "deliverable": ["There are no terms to hand work in under yet."]
    }
    make_terms()
    assert "url" in refusal(lambda: deliverable_hand_in(partnership=partnership_a, title="X", url=""))
    assert "url" in refusal(lambda: deliverable_hand_in(partnership=partnership_a, title="X", url="javascript:x"))
    assert refusal(lambda: deliverable_hand_in(partnership=partnership_a, title=" ", url=VIDEO)) == {
        "title": ["Say what the piece is (a few words)."]
    }
    assert refusal(lambda: deliverable_hand_in(partnership=partnership_b, deliverable=planned(), url=VIDEO)) == {
        "deliverable": ["This piece belongs to another partnership."]
    }
    share = "https://www.reddit.com/r/fountainpens/s/AbCd123"
    assert refusal(lambda: deliverable_hand_in(partnership=partnership_a, title="X", url=share)) == {
        "url": ["This is a Reddit share link: open it and paste the post's own address (…/comments/…)."]
    }


# --- disclosure: the creator's tick elsewhere ------------------------------------------------------
def test_a_post_elsewhere_waits_for_the_creators_tick(
    partnership_a, make_terms, planned, django_capture_on_commit_callbacks
):
    make_terms()
    with django_capture_on_commit_callbacks() as queued:
        piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=VIDEO)
    assert piece.disclosure_state == DisclosureState.NOT_CHECKED
    assert not [callback for callback in queued if "check_disclosure" in repr(callback)]
    ticked = deliverable_confirm_disclosure(deliverable=piece)
    assert (ticked.disclosure_state, ticked.disclosure_evidence) == (
        DisclosureState.CONFIRMED,
        CONFIRMED_BY_THE_CREATOR,
    )
    when = ticked.disclosure_checked_at
    assert deliverable_confirm_disclosure(deliverable=piece).disclosure_checked_at == when  # ticked twice: once
    assert timeline(partnership_a)[-1] == "Disclosure confirmed by the creator: Sheen ink comparison"
    assert len(timeline(partnership_a)) == 2


def test_a_tick_when_handing_in_holds_when_it_is_published_at_that_link(partnership_a, make_terms, planned, manager_a):
    make_terms(ReviewRights.APPROVAL)
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=VIDEO, confirmed_disclosure=True)
    assert piece.disclosure_state == DisclosureState.CONFIRMED
    deliverable_review(deliverable=piece, actor=manager_a, decision="approve")
    assert deliverable_publish(deliverable=piece).disclosure_state == DisclosureState.CONFIRMED
    other = planned("Second")
    deliverable_hand_in(partnership=partnership_a, deliverable=other, url=VIDEO, confirmed_disclosure=True)
    deliverable_review(deliverable=other, actor=manager_a, decision="approve")
    # published at another link: the tick was for the first one
    assert deliverable_publish(deliverable=other, url=VIDEO + "?v=2").disclosure_state == DisclosureState.NOT_CHECKED


def test_what_a_tick_refuses(partnership_a, make_terms, planned, reddit):
    piece = planned()
    assert refusal(lambda: deliverable_confirm_disclosure(deliverable=piece)) == {
        "deliverable": ["Hand the piece in first."]
    }
    make_terms(disclosure=False)
    quiet = deliverable_hand_in(partnership=partnership_a, deliverable=piece, url=VIDEO)
    assert refusal(lambda: deliverable_confirm_disclosure(deliverable=quiet)) == {
        "deliverable": ["These terms ask for no disclosure."]
    }


def test_a_reddit_post_is_read_instead_of_ticked(
    partnership_a, make_terms, planned, reddit, django_capture_on_commit_callbacks
):
    make_terms()
    reddit.set_post("abc123", "Three sheen inks", "#ad")
    with django_capture_on_commit_callbacks(execute=True):
        piece = deliverable_hand_in(
            partnership=partnership_a, deliverable=planned(), url=POST, confirmed_disclosure=True
        )
    piece.refresh_from_db()
    assert (piece.disclosure_state, piece.disclosure_evidence) == (DisclosureState.FOUND, '"#ad"')
    assert piece.disclosure_checked_at is not None
    assert refusal(lambda: deliverable_confirm_disclosure(deliverable=piece)) == {
        "deliverable": ["A Reddit post is checked by reading it: no tick is needed."]
    }
    assert timeline(partnership_a)[-1] == "Disclosure found: Sheen ink comparison"


# --- disclosure: reading the Reddit post ------------------------------------------------------------
def test_a_missing_disclosure_is_flagged_to_both_sides_once(
    partnership_a, make_terms, planned, reddit, manager_a, django_capture_on_commit_callbacks
):
    partnership_a.owner = manager_a
    partnership_a.save()
    make_terms(ReviewRights.FACTUAL_CHECK)
    reddit.set_post("abc123", "Three sheen inks", "I love them all.")
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=POST)
    deliverable_review(deliverable=piece, actor=manager_a, decision="checked")
    with django_capture_on_commit_callbacks(execute=True):
        deliverable_publish(deliverable=piece)
    piece.refresh_from_db()
    assert (piece.disclosure_state, piece.disclosure_evidence) == (
        DisclosureState.MISSING, "The post does not contain a disclosure."
    )  # fmt: skip
    [task] = Task.objects.filter(partnership=partnership_a)
    assert (task.title, task.assignee, task.completed_at) == (
        "Disclosure missing: Sheen ink comparison",
        manager_a,
        None,
    )
    assert POST in task.notes
    assert timeline(partnership_a)[-1] == "No disclosure found: Sheen ink comparison"
    # read again, still missing: no second task, no second entry
    with django_capture_on_commit_callbacks(execute=True):
        assert deliverable_check_disclosure_again(deliverable=piece, actor=manager_a) is True
    assert Task.objects.filter(partnership=partnership_a).count() == 1
    assert timeline(partnership_a).count("No disclosure found: Sheen ink comparison") == 1
    # the creator edits the post; a manager checks again: found, and the task is done
    reddit.set_post("abc123", "Three sheen inks", "I love them all. Edit: #ad, sent by Inkwell")
    with django_capture_on_commit_callbacks(execute=True):
        assert deliverable_check_disclosure_again(deliverable=piece, actor=manager_a) is False  # within the minute
    from django.core.cache import cache

    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert deliverable_check_disclosure_again(deliverable=piece, actor=manager_a) is True
    piece.refresh_from_db()
    assert (piece.disclosure_state, piece.disclosure_evidence) == (DisclosureState.FOUND, '"#ad"')
    task.refresh_from_db()
    assert task.completed_at is not None
    assert timeline(partnership_a)[-1] == "Disclosure found: Sheen ink comparison"


def test_check_again_is_for_editors_and_for_reddit_posts(partnership_a, make_terms, planned, viewer_a, manager_a):
    make_terms()
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=VIDEO)
    with pytest.raises(PermissionDenied):
        deliverable_check_disclosure_again(deliverable=piece, actor=viewer_a)
    assert refusal(lambda: deliverable_check_disclosure_again(deliverable=piece, actor=manager_a)) == {
        "deliverable": ["Only a published Reddit post whose terms ask for disclosure can be read."]
    }


def test_a_reddit_post_under_terms_without_disclosure_is_not_read(
    partnership_a, make_terms, planned, reddit, django_capture_on_commit_callbacks
):
    make_terms(disclosure=False)
    with django_capture_on_commit_callbacks(execute=True):
        piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=POST)
    assert piece.disclosure_state == DisclosureState.NOT_REQUIRED
    assert not [path for _, path in reddit.requests if path.startswith("/comments/")]


def run_with_retries(piece):
    """The task as a worker runs it, retries included: in-process, Celery's eager apply follows each
    retry at once (without the countdown) when it does not raise it, which the settings make it do."""
    conf = check_disclosure.app.conf
    propagates, conf.task_eager_propagates = conf.task_eager_propagates, False
    try:
        return check_disclosure.apply(args=[piece.pk, piece.url])
    finally:
        conf.task_eager_propagates = propagates


def test_server_errors_are_retried_by_the_task_until_the_post_is_read(partnership_a, make_terms, planned, reddit):
    make_terms()
    reddit.set_post("abc123", "Three sheen inks", "Sponsored by Inkwell")
    reddit.fail_first("GET", "/comments/abc123", (503, {}), (502, {}))
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=POST)
    assert run_with_retries(piece).get() == DisclosureState.FOUND
    piece.refresh_from_db()
    assert (piece.disclosure_state, piece.disclosure_evidence) == (DisclosureState.FOUND, '"Sponsored by"')
    assert len([path for _, path in reddit.requests if path.startswith("/comments/")]) == 3


def test_a_reddit_down_for_every_try_leaves_the_post_unreadable_with_the_reason(
    partnership_a, make_terms, planned, reddit
):
    make_terms()
    reddit.set_post("abc123", "Three sheen inks", "#ad")
    reddit.fail_first("GET", "/comments/abc123", *[(503, {})] * (DISCLOSURE_RETRIES + 1))
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=POST)
    assert run_with_retries(piece).get() == DisclosureState.UNREADABLE
    piece.refresh_from_db()
    assert piece.disclosure_state == DisclosureState.UNREADABLE
    assert piece.disclosure_evidence == (
        f"Reddit is unavailable for now (it answered 503) ({DISCLOSURE_RETRIES + 1} tries); check again later."
    )
    assert len([path for _, path in reddit.requests if path.startswith("/comments/")]) == DISCLOSURE_RETRIES + 1
    assert timeline(partnership_a)[-1] == "Disclosure could not be checked: Sheen ink comparison"
    assert not Task.objects.filter(partnership=partnership_a).exists()  # not missing: nothing to ask the creator


def test_an_unreachable_reddit_ends_unreadable(partnership_a, make_terms, planned, reddit):
    make_terms()
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=POST)
    reddit.__exit__()  # nothing listens there any more
    run_with_retries(piece)
    reddit.__enter__()
    piece.refresh_from_db()
    assert (piece.disclosure_state, piece.disclosure_evidence) == (
        DisclosureState.UNREADABLE, f"Reddit could not be reached ({DISCLOSURE_RETRIES + 1} tries); check again later."
    )  # fmt: skip


@pytest.mark.parametrize(
    ("post", "evidence"),
    [
        (
            {"selftext": "[deleted]", "author": "[deleted]", "removed_by_category": "deleted"},
            "The post was deleted by its author.",
        ),
        (
            {"selftext": "[removed]", "removed_by_category": "moderator"},
            "The post was removed by the subreddit's moderators.",
        ),
    ],
)
def test_a_deleted_or_removed_post_is_recorded_unreadable(
    partnership_a, make_terms, planned, reddit, django_capture_on_commit_callbacks, post, evidence
):
    make_terms()
    reddit.set_post("abc123", "Three sheen inks", **post)
    with django_capture_on_commit_callbacks(execute=True):
        piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=POST)
    piece.refresh_from_db()
    assert (piece.disclosure_state, piece.disclosure_evidence) == (DisclosureState.UNREADABLE, evidence)


def test_a_reading_of_a_link_since_replaced_is_dropped(partnership_a, make_terms, planned, reddit, manager_a):
    make_terms(ReviewRights.APPROVAL)
    reddit.set_post("abc123", "Three sheen inks", "nothing")
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=POST)
    deliverable_review(deliverable=piece, actor=manager_a, decision="approve")
    deliverable_publish(deliverable=piece)  # (callbacks not run: the reading is run by hand below)
    other = "https://www.reddit.com/r/fountainpens/comments/zzz999/edited/"
    assert check_disclosure.apply(args=[piece.pk, other]).get() is None
    assert check_disclosure.apply(args=[piece.pk + 1000, POST]).get() is None  # gone
    piece.refresh_from_db()
    assert piece.disclosure_state == DisclosureState.NOT_CHECKED
    assert check_disclosure.apply(args=[piece.pk, POST]).get() == DisclosureState.MISSING


def test_a_retry_waits_with_backoff_and_never_less_than_reddit_asks(partnership_a, make_terms, planned, reddit):
    from celery.exceptions import Retry

    make_terms()
    reddit.set_post("abc123", "Three sheen inks", "#ad")
    piece = deliverable_hand_in(partnership=partnership_a, deliverable=planned(), url=POST)
    reddit.fail_first("GET", "/comments/abc123", (503, {}), (429, {"retry-after": "900"}))
    with pytest.raises(Retry) as first:
        check_disclosure.apply(args=[piece.pk, POST])
    assert 0 <= first.value.when <= 60  # the first retry within a minute (full jitter)
    with pytest.raises(Retry) as limited:
        check_disclosure.apply(args=[piece.pk, POST], retries=1)
    assert limited.value.when >= 900
    piece.refresh_from_db()
    assert piece.disclosure_state == DisclosureState.NOT_CHECKED  # nothing recorded while it is still trying


def test_a_piece_a_manager_marks_published_follows_the_same_disclosure_rules(
    partnership_a, make_terms, planned, reddit, manager_a, django_capture_on_commit_callbacks
):
    """``disclosure_after_publication`` as ``services.deliverable_set_status`` is to call it."""
    from django.db import transaction

    from partnerships.services import deliverable_set_status
    from partnerships.services.handins import disclosure_after_publication

    make_terms()
    reddit.set_post("abc123", "Three sheen inks", "#ad")
    piece = planned()
    piece.agreement = partnership_a.agreements.get()
    piece.save()

    def mark_published(url):
        before = piece.url
        with transaction.atomic():
            deliverable_set_status(deliverable=piece, actor=manager_a, status="published", url=url)
            disclosure_after_publication(piece, url_before=before)

    with django_capture_on_commit_callbacks(execute=True):
        mark_published(POST)
    piece.refresh_from_db()
    assert (piece.disclosure_state, piece.disclosure_evidence) == (DisclosureState.FOUND, '"#ad"')
    with django_capture_on_commit_callbacks(execute=True) as queued:
        mark_published(POST)  # the same again (a date corrected): what was found stands, nothing read
    assert queued == [] and piece.disclosure_state == DisclosureState.FOUND
    with django_capture_on_commit_callbacks(execute=True) as queued:
        mark_published(VIDEO)  # moved elsewhere: the creator's tick is wanted
    piece.refresh_from_db()
    assert (piece.disclosure_state, piece.disclosure_evidence, queued) == (DisclosureState.NOT_CHECKED, "", [])


def test_a_piece_planned_under_terms_since_replaced_is_handed_in_under_the_new_version(
    partnership_a, make_terms, planned
):
    from partnerships.models import AgreementStatus

    first = make_terms(ReviewRights.APPROVAL, disclosure=False)
    piece = planned(agreement=first)
    first.status = AgreementStatus.SUPERSEDED
    first.save()
    second = make_terms(ReviewRights.NONE, disclosure=False, replaces=first)
    handed = deliverable_hand_in(partnership=partnership_a, deliverable=piece, url=VIDEO)
    assert (handed.agreement, handed.review_state, handed.status) == (
        second, ReviewState.NOT_NEEDED, DeliverableStatus.PUBLISHED
    )  # fmt: skip
    cancelled = make_terms(ReviewRights.FACTUAL_CHECK, disclosure=False)
    cancelled.status = AgreementStatus.CANCELLED
    cancelled.save()
    other = deliverable_hand_in(partnership=partnership_a, deliverable=planned("Other", cancelled), url=VIDEO)
    assert other.agreement == second
