"""What the journey and the accessibility scan share: Chromium, people signing in, and the checks run on every page.

Chromium from the system (/usr/bin/chromium) with Playwright's sync API, against pytest-django's live server.
Every page is opened in a context that refuses any request outside the live server, so no test touches the network.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User

from claims.roles import EDITOR_PERMS, EDITORS, REVIEWER_PERMS, REVIEWERS
from tests.conftest import PASSWORD

try:
    from playwright import sync_api as playwright_sync
except ImportError:  # the browser fixture skips, the other helpers still import
    playwright_sync = None

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(settings.BASE_DIR)
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# The two browsers of the journey: what Playwright announces, and the Django language it must get.
LOCALES = {"en": ("en-US", "en"), "zh": ("zh-CN", "zh-hans")}


@pytest.fixture
def desk_groups(transactional_db):
    """The two groups with their permissions, as the data migration made them.

    A transactional test ends with a flush that empties every table, groups included; the post_migrate
    handler of claims/apps.py makes them again. Checked here rather than redone, so that a broken handler
    fails these tests instead of leaving an empty desk after the first browser test.
    """
    for name, perms in ((REVIEWERS, REVIEWER_PERMS), (EDITORS, EDITOR_PERMS)):
        group = Group.objects.filter(name=name).first()
        assert group is not None, f"group {name} missing after a flush: the post_migrate handler did not run"
        assert group.permissions.count() == len(perms)


def person(username, group):
    user = User.objects.create_user(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def browser():
    if playwright_sync is None:
        pytest.skip("Playwright is not installed (requirements-dev.txt)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (make system-packages)")
    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there unless told.
    # Only while the browser runs: set for good, it would leak into subprocesses (`check --deploy` refuses it).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with playwright_sync.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Browsing:
    """One person's browser window: a Playwright page plus what went wrong on it."""

    def __init__(self, browser, live_server, locale, **options):
        self.base = live_server.url
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale, **options)
        self.outside = []  # requests that would have left the live server
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.problems = []
        self.page.on("console", lambda message: message.type == "error" and self.problems.append(message.text))
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.on(
            "response",
            lambda response: (
                response.status >= 400 and response.url.startswith(self.base) and self.problems.append(f"{response.status} {response.url}")
            ),
        )

    def _route(self, route):
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def goto(self, path):
        response = self.page.goto(self.base + path)
        assert response.ok, f"{path}: {response.status}"
        return response

    def sign_in(self, username):
        """The sign-in form, as a person fills it in."""
        page = self.page
        self.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert "/accounts/login/" not in page.url, page.locator("main").inner_text()

    def click_and_wait(self, locator):
        """Click a button or link that loads a new page (a form post and its redirect)."""
        with self.page.expect_navigation():
            locator.click()

    def messages(self):
        return " ".join(self.page.locator(".messages .message").all_inner_texts())

    def close(self):
        self.context.close()


# --- Checks run on every page ---------------------------------------------------------------------

UNLABELLED_FIELDS = """
() => Array.from(document.querySelectorAll("input, select, textarea"))
  .filter((el) => el.type !== "hidden")
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
  .map((el) => el.outerHTML.slice(0, 160))
"""

# Badges, highlights and their labels: each must say in words what its colour says.
SILENT_BADGES = """
() => Array.from(document.querySelectorAll(".badge, .mark-label"))
  .filter((el) => !el.textContent.trim())
  .map((el) => el.outerHTML.slice(0, 160))
"""

TOO_WIDE = """
() => {
  const width = document.documentElement.clientWidth;
  const wide = Array.from(document.querySelectorAll("body *")).filter((el) => {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) return false;
    // Inside a scrolling box (a wide table in .table-wrap) is fine: the box scrolls, not the page.
    for (let up = el.parentElement; up; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (/(auto|scroll|hidden)/.test(style.overflowX) && up.getBoundingClientRect().right <= width + 1) return false;
    }
    return true;
  });
  return {scrollWidth: document.documentElement.scrollWidth, culprits: wide.slice(0, 5).map((el) => el.outerHTML.slice(0, 160))};
}
"""


def check_usability(page, where):
    """Every field labelled, every badge in words, and no sideways scrolling at 375 px."""
    assert page.evaluate(UNLABELLED_FIELDS) == [], f"{where}: fields without a label"
    assert page.evaluate(SILENT_BADGES) == [], f"{where}: badges without text"
    size = page.viewport_size
    page.set_viewport_size({"width": 375, "height": 800})
    try:
        wide = page.evaluate(TOO_WIDE)
        assert wide["scrollWidth"] <= 375, f"{where}: {wide['scrollWidth']} px wide at 375 px: {wide['culprits']}"
    finally:
        page.set_viewport_size(size)


def check_language(page, language):
    """The page is served in the language the browser asked for."""
    assert page.locator("html").get_attribute("lang") == language


# Words of the engine's English reasons; under Chinese none may show.
ENGLISH_REASON = re.compile(
    r"^(contains|names|attributed|source given|plain statement|lowered|reports|mentions|time reference|comparison|quantity|states|"
    r"asserted|completed|quoted|quotes|approximate|no checkable|the question|uncertain|figure|date|place|reporting verb|said by|"
    r"quotation|only says|opinion|describes|conditional|hedged|modal verb|forecast|plan or appeal|open question|says what|"
    r"inference|evaluative|repeats|introduces|attributes|a question|too short|a heading|no figure)\b"
)


# --- Screenshots ----------------------------------------------------------------------------------


def screenshot(page, name):
    """docs/screenshots/<name>.png at 1280 px, only when UPDATE_SCREENSHOTS=1, so that a test run leaves the tree clean."""
    if os.environ.get("UPDATE_SCREENSHOTS") != "1":
        return None
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(path), full_page=True)
    return path


# --- axe-core -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def axe_script():
    """node_modules/axe-core/axe.min.js, installed from package-lock.json with `npm ci` when missing."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: it installs axe-core (package.json) for the accessibility scan")
        subprocess.run([npm, "ci", "--silent", "--no-audit", "--no-fund"], cwd=ROOT, check=True, timeout=300)
    assert AXE.exists(), "npm ci did not install axe-core"
    return AXE


RUN_AXE = """
async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " :: " + n.failureSummary.split("\\n").slice(0, 3).join(" ")),
  }));
}
"""


def axe_violations(page, axe_script, impacts=("serious", "critical")):
    """Violations of the given impact on the current page (its context must be opened with bypass_csp=True)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in impacts]
