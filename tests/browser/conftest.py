"""Real-browser tests: Playwright driving Debian's chromium against a live test server.

They skip, saying why, when Playwright or /usr/bin/chromium is missing — except under CI
(REQUIRE_BROWSER=1, set by .ci/run, which installs chromium), where a missing browser fails.
"""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"


def _missing() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does it)"
    return ""


@pytest.fixture(scope="module")
def chromium():
    missing = _missing()
    if missing:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"browser tests required but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    # While Playwright runs, its event loop runs in this thread, and Django would refuse the tests'
    # own (synchronous, safe) database calls. Allowed for this module only: `check --deploy`
    # rightly refuses the variable elsewhere.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            yield browser
            browser.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1920, "height": 1000})  # all nine columns in view
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.console_problems = problems
    yield page
    context.close()


@pytest.fixture
def log_in(live_server):
    def log_in(page, username, password="pw"):
        page.goto(live_server.url + "/pipeline/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url(live_server.url + "/pipeline/")

    return log_in


@pytest.fixture
def ranked_creator(community, make_identity, make_interaction):
    """Alice and Bob answer each other in the community, which is ranked; Alice is a creator."""
    import io

    from django.core.management import call_command

    from influencers.services import creator_link_identities

    alice, bob = make_identity("alice"), make_identity("bob")
    post = make_interaction("t3_a", alice, title="Which nib for a left-handed writer who presses hard?")
    make_interaction("t1_b", bob, kind="comment", parent=post, target=alice, text="A fine one")
    make_interaction("t1_c", alice, kind="comment", target=bob, text="Thanks")
    call_command("rank", community.key, stdout=io.StringIO())
    return creator_link_identities(identities=[alice])
