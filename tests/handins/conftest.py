"""The Reddit the disclosure check reads (the fake on loopback, through the real praw client), and
a partnership with terms and pieces to hand in."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from partnerships.models import Agreement, AgreementStatus, Deliverable, ReviewRights
from tests.fakes.reddit import FakeReddit


@pytest.fixture
def reddit(monkeypatch):
    """praw pointed at the fake with the operator's (fake) credentials, REDDIT_TIMEOUT short."""
    with FakeReddit() as fake:
        for name, value in {**fake.environ(), "REDDIT_TIMEOUT": "2"}.items():
            monkeypatch.setitem(settings.REDDIT_API, name, value)
        yield fake


@pytest.fixture
def make_terms(partnership_a):
    def make(review=ReviewRights.NONE, *, disclosure=True, phrase="", **extra):
        return Agreement.objects.create(
            partnership=partnership_a, status=AgreementStatus.SIGNED,
            starts_on=timezone.localdate() - timedelta(days=5),
            brand_review_rights=review, creator_keeps_editorial_control=review != ReviewRights.APPROVAL,
            disclosure_required=disclosure, disclosure_phrase=phrase, **extra,
        )  # fmt: skip

    return make


@pytest.fixture
def planned(partnership_a):
    def make(title="Sheen ink comparison", agreement=None):
        return Deliverable.objects.create(partnership=partnership_a, agreement=agreement, title=title)

    return make
