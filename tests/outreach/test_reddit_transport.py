"""The Reddit private-message transport through the real praw client, against the fake Reddit."""

from datetime import UTC, datetime

import pytest
from django.conf import settings

from partnerships.outreach.transports import Outgoing, Receipt, RedditAccount, SendRefused
from partnerships.outreach.transports import reddit as transport
from tests.fakes.reddit import FakeReddit

SECRETS = ("app-s3cret", "hunter2-pass", "refresh-t0ken")
ACCOUNT = RedditAccount(
    username="penpal_crm",
    client_id="app-id",
    client_secret="app-s3cret",
    user_agent="crm-tests/1.0",
    password="hunter2-pass",
)
HELLO = Outgoing(
    to="sheen_queen",
    subject="A collaboration on sheen inks?",
    body="Hi! We loved your sheen comparison.\n\nWould you try our new inks?",
    message_id="<1@crm.test>",
)


@pytest.fixture
def fake(monkeypatch):
    with FakeReddit(account="penpal_crm") as fake:
        monkeypatch.setitem(settings.REDDIT_API, "REDDIT_OAUTH_URL", fake.url)
        monkeypatch.setitem(settings.REDDIT_API, "REDDIT_AUTH_URL", fake.url)
        monkeypatch.delitem(settings.REDDIT_API, "REDDIT_TIMEOUT", raising=False)
        yield fake


def follow_up(receipt, body="Just checking you saw this."):
    return Outgoing(to="sheen_queen", subject="", body=body, message_id="<2@crm.test>", reddit_thread=receipt.thread_id)


def posted(fake, path):
    return [form for at, form in fake.forms if at == path]


def refused(call) -> SendRefused:
    with pytest.raises(SendRefused) as caught:
        call()
    for secret in SECRETS:
        assert secret not in caught.value.reason
    return caught.value


# --- sending ----------------------------------------------------------------------------------
def test_a_first_message_is_composed_and_its_fullname_read_from_the_sent_box(fake):
    receipt = transport.send(ACCOUNT, HELLO)

    [compose] = posted(fake, "/api/compose")
    assert (compose["to"], compose["subject"], compose["text"]) == ("sheen_queen", HELLO.subject, HELLO.body)
    [message] = fake.sent_to("sheen_queen")
    assert receipt.external_id == receipt.thread_id == message["name"]
    assert receipt.sent_at == datetime.fromtimestamp(message["created_utc"], tz=UTC)
    assert ("GET", "/message/sent/?limit=25&raw_json=1") in fake.requests
    # the script app logged in with the account's password, sent only to the token endpoint
    [token] = posted(fake, "/api/v1/access_token")
    assert (token["grant_type"], token["username"], token["password"]) == ("password", "penpal_crm", "hunter2-pass")


def test_the_sent_box_match_is_this_message_not_an_earlier_one_to_the_same_person(fake):
    fake.clock = lambda: 1_700_000_000.0
    transport.send(ACCOUNT, HELLO)  # long ago, same subject
    fake.clock = datetime.now(UTC).timestamp
    transport.send(ACCOUNT, Outgoing(to="sheen_queen", subject="Other", body="x", message_id="<3@crm.test>"))
    receipt = transport.send(ACCOUNT, HELLO)
    assert receipt.external_id == fake.sent_to("sheen_queen")[-1]["name"]


def test_a_follow_up_is_a_reply_in_the_same_conversation(fake):
    first = transport.send(ACCOUNT, HELLO)
    receipt = transport.send(ACCOUNT, follow_up(first))

    [reply] = posted(fake, "/api/comment")
    assert (reply["thing_id"], reply["text"]) == (first.thread_id, "Just checking you saw this.")
    assert len(posted(fake, "/api/compose")) == 1
    written = fake.sent_to("sheen_queen")[-1]
    assert receipt.external_id == written["name"] != first.external_id
    assert receipt.thread_id == first.thread_id == written["first_message_name"]


def test_a_follow_up_in_a_conversation_the_account_does_not_have_is_refused(fake):
    error = refused(lambda: transport.send(ACCOUNT, follow_up(Receipt("t4_zzzzz", datetime.now(UTC), "t4_zzzzz"))))
    assert error.permanent and "Reddit refused the message" in error.reason
    assert [form["thing_id"] for form in posted(fake, "/api/comment")] == ["t4_zzzzz"]


def test_a_refresh_token_logs_in_without_the_password(fake):
    account = RedditAccount("penpal_crm", "app-id", "", "crm-tests/1.0", refresh_token="refresh-t0ken")
    transport.send(account, HELLO)
    [token] = posted(fake, "/api/v1/access_token")
    assert token == {"grant_type": "refresh_token", "refresh_token": "refresh-t0ken"}


@pytest.mark.parametrize("to", ["u/sheen_queen", "sheen queen", "", "x" * 21])
def test_what_is_not_a_username_is_refused_before_asking_reddit(fake, to):
    error = refused(lambda: transport.send(ACCOUNT, Outgoing(to=to, subject="s", body="b", message_id="<4@crm.test>")))
    assert error.permanent and "not a Reddit username" in error.reason
    assert fake.requests == []


# --- refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("error_type", "message", "reason", "permanent", "retry_after"),
    [
        ("USER_DOESNT_EXIST", "that user doesn't exist", "there is no Reddit user u/sheen_queen", True, None),
        (
            "NOT_WHITELISTED_BY_USER_MESSAGE",
            "You can't send a message to that user.",
            "u/sheen_queen does not accept private messages from this account",
            True,
            None,
        ),
        (
            "RATELIMIT",
            "Looks like you've been doing that a lot. Take a break for 9 minutes before trying again.",
            "Reddit asks this account to wait",
            False,
            540,
        ),
        ("RATELIMIT", "Take a break for 30 seconds before trying again.", "to wait", False, 30),
        ("NO_SUBJECT", "please enter a subject", "Reddit refused the message: please enter a subject", True, None),
    ],
)
def test_reddit_api_errors_become_refusals(fake, error_type, message, reason, permanent, retry_after):
    fake.refuse_compose(error_type, message, "ratelimit" if error_type == "RATELIMIT" else "to")
    error = refused(lambda: transport.send(ACCOUNT, HELLO))
    assert reason in error.reason
    assert (error.permanent, error.retry_after) == (permanent, retry_after)
    assert fake.sent_to("sheen_queen") == []


@pytest.mark.parametrize(
    ("status", "headers", "reason", "permanent", "retry_after"),
    [
        (429, {"retry-after": "42"}, "rate-limiting", False, 42.0),
        (429, {}, "rate-limiting", False, None),
        (500, {}, "unavailable for now (it answered 500)", False, None),
        (403, {}, "Reddit refused this account (403)", True, None),
        (401, {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'}, "credentials", True, None),
        (403, {"www-authenticate": 'Bearer realm="reddit", error="insufficient_scope"'}, "privatemessages", True, None),
    ],
)
def test_http_errors_become_refusals_and_the_compose_is_tried_once(
    fake, status, headers, reason, permanent, retry_after
):
    fake.inject("POST", "/api/compose", status=status, headers=headers)
    error = refused(lambda: transport.send(ACCOUNT, HELLO))
    assert reason in error.reason
    assert (error.permanent, error.retry_after) == (permanent, retry_after)
    assert len(posted(fake, "/api/compose")) == 1  # prawcore would have tried a 500 three times


def test_refused_credentials_are_permanent_and_never_quoted(fake):
    fake.inject("POST", "/api/v1/access_token", body={"error": "invalid_grant"})
    error = refused(lambda: transport.send(ACCOUNT, HELLO))
    assert error.permanent and error.reason == "Reddit refused the account's credentials"
    assert posted(fake, "/api/compose") == []


def test_a_message_reddit_took_before_failing_is_found_not_sent_again(fake):
    fake.inject("POST", "/api/compose", status=502, deliver=True)
    receipt = transport.send(ACCOUNT, HELLO)
    assert len(posted(fake, "/api/compose")) == 1
    assert receipt.external_id == fake.sent_to("sheen_queen")[0]["name"]


def test_a_timeout_is_not_permanent_and_a_late_success_is_found(fake, monkeypatch):
    monkeypatch.setitem(settings.REDDIT_API, "REDDIT_TIMEOUT", "0.5")
    fake.inject("POST", "/api/compose", delay=1.5)  # Reddit never got to it
    error = refused(lambda: transport.send(ACCOUNT, HELLO))
    assert (error.permanent, error.reason) == (False, "Reddit timed out; trying again later")
    assert "127.0.0.1" not in error.reason

    fake.inject("POST", "/api/compose", delay=1.5, deliver=True)  # Reddit took it, answered too late
    receipt = transport.send(ACCOUNT, HELLO)
    assert receipt.external_id == fake.sent_to("sheen_queen")[0]["name"]
    assert len(posted(fake, "/api/compose")) == 2  # one per send, none repeated by prawcore


# --- was_sent ---------------------------------------------------------------------------------
def test_was_sent_finds_the_message_sent_since_and_not_another(fake):
    before = datetime.now(UTC)
    first = transport.send(ACCOUNT, HELLO)
    assert transport.was_sent(ACCOUNT, HELLO, before) == first
    other = Outgoing(to="sheen_queen", subject="Something else", body=HELLO.body, message_id="<5@crm.test>")
    assert transport.was_sent(ACCOUNT, other, before) is None
    elsewhere = Outgoing(to="nibmeister", subject=HELLO.subject, body=HELLO.body, message_id="<6@crm.test>")
    assert transport.was_sent(ACCOUNT, elsewhere, before) is None
    assert transport.was_sent(ACCOUNT, HELLO, datetime.fromtimestamp(before.timestamp() + 3600, tz=UTC)) is None

    assert transport.was_sent(ACCOUNT, follow_up(first), before) is None
    second = transport.send(ACCOUNT, follow_up(first))
    assert transport.was_sent(ACCOUNT, follow_up(first), before) == second
    assert transport.was_sent(ACCOUNT, follow_up(first, body="Another text"), before) is None


# --- fetch_new --------------------------------------------------------------------------------
def test_replies_arrive_once_with_their_conversation(fake):
    first = transport.send(ACCOUNT, HELLO)
    transport.send(ACCOUNT, follow_up(first))  # our own message in the conversation is not a reply
    fake.receive_message(
        "sheen_queen", HELLO.subject, "Happy to!\n\n**Send samples**", first_message_name=first.thread_id,
        parent_id=first.external_id,
    )  # fmt: skip

    arrived, cursor = transport.fetch_new(ACCOUNT, {})
    [reply] = arrived
    assert (reply.sender, reply.subject, reply.text) == ("sheen_queen", HELLO.subject, "Happy to!\n\n**Send samples**")
    assert (reply.reddit_thread, reply.reddit_parent) == (first.thread_id, first.external_id)
    assert reply.external_id.startswith("t4_") and reply.received_at.tzinfo is UTC

    assert transport.fetch_new(ACCOUNT, cursor) == ([], cursor)

    fake.receive_message("sheen_queen", HELLO.subject, "Address?", first_message_name=first.thread_id)
    fake.receive_message("nibmeister", "Hello", "Saw your post.")  # a new conversation someone started
    arrived, cursor = transport.fetch_new(ACCOUNT, cursor)
    assert [(m.sender, m.text) for m in arrived] == [("sheen_queen", "Address?"), ("nibmeister", "Saw your post.")]
    assert arrived[1].reddit_thread == arrived[1].external_id and arrived[1].reddit_parent == ""
    assert transport.fetch_new(ACCOUNT, cursor)[0] == []

    reads = [path for method, path in fake.requests if path.startswith("/message/messages")]
    assert reads and all("mark=False" in path for path in reads)  # nothing marked read for the person
    assert not [path for _method, path in fake.requests if "read_message" in path]


def test_fetch_new_refuses_clearly_when_the_credentials_are_refused(fake):
    fake.inject("POST", "/api/v1/access_token", body={"error": "invalid_grant"})
    error = refused(lambda: transport.fetch_new(ACCOUNT, {}))
    assert error.permanent and "credentials" in error.reason


# --- check ------------------------------------------------------------------------------------
def test_check_logs_in_as_the_account(fake):
    assert transport.check(ACCOUNT) is None
    assert ("GET", "/api/v1/me?raw_json=1") in fake.requests


def test_check_refuses_wrong_credentials_and_someone_elses(fake):
    fake.inject("POST", "/api/v1/access_token", status=401)
    assert "credentials" in refused(lambda: transport.check(ACCOUNT)).reason

    fake.account = "someone_else"
    error = refused(lambda: transport.check(ACCOUNT))
    assert error.permanent and "u/someone_else" in error.reason and "u/penpal_crm" in error.reason


def test_an_account_without_password_or_token_is_refused():
    account = RedditAccount("penpal_crm", "app-id", "app-s3cret", "crm-tests/1.0")
    assert refused(lambda: transport.check(account)).permanent
