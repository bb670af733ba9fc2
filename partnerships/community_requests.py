"""Tracking a community is a request an operator approves (partnerships.CommunityRequest).

A tracked community is synced every hour with the operator's Reddit or Discourse credentials and
joins every organization's shared data, so no member marks one tracked: an owner or manager asks,
with a reason; an operator approves (the community is created, or found, and tracked) or declines
with a reason the organization reads. Each step is kept in the request's history.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from crm import tenancy
from crm.models import Organization
from influencers.models import Community, Platform
from partnerships.models import TRACKABLE_PLATFORMS, CommunityRequest, RequestStatus

SUBREDDIT = re.compile(r"^[a-z0-9][a-z0-9_]{1,20}$")


def community_request_key(*, platform: str, external_id: str) -> str:
    """The community's external id as its connector writes it (a subreddit's name in lower case, a
    forum's address without a trailing slash), or ValidationError (``external_id``) saying what
    is expected. The outbound policy's check of a forum address (Community.clean) applies too."""
    if platform not in TRACKABLE_PLATFORMS:
        raise ValidationError({"platform": "Only subreddits and Discourse forums can be tracked."})
    text = (external_id or "").strip()
    if platform == Platform.REDDIT:
        name = re.sub(r"^(https?://(www\.|old\.)?reddit\.com)?/?r/", "", text, flags=re.IGNORECASE)
        name = name.strip("/").lower()
        if not SUBREDDIT.match(name):
            raise ValidationError({"external_id": "Give the subreddit's name, such as fountainpens."})
        return name
    parts = urlsplit(text)
    if parts.username or parts.password:
        raise ValidationError({"external_id": "Give the forum's address without a user name or password in it: "
                                              "the operator's own key signs the requests."})  # fmt: skip
    if parts.scheme != "https" or not parts.hostname or parts.query:
        raise ValidationError({"external_id": "Give the forum's https:// address, such as https://forum.example.org."})
    key = f"https://{parts.netloc.lower()}{parts.path.rstrip('/')}"
    Community(platform=platform, external_id=key, name=key).clean()  # the outbound policy, where it applies
    return key


def _open_or_tracked(*, organization: Organization, platform: str, key: str) -> None:
    if Community.objects.filter(platform=platform, external_id=key, is_tracked=True).exists():
        raise ValidationError({"external_id": "This community is tracked already: find it among the communities."})
    if CommunityRequest.objects.filter(
        organization=organization, platform=platform, external_id=key, status=RequestStatus.REQUESTED
    ).exists():
        raise ValidationError({"external_id": "Your organization has asked for this community already."})


def community_request_check(*, organization: Organization, platform: str, external_id: str) -> str:
    """What ``community_request_create`` would refuse, for a form to show before saving: returns
    the normalised external id or raises ValidationError naming the field."""
    key = community_request_key(platform=platform, external_id=external_id)
    _open_or_tracked(organization=organization, platform=platform, key=key)
    return key


@transaction.atomic
def community_request_create(
    *, organization: Organization, platform: str, external_id: str, reason: str, actor
) -> CommunityRequest:
    """Ask the operators to track a community. ``actor`` must be an owner or manager of
    ``organization`` (PermissionDenied); a missing reason, an id that is not a subreddit or forum
    address, a community tracked already or asked for already is a ValidationError."""
    if not tenancy.can_edit(actor, organization):
        raise PermissionDenied("Only the organization's owners and managers ask for communities.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say what your brands hope to learn or do there."})
    organization = Organization.objects.select_for_update().get(pk=organization.pk)  # requests take turns
    key = community_request_check(organization=organization, platform=platform, external_id=external_id)
    request = CommunityRequest(
        organization=organization, platform=platform, external_id=key, reason=reason.strip(), requested_by=actor
    )
    request._history_user = actor
    request.save()
    return request


def _operator(actor) -> None:
    if actor is None or not actor.is_superuser:
        raise PermissionDenied("Operators decide which communities are tracked.")


def _locked(request: CommunityRequest) -> CommunityRequest:
    return CommunityRequest.objects.select_for_update().get(pk=request.pk)


def _decide(request: CommunityRequest, *, actor, status: str, community=None, note: str = "") -> None:
    request.status, request.community, request.decision_note = status, community, note
    request.decided_by, request.decided_at = actor, timezone.now()
    request._history_user = actor
    request.save()


@transaction.atomic
def community_request_approve(*, request: CommunityRequest, actor) -> Community:
    """Track the community asked for: found by platform and id, or created; marked tracked (beat's
    hourly sync picks it up). Other organizations' open requests for it are approved with it.
    Approving twice returns the same community; a declined request is a ValidationError. Operators
    only (PermissionDenied)."""
    _operator(actor)
    request = _locked(request)
    if request.status == RequestStatus.APPROVED and request.community is not None:
        return request.community
    if request.status == RequestStatus.DECLINED:
        raise ValidationError("This request was declined; the organization can ask again.")
    key = community_request_key(platform=request.platform, external_id=request.external_id)
    community = Community.objects.select_for_update().filter(platform=request.platform, external_id=key).first()
    if community is None:
        if request.platform == Platform.REDDIT:
            name, url = f"r/{key}", f"https://www.reddit.com/r/{key}/"
        else:
            name, url = urlsplit(key).netloc, key
        community = Community(platform=request.platform, external_id=key, name=name, url=url)
    community.is_tracked = True
    community.full_clean()
    community.save()
    for same in CommunityRequest.objects.select_for_update().filter(
        platform=request.platform, external_id=key, status=RequestStatus.REQUESTED
    ):  # fmt: skip
        _decide(same, actor=actor, status=RequestStatus.APPROVED, community=community)
    return community


@transaction.atomic
def community_request_decline(*, request: CommunityRequest, actor, reason: str) -> CommunityRequest:
    """Decline with ``reason`` (the organization reads it; ValidationError without one). Declining
    a declined request changes nothing; an approved one is a ValidationError (untrack the community
    instead). Operators only (PermissionDenied)."""
    _operator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"decision_note": "Say why, for the organization that asked."})
    request = _locked(request)
    if request.status == RequestStatus.DECLINED:
        return request
    if request.status == RequestStatus.APPROVED:
        raise ValidationError("This request was approved: the community is tracked.")
    _decide(request, actor=actor, status=RequestStatus.DECLINED, note=reason)
    return request
