"""Answer, as the creator, the last email the CRM sent them: a real reply (From their address,
In-Reply-To and References the message it answers, the original quoted under "On … wrote:") put in
Dana's inbox on the demo mail server over IMAP. The CRM then finds it as it finds any reply: the
"Check for replies now" button in Outreach settings, ``manage.py outreach``, or the beat task.
"""

import imaplib
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone

from demo.mailserver import HOST, imap_append
from demo.outreach import DEMO_MAILBOX
from partnerships.models import Partnership
from partnerships.models.outreach import Channel, Direction, Message, MessageStatus
from partnerships.outreach.selectors import first_name_of

STOP_TEXT = "Please don't contact me again."


def default_text(message: Message) -> str:
    ours = first_name_of(message.from_name.split(" at ")[0], "") or "there"
    theirs = first_name_of(message.creator.display_name, "") if message.creator else ""
    return (
        f"Hi {ours},\n\nThanks for writing, and for reading the thread before you did. Happy to hear more: "
        f"what did you have in mind?\n\n{theirs}".rstrip()
    )


def reply_to(message: Message, text: str) -> bytes:
    """The creator's reply to ``message`` as a mail program writes it."""
    reply = EmailMessage()
    name = message.creator.display_name if message.creator else ""
    reply["From"] = Address(display_name=name, addr_spec=message.to_address)
    reply["To"] = Address(display_name=message.from_name, addr_spec=message.from_address)
    subject = message.subject
    reply["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    reply["Date"] = format_datetime(timezone.localtime())
    reply["Message-ID"] = make_msgid(domain=message.to_address.rsplit("@", 1)[-1])
    reply["In-Reply-To"] = message.message_id
    reply["References"] = " ".join([*message.references.split(), message.message_id][-20:])
    when = timezone.localtime(message.occurred_at).strftime("%a, %d %b %Y at %H:%M")
    quoted = "\n".join(f"> {line}" if line else ">" for line in message.body.splitlines())
    reply.set_content(f"{text.strip()}\n\nOn {when}, {message.from_name} <{message.from_address}> wrote:\n{quoted}\n")
    return bytes(reply)


def last_sent_to(who: str) -> Message:
    """The last email sent to the creator named by a handle (u/ or @ allowed) or a partnership id."""
    who = who.strip().removeprefix("u/").removeprefix("@")
    if who.isdigit():
        partnerships = Partnership.objects.filter(pk=int(who))
    else:
        partnerships = Partnership.objects.filter(
            Q(creator__identities__handle__iexact=who) | Q(creator__display_name__iexact=who)
        )
    if not partnerships.exists():
        raise CommandError(f"No partnership with the id or creator handle {who!r}.")
    last = (
        Message.objects.filter(
            partnership__in=partnerships, direction=Direction.OUT, channel=Channel.EMAIL, status=MessageStatus.SENT
        )
        .select_related("creator")
        .order_by("-occurred_at", "-pk")
        .first()
    )
    if last is None:
        raise CommandError(
            f"No email has been sent to {who} yet: write to them from their partnership page first "
            "(with `make mailserver` running), then reply."
        )
    return last


class Command(BaseCommand):
    help = (
        "Reply, as the creator, to the last email the CRM sent them: the reply is put in Dana's inbox on the demo "
        "mail server (`make mailserver`). Then click “Check for replies now” in Outreach settings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("who", help="the creator's handle (e.g. paper_trail_pat) or the partnership's id")
        parser.add_argument("--text", default="", help="what they write (a friendly yes, by default)")
        parser.add_argument("--stop", action="store_true", help=f"they write: {STOP_TEXT}")
        parser.add_argument("--imap-host", default=HOST)
        parser.add_argument("--imap-port", type=int, default=DEMO_MAILBOX["imap_port"])
        parser.add_argument("--user", default=DEMO_MAILBOX["username"])
        parser.add_argument("--password", default=DEMO_MAILBOX["password"])

    def handle(self, *args, who, text, stop, imap_host, imap_port, user, password, **options):
        if stop and text:
            raise CommandError("Give --text or --stop, not both.")
        message = last_sent_to(who)
        text = STOP_TEXT if stop else (text or default_text(message))
        raw = reply_to(message, text)
        try:
            imap_append(imap_host, imap_port, user, password, raw)
        except imaplib.IMAP4.error:
            # The server's words are not repeated: they can name the user; the password never is.
            raise CommandError(f"The mail server at {imap_host}:{imap_port} refused the login for {user}.") from None
        except OSError as error:
            raise CommandError(
                f"Could not reach the mail server at {imap_host}:{imap_port} ({error.strerror or error}): "
                "is `make mailserver` running?"
            ) from None
        self.stdout.write(
            f"{message.to_address} replied to “{message.subject}”; the reply is in {user}'s inbox. "
            "Click “Check for replies now” in Outreach settings (or run `manage.py outreach`) to see it "
            "on the partnership."
        )
