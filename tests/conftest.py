"""Fixed people and a small essay that every test can lean on."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import Client

from claims.models import Claim, Essay, Source
from claims.roles import EDITORS, REVIEWERS
from search import index as search_index

# The real background worker for tests that need one: the `task_worker` fixture.
pytest_plugins = ["tests.tasks_helpers"]


@pytest.fixture(autouse=True)
def _english_between_tests():
    """A request with Accept-Language leaves its language active in the thread; each test starts in English."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


PASSWORD = "correct-horse-battery-staple"

# A short essay with characters outside the BMP, so offsets are tested in code points.
ESSAY_TEXT = (
    "2019年，OpenAI只有150名员工。"
    "京东AI研究高管何晓冬对媒体称，中国需要建立自己的ChatGPT。"
    "在我看来，这是一个好问题😀。"
    "根据SemiAnalysis，这些芯片总共达到了5万个。"
)

# Hashing a password properly takes a good part of a second; tests make hundreds of users.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

PINNED_NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def _person(username, group=None, **extra):
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(db):
    return _person("edith", EDITORS)


@pytest.fixture
def editor2(db):
    return _person("eric", EDITORS)


@pytest.fixture
def reviewer(db):
    return _person("rosa", REVIEWERS)


@pytest.fixture
def reviewer2(db):
    return _person("ravi", REVIEWERS)


@pytest.fixture
def outsider(db):
    return _person("otto")


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def editor_client(editor):
    return client_for(editor)


@pytest.fixture
def reviewer_client(reviewer):
    return client_for(reviewer)


@pytest.fixture
def fresh_cache(db):
    """Empties the cache around a test: the API throttles count attempts in it. Modules opt in with
    `pytestmark = pytest.mark.usefixtures("fresh_cache")`."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def essay(db, editor):
    return Essay.objects.create(
        title="OpenAI 与 DeepSeek", slug="openai-deepseek", language="zh", author="测试作者", text=ESSAY_TEXT, imported_by=editor
    )


@pytest.fixture
def make_claim(essay):
    """make_claim("OpenAI只有150名员工", status=..., ...) anchors a claim on the first occurrence."""

    def make(fragment, essay=essay, **fields):
        start = essay.text.index(fragment)
        claim = Claim(essay=essay, start=start, end=start + len(fragment), quote=fragment, **fields)
        claim.save()
        # The search index is written after commit (search/signals.py), which a test transaction never reaches.
        search_index.flush()
        return claim

    return make


@pytest.fixture
def claim(make_claim):
    return make_claim("OpenAI只有150名员工", claim_type="statistic", score=0.9, reasons=["contains a number"])


def add_source(claim, user=None, **fields):
    values = {"url": "https://example.org/report", "title": "Report", "publisher": "Example", "stance": "supports"}
    values.update(fields)
    return Source.objects.create(claim=claim, added_by=user, **values)


@pytest.fixture
def clock():
    """Pins the clock: tests read `clock.now` and may `clock.shift(days=1)`."""
    import time_machine

    with time_machine.travel(PINNED_NOW, tick=False) as traveller:

        class Clock:
            now = PINNED_NOW

            def shift(self, **delta):
                Clock.now = Clock.now + dt.timedelta(**delta)
                traveller.move_to(Clock.now)

        yield Clock()
