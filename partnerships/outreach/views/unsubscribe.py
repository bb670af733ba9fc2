"""The unsubscribe link in every outreach email: public, no login; the signed token is the authority.

It shows nothing but the organization's name (not the creator, not the address the mail went to),
and a token that does not verify is a plain 404. RFC 8058 one-click: a mail client POSTs
"List-Unsubscribe=One-Click" with no cookie and no CSRF token, so the view is csrf_exempt; a
forged POST cannot name anyone without a token signed with the server's key.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from crm.models import Organization
from influencers.models import Creator
from partnerships.models.outreach import ConsentSource
from partnerships.outreach.services import do_not_contact_mark, unsubscribe_token_read


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    read = unsubscribe_token_read(token)
    if read is None:
        raise Http404("No such link.")
    organization = Organization.objects.filter(pk=read[0]).first()
    creator = Creator.objects.filter(pk=read[1]).first()
    if organization is None or creator is None:
        raise Http404("No such link.")
    done = False
    if request.method == "POST":
        do_not_contact_mark(
            organization=organization, creator=creator, source=ConsentSource.UNSUBSCRIBE,
            note="Used the unsubscribe link in an email.",
        )  # fmt: skip
        done = True
    response = render(request, "outreach/unsubscribe.html", {"organization_name": organization.name, "done": done})
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response
