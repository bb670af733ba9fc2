"""Who may see and change what: organization scoping shared by the admin, pages and API.

A CRM model says how to reach its organization with a class attribute ``organization_lookup``
(a Django lookup path such as ``"partnership__organization"``). Shared discovery data
(communities, creators, identities, interactions, rankings) has no such attribute: every member of
any organization may read it.

Views use it one way: ``@member_page("GET", "HEAD")`` (or the verbs the page answers) on every
page of the product, then
``visible_or_404`` for a record the page only shows and ``editable_or_403`` for one it changes. Who
asks is a signed-in User or a ``Principal`` (an API key), which tells its roles itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Protocol, runtime_checkable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from crm.models import EDITOR_ROLES, Organization, OrganizationMember, Role


@runtime_checkable
class Principal(Protocol):
    """Who acts for organizations without being a member row: an API key.

    Everything here asks ``organization_roles()`` instead of the membership table, once per
    request; ``is_superuser`` is what makes an operator.
    """

    is_authenticated: bool
    is_superuser: bool

    def organization_roles(self) -> Mapping[int, str]:
        """{organization id: Role} this principal acts with."""


def organization_lookup_of(model: type[Model]) -> str | None:
    """The lookup path from ``model`` to its Organization; None for shared (untenanted) data."""
    if model is Organization:
        return "pk"
    return getattr(model, "organization_lookup", None)


def organization_of(obj: Model) -> Organization | None:
    """Follow ``organization_lookup`` on an instance (one query per hop not yet cached)."""
    lookup = organization_lookup_of(type(obj))
    if lookup is None:
        return None
    if lookup == "pk":
        return obj
    target = obj
    for attribute in lookup.split("__"):
        target = getattr(target, attribute, None)
        if target is None:
            return None
    return target


def organization_ids_for(user, *, editable: bool = False) -> set[int]:
    """Ids of the organizations ``user`` belongs to (only those where they may edit, if asked).

    Cached on the user object for the request, since the admin asks many times per page.
    """
    cache = _roles_of(user)
    if editable:
        return {org_id for org_id, role in cache.items() if role in EDITOR_ROLES}
    return set(cache)


def _roles_of(user) -> dict[int, str]:
    """{organization id: role}, asked once per request and kept on the user (or principal)."""
    if not user or not user.is_authenticated:
        return {}
    cache = getattr(user, "_organization_roles", None)
    if cache is None:
        if isinstance(user, Principal):
            cache = dict(user.organization_roles())
        else:
            cache = dict(OrganizationMember.objects.filter(user=user).values_list("organization_id", "role"))
        user._organization_roles = cache
    return cache


def scope_to_user(queryset: QuerySet, user, *, editable: bool = False) -> QuerySet:
    """Only the rows of ``queryset`` that belong to ``user``'s organizations.

    Superusers (operators) see everything; shared data is returned unfiltered to any member and
    to nobody else.
    """
    if user.is_superuser:
        return queryset
    org_ids = organization_ids_for(user, editable=editable)
    lookup = organization_lookup_of(queryset.model)
    if lookup is None:
        return queryset if org_ids else queryset.none()
    return queryset.filter(**{f"{lookup}__in": org_ids})


def can_view(user, obj: Model | None = None) -> bool:
    if user.is_superuser:
        return True
    org_ids = organization_ids_for(user)
    if obj is None or (organization := organization_of(obj)) is None:
        return bool(org_ids)
    return organization.pk in org_ids


def require_member(user) -> None:
    """The pages are for members of an organization: anyone else signed in gets a 403 saying why."""
    if not can_view(user):
        raise PermissionDenied("You are not a member of any organization.")


def can_edit(user, obj: Model | None = None) -> bool:
    """May ``user`` change ``obj`` (or, without an object, records of this kind at all)?"""
    if user.is_superuser:
        return True
    org_ids = organization_ids_for(user, editable=True)
    if obj is None or (organization := organization_of(obj)) is None:
        return bool(org_ids)
    return organization.pk in org_ids


def owned_organization_ids(user) -> set[int]:
    """Organizations whose settings and members ``user`` manages (operators: all)."""
    if user.is_superuser:
        return set(Organization.objects.values_list("pk", flat=True))
    return {org_id for org_id, role in _roles_of(user).items() if role == Role.OWNER}


def is_owner(user, organization: Organization) -> bool:
    return organization.pk in owned_organization_ids(user)


# --- Views ------------------------------------------------------------------------------------


def member_required(view: Callable) -> Callable:
    """A page of the product: signed in (else to the login page) and a member of an organization
    (else a 403 saying so). Operators pass."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        require_member(request.user)
        return view(request, *args, **kwargs)

    return login_required(checked)


def member_page(*methods: str) -> Callable:
    """A page of the product that answers ``methods``: whoever is not signed in is sent to sign in
    (whatever the verb), a verb the page does not answer is a 405, and then only members of an
    organization go on (``member_required``: a 403 for anyone else)."""

    def decorate(view: Callable) -> Callable:
        return login_required(require_http_methods(list(methods))(member_required(view)))

    return decorate


READ = ("GET", "HEAD")  # what a page that only shows answers: @member_page(*READ)


def visible_or_404(user, queryset: QuerySet, **lookup) -> Model:
    """The one record ``lookup`` names among those ``user`` may see; a 404 otherwise (a record of
    another organization is not admitted to exist)."""
    return get_object_or_404(scope_to_user(queryset, user), **lookup)


def editable_or_403(user, queryset: QuerySet, *, refusal: str = "", **lookup) -> Model:
    """The record ``lookup`` names, when ``user`` may change it: a 404 if they may not even see it,
    a 403 saying ``refusal`` if they may only look."""
    record = visible_or_404(user, queryset, **lookup)
    if not can_edit(user, record):
        raise PermissionDenied(refusal or "You can look at this but not change it.")
    return record
