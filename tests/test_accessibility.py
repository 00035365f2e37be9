"""axe-core scans every kind of page, in English and in Chinese: no violation of serious or critical impact.

axe-core comes from the npm registry (package.json, package-lock.json; `npm ci` installs it into the git-ignored
node_modules/). It is injected into each page as a script tag, so the scanning contexts bypass the pages'
Content-Security-Policy; the policy itself is exercised by the journey, whose contexts keep it.
"""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from claims.models import Claim, Essay, Status
from tests.browser_helpers import (
    LOCALES,
    Browsing,
    axe_script,  # noqa: F401 (a fixture)
    axe_violations,
    browser,  # noqa: F401 (a fixture)
    check_language,
    desk_groups,  # noqa: F401 (a fixture)
)
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def report(found):
    return "\n".join(f"{page}: [{v['impact']}] {v['id']}: {v['help']} {v['nodes']}" for page, v in found)


@pytest.fixture
def demo_desk(desk_groups, capsys):  # noqa: F811
    """seed_demo's essay, claims at every stage and two publications, with passwords the test knows."""
    call_command("seed_demo")
    capsys.readouterr()
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save()
    return Essay.objects.get()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_it_finds_no_serious_violation_on_any_page(browser, live_server, demo_desk, axe_script, lang):  # noqa: F811
    locale, language = LOCALES[lang]
    essay = demo_desk
    claims = Claim.objects.filter(essay=essay)
    # A claim with its forms open (researching) and one with its record complete (published).
    researching = claims.filter(status=Status.RESEARCHING, sources__isnull=False).order_by("pk").first()
    published = claims.filter(status=Status.PUBLISHED).order_by("pk").first()
    found = []

    def scan(who, name):
        check_language(who.page, language)
        found.extend((name, violation) for violation in axe_violations(who.page, axe_script))

    reader = Browsing(browser, live_server, locale, bypass_csp=True)
    reader.goto("/accounts/login/")
    scan(reader, "login")
    reader.goto("/")
    scan(reader, "published essays")
    reader.goto(f"/p/{essay.slug}/")
    scan(reader, "public page")

    editor = Browsing(browser, live_server, locale, bypass_csp=True)
    editor.sign_in("editor")
    editor.goto("/dashboard/")
    scan(editor, "dashboard")
    editor.goto(f"/essays/{essay.slug}/")
    scan(editor, "essay page")
    editor.goto(f"/claims/{researching.pk}/")
    scan(editor, "claim page (researching, editor)")
    editor.goto(f"/claims/{published.pk}/")
    scan(editor, "claim page (published, editor)")
    editor.goto("/essays/import/")
    scan(editor, "import")
    editor.page.fill("#id_title", "Preview")
    editor.page.fill("#id_text", "In 2019, OpenAI had only 150 employees. According to SemiAnalysis, DeepSeek owns about 50,000 chips.")
    editor.click_and_wait(editor.page.locator("button[name=preview]"))
    assert editor.page.locator("main table ul.reasons").count() == 2
    scan(editor, "import preview")

    reviewer = Browsing(browser, live_server, locale, bypass_csp=True)
    reviewer.sign_in(researching.assignee.username)
    reviewer.goto("/my/")
    scan(reviewer, "my queue")
    reviewer.goto(f"/claims/{researching.pk}/")
    scan(reviewer, "claim page (researching, assignee)")

    assert found == [], report(found)
    for who in (reader, editor, reviewer):
        assert who.outside == [] and who.problems == [], (who.outside, who.problems)
        who.close()


def test_it_reports_a_violation_when_there_is_one(browser, live_server, desk_groups, axe_script):  # noqa: F811
    """The scan can fail: an image without text alternative and an unlabelled field are caught."""
    reader = Browsing(browser, live_server, "en-US", bypass_csp=True)
    reader.goto("/accounts/login/")
    reader.page.evaluate(
        """() => {
          const main = document.querySelector("main");
          main.insertAdjacentHTML("beforeend", '<img src="/static/claims/none.png"><input type="text" name="nameless">');
        }"""
    )
    ids = {violation["id"] for violation in axe_violations(reader.page, axe_script)}
    assert {"image-alt", "label"} <= ids
    reader.close()
