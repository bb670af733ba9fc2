"""The outreach pages: settings (senders, templates), compose and preview, the unfiled inbox, and
the public unsubscribe link. Thin: forms coerce, ``outreach.senders`` and ``outreach.services``
decide, ``outreach.selectors`` read; tenancy by ``crm.tenancy`` as on every page."""

from partnerships.outreach.views.compose import (
    do_not_contact_end,
    do_not_contact_new,
    messages_section,
    partnership_write,
)
from partnerships.outreach.views.inbox import inbox, inbox_file
from partnerships.outreach.views.settings import (
    outreach_settings,
    replies_check,
    sender_edit,
    sender_new,
    sender_switch,
    sender_test,
    template_edit,
    template_new,
    template_remove,
)
from partnerships.outreach.views.unsubscribe import unsubscribe

__all__ = [
    "do_not_contact_end",
    "do_not_contact_new",
    "inbox",
    "inbox_file",
    "messages_section",
    "outreach_settings",
    "partnership_write",
    "replies_check",
    "sender_edit",
    "sender_new",
    "sender_switch",
    "sender_test",
    "template_edit",
    "template_new",
    "template_remove",
    "unsubscribe",
]
