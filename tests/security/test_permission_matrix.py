"""Who may do what, everywhere: every role × every route × every HTTP verb.

The routes come from Django's URL resolver, not from a list: an endpoint added later is tested at
once, or the matrix fails naming the route that has no expected answer yet. URL parameters are
filled with organization A's records (tests/security/conftest.py). The expected answers are the
rule tables below, taken from what the app says it does (README's roles, pages and REST API;
api/permissions.py; crm/tenancy.py; crm/admin_scoping.py and the admin classes), not from what it
happens to answer: where the two differ, the matrix fails.

Besides the status code, every answer is checked for what it shows: nothing of organization A to
anyone outside it (the marker in all of A's private texts), A's records in A's own lists, and A's
record still there after anyone's refused write. One test per route and verb sends it as every
role in turn; a failure names each role, verb and URL that answered wrongly, and why.

Left out, by design not access-controlled (and static files, which WhiteNoise serves before any
URL is resolved):
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.contrib.admin.sites import AdminSite
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.test import RequestFactory
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RoutePattern
from rest_framework.test import APIClient

from crm import tenancy
from discovery.models import SavedView
from influencers.models import Community, Creator
from partnerships.models import Agreement, Brand, CounterProposal, CreatorLink, Deliverable, Partnership, Payment, Task
from partnerships.models.outreach import Message, MessageTemplate, Sender
from tests.security.conftest import MARKER, World

EXCLUDED = {
    "admin:login": "the login form: public by design",
    "admin:logout": "logs the caller out: public by design (and would end the session under test)",
    "api:schema": "the OpenAPI description: public by design, holds no data (api/urls.py)",
    "api:docs": "the interactive API docs page: public by design, holds no data (api/urls.py)",
    "referral-redirect": "/r/<code>: the public referral redirect anonymous visitors follow (README)",
    "outreach-unsubscribe": "/unsubscribe/<token>/: the public unsubscribe link in outreach emails; the signed token "
    "is the authority (tests/outreach/test_pages.py)",
    **{
        name: "the creator's pages: no login, the private link (then its signed cookie) is the authority "
        "(tests/security/test_creator_link_probe.py)"
        for name in (
            "creator-link-open",
            "creator-portal",
            "creator-accept",
            "creator-propose",
            "creator-hand-in",
            "creator-publish",
            "creator-confirm-disclosure",
        )
    },
}
__doc__ += "".join(f"\n- {name}: {reason}" for name, reason in EXCLUDED.items())

SAFE = ("GET", "HEAD", "OPTIONS")
MISSING_ID = 999_999  # no record has it: another organization's record must answer as this one does

# --- the roles ---------------------------------------------------------------------------------
# owner_a, manager_a, viewer_a: members of organization A (browser sessions); nonstaff_a: a manager
# of A who is not staff; manager_b: a manager of organization B; stranger: staff, in no organization;
# read_a, write_a, write_b: API keys (Authorization: Bearer …); anonymous: nothing.
# views_a_manages_b: one person who manages B and only views A: may write, but never A's records
# (naming A's brand or partnership in a new record is writing in A too: tests/api/test_multi_membership.py).
API_ROLES = ["anonymous", "stranger", "owner_a", "manager_a", "viewer_a", "manager_b", "read_a", "write_a", "write_b",
             "views_a_manages_b"]  # fmt: skip
PAGE_ROLES = ["anonymous", "read_a", "write_a", "stranger", "owner_a", "manager_a", "viewer_a", "manager_b",
              "views_a_manages_b"]  # fmt: skip
ADMIN_ROLES = ["anonymous", "write_a", "nonstaff_a", "stranger", "owner_a", "manager_a", "viewer_a", "manager_b",
               "views_a_manages_b"]  # fmt: skip
LOGGED_IN = {"stranger", "owner_a", "manager_a", "viewer_a", "nonstaff_a", "manager_b", "views_a_manages_b"}
# (a key is no page login)
STAFF = LOGGED_IN - {"nonstaff_a"}
READERS = {"viewer_a", "read_a"}  # look, never change
OTHER_ORGANIZATION = {"manager_b", "write_b"}
OUTSIDERS = {"anonymous", "stranger", *OTHER_ORGANIZATION}  # must never see organization A's data
MAY_DELETE_A = {"owner_a", "manager_a", "write_a"}  # anyone else leaves A's records in place

# HEAD on the API: DRF's router answers it with the GET action after the same checks (the pages' HEAD
# is tested: there it is each view's own business).
API_VERBS = ["GET", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
PAGE_VERBS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
SUFFIX_ROLES = ["read_a", "write_a"]
ADMIN_VERBS = ["GET", "POST"]


# --- expected answers --------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    label: str
    statuses: tuple[int, ...]
    redirect_to: str | None = None  # a 302 must lead here (a path)
    not_to_login: bool = False  # a 302 must not be the login page
    fields_on_400: bool = False  # a 400 names fields: the write got past the permission check
    as_if_missing: bool = False  # the same answer as for an id no record has
    keeps_record: bool = False  # organization A's record is still there afterwards


def status(code: int) -> Answer:
    return Answer(str(code), (code,))


LOGIN = Answer("redirect to the login page", (302,), redirect_to="/admin/login/")
READ = status(200)
# 202: work queued for a worker (a community's insight computed again).
API_WRITE = Answer("2xx, or 400 naming fields", (200, 201, 202, 204, 400), fields_on_400=True)
PAGE_WRITE = Answer("done: 200, 302 (not to login) or a 400 form", (200, 302, 400), not_to_login=True)
HIDDEN = Answer("as if it did not exist", (302, 403, 404), as_if_missing=True, keeps_record=True)
REFUSED = Answer(
    "refused: 403, 404, or 'does not exist' (302 to /admin/)", (302, 403, 404), redirect_to="/admin/", keeps_record=True
)
KEPT = Answer("the record stays (200, 302 or 403)", (200, 302, 403), not_to_login=True, keeps_record=True)


class NoExpectation(Exception):
    pass


# --- routes, from the resolver -----------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    segments: tuple  # the RoutePattern / RegexPattern of each level, outermost first
    name: str | None
    callback: Callable

    @property
    def pattern(self) -> str:
        return "".join(str(segment) for segment in self.segments)

    @property
    def surface(self) -> str:
        return "admin" if self.pattern.startswith("admin/") else "api" if self.pattern.startswith("api/") else "page"

    @property
    def label(self) -> str:
        return "/" + self.fill(lambda name: f"{{{name}}}")

    def fill(self, value: Callable[[str | int], object]) -> str:
        return "".join(_fill_segment(segment, value) for segment in self.segments)

    @property
    def params(self) -> set:
        found = set()
        self.fill(lambda name: found.add(name) or "x")
        return found


GROUP = re.compile(r"\((?:\?P<(?P<name>\w+)>)?[^()]*\)")


def _fill_segment(segment, value) -> str:
    if isinstance(segment, RoutePattern):
        return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(segment.converters[m[1]].to_url(value(m[1]))), str(segment))
    positions = iter(range(1, 10))
    text = str(segment).removeprefix("^").removesuffix("$")
    text = GROUP.sub(lambda m: str(value(m["name"] or next(positions))), text)
    return re.sub(r"\\(.)", r"\1", text.replace("/?", ""))


def _walk(patterns, segments=(), namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace])) or None
            yield from _walk(entry.url_patterns, (*segments, entry.pattern), inner)
        else:
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route((*segments, entry.pattern), name, entry.callback)


@cache
def routes() -> list[Route]:
    found = [route for route in _walk(get_resolver().url_patterns) if route.name not in EXCLUDED]
    labels = [route.label for route in found]
    assert len(labels) == len(set(labels)), "two routes read the same: the test ids would collide"
    return found


# --- the API: derived from each view, so a new endpoint needs no entry here ----------------------
#   anonymous                          → 401 (any verb)
#   stranger (in no organization)      → 403 (any verb)
#   viewer_a, read_a: write verbs      → 403
#   a verb the endpoint does not have  → 405
#   manager_b, write_b on an org-A id  → 404 (OPTIONS: 200, the description, nothing of the record)
#   GET, HEAD, OPTIONS                 → 200
#   owner_a, manager_a, write_a writes → 2xx, or 400 naming fields (an empty body got past permission)
# Writes the general rule would let every editor make, narrowed to fewer roles (the view says why).
API_WRITERS = {
    # Erasing a creator reaches every organization's view of them: owners and write keys, not managers.
    "api:creator-erase": {"owner_a", "write_a", "write_b"},
}


def api_view(route: Route):
    return getattr(route.callback, "cls", None)


def api_methods(route: Route) -> set[str]:
    view = api_view(route)
    allowed = {m.upper() for m in view.http_method_names}
    actions = getattr(route.callback, "actions", None)
    methods = {m.upper() for m in actions} if actions else {m.upper() for m in allowed if hasattr(view, m.lower())}
    methods &= allowed
    if "GET" in methods:
        methods.add("HEAD")
    return methods | {"OPTIONS"}


def api_model(route: Route) -> type[Model] | None:
    serializer = getattr(api_view(route), "serializer_class", None)
    return getattr(getattr(serializer, "Meta", None), "model", None)


def is_private(model: type[Model] | None) -> bool:
    return model is not None and tenancy.organization_lookup_of(model) is not None


def expect_api(role: str, route: Route, verb: str) -> Answer:
    if api_view(route) is None:
        raise NoExpectation(f"{route.label} is not a DRF view: say what it should answer")
    if role == "anonymous":
        return status(401)
    if role == "stranger":
        return status(403)
    if verb not in SAFE and role in READERS:
        return status(403)
    if verb not in api_methods(route):
        return status(405)
    if verb not in SAFE and route.name in API_WRITERS and role not in API_WRITERS[route.name]:
        return status(403)
    names_a_record = bool({"pk", "partnership_pk"} & route.params)
    if verb not in SAFE and role == "views_a_manages_b" and names_a_record and is_private(api_model(route)):
        return status(403)  # A's record, which this person only views
    if names_a_record and is_private(api_model(route)) and role in OTHER_ORGANIZATION and verb != "OPTIONS":
        return status(404)
    return READ if verb in SAFE else API_WRITE


# --- pages: one entry per URL name -------------------------------------------------------------
#   anonymous, API keys (a key is not a browser login) → redirect to the login page (any verb)
#   a verb the page does not answer                    → 405 (HEAD goes with GET)
#   stranger (in no organization)                      → 403
#   manager_b on an org-A record (in the URL or body)  → 404
#   viewer_a: a write, or a page only editors open     → 403
#   otherwise                                          → GET/HEAD 200, writes done (200, 302 or 400 form)
@dataclass(frozen=True)
class Page:
    methods: frozenset[str]
    model: type[Model] | None = None  # whose id fills <pk>
    editors_only: bool = False  # changes something, or is the form that does
    brand_in_body: bool = False  # the POST names organization A's brand
    shows_a: bool = False  # A's members see A's data on it
    redirect_to: str | None = None  # a URL name everyone is sent to
    personal: bool = False  # the user's own things (saved views): any member writes them; another's is 404


GET, POST, BOTH = frozenset({"GET"}), frozenset({"POST"}), frozenset({"GET", "POST"})
PAGES = {
    "home": Page(frozenset(PAGE_VERBS), redirect_to="pipeline"),
    "pipeline": Page(GET, shows_a=True),
    "pipeline-move": Page(BOTH, Partnership, editors_only=True),
    "pipeline-add": Page(POST, editors_only=True, brand_in_body=True),
    "pipeline-new": Page(GET, editors_only=True),  # the form; it posts to pipeline-add
    "partnership": Page(GET, Partnership, shows_a=True),
    "agreement-renew": Page(POST, Partnership, editors_only=True),
    "agreement-new": Page(POST, Partnership, editors_only=True),
    "agreement-terms": Page(POST, Partnership, editors_only=True),
    "task-new": Page(POST, Partnership, editors_only=True),
    "activity-new": Page(POST, Partnership, editors_only=True),
    "deliverable-new": Page(POST, Partnership, editors_only=True),
    "deliverable-status": Page(POST, Deliverable, editors_only=True),
    "my-tasks": Page(GET),
    "brands": Page(GET, shows_a=True),
    "brand": Page(GET, Brand, shows_a=True),
    "brand-measure": Page(POST, Brand, editors_only=True),
    "brand-metrics-csv": Page(GET, Brand),
    "referral-events-upload": Page(POST, Brand, editors_only=True),
    "community-stance": Page(POST, Community, editors_only=True, brand_in_body=True),
    "observation-new": Page(POST, Community, editors_only=True, brand_in_body=True),
    "readiness-checklist": Page(POST, Community, editors_only=True, brand_in_body=True),
    "community-insight": Page(GET, Community, shows_a=True),  # with A's brands' readiness
    "community-insight-refresh": Page(POST, Community, editors_only=True),  # shared data: any editor recomputes
    "task-done": Page(POST, Task, editors_only=True),
    "communities": Page(GET, shows_a=True),
    "discover": Page(GET, shows_a=True),  # A's pipelines beside the members
    "discover-add": Page(POST, editors_only=True, brand_in_body=True),
    "discover-view-save": Page(POST, personal=True),  # a viewer may keep their own filters
    "discover-view-delete": Page(POST, SavedView, personal=True),  # the list: A's communities' stances, never B's
    "community": Page(GET, Community),
    "creator": Page(GET, Creator, shows_a=True),  # with A's partnerships and A's notes on the creator
    # Outreach: one organization at a time (?organization=; the first the user edits), so the
    # settings page is not "shows A" for someone who manages B and only views A.
    "outreach-settings": Page(GET),
    "outreach-mailbox-new": Page(BOTH, editors_only=True),
    "outreach-reddit-new": Page(BOTH, editors_only=True),
    "outreach-sender": Page(BOTH, Sender, shows_a=True),  # viewers read it, without the form
    "outreach-sender-test": Page(POST, Sender, editors_only=True),
    "outreach-sender-switch": Page(POST, Sender, editors_only=True),
    "outreach-template-new": Page(BOTH, editors_only=True),
    "outreach-template": Page(BOTH, MessageTemplate, shows_a=True),
    "outreach-template-delete": Page(BOTH, MessageTemplate, editors_only=True),
    "outreach-check-replies": Page(POST, editors_only=True),
    "outreach-inbox": Page(GET, shows_a=True),
    "outreach-inbox-file": Page(POST, Message, editors_only=True),
    "outreach-write": Page(BOTH, Partnership, editors_only=True),
    "outreach-do-not-contact": Page(POST, Partnership, editors_only=True),
    "outreach-do-not-contact-lift": Page(POST, Partnership, editors_only=True),
    # The ledger (issue 21): a partnership's payments, approve / mark paid / cancel, a brand's CSV.
    "partnership-payments": Page(GET, Partnership, shows_a=True),
    "payment-approve": Page(POST, Payment, editors_only=True),
    "payment-paid": Page(POST, Payment, editors_only=True),
    "payment-cancel": Page(POST, Payment, editors_only=True),
    "brand-payments-csv": Page(GET, Brand),
    # Handed-in work (issue 21): the brand's review and a fresh disclosure check.
    "deliverable-review": Page(POST, Deliverable, editors_only=True),
    "deliverable-disclosure-check": Page(POST, Deliverable, editors_only=True),
    # The creator's link and proposals, on the partnership page (issue 21).
    "creator-link-new": Page(POST, Partnership, editors_only=True),
    "creator-link-revoke": Page(POST, CreatorLink, editors_only=True),
    "counter-proposal-accept": Page(POST, CounterProposal, editors_only=True),
    "counter-proposal-decline": Page(POST, CounterProposal, editors_only=True),
}


def page_of(route: Route) -> Page:
    if route.name not in PAGES:
        raise NoExpectation(f"page {route.label} (name {route.name!r}) has no entry in PAGES")
    return PAGES[route.name]


def expect_page(role: str, route: Route, verb: str) -> Answer:
    page = page_of(route)
    if page.redirect_to:
        target = reverse(page.redirect_to)
        return Answer(f"redirect to {target}", (302,), redirect_to=target)
    if role not in LOGGED_IN:
        return LOGIN
    methods = page.methods | ({"HEAD"} if "GET" in page.methods else set())
    if verb not in methods:
        return status(405)
    if role == "stranger":
        return status(403)
    if page.personal:  # the world's saved view is manager A's: to anyone else it does not exist
        if page.model is not None and role != "manager_a":
            return status(404)
        return READ if verb in SAFE else PAGE_WRITE
    if role in OTHER_ORGANIZATION and (is_private(page.model) or page.brand_in_body):
        return status(404)
    if role in READERS and (page.editors_only or verb not in SAFE):
        return status(403)
    if role == "views_a_manages_b" and (page.editors_only or verb not in SAFE):
        if is_private(page.model) or page.brand_in_body:
            return status(403)  # a write on A's record, or naming A's brand: A is only viewed
    return READ if verb in SAFE else PAGE_WRITE


# --- the admin ---------------------------------------------------------------------------------
# What each role may do, per kind of model: "on the list/on organization A's record", with
# V view, A add, C change, D delete (d: sees the delete page, but the delete is refused; v: sees the
# record, not its history of who changed it); "hidden": A's record answers as one that does not exist.
# A role not named has no rights (stranger: staff in no organization). Not staff, anonymous and
# API keys are sent to the login page everywhere.
ADMIN_RIGHTS_OF = ("owner_a", "manager_a", "viewer_a", "manager_b", "views_a_manages_b")
ADMIN_RIGHTS = {
    # kind of model       owner_a    manager_a  viewer_a  manager_b     views_a_manages_b
    "records":           ("VAC/VCD", "VAC/VCD", "V/V",    "VAC/hidden", "VAC/V"),  # CRM records: editors change,
                                                                                    # viewers look
    "records, audited":  ("VAC/VCd", "VAC/VCd", "V/V",    "VAC/hidden", "VAC/V"),  # a partnership: its stage
                                                                                    # changes stay
    "members":           ("VAC/VCD", "V/V",     "V/V",    "V/hidden",   "V/V"),    # who belongs, with which
                                                                                    # role: the owner's
    "api keys":          ("VAC/VC",  "V/V",     "V/V",    "V/hidden",   "V/V"),    # the owner's; revoked,
                                                                                    # never deleted
    "organizations":     ("V/VC",    "V/V",     "V/V",    "V/hidden",   "V/V"),    # operators add and delete
    "requests":          ("VA/VD",   "VA/VD",   "V/V",    "VA/hidden",  "VA/V"),   # to track a community:
                                                                                    # asked, withdrawn while
                                                                                    # open; operators decide
    "erasure requests":  ("V/V",     "V/V",     "V/V",    "V/hidden",   "V/V"),    # filed from a creator;
                                                                                    # operators decide
    "shared":            ("V/v",     "V/v",     "V/v",    "V/v",        "V/v"),    # discovery data: operators
                                                                                    # change it, and see who
                                                                                    # did (README: shared data)
    "operators":         ("/",       "/",       "/",      "/",          "/"),      # users, groups, schedules
    "senders":           ("VAC/VC",  "VAC/VC",  "V/V",    "VAC/hidden", "VAC/V"),  # switched off, never
                                                                                    # deleted (messages keep it)
    "happened":          ("V/V",     "V/V",     "V/V",    "V/hidden",   "V/V"),    # messages, sequences,
                                                                                    # payments: what the
                                                                                    # services recorded
    "marks":             ("VA/V",    "VA/V",    "V/V",    "VA/hidden",  "VA/V"),   # do not contact: marked
                                                                                    # here, lifted (with a
                                                                                    # reason) in the pages
}  # fmt: skip
ADMIN_MODELS = {
    "crm.organization": "organizations",
    "crm.organizationmember": "members",
    "api.apikey": "api keys",
    **{f"influencers.{m}": "shared" for m in ("creator", "identity", "community", "membership", "interaction",
                                              "rankingrun", "memberscore", "syncrun")},
    "influencers.erasedaccount": "operators",
    "influencers.liveconnection": "operators",  # a bot's token: operators only, members see nothing
    "influencers.erasurerequest": "erasure requests",  # who passed an erasure request on is no one else's business
    "partnerships.partnership": "records, audited",
    **{f"partnerships.{m}": "records" for m in ("brand", "agreement", "deliverable", "activity", "task",
                                                "referrallink", "referralevent", "brandmention", "creatornote")},
    "partnerships.communityrequest": "requests",
    "partnerships.sender": "senders",
    "partnerships.messagetemplate": "records",
    "partnerships.message": "happened",
    "partnerships.sequence": "happened",
    "partnerships.payment": "happened",  # the ledger: worked out by it, changed in the pages and the API
    "partnerships.donotcontact": "marks",
    **{f"auth.{m}": "operators" for m in ("user", "group")},
    **{f"axes.{m}": "operators" for m in ("accessattempt", "accesslog", "accessfailurelog")},
    **{f"django_celery_beat.{m}": "operators" for m in ("periodictask", "clockedschedule", "crontabschedule",
                                                         "solarschedule", "intervalschedule")},
}  # fmt: skip
# Which right each admin view needs, by verb: on the list, or on the record.
ADMIN_VIEWS = {
    "changelist": {"GET": ("list", "V"), "POST": ("list", "V")},  # POST: delete_selected on A's record
    "add": {"GET": ("list", "A"), "POST": ("list", "A")},
    "change": {"GET": ("record", "Vv"), "POST": ("record", "C")},
    "history": {"GET": ("record", "V")},  # a POST is read as a GET
    "delete": {"GET": ("record", "Dd"), "POST": ("record", "Dd")},
    "simple_history": {"GET": ("record", "V"), "POST": ("record", "C")},  # POST reverts to that version
    "same_handle": {"GET": ("list", "V"), "POST": ("list", "C")},  # influencers: link accounts
    "password_change": {"GET": ("record", "C"), "POST": ("record", "C")},  # auth: set a user's password
}
# The admin site's own pages, for staff (GET only, unless listed).
ADMIN_SITE = {
    "admin:index": lambda role: READ,  # members of no organization see an empty index
    "admin:app_list": lambda role: status(404) if role == "stranger" else READ,
    "admin:password_change": lambda role: READ,  # one's own password
    "admin:password_change_done": lambda role: READ,
    "admin:jsi18n": lambda role: READ,
    "admin:autocomplete": lambda role: status(403) if role == "stranger" else READ,
    "admin:view_on_site": lambda role: status(404),  # no model has a page to send anyone to
    "catch_all_view": lambda role: status(404),
}
ADMIN_SITE_VERBS = {"admin:password_change": ["GET", "POST"]}


def model_admin_of(route: Route) -> ModelAdmin | None:
    found = getattr(route.callback, "model_admin", None) or getattr(
        getattr(route.callback, "__wrapped__", None), "__self__", None
    )
    return found if isinstance(found, ModelAdmin) else None


def site_view_of(route: Route) -> str:
    owner = getattr(getattr(route.callback, "__wrapped__", None), "__self__", None)
    assert owner is None or isinstance(owner, AdminSite) or model_admin_of(route), route.label
    return route.name or route.callback.__name__


def admin_view_kind(route: Route, model_admin: ModelAdmin) -> str:
    if route.name is None:
        return "redirect"  # <id>/ → <id>/change/
    opts = model_admin.model._meta
    return route.name.removeprefix(f"admin:{opts.app_label}_{opts.model_name}_")


def admin_verbs(route: Route) -> list[str]:
    model_admin = model_admin_of(route)
    if model_admin is None:
        return ADMIN_SITE_VERBS.get(site_view_of(route), ["GET"])
    if ADMIN_MODELS.get(model_admin.model._meta.label_lower) == "operators":
        return ["GET"]  # Django's own permissions, which no role here has: a POST meets the same refusal
    kind = admin_view_kind(route, model_admin)
    return ADMIN_VERBS if "POST" in ADMIN_VIEWS.get(kind, {"POST": None}) else ["GET"]


def expect_admin(role: str, route: Route, verb: str) -> Answer:
    model_admin = model_admin_of(route)
    if model_admin is None:
        view = site_view_of(route)
        if view not in ADMIN_SITE:
            raise NoExpectation(f"admin page {route.label} ({view}) has no entry in ADMIN_SITE")
        return ADMIN_SITE[view](role) if role in STAFF else LOGIN
    kind = admin_view_kind(route, model_admin)
    if kind not in ADMIN_VIEWS and kind != "redirect":
        raise NoExpectation(f"admin view {route.label} ({kind}) has no entry in ADMIN_VIEWS")
    label = model_admin.model._meta.label_lower
    if label not in ADMIN_MODELS:
        raise NoExpectation(f"admin model {label} has no entry in ADMIN_MODELS")
    if role not in STAFF:
        return LOGIN
    if kind == "redirect":
        return Answer("redirect to the change page", (302,), redirect_to="{url}change/")
    scope, needed = ADMIN_VIEWS[kind][verb]
    rights = dict(zip(ADMIN_RIGHTS_OF, ADMIN_RIGHTS[ADMIN_MODELS[label]], strict=True)).get(role, "/")
    on_list, on_record = rights.split("/")
    if scope == "record" and on_record == "hidden":
        return HIDDEN
    if not set(needed) & set(on_list if scope == "list" else on_record):
        return REFUSED if scope == "record" else status(403)
    if verb == "GET":
        return READ
    if kind == "changelist" and "D" not in on_record:  # delete_selected on a record the role may not delete
        return KEPT
    if kind == "delete" and "D" not in on_record:
        return Answer("403: its timeline's stage changes cannot be removed", (403,), keeps_record=True)
    return PAGE_WRITE


# --- the matrix --------------------------------------------------------------------------------
def expect(role: str, route: Route, verb: str) -> Answer:
    return {"api": expect_api, "page": expect_page, "admin": expect_admin}[route.surface](role, route, verb)


def model_of(route: Route) -> type[Model] | None:
    if route.surface == "api":
        return api_model(route)
    if route.surface == "page":
        return page_of(route).model
    if route.name == "admin:view_on_site":
        return Partnership
    model_admin = model_admin_of(route)
    return model_admin.model if model_admin else None


def url_for(route: Route, world: World, *, missing: bool = False) -> str:
    model = model_of(route)

    def value(name):
        if name in ("format",):
            return "json"
        if name == "app_label":
            return "partnerships"
        if name == "url":
            return "no-such-page/"
        if name == "content_type_id":
            return ContentType.objects.get_for_model(Partnership).pk
        if name == "partnership_pk":  # a partnership's own list (its messages): A's partnership
            return MISSING_ID if missing else world.of(Partnership).pk
        record = world.of(model) if model else None
        if record is None:
            raise NoExpectation(f"{route.label}: no record of {model} in the world (tests/security/conftest.py)")
        if name == 2:  # simple_history's version: the record's latest historical row
            return MISSING_ID if missing else record.history.latest("history_date").history_id
        return MISSING_ID if missing else record.pk

    return "/" + route.fill(value)


def send(client: APIClient, route: Route, verb: str, url: str, world: World):
    data, extra = None, {}
    if route.surface == "api":
        if verb in ("POST", "PUT", "PATCH"):
            data, extra = {}, {"format": "json"}
        if verb == "GET" and "pk" not in route.params:
            url += "?page_size=200"
    elif route.surface == "page" and verb == "POST":
        data = {"brand": world.of(Brand).pk}
    elif route.surface == "admin":
        if route.name == "admin:autocomplete":
            url += "?app_label=partnerships&model_name=partnership&field_name=creator&term=ivy"
        if verb == "POST":
            record = world.of(model_of(route)) if model_of(route) else None
            data = {"post": "yes"}  # confirms a delete
            if route.name and route.name.endswith("_changelist") and record is not None:
                data |= {"action": "delete_selected", "_selected_action": [record.pk]}
    return getattr(client, verb.lower())(url, data, **extra)


def roles_for(route: Route) -> list[str]:
    if route.surface == "api":
        # A format suffix (.json) reaches the same view after the same checks; what differs is the
        # call of the handler, with ``format``: a reader refused, and a writer that gets through.
        return SUFFIX_ROLES if "format" in route.params else API_ROLES
    return PAGE_ROLES if route.surface == "page" else ADMIN_ROLES


def verbs_for(route: Route) -> list[str]:
    if route.surface == "admin":
        return admin_verbs(route)
    if route.surface == "page":
        return PAGE_VERBS
    # With a format suffix, OPTIONS takes the same path as without: the calls of the handlers differ.
    return [verb for verb in API_VERBS if verb != "OPTIONS"] if "format" in route.params else API_VERBS


def _cases():
    for route in routes():
        for verb in verbs_for(route):
            yield pytest.param(route, verb, id=f"{route.label} {verb}")


def _answer(response) -> str:
    where = f" → {response['Location']}" if response.has_header("Location") else ""
    return f"{response.status_code}{where}"


def _problem(answer: Answer, response) -> str | None:
    code = response.status_code
    if code not in answer.statuses:
        return f"answered {_answer(response)}"
    location = urlsplit(response.get("Location", "")).path
    target = answer.redirect_to and answer.redirect_to.replace("{url}", urlsplit(response.request["PATH_INFO"]).path)
    if code == 302 and target and location != target:
        return f"redirected to {location}, not {target}"
    if code == 302 and answer.not_to_login and location == LOGIN.redirect_to:
        return "redirected to the login page"
    if code == 400 and answer.fields_on_400:
        body = response.json()
        if not isinstance(body, dict) or set(body) <= {"detail"}:
            return f"400 without naming a field: {body}"
    return None


def _check_data_shown(role: str, route: Route, verb: str, response, world: World) -> str | None:
    """Outsiders never see A's data; A's members do see it where it is listed or shown."""
    text = response.content.decode(errors="replace").lower() if not response.streaming else ""
    if role in OUTSIDERS and (MARKER in text or MARKER in response.get("Location", "")):
        return f"shows organization A's data ({MARKER!r}) to {role}"
    if verb != "GET" or response.status_code != 200:
        return None
    model = model_of(route)
    record = world.of(model) if model else None
    if route.surface == "api" and record is not None and response["Content-Type"].startswith("application/json"):
        body = response.json()
        # The record itself, or a record about it that names it (a community's insight: "community").
        if (
            "pk" in route.params
            and isinstance(body, dict)
            and "id" in body
            and record.pk not in (body["id"], body.get(model._meta.model_name))
        ):
            return f"shows record {body['id']} instead of {record.pk}"
        if "pk" not in route.params and isinstance(body, dict) and "results" in body:
            ids = {row.get("id") for row in body["results"]}
            sees = not is_private(model) or role not in OTHER_ORGANIZATION
            if sees and record.pk not in ids:
                return f"the list does not show org A's {model.__name__} {record.pk} to {role}"
            if not sees and record.pk in ids:
                return f"the list shows org A's {model.__name__} {record.pk} to {role}"
    if route.surface == "page" and page_of(route).shows_a and role not in OUTSIDERS and MARKER not in text:
        return f"does not show organization A's records to {role}"
    return None


def check(world: World, role: str, route: Route, verb: str) -> str | None:
    """What is wrong with ``role``'s ``verb`` on ``route`` (None: the expected answer)."""
    try:
        answer = expect(role, route, verb)
        url = url_for(route, world)
    except NoExpectation as gap:
        return f"no expected answer: {gap}"
    response = send(world.client(role), route, verb, url, world)
    problems = [_problem(answer, response), _check_data_shown(role, route, verb, response, world)]
    if answer.as_if_missing and problems[0] is None:
        reference = send(world.client(role), route, verb, url_for(route, world, missing=True), world)
        if _answer(reference) != _answer(response):
            problems.append(f"answered {_answer(response)}, but {_answer(reference)} for a record that does not exist")
    model = model_of(route)
    record = world.of(model) if model else None
    if (answer.keeps_record or role not in MAY_DELETE_A) and record is not None:
        if not model._default_manager.filter(pk=record.pk).exists():
            problems.append(f"organization A's {model.__name__} is gone")
    if exc_info := getattr(response, "exc_info", None):
        problems.append(f"raised {exc_info[1]!r}")
    problems = [problem for problem in problems if problem]
    return f"{role} {verb} {url}: expected {answer.label}; " + "; ".join(problems) if problems else None


def _url_or_none(route: Route, world: World) -> str | None:
    try:
        return url_for(route, world)
    except NoExpectation:
        return None  # each role's check says why


@pytest.mark.parametrize("route, verb", list(_cases()))
def test_permission_matrix(db, route, verb):
    """Every role's answer to ``verb`` on ``route`` (each role's request undone before the next)."""
    world, failures = db, []
    if url := _url_or_none(route, world):
        assert resolve(urlsplit(url).path).func is route.callback, f"{url} does not lead to {route.label}"
    for role in roles_for(route):
        with transaction.atomic():
            failures.append(check(world, role, route, verb))
            transaction.set_rollback(True)
    failures = [failure for failure in failures if failure]
    assert not failures, "\n".join(failures)


def test_every_route_has_an_expected_answer(db):
    """Every route in one list: those the rules above do not cover yet (each also fails in the matrix)."""
    gaps = set()
    for route, verb in (case.values for case in _cases()):
        for role in roles_for(route):
            try:
                expect(role, route, verb)
                url_for(route, db)
            except NoExpectation as gap:
                gaps.add(str(gap))
    assert not gaps, "\n".join(sorted(gaps))


def test_the_rules_cover_every_registered_admin_model():
    unknown = sorted({model._meta.label_lower for model in admin.site._registry} - set(ADMIN_MODELS))
    assert not unknown, f"admin models with no rule in ADMIN_MODELS: {unknown}"


# --- what the matrix's refusals protect, shown by their effect ----------------------------------
def _form_data(model_admin: ModelAdmin, record: Model, editor) -> dict:
    """The admin form of ``record`` as its editor would post it back unchanged."""
    request = RequestFactory().get("/")
    request.user = editor
    form = model_admin.get_form(request, record, change=True)(instance=record)
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(value, bool) or (value is None and field.widget.input_type == "checkbox"):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        else:
            data[name] = "" if value is None else str(value)
    return data


@pytest.mark.parametrize("model", [Partnership, Agreement], ids=lambda model: model.__name__)
def test_a_viewer_cannot_change_a_record_through_its_history(db, model):
    """simple-history's "revert" form (admin/…/<id>/history/<version>/) processes a POST from anyone who
    may *view* the record (the matrix flags the answer: 200, not 403). What still stops a viewer's
    write is the form's scoped choices (crm/admin_scoping.py): no brand or partnership is theirs to
    pick. This holds that line: the record is left as it was."""
    record = db.of(model)
    before = model.objects.values("notes").get(pk=record.pk)
    data = _form_data(admin.site._registry[model], record, get_user_model().objects.get(username="owner-a"))
    data["notes"] = "rewritten by a viewer"
    version = record.history.latest("history_date").history_id
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{record.pk}/history/{version}/"
    response = db.client("viewer_a").post(url, data)
    after = model.objects.values("notes").get(pk=record.pk)
    assert after == before, f"a viewer's POST to {url} answered {_answer(response)} and changed {model.__name__}"


def test_browser_sessions_need_the_csrf_token_to_write(db):
    """Sessions work on the API too (README): a write without the CSRF token is refused, as on the pages."""
    client = db.client("manager_a")
    client.handler.enforce_csrf_checks = True
    try:
        partnership = db.of(Partnership)
        answers = {
            "API create": client.post("/api/v1/tasks/", {"partnership": partnership.pk, "title": "x"}, format="json"),
            "API action": client.post(f"/api/v1/partnerships/{partnership.pk}/move/", {"stage": "observing"}),
            "page form": client.post(f"/partnerships/{partnership.pk}/tasks/", {"title": "x"}),
            "admin form": client.post(f"/admin/partnerships/partnership/{partnership.pk}/delete/", {"post": "yes"}),
        }
    finally:
        client.handler.enforce_csrf_checks = False
    assert {name: response.status_code for name, response in answers.items()} == dict.fromkeys(answers, 403)
    assert not Task.objects.filter(title="x").exists()
