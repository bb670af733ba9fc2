"""The pages satisfy the content security policy: a real browser reports no violation on any of them."""

from django.urls import reverse

# Chromium fires "securitypolicyviolation" for every blocked script, style, image or frame.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__violations.push(`${event.violatedDirective}: ${event.blockedURI || "inline"} (${where})`);
});
"""


def test_no_page_breaks_the_content_security_policy(
    page, log_in, live_server, manager_a, partnership_a, brand_a, community, ranked_creator
):
    from insight.adapter import refresh_insight

    refresh_insight(community)  # the insight page drawn: its heatmap, bars and charts
    page.add_init_script(LISTEN)
    log_in(page, "manager-a")
    paths = [
        "/pipeline/", f"/partnerships/{partnership_a.pk}/", f"/communities/{community.pk}/",
        f"/communities/{community.pk}/insight/", f"/creators/{ranked_creator.pk}/", "/tasks/", "/brands/",
        f"/brands/{brand_a.pk}/",
        reverse("admin:index"), reverse("admin:partnerships_partnership_changelist"),
        reverse("admin:partnerships_partnership_change", args=[partnership_a.pk]),
        reverse("admin:partnerships_partnership_history", args=[partnership_a.pk]),
        reverse("admin:influencers_identity_same_handle"),
        "/api/v1/creators/", "/api/v1/docs/",
        "/outreach/", "/outreach/inbox/", "/outreach/mailboxes/new/", "/outreach/templates/new/",
        f"/partnerships/{partnership_a.pk}/write/",
    ]  # fmt: skip
    violations, unprotected = {}, []
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        if "content-security-policy" not in response.headers:
            unprotected.append(path)
        if path == "/api/v1/docs/":
            page.wait_for_selector(".swagger-ui .info")  # the interactive docs did render
        page.wait_for_load_state("networkidle")
        found = page.evaluate("window.__violations")
        if found:
            violations[path] = found
    assert unprotected == []
    assert violations == {}, "\n".join(f"{p}: {v}" for p, v in violations.items())
    assert [problem for problem in page.console_problems if "Content Security Policy" in problem] == []
