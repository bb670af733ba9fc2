"""Personal data of creators: export everything held (JSON), erase on request keeping anonymous
figures, and never import an erased account again unless it is re-approved."""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from api.keys import api_key_create
from influencers.ingest.runs import sync_run_create, sync_run_execute
from influencers.models import ErasedAccount, Identity, Interaction, MemberScore, Membership
from influencers.services import community_memberships_refresh, creator_link_identities
from partnerships.models import Activity, Agreement, Task
from partnerships.privacy import creator_erase, creator_personal_data, erased_account_reapprove
from tests.api.test_api import client_with

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reddit"
RS, RC = str(FIXTURES / "RS_fountainpens_2024-01.ndjson"), str(FIXTURES / "RC_fountainpens_2024-01.ndjson")


def ingest(*paths):
    run = sync_run_create(source="reddit-dump", arguments={"paths": list(paths)})
    return sync_run_execute(sync_run=run)


@pytest.fixture
def sheen_queen(partnership_a, partnership_b, org_a, org_b, manager_a):
    """A creator imported from a dump (posts, comments, memberships), in a partnership with each
    organization, each with its own notes."""
    ingest(RS, RC)
    identity = Identity.objects.get(platform="reddit", handle="sheen_queen")
    creator = creator_link_identities(identities=[identity])
    for partnership in (partnership_a, partnership_b):
        partnership.creator = creator
        partnership.notes = f"Notes of {partnership.brand.organization.name}"
        partnership.save()
    Agreement.objects.create(partnership=partnership_a, starts_on="2026-01-01", notes="She writes it her way.")
    Activity.objects.create(organization=org_a, partnership=partnership_a, summary="Call about the swatches")
    Task.objects.create(organization=org_b, creator=creator, title="Ask B's question")
    return creator


def test_the_export_holds_accounts_writings_rankings_and_only_the_callers_records(sheen_queen, org_a):
    data = json.loads(json.dumps(creator_personal_data(creator=sheen_queen, organization_ids={org_a.pk}), default=str))
    [account] = data["accounts"]
    assert (account["handle"], account["platform"]) == ("sheen_queen", "reddit")
    assert account["communities"][0]["community"] == "reddit:fountainpens"
    written = Interaction.objects.filter(author__handle="sheen_queen")
    assert {w["external_id"] for w in data["written"]} == set(written.values_list("external_id", flat=True))
    assert "Great guide. Micromesh saved my EF nib." in {w["text"] for w in data["written"]}
    [partnership] = data["partnerships"]  # organization A's, not B's
    assert partnership["notes"] == "Notes of Brand Team A" and partnership["activities"][0]["summary"]
    agreement = partnership["agreements"][0]
    assert agreement["notes"] == "She writes it her way." and agreement["creator_keeps_editorial_control"] is True
    assert data["tasks"] == []  # B's task about her is B's

    everything = creator_personal_data(creator=sheen_queen, organization_ids=None)  # an operator's
    assert len(everything["partnerships"]) == 2 and everything["tasks"][0]["title"] == "Ask B's question"


def test_erasure_removes_names_and_texts_keeps_the_figures_and_the_account_stays_out_of_imports(sheen_queen):
    identity = sheen_queen.identities.get()
    community = Membership.objects.get(identity=identity).community
    figures = (
        Interaction.objects.filter(community=community).count(),
        Membership.objects.get(identity=identity).reply_count,
        Interaction.objects.filter(author=identity).count(),
    )
    MemberScore.objects.filter(membership__identity=identity).update(reasons=["Answers sheen_queen's own questions"])

    erased = creator_erase(creator=sheen_queen, requested_through="test")
    assert erased["accounts_erased"] == 1
    assert erased["texts_erased"] == Interaction.objects.filter(author=identity).count() > 0
    identity.refresh_from_db()
    sheen_queen.refresh_from_db()
    assert (identity.handle, identity.display_name, identity.is_deleted) == ("[erased]", "", True)
    assert "sheen" not in identity.external_id and sheen_queen.display_name == f"Erased creator #{sheen_queen.pk}"
    assert not Interaction.objects.filter(author=identity).exclude(text="", title="", url="").exists()
    assert not MemberScore.objects.filter(membership__identity=identity).exclude(reasons=[]).exists()
    after = (
        Interaction.objects.filter(community=community).count(),
        Membership.objects.get(identity=identity).reply_count,
        Interaction.objects.filter(author=identity).count(),
    )
    assert after == figures  # the anonymous figures stay
    exported = json.dumps(creator_personal_data(creator=sheen_queen, organization_ids=None), default=str)
    assert "sheen_queen" not in exported and "Micromesh" not in exported

    again = ingest(RS, RC)  # the source still has her posts
    assert not Identity.objects.filter(handle="sheen_queen").exists()
    assert not Interaction.objects.filter(author=identity).exclude(text="").exists()
    assert again.skipped_reasons.get("its author asked to be erased (an operator can re-approve them)", 0) > 0
    assert Identity.objects.filter(handle="nibmeister").exists()  # everyone else imported as before

    erased_account_reapprove(account=ErasedAccount.objects.get())
    ingest(RS, RC)
    assert Identity.objects.filter(handle="sheen_queen").count() == 1  # back, as a new account


def test_a_reply_to_an_erased_account_is_kept_without_pointing_at_them(sheen_queen):
    identity = sheen_queen.identities.get()
    creator_erase(creator=sheen_queen)
    Interaction.objects.all().delete()
    ingest(RS, RC)
    community_memberships_refresh(community=Membership.objects.first().community)
    assert not Interaction.objects.filter(author=identity).exists()
    assert not Identity.objects.filter(handle="sheen_queen").exists()
    reply = Interaction.objects.get(external_id="t1_k00002")  # nibmeister answering her comment
    assert reply.author.handle == "nibmeister" and reply.target is None


# --- through the API and the admin ------------------------------------------------------------
def test_the_api_exports_for_any_key_and_erases_only_for_write_keys_and_owners(
    sheen_queen, org_a, make_user, owner_a, manager_a, client
):
    read = client_with(api_key_create(organization=org_a, scope="read")[1])
    write = client_with(api_key_create(organization=org_a, scope="write")[1])
    url = f"/api/v1/creators/{sheen_queen.pk}/"
    exported = read.get(url + "personal-data/")
    assert exported.status_code == 200 and [p["brand"] for p in exported.json()["partnerships"]] == ["Inkwell"]

    assert read.post(url + "erase/", {"confirm": True}, format="json").status_code == 403
    client.force_login(manager_a)
    assert client.post(url + "erase/", {"confirm": True}, content_type="application/json").status_code == 403
    missing = write.post(url + "erase/", {}, format="json")
    assert missing.status_code == 400 and "confirm" in missing.json()
    assert write.post(url + "erase/", {"confirm": False}, format="json").status_code == 400
    assert Identity.objects.filter(handle="sheen_queen").exists()  # nothing happened yet

    erased = write.post(url + "erase/", {"confirm": True}, format="json")
    assert erased.status_code == 200 and erased.json()["accounts_erased"] == 1
    assert ErasedAccount.objects.get().requested_through.startswith("API, ")
    assert not Identity.objects.filter(handle="sheen_queen").exists()


def test_an_owner_downloads_and_erases_in_the_admin_a_manager_cannot_erase(sheen_queen, owner_a, manager_a, client):
    changelist = reverse("admin:influencers_creator_changelist")
    choose = {"_selected_action": [sheen_queen.pk]}
    client.force_login(manager_a)
    download = client.post(changelist, {**choose, "action": "download_personal_data"})
    assert download["Content-Disposition"].endswith('-personal-data.json"')
    assert json.loads(download.content)["accounts"][0]["handle"] == "sheen_queen"
    refused = client.post(changelist, {**choose, "action": "erase_personal_data", "confirmed": "yes"})
    assert refused.status_code in (200, 302) and Identity.objects.filter(handle="sheen_queen").exists()

    client.force_login(owner_a)
    confirm = client.post(changelist, {**choose, "action": "erase_personal_data"})
    assert b"Erasing cannot be undone" in confirm.content and Identity.objects.filter(handle="sheen_queen").exists()
    done = client.post(changelist, {**choose, "action": "erase_personal_data", "confirmed": "yes"})
    assert done.status_code == 302 and not Identity.objects.filter(handle="sheen_queen").exists()
    assert ErasedAccount.objects.get().erased_by == owner_a
