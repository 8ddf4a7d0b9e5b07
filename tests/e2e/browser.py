"""What a journey does in the browser, and what it checks on every page.

- `visit(page, url)` opens a page and checks it; `follow(locator)` clicks a link or a submit button that loads a
  new page, waits for it and checks it. Checking a page (`check_page`) runs axe-core (no violation of impact
  "serious" or "critical") and fails on JavaScript errors and resources the browser refused (a stylesheet blocked
  by its integrity hash, a script blocked by the CSP). The page fixture fails a test that loaded a page without
  checking it, so that a new journey cannot skip the checks by accident.
- `check_keyboard(form)`: from the top of the page, with the keyboard only (skip link, then Tab), every control of
  the form is reached, and every control has an accessible name.
- `login(page, email)`: the login form, and the one-time code (TOTP) for accounts with two-factor authentication,
  computed from the secret as an authenticator app does (allauth's own functions).

Locators are roles, labels and names (what a person sees), never CSS classes.
"""

import io
import re
import time
import weakref
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pypdf
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect

from spie.dev.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

# axe-core as the axe-playwright-python package ships it (pinned in pyproject.toml): no npm step.
AXE_SCRIPT = (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
BLOCKING_IMPACTS = {"serious", "critical"}
TOTP_PERIOD = 30
SUBRESOURCES = {"stylesheet", "script", "font", "image", "fetch", "xhr"}


# --- Per-page audit: loads, console errors, checks ------------------------------------------------------------


@dataclass
class Audit:
    unchecked: list = field(default_factory=list)  # URLs loaded since the last check
    errors: list = field(default_factory=list)  # console errors and uncaught exceptions since the last check


_audits = weakref.WeakKeyDictionary()


def watch(page):
    """Start recording what happens on `page` (the page fixture calls it for every page it opens)."""
    audit = _audits[page] = Audit()

    def on_console(message):
        # "Failed to load resource" also comes for the page itself (a 403 a journey asks for): the responses of
        # the page's resources are checked below instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            audit.errors.append(message.text)

    def on_response(response):
        if response.status >= 400 and response.request.resource_type in SUBRESOURCES:
            audit.errors.append(f"{response.status} on {response.request.resource_type} {response.url}")

    page.on("load", lambda p: audit.unchecked.append(p.url))
    page.on("console", on_console)
    page.on("pageerror", lambda error: audit.errors.append(f"Uncaught {error}"))
    page.on("response", on_response)

    def on_request_failed(request):
        # A reload or a download aborts what was loading: only a resource the network refused is an error.
        if request.resource_type in SUBRESOURCES and request.failure != "net::ERR_ABORTED":
            audit.errors.append(f"{request.failure} on {request.resource_type} {request.url}")

    page.on("requestfailed", on_request_failed)
    return audit


def audit_of(page):
    return _audits[page]


def axe_violations(page):
    """axe-core's violations on the current document, impact "serious" or "critical" only."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)  # through the DevTools protocol: the page's CSP does not apply to it
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]


def describe_violations(violations):
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['html'][:200]}")
    return "\n".join(lines)


def check_page(page):
    """The current page has no serious or critical axe violation and no JavaScript error."""
    audit = audit_of(page)
    page.wait_for_load_state("load")
    violations = axe_violations(page)
    errors, audit.errors = audit.errors, []
    audit.unchecked.clear()
    assert not violations, f"axe-core on {page.url}:\n{describe_violations(violations)}"
    assert not errors, f"JavaScript errors on {page.url}:\n" + "\n".join(errors)


def visit(page, url):
    """Open `url` (relative to the platform) and check the page."""
    response = page.goto(url)
    assert response is not None and response.ok, f"GET {url}: {response and response.status}"
    check_page(page)
    return page


def follow(locator):
    """Click a link or a submit button that loads another page; wait for that page and check it."""
    page = locator.page
    with page.expect_navigation():
        locator.click()
    check_page(page)
    return page


def menu(page, name):
    """Follow an entry of the main menu."""
    return follow(page.get_by_role("navigation", name="Menu principal").get_by_role("link", name=name, exact=True))


def section(page, name):
    """Follow a section (tab) of the carnet."""
    return follow(page.get_by_role("navigation", name="Sections du carnet").get_by_role("link", name=name, exact=True))


def tick(control, checked=True):
    """Check (or uncheck) a checkbox or a radio button by clicking its label, as a person does: the design
    system draws the box over the input, so the label is what receives the click."""
    if control.is_checked() != checked:
        control.page.locator(f'label[for="{control.get_attribute("id")}"]').click()
    assert control.is_checked() == checked


def download(locator):
    """Click a link that downloads a file; return (suggested file name, bytes)."""
    with locator.page.expect_download() as info:
        locator.click()
    result = info.value
    return result.suggested_filename, Path(result.path()).read_bytes()


def pdf_text(data):
    assert data.startswith(b"%PDF-"), f"not a PDF: {data[:20]!r}"
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def squash(text):
    """Text with its runs of white space made single spaces (PDF lines, wrapped cells)."""
    return re.sub(r"\s+", " ", text).strip()


# --- Keyboard ------------------------------------------------------------------------------------------------

_MARK_CONTROLS = """form => {
  const selector = 'input:not([type=hidden]), select, textarea, button, a[href], [tabindex]:not([tabindex="-1"])';
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const controls = [];
  form.querySelectorAll(selector).forEach((el, index) => {
    if (el.disabled || !shown(el)) { return; }
    el.dataset.e2eClavier = String(index);
    controls.push({key: String(index), group: el.type === 'radio' ? el.name : null});
  });
  window.__e2eTrail = [];
  document.addEventListener('focusin', event => {
    const el = event.target;
    window.__e2eTrail.push({key: el.dataset ? (el.dataset.e2eClavier || null) : null, inside: form.contains(el)});
  });
  return controls;
}"""


def check_keyboard(form, *, max_tabs=150):
    """With the keyboard only, from the top of the page, every control of `form` is reached and has a name.

    Call it on a page just loaded, before clicking anything (a click moves the starting point of Tab). The first
    Tab must reach the skip link « Contenu », Enter moves to the main content, then Tab goes through the form;
    each radio group needs one stop (the browser stops once per group).
    """
    page = form.page
    controls = form.evaluate(_MARK_CONTROLS)
    assert controls, "no control in the form"
    unnamed = []
    for control in controls:
        element = form.locator(f'[data-e2e-clavier="{control["key"]}"]')
        try:
            expect(element).to_have_accessible_name(re.compile(r"\S"), timeout=500)
        except AssertionError:
            unnamed.append(element.evaluate("e => e.outerHTML")[:200])
    assert not unnamed, f"controls without an accessible name (label) on {page.url}:\n" + "\n".join(unnamed)

    page.keyboard.press("Tab")
    skip_link = page.evaluate("document.activeElement.textContent.trim()")
    assert skip_link == "Contenu", f"the first Tab should reach the skip link « Contenu », not « {skip_link} »"
    page.keyboard.press("Enter")
    wanted = {c["key"] for c in controls if not c["group"]}
    groups = {}
    for control in controls:
        if control["group"]:
            groups.setdefault(control["group"], set()).add(control["key"])
    reached = set()
    presses = 0
    # One Tab at a time, stopping at the first stop after the form: Tabs pressed past the page's last link take the
    # focus out of the page, and Chromium then ignored the next click on a submit button (no request was sent).
    while presses < max_tabs:
        page.keyboard.press("Tab")
        presses += 1
        trail = page.evaluate("window.__e2eTrail")
        reached = {stop["key"] for stop in trail if stop["key"]}
        entered = [i for i, stop in enumerate(trail) if stop["inside"]]
        if entered and any(not stop["inside"] for stop in trail[entered[0] :]):
            break  # went through the form and out of it
    missed = sorted(wanted - reached, key=int)
    missed_groups = sorted(name for name, keys in groups.items() if not keys & reached)
    missing = [form.locator(f'[data-e2e-clavier="{key}"]').evaluate("e => e.outerHTML")[:200] for key in missed]
    assert not missing and not missed_groups, (
        f"not reached with Tab on {page.url}: {missing + [f'radio group {name}' for name in missed_groups]}"
    )


# --- Accounts ------------------------------------------------------------------------------------------------

_last_counter = {}


def totp_code(email, secret=DEMO_TOTP_SECRET):
    """The current one-time code, as an authenticator app shows it.

    allauth refuses a code already used by the same account (replay protection): when this run already logged
    this account in during the current 30-second window, or when the window is about to end, wait for the next.
    """
    now = time.time()
    counter = int(now) // TOTP_PERIOD
    if _last_counter.get(email) == counter or (counter + 1) * TOTP_PERIOD - now < 3:
        time.sleep((counter + 1) * TOTP_PERIOD - now + 0.1)
        counter += 1
    _last_counter[email] = counter
    return format_hotp_value(hotp_value(secret, counter))


def activate_totp(page, email, password):
    """A professional's first page without a second factor: confirm the password, read the secret that the page
    shows (as an authenticator app scans it), enter the app's code. Returns the secret."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer l'accès")
    page.get_by_role("textbox", name="Mot de passe").fill(password)
    follow(page.get_by_role("main").get_by_role("button", name="Confirmer"))
    check_page(page)
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_role("textbox", name="Code de l'authentificateur").fill(totp_code(email, secret))
    follow(page.get_by_role("button", name="Activer"))
    return secret


def login(page, email, *, password=DEMO_PASSWORD, totp_secret=None, keyboard=False):
    """Log in through the login form (and the two-factor form when `totp_secret` is given); check each page,
    and with `keyboard`, check those forms with the keyboard too."""
    visit(page, "/comptes/login/")
    form = page.get_by_role("main").locator("form")
    if keyboard:
        check_keyboard(form)
    page.get_by_role("textbox", name="Courriel").fill(email)
    page.get_by_role("textbox", name="Mot de passe").fill(password)
    follow(form.get_by_role("button", name="Connexion"))
    if totp_secret:
        expect(page.get_by_role("heading", level=1)).to_have_text("Authentification à deux facteurs")
        if keyboard:
            check_keyboard(page.get_by_role("main").locator("form").first)
        page.get_by_role("textbox", name="Code").fill(totp_code(email, totp_secret))
        follow(page.get_by_role("button", name="Connexion"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Bonjour "))
    return page
