"""python manage.py seed_demo: the bundled essay, checked claim by claim, and four demo accounts.

Everything goes through the importer and the workflow, so every claim has a
real history: proposals stored as `open`, some researching with sources and
notes, some in review, several published with verdicts, and one corrected
(published, reopened with a reason, approved by a second editor, published
again). The verdicts and sources are true to the public record as far as the
desk could establish it, and say so where it could not (`unverifiable`).

Running it twice changes nothing: it finds the demo essay and stops. The
passwords are generated, printed once and never stored in clear.
"""

import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from claims import workflow
from claims.importing import import_essay
from claims.models import Claim, Essay, Status
from claims.publishing import publish_essay
from claims.roles import EDITORS, REVIEWERS

SAMPLE = Path(__file__).resolve().parents[2] / "sample" / "essay-deepseek-zh.txt"
SLUG = "deepseek-china-innovation"
TITLE = "DeepSeek的成功与中国创新之辩"
ACCOUNTS = [("editor", EDITORS), ("editor2", EDITORS), ("reviewer1", REVIEWERS), ("reviewer2", REVIEWERS)]

AMODEI = {
    "url": "https://darioamodei.com/on-deepseek-and-export-controls",
    "title": "On DeepSeek and Export Controls",
    "publisher": "Dario Amodei",
    "published_on": dt.date(2025, 1, 29),
    "stance": "context",
}
SEMIANALYSIS = {
    "url": "https://semianalysis.com/2025/01/31/deepseek-debates/",
    "title": "DeepSeek Debates: Chinese Leadership On Cost, True Training Cost, Closed Model Margin Impacts",
    "publisher": "SemiAnalysis",
    "published_on": dt.date(2025, 1, 31),
}
REUTERS_LIANG = {
    "url": "https://www.reuters.com/technology/deepseek-founder-liang-wenfeng-puts-focus-chinese-innovation-2025-01-28/",
    "title": "Who is Liang Wenfeng, the founder of DeepSeek?",
    "publisher": "Reuters",
    "published_on": dt.date(2025, 1, 28),
}


@dataclass
class Check:
    """One claim of the demo: where it is in the essay and what the desk found."""

    fragment: str
    claim_type: str
    speaker: str = ""
    normalized: str = ""
    verdict: str = ""
    summary: str = ""
    sources: list = field(default_factory=list)
    notes: list = field(default_factory=list)


OPENAI_STAFF = Check(
    fragment="2019年,OpenAI只有150名员工",
    claim_type="statistic",
    normalized="In 2019 OpenAI had only 150 employees.",
    verdict="true",
    summary=(
        "OpenAI was a small research organisation in 2019: that year it created the capped-profit OpenAI LP (March) and took a "
        "$1 billion investment from Microsoft (July) precisely so that it could pay for more compute and more staff. "
        "A staff of about 150 fits that picture."
    ),
    sources=[
        {
            "url": "https://openai.com/index/openai-lp/",
            "title": "OpenAI LP",
            "publisher": "OpenAI",
            "published_on": dt.date(2019, 3, 11),
            "stance": "context",
            "excerpt": "We’ve created OpenAI LP, a new “capped-profit” company that allows us to rapidly increase our investments in compute and talent while including checks and balances to actualize our mission.",
        },
        {
            "url": "https://fortune.com/2019/07/24/openai-microsoft-musk",
            "title": "How OpenAI, Founded to Keep Powerful A.I. Out of Corporate Hands, Got Into Bed With Microsoft",
            "publisher": "Fortune",
            "published_on": dt.date(2019, 7, 24),
            "stance": "context",
            "excerpt": "Earlier this week, a very different OpenAI accepted a $1 billion investment from Microsoft, among the world’s most valuable technology companies.",
        },
    ],
    notes=["OpenAI never published a headcount for 2019; press descriptions of the lab's size that year vary (roughly 100 to 150 people)."],
)
# What the desk published after reopening the claim (the correction).
OPENAI_STAFF_CORRECTED = {
    "verdict": "mostly_true",
    "verdict_summary": (
        "OpenAI did not publish a headcount for 2019. Reporting at the time described a research lab of roughly 100 to 150 people, "
        "so “150” is at the top of that range and is best read as an approximation, not an exact count. The point the essay makes — "
        "that OpenAI was then a small research team — holds."
    ),
}
OPENAI_STAFF_REASON = (
    "The first verdict treated “150” as a confirmed, exact figure. OpenAI published no headcount for 2019 and reports of its size vary, "
    "so the number is an approximation: “mostly true”, not “true”."
)
# What readers see in the corrections log (the reason above stays in the claim's history).
OPENAI_STAFF_PUBLIC_NOTE = (
    "We first rated “150 employees” as exact. OpenAI published no headcount for 2019; reports put the lab at 100 to 150 people, "
    "so the figure is an approximation and the verdict is now “mostly true”."
)

H800 = Check(
    fragment="H800在2022年首轮出口管制中被允许,但在2023年10月控制更新时被禁止",
    claim_type="event",
    speaker="Dario Amodei",
    normalized="Nvidia's H800 was allowed under the first US export controls of October 2022 and banned by their update of October 2023.",
    verdict="true",
    summary=(
        "The October 2022 rules limited chips by computing performance and by chip-to-chip bandwidth; the H800, Nvidia's version of the "
        "H100 for China with reduced interconnect bandwidth, stayed under the threshold and was sold in China. The update announced on "
        "17 October 2023 and published in the Federal Register on 25 October 2023 dropped the bandwidth test, and Nvidia reported that "
        "the new licence requirements cover its A800 and H800. The statement is accurate."
    ),
    sources=[
        {
            "url": "https://www.federalregister.gov/d/2022-21658",
            "title": "Implementation of Additional Export Controls: Certain Advanced Computing and Semiconductor Manufacturing Items; Supercomputer and Semiconductor End Use; Entity List Modification",
            "publisher": "Federal Register (Bureau of Industry and Security)",
            "published_on": dt.date(2022, 10, 13),
            "stance": "context",
        },
        {
            "url": "https://www.federalregister.gov/d/2023-23055",
            "title": "Implementation of Additional Export Controls: Certain Advanced Computing Items; Supercomputer and Semiconductor End Use; Updates and Corrections",
            "publisher": "Federal Register (Bureau of Industry and Security)",
            "published_on": dt.date(2023, 10, 25),
            "stance": "supports",
        },
        AMODEI,
    ],
    notes=[
        "The sentence is from Dario Amodei's essay, quoted in translation; the check is of the facts, and the translation matches the original here."
    ],
)

SEMIANALYSIS_CHIPS = Check(
    fragment="根据SemiAnalysis,这些芯片是H100、H800和H20的组合,总共达到了5万个",
    claim_type="attribution",
    speaker="Dario Amodei",
    normalized="According to SemiAnalysis, DeepSeek's chips are a mix of H100s, H800s and H20s, about 50,000 in all.",
    verdict="true",
    summary=(
        "SemiAnalysis's report of 31 January 2025 estimated that DeepSeek has access to about 50,000 Hopper-generation GPUs — H800, H100 "
        "and H20 — so the attribution is accurate. The number is SemiAnalysis's estimate, not a figure DeepSeek has disclosed; DeepSeek's "
        "own V3 technical report describes training on a cluster of 2,048 H800 GPUs."
    ),
    sources=[
        {**SEMIANALYSIS, "stance": "supports"},
        {
            "url": "https://arxiv.org/abs/2412.19437",
            "title": "DeepSeek-V3 Technical Report",
            "publisher": "arXiv (DeepSeek-AI)",
            "published_on": dt.date(2024, 12, 27),
            "stance": "context",
        },
    ],
)

NVIDIA_COMPLIANT = Check(
    fragment="Nvidia表示DeepSeek的进展完全符合出口管制",
    claim_type="attribution",
    speaker="Dario Amodei",
    normalized="Nvidia said DeepSeek's advances are fully compliant with export controls.",
    verdict="mostly_true",
    summary=(
        "In a statement to CNBC on 27 January 2025, Nvidia said DeepSeek's work used “compute that is fully export control compliant”. "
        "The essay follows that statement closely; strictly, Nvidia spoke about the chips DeepSeek used, and it is the company's own "
        "assessment, not an official finding."
    ),
    sources=[
        {
            "url": "https://www.cnbc.com/2025/01/27/nvidia-calls-chinas-deepseek-r1-model-an-excellent-ai-advancement.html",
            "title": "Nvidia calls China's DeepSeek R1 model 'an excellent AI advancement'",
            "publisher": "CNBC",
            "published_on": dt.date(2025, 1, 27),
            "stance": "supports",
        },
    ],
)

LIANG_PREMIER = Check(
    fragment="梁文峰最近与国务院总理的会面",
    claim_type="event",
    normalized="DeepSeek's founder Liang Wenfeng recently met China's premier.",
    verdict="mostly_true",
    summary=(
        "On 20 January 2025 Liang Wenfeng was one of nine people who spoke at a closed-door symposium hosted by Premier Li Qiang (Reuters). "
        "He did meet the premier, but at a group symposium rather than a one-to-one meeting. The essay spells his name 梁文峰; "
        "his name is 梁文锋."
    ),
    sources=[
        {
            **REUTERS_LIANG,
            "stance": "supports",
            "excerpt": "Liang had kept an extremely low profile until Jan. 20, when he was one of nine individuals asked to give a speech at a closed-door symposium hosted by China's Premier Li Qiang.",
        },
    ],
)

NO_STATE_SUPPORT = Check(
    fragment="DeepSeek迄今为止没有获得直接的国家支持",
    claim_type="other",
    normalized="DeepSeek has so far received no direct state support.",
    verdict="unverifiable",
    summary=(
        "Public reporting says DeepSeek was funded by its parent, the hedge fund High-Flyer, and we found no record of direct state funding "
        "up to early 2025. An absence of records cannot show that there was no support of any kind, so the statement cannot be confirmed."
    ),
    sources=[{**SEMIANALYSIS, "stance": "context", "excerpt": "High-Flyer self funded the company"}],
)

NEVER_ABROAD = Check(
    fragment="梁文峰本人也从未在中国大陆以外学习或工作",
    claim_type="other",
    speaker="",
    normalized="Liang Wenfeng has never studied or worked outside mainland China.",
    verdict="unverifiable",
    summary=(
        "Published biographies say Liang was born in Guangdong and studied at Zhejiang University, and none records study or work outside "
        "mainland China. No source states it outright, and an absence of records cannot confirm it."
    ),
    sources=[
        {"url": "https://en.wikipedia.org/wiki/Liang_Wenfeng", "title": "Liang Wenfeng", "publisher": "Wikipedia", "stance": "context"}
    ],
)

HE_XIAODONG = Check(
    fragment="2022年12月,京东AI研究高管何晓冬对媒体称",
    claim_type="quote",
    speaker="何晓冬",
    notes=[
        "He Xiaodong (何晓冬) led JD's AI research at the time. We have not found the December 2022 interview itself yet; "
        "the English original of this essay may cite a press report. Until the original is found this is heading for “unverifiable”.",
    ],
)

AMODEI_FIGURES = Check(
    fragment="几亿美元的经济活动可以被隐藏,但很难隐藏百亿美元甚至上千亿美元,几十万个芯片在物理上也可能难以走私",
    claim_type="quote",
    speaker="Dario Amodei",
    sources=[AMODEI],
    notes=[
        "Compare with Amodei's original paragraph before proposing a verdict: the English appears to speak of $1B that can be hidden "
        "against $10B–$100B, and of a million chips. If so, the translation changed the figures of the quote.",
    ],
)

LIANG_FUNDING = Check(
    fragment="我们短期内没有融资计划。钱从来不是我们的问题",
    claim_type="quote",
    speaker="梁文锋",
    notes=["Probably from his 2024 interview with 36Kr's 暗涌 (Waves). Find the original wording: the quote may have been shortened."],
)

PUBLISHED = [OPENAI_STAFF, H800, SEMIANALYSIS_CHIPS, NVIDIA_COMPLIANT, LIANG_PREMIER]
IN_REVIEW = [NO_STATE_SUPPORT, NEVER_ABROAD]
RESEARCHING = [HE_XIAODONG, AMODEI_FIGURES, LIANG_FUNDING]
ALL_CHECKS = PUBLISHED + IN_REVIEW + RESEARCHING


class Command(BaseCommand):
    help = "Import the bundled essay with its claims at several workflow stages, publish it, and create four demo accounts."

    def handle(self, *args, **options):
        existing = Essay.objects.filter(slug=SLUG).first()
        if existing is not None:
            self.stdout.write(
                f"The demo is already there (essay “{existing.title}” at {reverse('public_essay', args=[SLUG])}; accounts "
                f"{', '.join(name for name, _ in ACCOUNTS)}). Nothing changed.\n"
                "Passwords are printed only when the accounts are created; to set a new one run: "
                "python manage.py changepassword editor"
            )
            return
        taken = list(User.objects.filter(username__in=[name for name, _ in ACCOUNTS]).values_list("username", flat=True))
        if taken:
            raise CommandError(
                f"Accounts named {', '.join(sorted(taken))} exist but the demo essay does not. seed_demo never takes over existing "
                "accounts: rename or delete them, or run it on a fresh database."
            )
        try:
            text = SAMPLE.read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"The bundled essay could not be read from {SAMPLE}: {error}") from None
        passwords = {}
        try:
            with transaction.atomic():
                users = {}
                for name, group in ACCOUNTS:
                    passwords[name] = secrets.token_urlsafe(12)
                    users[name] = User.objects.create_user(username=name, password=passwords[name])
                    users[name].groups.add(Group.objects.get(name=group))
                essay = import_essay(
                    title=TITLE, text=text, language="zh", slug=SLUG, author="", url="", published_on=None, user=users["editor"]
                )
                publication = Demo(essay, users).run()
        except workflow.WorkflowError as error:
            raise CommandError(f"The demo could not be built, nothing was stored: {error.message}") from None
        counts = {status: Claim.objects.filter(essay=essay, status=status).count() for status in Status.values}
        self.stdout.write(
            self.style.SUCCESS(f"Imported “{essay.title}” with {sum(counts.values())} claims: ")
            + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
            + "."
        )
        self.stdout.write(
            f"Published it twice (publication #{publication.number} carries a correction): {reverse('public_essay', args=[SLUG])}"
        )
        self.stdout.write("Demo accounts — the passwords are shown this once only:")
        for name, group in ACCOUNTS:
            self.stdout.write(f"  {name:<10} {passwords[name]}   ({group})")
        self.stdout.write("To set a new password later: python manage.py changepassword <username>")


class Demo:
    """Walks the claims through the workflow as four people would."""

    def __init__(self, essay, users):
        self.essay = essay
        self.editor, self.editor2 = users["editor"], users["editor2"]
        self.reviewer1, self.reviewer2 = users["reviewer1"], users["reviewer2"]

    def run(self):
        claims = self.locate()
        reviewers = [self.reviewer1, self.reviewer2]
        for index, check in enumerate(PUBLISHED + IN_REVIEW):
            reviewer = reviewers[index % 2]
            claim = self.research(claims[check.fragment], check, reviewer)
            claim = workflow.transition(claim, "submit", reviewer)
            if check in PUBLISHED:
                claims[check.fragment] = workflow.transition(claim, "approve", self.editor)
        for check in RESEARCHING:
            self.research(claims[check.fragment], check, self.reviewer2)
        publish_essay(self.essay, self.editor)
        self.correct(claims[OPENAI_STAFF.fragment])
        publication = publish_essay(self.essay, self.editor2)
        self.share_out_open_claims()
        return publication

    def locate(self):
        """The claim for each check, made the way an editor would from the importer's proposals.

        A proposal with exactly the span is used as it is; proposals that together tile the span are
        merged; otherwise the claim is made by hand from the selected text, and proposals that overlap
        it are dismissed as covered by it.
        """
        text = self.essay.text
        claims = {}
        for check in ALL_CHECKS:
            start = text.find(check.fragment)
            if start < 0:
                raise CommandError(f"The bundled essay no longer contains {check.fragment!r}; update seed_demo.")
            end = start + len(check.fragment)
            proposals = list(
                Claim.objects.filter(essay=self.essay, status=Status.OPEN, start__lt=end, end__gt=start)
                .exclude(pk__in=[c.pk for c in claims.values()])
                .order_by("start")
            )
            claim = next((c for c in proposals if (c.start, c.end) == (start, end)), None)
            inside = [c for c in proposals if start <= c.start and c.end <= end]
            if claim is None and len(inside) > 1 and inside[0].start == start and inside[-1].end == end:
                claim = self.merge(inside)
            if claim is None:
                claim = workflow.create_claim(self.essay, self.editor, start, end, claim_type=check.claim_type)
            for proposal in proposals:
                proposal.refresh_from_db()
                if proposal.pk != claim.pk and proposal.status == Status.OPEN:
                    workflow.transition(proposal, "dismiss", self.editor, comment=f"Covered by claim #{claim.pk}, checked on its own.")
            claims[check.fragment] = claim
        return claims

    def merge(self, parts):
        try:
            merged = parts[0]
            for part in parts[1:]:
                merged = workflow.merge(merged, part, self.editor)
        except workflow.WorkflowError:
            return None
        return merged

    def research(self, claim, check, reviewer):
        claim = workflow.transition(claim, "start", reviewer)
        for source in check.sources:
            workflow.add_source(claim, reviewer, **source)
        for note in check.notes:
            workflow.add_note(claim, reviewer, note)
        claim.refresh_from_db()
        changes = {"claim_type": check.claim_type, "speaker": check.speaker, "normalized": check.normalized}
        if check.verdict:
            changes.update(verdict=check.verdict, verdict_summary=check.summary)
        return workflow.edit(claim, reviewer, changes, claim.version)

    def correct(self, claim):
        """Reopen the published OpenAI claim, fix the verdict, have another editor approve it."""
        claim.refresh_from_db()
        claim = workflow.transition(claim, "reopen", self.editor, comment=OPENAI_STAFF_REASON, public_note=OPENAI_STAFF_PUBLIC_NOTE)
        workflow.add_note(claim, self.reviewer1, "Reopened: rewriting the explanation so that 150 reads as an approximation.")
        claim = workflow.edit(claim, self.reviewer1, OPENAI_STAFF_CORRECTED, claim.version)
        claim = workflow.transition(claim, "submit", self.reviewer1)
        return workflow.transition(claim, "approve", self.editor2)

    def share_out_open_claims(self):
        """Give each reviewer a few open claims with due dates, so that their queues are not empty."""
        open_claims = list(Claim.objects.filter(essay=self.essay, status=Status.OPEN).order_by("-score", "start")[:4])
        for index, claim in enumerate(open_claims):
            reviewer = (self.reviewer1, self.reviewer2)[index % 2]
            claim = workflow.assign(claim, self.editor, reviewer)
            workflow.edit(claim, self.editor, {"due": claim.created_at.date() + dt.timedelta(days=3 + index)}, claim.version)
