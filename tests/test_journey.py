"""A newcomer's journey in a real browser, once in English and once in Chinese.

An editor imports a short essay by paste, reviews the proposals and imports it; assigns two claims from the
dashboard; a reviewer researches one (source, note, verdict) and submits it; the editor returns it with a
comment; the reviewer fixes it and submits again; a second editor approves; the editor publishes; an anonymous
reader opens the public page, follows a claim's anchor and a source link. Every step asserts what the person
sees, in the language their browser asked for. On every page: every field has a label, every badge says its
status in words, and nothing scrolls sideways at 375 px.
"""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext, ngettext

from claims.models import Claim, Essay, Publication, Status
from claims.roles import EDITORS, REVIEWERS
from tests.browser_helpers import (
    ENGLISH_REASON,
    LOCALES,
    Browsing,
    browser,  # noqa: F401 (a fixture)
    check_language,
    check_usability,
    desk_groups,  # noqa: F401 (a fixture)
    person,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ESSAYS = {
    "en": {
        "title": "How DeepSeek grew",
        "text": (
            "In 2019, OpenAI had only 150 employees. "
            "According to SemiAnalysis, DeepSeek owns about 50,000 Nvidia chips. "
            "In my view, this is a question worth asking."
        ),
    },
    "zh": {
        "title": "深度求索是怎样成长起来的",
        "text": (
            "2023年，DeepSeek在杭州成立。"
            "根据彭博社的报道，该公司的研发团队不到200人。"
            "创始人梁文锋对媒体称，中国企业不能永远做跟随者。"
            "在我看来，这是一个值得讨论的问题。"
        ),
    },
}

# What the badges say, written out so that a missing translation fails here rather than echo the English.
WORDS = {
    "en": {
        "open": "Open",
        "researching": "Researching",
        "in_review": "In review",
        "approved": "Approved",
        "published": "Published",
        "mostly_true": "Mostly true",
    },
    "zh": {
        "open": "待核查",
        "researching": "核查中",
        "in_review": "审核中",
        "approved": "已批准",
        "published": "已发布",
        "mostly_true": "基本真实",
    },
}

SOURCE_URL = "https://example.org/reports/deepseek-staff"


def say(language, message, /, **values):
    """A message as the desk says it in that language."""
    with translation.override(language):
        text = gettext(message)
    return text % values if values else text


def say_n(language, singular, plural, n, /, **values):
    with translation.override(language):
        return ngettext(singular, plural, n) % values


def badges(page, where=".claim-header"):
    return page.locator(f"{where} .badge").all_inner_texts()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_it_walks_a_newcomer_from_import_to_the_public_page(browser, live_server, desk_groups, lang):  # noqa: F811
    locale, language = LOCALES[lang]
    words = WORDS[lang]
    essay_input = ESSAYS[lang]
    person("edith", EDITORS)
    person("eric", EDITORS)
    rosa = person("rosa", REVIEWERS)

    # --- The editor signs in to an empty desk, which says how to begin -------------------------------------
    edith = Browsing(browser, live_server, locale)
    edith.goto("/accounts/login/")
    check_language(edith.page, language)
    assert edith.page.locator("h1").inner_text() == say(language, "Sign in")
    check_usability(edith.page, "sign-in")
    edith.sign_in("edith")
    page = edith.page
    check_language(page, language)
    empty = page.locator(".empty-state")
    assert say(language, "No essays yet") in empty.inner_text()
    assert (
        say(
            language,
            "The desk starts with an essay: import one and its checkable claims are proposed automatically. They appear here, ready to assign.",
        )
        in empty.inner_text()
    )
    check_usability(page, "empty dashboard")

    # --- Import by paste: propose, review the proposals, import ----------------------------------------------
    edith.click_and_wait(empty.get_by_role("link", name=say(language, "Import an essay")))
    assert page.locator("h1").inner_text() == say(language, "Import an essay")
    check_usability(page, "import page")
    page.get_by_label(say(language, "Title")).fill(essay_input["title"])
    page.get_by_label(say(language, "Essay text")).fill(essay_input["text"])
    edith.click_and_wait(page.get_by_role("button", name=say(language, "Propose claims")))
    proposals = page.locator("main table tbody tr")
    count = proposals.count()
    assert count >= 2
    assert page.locator("main h2").first.inner_text() == say_n(
        language, "%(counter)s proposed claim", "%(counter)s proposed claims", count, counter=count
    )
    assert all(proposals.nth(i).locator("ul.reasons li").count() for i in range(count)), "every proposal says why"
    reasons = page.locator("main table ul.reasons li").all_inner_texts()
    if lang == "zh":
        assert [r for r in reasons if ENGLISH_REASON.match(r)] == [], "reasons must be shown in Chinese"
        assert any(r.startswith("数字：") for r in reasons)
    else:
        assert any(r.startswith("figure: ") for r in reasons)
    assert page.locator("main table input[type=checkbox]:checked").count() == count
    check_usability(page, "import preview")
    edith.click_and_wait(page.get_by_role("button", name=say(language, "Import with the ticked claims")))

    essay = Essay.objects.get(title=essay_input["title"])
    assert essay.text == essay_input["text"]
    claims = list(Claim.objects.filter(essay=essay).order_by("start"))
    assert len(claims) == count
    assert edith.messages() == say_n(
        language,
        "Imported “%(title)s” with %(count)s proposed claim. Next: assign it to a reviewer, or dismiss it if it is not check-worthy.",
        "Imported “%(title)s” with %(count)s proposed claims. Next: assign them to reviewers, or dismiss what is not check-worthy.",
        count,
        title=essay.title,
        count=count,
    )
    assert page.locator("h1").inner_text() == essay.title
    assert page.locator(".claims-table tbody .badge").first.inner_text() == words["open"]
    check_usability(page, "essay page")

    # --- Assign two claims from the dashboard's bulk form ----------------------------------------------------
    first, second = claims[0], claims[1]
    edith.click_and_wait(page.locator("nav.nav").get_by_role("link", name=say(language, "Dashboard")))
    page.get_by_label(say(language, "Select claim #%(id)s", id=first.pk)).check()
    page.get_by_label(say(language, "Select claim #%(id)s", id=second.pk)).check()
    page.select_option("#bulk_action", "assign")
    page.select_option("#bulk_assignee", label="rosa")
    assert page.locator(".selected-count").inner_text().strip() == say(language, "Claims selected:") + " 2"
    check_usability(page, "dashboard")
    edith.click_and_wait(page.get_by_role("button", name=say(language, "Apply to the selected claims")))
    assigned = [
        say_n(
            language,
            "Assigned %(count)s claim to %(name)s (%(ids)s); it is now in their queue.",
            "Assigned %(count)s claims to %(name)s (%(ids)s); they are now in their queue.",
            2,
            count=2,
            name="rosa",
            ids=ids,
        )
        for ids in (f"#{first.pk}, #{second.pk}", f"#{second.pk}, #{first.pk}")
    ]
    assert edith.messages() in assigned
    for claim in (first, second):
        claim.refresh_from_db()
        assert claim.assignee == rosa
        assert page.locator(f"tr:has(#select-{claim.pk}) td.col-assignee").inner_text() == "rosa"

    # --- The reviewer finds both in their queue and researches the first -------------------------------------
    reviewer = Browsing(browser, live_server, locale)
    reviewer.sign_in("rosa")
    rpage = reviewer.page
    reviewer.click_and_wait(rpage.locator("nav.nav").get_by_role("link", name=say(language, "My queue")))
    check_language(rpage, language)
    queue = rpage.locator(".claims-table tbody").inner_text()
    assert f"#{first.pk}" in queue and f"#{second.pk}" in queue
    check_usability(rpage, "my queue")
    reviewer.click_and_wait(rpage.locator(f'.claims-table a[href="/claims/{first.pk}/"]'))
    assert rpage.locator("h1").inner_text().startswith(say(language, "Claim #%(id)s", id=first.pk))
    assert badges(rpage)[0] == words["open"]
    assert rpage.locator(".next-hint").inner_text() == say(language, "Assigned; research has not started.")
    check_usability(rpage, "claim page, open")

    reviewer.click_and_wait(rpage.get_by_role("button", name=say(language, "Start research")))
    assert reviewer.messages() == say(
        language, "Research started and the claim is assigned to you. Add sources and a verdict, then submit it for review."
    )
    assert badges(rpage)[0] == words["researching"]

    rpage.get_by_label(say(language, "URL"), exact=True).fill(SOURCE_URL)
    rpage.get_by_label(say(language, "Title"), exact=True).fill("DeepSeek staff report")
    rpage.get_by_label(say(language, "Publisher"), exact=True).fill("Example Research")
    rpage.select_option("#source_stance", "supports")
    reviewer.click_and_wait(rpage.get_by_role("button", name=say(language, "Add source"), exact=True))
    assert reviewer.messages() == say(language, "Source added. Add more, or submit the claim for review when the verdict is ready.")
    assert rpage.locator("#sources .source").count() == 1

    # The note is written and sent with the keyboard only: Tab to the field, type, Tab to the button, Enter.
    note_text = "Checked the annual report; the figure matches." if lang == "en" else "已核对年报，数字一致。"
    for _ in range(200):
        if rpage.evaluate("document.activeElement && document.activeElement.id") == "note_text":
            break
        rpage.keyboard.press("Tab")
    else:
        pytest.fail("Tab never reaches the note field")
    rpage.keyboard.type(note_text)
    rpage.keyboard.press("Tab")
    assert rpage.evaluate("document.activeElement.textContent.trim()") == say(language, "Add note")
    with rpage.expect_navigation():
        rpage.keyboard.press("Enter")
    assert reviewer.messages() == say(language, "Note added. Notes cannot be edited; correct one by adding another.")
    assert rpage.locator("#notes .note-text").inner_text() == note_text

    rpage.select_option("#edit_verdict", label=words["mostly_true"])
    rpage.fill("#edit_verdict_summary", "The report gives the figure." if lang == "en" else "报告给出了这一数字。")
    reviewer.click_and_wait(rpage.locator("#verdict").get_by_role("button", name=say(language, "Save")))
    assert reviewer.messages() == say(
        language, "Saved. When the verdict, the explanation and at least one source are in place, submit it for review."
    )
    check_usability(rpage, "claim page, researching")
    reviewer.click_and_wait(rpage.get_by_role("button", name=say(language, "Submit for review")))
    assert reviewer.messages() == say(language, "Sent for review. An editor other than you will approve or return it.")
    assert badges(rpage) == [words["in_review"], words["mostly_true"]]

    # --- The editor returns it with a comment ------------------------------------------------------------------
    comment = "Name the report and its year in the explanation." if lang == "en" else "请在说明中写明报告名称和年份。"
    edith.goto(f"/claims/{first.pk}/")
    returning = page.locator("form[data-action=return]")
    returning.get_by_label(say(language, "Why return it? The assignee reads this.")).fill(comment)
    edith.click_and_wait(returning.get_by_role("button", name=say(language, "Return to research")))
    assert edith.messages() == say(
        language, "Returned to research with your comment. The assignee revises the verdict and submits it again."
    )
    assert badges(page)[0] == words["researching"]
    assert comment in page.locator("#history").inner_text()

    # --- The reviewer reads the comment, fixes the explanation and submits again -------------------------------
    rpage.reload()
    assert comment in rpage.locator("#history").inner_text()
    assert badges(rpage)[0] == words["researching"]
    fixed = (
        "The 2019 annual report of Example Research gives the figure." if lang == "en" else "Example Research 2019 年年报给出了这一数字。"
    )
    rpage.fill("#edit_verdict_summary", fixed)
    reviewer.click_and_wait(rpage.locator("#verdict").get_by_role("button", name=say(language, "Save")))
    reviewer.click_and_wait(rpage.get_by_role("button", name=say(language, "Submit for review")))
    assert reviewer.messages() == say(language, "Sent for review. An editor other than you will approve or return it.")
    assert rpage.locator(".next-hint").inner_text() == say(
        language, "You submitted this verdict: an editor other than you will approve or return it."
    )

    # --- A second editor approves --------------------------------------------------------------------------------
    eric = Browsing(browser, live_server, locale)
    eric.sign_in("eric")
    eric.goto(f"/claims/{first.pk}/")
    check_usability(eric.page, "claim page, in review")
    eric.click_and_wait(eric.page.get_by_role("button", name=say(language, "Approve")))
    assert eric.messages() == say(language, "Approved. The verdict goes out with the essay's next publication.")
    assert badges(eric.page) == [words["approved"], words["mostly_true"]]
    first.refresh_from_db()
    assert (first.status, first.verdict_summary, first.submitted_by, first.assignee) == (Status.APPROVED, fixed, rosa, rosa)

    # --- The editor publishes from the essay page --------------------------------------------------------------
    edith.goto(f"/essays/{essay.slug}/")
    publish = page.locator("form.publish-form")
    button = publish.get_by_role(
        "button", name=say_n(language, "Publish %(count)s approved verdict", "Publish %(count)s approved verdicts", 1, count=1)
    )
    edith.click_and_wait(button)
    publication = Publication.objects.get(essay=essay)
    public_path = f"/p/{essay.slug}/"
    told = edith.messages()
    assert told.startswith(
        say_n(
            language,
            "Published %(new)s newly approved verdict of “%(title)s” as publication #%(number)s",
            "Published %(new)s newly approved verdicts of “%(title)s” as publication #%(number)s",
            1,
            new=1,
            title=essay.title,
            number=1,
        )
    )
    assert say(language, "Verdicts approved from now on go out with the next publication.") in told
    assert page.locator(".messages a").get_attribute("href") == public_path
    first.refresh_from_db()
    assert first.status == Status.PUBLISHED and publication.number == 1
    assert (
        page.locator(".essay-header")
        .get_by_role(
            "link", name=say(language, "Publication #%(number)s of %(when)s", number=1, when=publication.published_at.strftime("%Y-%m-%d"))
        )
        .count()
        == 1
    )

    # --- An anonymous reader: the public page, a claim's anchor, a source link ---------------------------------
    reader = Browsing(browser, live_server, locale)
    ppage = reader.page
    reader.goto(public_path)
    check_language(ppage, language)
    assert ppage.locator("h1").inner_text() == essay.title
    assert ppage.locator("#scorecard-title").inner_text() == say_n(
        language, "Scorecard: %(total)s claim checked", "Scorecard: %(total)s claims checked", 1, total=1
    )
    card = ppage.locator(f"#claim-{first.pk}")
    assert card.locator(".badge").first.inner_text() == words["mostly_true"]
    assert fixed in card.inner_text()
    assert note_text not in ppage.content(), "reviewer notes never reach readers"
    check_usability(ppage, "public page")
    ppage.locator(f'.public-text a[href="#claim-{first.pk}"]').first.click()
    ppage.wait_for_url(f"**{public_path}#claim-{first.pk}")
    playwright_expect(card).to_be_in_viewport()

    visited = []

    def source_site(route):
        visited.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>Example Research</title><p>Report</p>")

    ppage.route(SOURCE_URL, source_site)
    with ppage.expect_navigation():
        card.get_by_role("link", name="DeepSeek staff report").click()
    assert ppage.url == SOURCE_URL
    assert visited == [SOURCE_URL]
    assert ppage.title() == "Example Research"

    # Nothing left the live server, and no page had a script error or a refused request.
    for who in (edith, reviewer, eric, reader):
        assert who.outside == [], who.outside
        assert who.problems == [], who.problems
        who.close()


def playwright_expect(locator):
    from playwright.sync_api import expect

    return expect(locator)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_it_shows_the_demo_desk_in_both_languages(browser, live_server, desk_groups, lang, capsys):  # noqa: F811
    """The desk a newcomer meets after `make run`: seed_demo's essay at every stage, in the browser's language."""
    locale, language = LOCALES[lang]
    words = WORDS[lang]
    call_command("seed_demo")
    capsys.readouterr()  # the generated passwords
    for username in ("editor", "reviewer1"):
        user = User.objects.get(username=username)
        user.set_password("correct-horse-battery-staple")
        user.save()
    essay = Essay.objects.get()
    # The claim with the most evidence among those the engine proposed (they carry reasons): the richest page.
    claim = (
        Claim.objects.filter(essay=essay)
        .exclude(reasons=[])
        .annotate(evidence=Count("sources", distinct=True) + Count("notes", distinct=True))
        .order_by("-evidence", "pk")
        .first()
    )
    assert claim.evidence >= 2

    editor = Browsing(browser, live_server, locale)
    editor.sign_in("editor")
    page = editor.page
    check_language(page, language)
    assert page.locator("h1").inner_text() == say(language, "Dashboard")
    chips = page.locator("main").inner_text()
    for status in ("open", "researching", "in_review"):
        assert words[status] in chips
    check_usability(page, "dashboard")
    screenshot(page, f"dashboard-{lang}")

    editor.goto(f"/essays/{essay.slug}/")
    assert page.locator("h1").inner_text() == essay.title
    legend = page.locator(".legend").inner_text()
    assert words["open"] in legend and words["approved"] in legend
    check_usability(page, "essay page")
    screenshot(page, f"essay-page-{lang}")

    editor.goto(f"/claims/{claim.pk}/")
    assert badges(page)[0] == words[claim.status]
    reasons = page.locator(".reasons li").all_inner_texts()
    assert reasons
    if lang == "zh":
        assert [r for r in reasons if ENGLISH_REASON.match(r)] == []
    check_usability(page, "claim page")
    screenshot(page, f"claim-page-{lang}")

    reviewer = Browsing(browser, live_server, locale)
    reviewer.sign_in("reviewer1")
    reviewer.goto("/my/")
    assert reviewer.page.locator("h1").inner_text() == say(language, "My queue")
    check_usability(reviewer.page, "my queue")

    reader = Browsing(browser, live_server, locale)
    reader.goto(f"/p/{essay.slug}/")
    check_language(reader.page, language)
    assert reader.page.locator("#corrections .corrections li").count() == 1
    assert reader.page.locator("#methodology-title").inner_text() == say(language, "How we check")
    check_usability(reader.page, "public page")
    screenshot(reader.page, f"public-page-{lang}")

    for who in (editor, reviewer, reader):
        assert who.outside == [] and who.problems == [], (who.outside, who.problems)
        who.close()


def test_it_switches_the_language_with_the_menu(browser, live_server, desk_groups):  # noqa: F811
    person("edith", EDITORS)
    edith = Browsing(browser, live_server, "en-US")
    edith.sign_in("edith")
    page = edith.page
    check_language(page, "en")
    assert page.locator("h1").inner_text() == "Dashboard"
    # With the keyboard: the menu, then its button.
    page.focus("#lang-select")
    page.select_option("#lang-select", "zh-hans")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_language(page, "zh-hans")
    assert page.locator("h1").inner_text() == "工作台"
    assert page.url.endswith("/dashboard/")
    # The choice sticks for the next page, whatever the browser says.
    edith.goto("/my/")
    assert page.locator("h1").inner_text() == "我的任务"
    assert edith.problems == []
    edith.close()


@pytest.mark.parametrize(
    "breakage, complaint",
    [
        ("document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text name=nameless>')", "fields without a label"),
        (
            "document.querySelector('main').insertAdjacentHTML('beforeend', '<span class=\"badge status-open\"></span>')",
            "badges without text",
        ),
        (
            "const wide = document.createElement('div'); wide.style.width = '600px'; wide.textContent = 'x'; document.querySelector('main').append(wide)",
            "px wide at 375 px",
        ),
    ],
)
def test_it_catches_what_the_usability_checks_look_for(browser, live_server, desk_groups, breakage, complaint):  # noqa: F811
    """The checks run on every page of the journey can fail."""
    reader = Browsing(browser, live_server, "en-US")
    reader.goto("/accounts/login/")
    check_usability(reader.page, "sign-in")
    reader.page.evaluate(f"() => {{ {breakage} }}")
    with pytest.raises(AssertionError, match=complaint):
        check_usability(reader.page, "sign-in")
    reader.close()
