"""Members' words and phrases for Discover's "talks about": counted from texts (pure), stored when a
community is ranked, replaced (never duplicated) the next time."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from graph.terms import member_terms, query_terms, text_terms
from graph.vocabulary import community_vocabulary_refresh
from influencers.models import Membership, MemberTerm, MemberWriting
from influencers.services import community_memberships_refresh


def test_words_and_phrases_leave_stop_words_out_and_never_join_across_them():
    terms = text_terms(
        "A burr grinder is the best grinder, and the burr matters.", frozenset({"a", "is", "the", "and"})
    )
    assert terms.count("grinder") == 2 and terms.count("burr") == 2
    assert "burr grinder" in terms and "best grinder" in terms
    assert "grinder burr" not in terms  # "grinder, and the burr": not neighbours once "and the" is out
    assert not {"a", "is", "the", "and", "is the", "the best"} & set(terms)


def test_member_terms_count_uses_and_keep_the_most_used():
    counts = member_terms(["Grinder grinder GRINDER kettle", "My grinder broke", "grinder kettle"], language="en")
    assert counts["grinder"] == 5 and counts["kettle"] == 2 and counts["grinder kettle"] == 2
    assert "grinder broke" not in counts  # a phrase used once is two words that met
    assert "my" not in counts  # among English's most frequent words
    assert member_terms(["zeta alpha alpha beta beta beta"], limit=2) == {"beta": 3, "alpha": 2}


def test_query_terms_normalise_what_is_typed_and_say_what_cannot_match():
    assert query_terms(" Burr  Grinder , grinder,, grinder") == (["burr grinder", "grinder"], [])
    terms, refused = query_terms("the, a very long phrase, !!!, I’m")
    assert terms == []
    assert any("too common" in r for r in refused) and any("one or two words" in r for r in refused)
    assert any("no words" in r for r in refused)


@pytest.mark.django_db
def test_refresh_stores_each_members_terms_and_weeks_and_replaces_them(community, make_identity, make_interaction):
    ann, ben = make_identity("ann"), make_identity("ben")
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday
    make_interaction("p1", ann, title="Burr grinder advice", text="Which burr grinder for espresso?", at=start)
    make_interaction("c1", ann, kind="comment", text="The grinder arrived", at=start + timedelta(days=8))
    make_interaction("c2", ann, kind="comment", text="conical burr grinder", at=start + timedelta(days=9))
    make_interaction("c3", ben, kind="comment", text="kettle kettle", at=start + timedelta(days=1))
    make_interaction(
        "c4", ben, kind="comment", text="[removed] grinder", is_removed=True, removed_by="community", at=start
    )
    make_interaction("r1", ben, kind="reaction", text="grinder", at=start)
    make_interaction("r2", make_identity("cat"), kind="reaction", target=ann, at=start)
    community_memberships_refresh(community=community)

    refreshed = community_vocabulary_refresh(community=community)
    assert refreshed.members == 2
    ann_terms = dict(MemberTerm.objects.filter(membership__identity=ann).values_list("term", "uses"))
    assert ann_terms["burr grinder"] == 3 and ann_terms["grinder"] == 4 and ann_terms["espresso"] == 1
    assert "the" not in ann_terms and "which" not in ann_terms
    ben_terms = dict(MemberTerm.objects.filter(membership__identity=ben).values_list("term", "uses"))
    assert ben_terms == {"kettle": 2}  # removed texts and reactions are not their words; one "kettle kettle"
    writing = MemberWriting.objects.get(membership__identity=ann)
    assert (writing.texts, writing.weeks_active) == (3, 2)
    assert writing.last_written_at == start + timedelta(days=9)

    make_interaction("c5", ben, kind="comment", text="new grinder", at=start + timedelta(days=2))
    community_vocabulary_refresh(community=community)
    assert MemberTerm.objects.filter(membership__identity=ben, term="grinder").get().uses == 1
    assert MemberTerm.objects.filter(membership__identity=ann, term="grinder").count() == 1
    assert MemberWriting.objects.count() == 3
    cat = MemberWriting.objects.get(membership__identity__handle="cat")  # only reacted: sorted last, not lost
    assert (cat.texts, cat.weeks_active, cat.last_written_at) == (0, 0, None)
    assert not MemberTerm.objects.filter(membership__identity__handle="cat").exists()


@pytest.mark.django_db
def test_every_ranking_refreshes_the_vocabulary_after_it_commits(
    community, make_identity, make_interaction, django_capture_on_commit_callbacks
):
    alice, bob = make_identity("alice"), make_identity("bob")
    start = datetime(2026, 1, 5, tzinfo=UTC)
    for week in range(6):
        at = start + timedelta(weeks=week)
        post = make_interaction(f"t3_{week}", alice, title="Which flex nib for sketching?", at=at)
        make_interaction(f"t1_{week}a", bob, kind="comment", parent=post, target=alice, text="A fine nib", at=at)
        make_interaction(f"t1_{week}b", alice, kind="comment", target=bob, text="Thanks, the sheen too", at=at)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("rank", community.key, stdout=io.StringIO())
    assert any(
        getattr(c, "args", None) and c.args[0].name == "graph.tasks.refresh_member_vocabulary" for c in callbacks
    )
    bob_membership = Membership.objects.get(identity=bob, community=community)
    assert bob_membership.terms.get(term="fine nib").uses == 6
    assert bob_membership.writing.weeks_active == 6
    assert Membership.objects.get(identity=alice).terms.filter(term="flex nib").get().uses == 6
