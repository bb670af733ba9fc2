"""The database refuses CRM records that contradict themselves."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from partnerships.models import (
    Activity,
    Agreement,
    Brand,
    BrandMention,
    Deliverable,
    DeliverableStatus,
    Partnership,
    ReferralEvent,
    ReferralLink,
    ReviewRights,
    Stage,
    Task,
)


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def agreement(partnership, **overrides):
    values = {"starts_on": date(2026, 1, 1), "ends_on": date(2026, 6, 30)}
    return Agreement.objects.create(partnership=partnership, **{**values, **overrides})


def test_an_agreement_that_ends_before_it_starts_is_refused(partnership_a):
    refused(lambda: agreement(partnership_a, starts_on=date(2026, 6, 1), ends_on=date(2026, 5, 31)))


def test_open_ended_and_one_day_agreements_are_accepted(partnership_a):
    agreement(partnership_a, ends_on=None)
    agreement(partnership_a, starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 1))
    assert partnership_a.agreements.count() == 2


def test_default_terms_leave_creative_control_with_the_creator(partnership_a):
    terms = agreement(partnership_a)
    assert terms.creator_keeps_editorial_control is True
    assert terms.brand_review_rights == ReviewRights.NONE
    assert terms.disclosure_required is True


def test_editorial_control_cannot_coexist_with_brand_approval(partnership_a):
    refused(
        lambda: agreement(
            partnership_a, creator_keeps_editorial_control=True, brand_review_rights=ReviewRights.APPROVAL
        )
    )
    # Said honestly, approval rights are allowed: the creator does not keep editorial control.
    agreement(partnership_a, creator_keeps_editorial_control=False, brand_review_rights=ReviewRights.APPROVAL)


def test_affiliate_share_must_be_a_percentage(partnership_a):
    refused(lambda: agreement(partnership_a, affiliate_share_percent=Decimal("120")))


def test_compensation_cannot_be_negative(partnership_a):
    refused(lambda: agreement(partnership_a, compensation_amount=Decimal("-5")))


def test_one_partnership_per_brand_and_creator(partnership_a):
    refused(lambda: Partnership.objects.create(brand=partnership_a.brand, creator=partnership_a.creator))


def test_a_declined_partnership_needs_a_reason(brand_a, creator):
    refused(lambda: Partnership.objects.create(brand=brand_a, creator=creator, stage=Stage.DECLINED))
    Partnership.objects.create(brand=brand_a, creator=creator, stage=Stage.DECLINED, close_reason="Not a fit")


def test_unknown_stage_is_refused(brand_a, creator):
    refused(lambda: Partnership.objects.create(brand=brand_a, creator=creator, stage="won"))


def test_partnership_cannot_end_before_it_starts(brand_a, creator):
    refused(
        lambda: Partnership.objects.create(
            brand=brand_a, creator=creator, started_on=date(2026, 5, 1), ended_on=date(2026, 4, 1)
        )
    )


def test_brand_slug_is_unique_within_an_organization_only(brand_a, org_b):
    refused(lambda: Brand.objects.create(organization=brand_a.organization, name="Inkwell 2", slug="inkwell"))
    Brand.objects.create(organization=org_b, name="Inkwell", slug="inkwell")


def test_a_published_deliverable_has_a_publication_date(partnership_a):
    refused(
        lambda: Deliverable.objects.create(
            partnership=partnership_a, title="Review", status=DeliverableStatus.PUBLISHED
        )
    )


def test_timeline_entries_and_tasks_are_about_someone(org_a):
    refused(lambda: Activity.objects.create(organization=org_a, summary="About nobody"))
    refused(lambda: Task.objects.create(organization=org_a, title="For nobody"))


def test_sentiment_stays_between_minus_one_and_one(brand_a, make_identity, make_interaction):
    interaction = make_interaction("t1_x", make_identity("a"), kind="comment", text="Inkwell is great")
    refused(lambda: BrandMention.objects.create(brand=brand_a, interaction=interaction, matched_alias="x", sentiment=2))
    BrandMention.objects.create(brand=brand_a, interaction=interaction, matched_alias="Inkwell", sentiment=0.8)
    refused(lambda: BrandMention.objects.create(brand=brand_a, interaction=interaction, matched_alias="x", sentiment=0))


def test_a_sale_is_recorded_once_per_order_and_never_negative(partnership_a):
    link = ReferralLink.objects.create(partnership=partnership_a, code="ivy", destination_url="https://x.example")
    when = datetime(2026, 2, 1, tzinfo=UTC)
    ReferralEvent.objects.create(link=link, kind="sale", occurred_at=when, external_id="order-1", amount=10)
    refused(lambda: ReferralEvent.objects.create(link=link, kind="sale", occurred_at=when, external_id="order-1"))
    refused(lambda: ReferralEvent.objects.create(link=link, kind="sale", occurred_at=when, amount=-1))
    # Clicks carry no external id; many of them are fine.
    for _ in range(2):
        ReferralEvent.objects.create(link=link, kind="click", occurred_at=when)
    assert link.events.count() == 3


def test_referral_codes_are_unique(partnership_a):
    ReferralLink.objects.create(partnership=partnership_a, code="ivy", destination_url="https://x.example")
    refused(lambda: ReferralLink.objects.create(partnership=partnership_a, code="ivy", destination_url="https://y"))
