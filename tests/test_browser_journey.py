"""One journey in a real browser (headless Chromium) against the real app served over HTTP:
sign up an association on the base domain, land signed in at its workspace, switch to English,
sign out, sign in again. Along the way: the JS address suggestion and the htmx availability
check work under the Content-Security-Policy, the stylesheet loads, no CSP violation, no failed
request, and the session cookie stays on the workspace's own host."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from .browser_server import live_server

CHROMIUM = shutil.which("chromium")
SHOTS = Path("/tmp/cercle-shots")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

NAME = "Chorale des Lilas"
SLUG = "chorale-des-lilas"
EMAIL = "claire@chorale-des-lilas.test"
PASSWORD = "lilas-en-fleur-2024"

# Every CSP violation, reported from the page to Python as it happens (the listener is
# installed before any page script, on every document of the context).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.cercleCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI} on ${document.location.href}`
  );
});
"""


def csp_for_port(port: int) -> dict[str, object]:
    """The project's policy as it would be computed with SITE_PORT set to the live port."""
    from cercle.settings import form_action_sources

    policy = django_settings.CONTENT_SECURITY_POLICY
    directives = dict(policy["DIRECTIVES"])
    directives["form-action"] = form_action_sources(django_settings.BASE_DOMAIN, str(port))
    return {**policy, "DIRECTIVES": directives}


@pytest.mark.browser
# CI installs Chromium (.ci/run), so there a missing browser is a failure, not a skip.
@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="Chromium is not installed"
)
def test_signup_switch_language_sign_out_and_in_again(committed, db, settings) -> None:  # noqa: ANN001
    # `db` after `committed`: pytest-django creates the test database only for tests that ask
    # for one (without it this would run against DATABASE_URL itself), and its transaction is
    # rolled back before `committed` cleans up, so that cleanup is committed. The live server's
    # threads use their own connections and see only committed data.
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    violations: list[str] = []
    console_problems: list[str] = []
    failed_responses: list[str] = []
    page_errors: list[str] = []

    with live_server() as server, sync_playwright() as playwright:
        port = server.port
        # Links between the base domain and workspaces carry this port (read at call time).
        settings.SITE_PORT = str(port)
        settings.CONTENT_SECURITY_POLICY = csp_for_port(port)
        base = f"http://localhost:{port}"
        workspace = f"http://{SLUG}.localhost:{port}"

        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # A French-speaking visitor: the site answers in French until told otherwise.
            context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
            context.expose_function("cercleCspViolation", lambda text: violations.append(text))
            context.add_init_script(CSP_LISTENER)
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.on(
                "console",
                lambda message: console_problems.append(f"{message.type}: {message.text}")
                if message.type == "error" or "Content Security Policy" in message.text
                else None,
            )
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.on(
                "response",
                lambda response: failed_responses.append(f"{response.status} {response.url}")
                if response.status >= 400
                else None,
            )

            # --- Signup on the base domain ------------------------------------------------
            page.goto(f"{base}/signup/")
            expect(page.locator("html")).to_have_attribute("lang", "fr")
            page.locator("#id_name").press_sequentially(NAME, delay=20)
            # cercle.js suggests the address from the name…
            expect(page.locator("#id_slug")).to_have_value(SLUG)
            # …and htmx (loaded under the CSP) asks the server whether it is free.
            status = page.locator(f'#address-status .status-ok[data-slug="{SLUG}"]')
            expect(status).to_be_visible()
            expect(status).to_contain_text(SLUG)
            page.screenshot(path=str(SHOTS / "signup.png"), full_page=True)

            page.locator("#id_full_name").fill("Claire Martin")
            page.locator("#id_email").fill(EMAIL)
            page.locator("#id_password").fill(PASSWORD)
            page.locator("#id_accept_terms").check()
            page.locator("form button[type=submit].btn-primary").click()

            # --- Landed signed in at the new workspace, across the subdomain ------------------
            page.wait_for_url(f"{workspace}/")
            expect(page.locator("main h1")).to_have_text(NAME)
            expect(page.locator(".topbar .brand")).to_contain_text(NAME)
            page.locator(".account-menu > summary").click()  # the account menu opens
            expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

            # The stylesheet loaded and applies: custom properties defined, topbar styled.
            styling = page.evaluate(
                """() => ({
                  sheets: document.styleSheets.length,
                  brand: getComputedStyle(document.documentElement)
                    .getPropertyValue("--brand").trim(),
                  topbarPosition: getComputedStyle(document.querySelector(".topbar")).position,
                  topbarBackground: getComputedStyle(document.querySelector(".topbar"))
                    .backgroundColor,
                })"""
            )
            assert styling["sheets"] > 0
            assert styling["brand"] == "#1f5fbf"
            assert styling["topbarPosition"] == "sticky"
            assert styling["topbarBackground"] == "rgb(255, 255, 255)"

            # The workspace installs as an app: its service worker registers under the CSP and
            # activates (its install fetched the offline page and the static files it caches).
            worker = page.evaluate(
                """() => Promise.race([
                  navigator.serviceWorker.ready.then((r) => r.active && r.active.scriptURL),
                  new Promise((resolve) => setTimeout(() => resolve("timeout"), 10000)),
                ])"""
            )
            assert worker == f"{workspace}/sw.js"

            # The session cookie belongs to this workspace's host only, never to ".localhost".
            cookies = context.cookies()
            sessions = [cookie for cookie in cookies if cookie["name"] == "sessionid"]
            workspace_sessions = [c for c in sessions if c["domain"] == f"{SLUG}.localhost"]
            assert len(workspace_sessions) == 1, sessions
            assert all(not c["domain"].startswith(".") for c in cookies), cookies

            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=str(SHOTS / "workspace-home-phone.png"), full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})

            # --- Switch to English -----------------------------------------------------------
            page.locator("form.lang-switch button[value=en]").click()
            page.wait_for_url(f"{workspace}/")
            expect(page.locator("html")).to_have_attribute("lang", "en")
            page.locator(".account-menu > summary").click()
            expect(page.get_by_role("button", name="Sign out")).to_be_visible()
            expect(page.locator("main h1")).to_have_text(NAME)

            # --- Sign out ----------------------------------------------------------------------
            page.get_by_role("button", name="Sign out").click()
            page.wait_for_url(f"{workspace}/accounts/login/**")
            # The signed-in session is gone (a new anonymous one may carry the message).
            old_session = workspace_sessions[0]["value"]
            assert old_session not in {c["value"] for c in context.cookies()}

            # Forget the language cookie: English after signing in again must come from the
            # account's saved preference, not from this browser.
            context.clear_cookies(name=django_settings.LANGUAGE_COOKIE_NAME)
            page.goto(f"{workspace}/accounts/login/")
            expect(page.locator("html")).to_have_attribute("lang", "fr")

            # --- Sign in again at the workspace --------------------------------------------------
            page.locator("input[name=login]").fill(EMAIL)
            page.locator("input[name=password]").fill(PASSWORD)
            page.locator("form button[type=submit]").last.click()
            page.wait_for_url(f"{workspace}/")
            expect(page.locator("main h1")).to_have_text(NAME)
            expect(page.locator("html")).to_have_attribute("lang", "en")
            page.locator(".account-menu > summary").click()
            expect(page.get_by_role("button", name="Sign out")).to_be_visible()

            context.close()
        except PlaywrightError as exc:
            # A blocked navigation only shows up as a timeout: say what the browser saw.
            raise AssertionError(
                f"{exc}\nCSP violations: {violations}\nconsole: {console_problems}\n"
                f"page errors: {page_errors}\nfailed responses: {failed_responses}"
            ) from exc
        finally:
            browser.close()

    assert violations == []
    assert console_problems == []
    assert page_errors == []
    assert failed_responses == []

    # Outside the browser's event loop: the preference is on the account.
    from tenants.accounts.models import User

    assert User.objects.get(email=EMAIL).language == "en"
