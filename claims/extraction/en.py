"""English cues: numbers, dates, capitalised names, attribution verbs and stance words."""

import re

from .scoring import Findings

MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
DATE_RE = re.compile(
    rf"\b{MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:1[5-9]|20)\d{{2}})?\b"
    rf"|\b\d{{1,2}}\s+{MONTHS}(?:\s+(?:1[5-9]|20)\d{{2}})?\b"
    rf"|\b{MONTHS}\s+(?:of\s+)?(?:1[5-9]|20)\d{{2}}\b"
    r"|\b(?:1[5-9]|20)\d{2}s?\b(?![.,]?\d|\s*(?:%|percent|per cent))"
    r"|\b\d{1,2}(?:st|nd|rd|th)\s+century\b"
)
NUMBER_RE = re.compile(
    r"(?:[$€£¥]\s?\d[\d,]*(?:\.\d+)?|\b\d[\d,]*(?:\.\d+)?)"
    r"(?:\s?(?:%|percent\b|per cent\b|million\b|billion\b|trillion\b|bn\b|m\b|k\b))?"
    r"(?:\s+(?!(?:in|on|at|to|by|of|and|or|the|an?|from|since|between|for|with|when|after|before)\b)[a-z][\w-]*)?"
)
VAGUE_NUMBER_RE = re.compile(
    r"\b(?:dozens|hundreds|thousands|millions|billions|tens of thousands|hundreds of thousands)\s+of\s+\w+|\bseveral\s+(?:hundred|thousand|million|billion)\b",
    re.IGNORECASE,
)
# Capitalised words, joined across "of", "for", "and", "the" and apostrophes: "University of
# Notre Dame", "Northwestern University's Medill School".
NAME_RE = re.compile(
    r"(?:[A-Z][\w'’&.-]*[\w.]|[A-Z])"
    r"(?:(?:\s+(?:of|for|and|the|de|la|du|van|von|der|&)\s+|\s+|['’]s\s+)(?:[A-Z][\w'’&.-]*[\w.]|[A-Z]))*"
)
# Capitalised only because they start a sentence or are a title, not names.
NOT_NAMES = set(
    """I A An The This That These Those It Its He She We They You When While If In On At By For From To Of As
    But And Or So Yet Why What How Who Where Which Whether According After Before Since There Here Some Many
    Most Perhaps Maybe Nobody No Not Does Do Did Is Are Was Were Has Have Had Will Would Could Should Can May
    Mr. Mrs. Ms. Dr. Prof. Sir Dame Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February
    March April June July August September October November December""".split()
)
TITLES = re.compile(r"^(?:(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Sir|Dame|President|Professor|Senator|Judge)\.?\s+)+")

CUES = {
    "opinion": r"\b(?:I|we)\s+(?:(?:do\s+not|don't|really|firmly|strongly)\s+)?(?:think|believe|feel|suspect|hope|guess|doubt|expect|would\s+argue|am\s+convinced|am\s+sure)\b"
    r"|\bin\s+my\s+(?:view|opinion|judgment|judgement|experience)\b|\bit\s+seems\s+to\s+me\b|\bto\s+my\s+mind\b|\bpersonally\b",
    "viewpoint": r"\b(?:some|many|most|critics|others|skeptics|sceptics|supporters|opponents|people|researchers|experts|analysts|observers|economists)\s+(?:would\s+)?(?:argue|argues|say|says|believe|claim|think|contend|suggest|insist)\b"
    r"|\bit\s+is\s+(?:often\s+|widely\s+)?(?:said|argued|believed|thought)\b|\bis\s+seen\s+as\b|\bare\s+seen\s+as\b|\bnarrative\b",
    "conditional": r"\b(?:if|unless|suppose|supposing|assuming|provided\s+that)\b",
    "hedge": r"\b(?:may|might|could|perhaps|probably|possibly|likely|unlikely|seems?|appears?|arguably|presumably|maybe)\b",
    "prediction": r"\b(?:will|won't|shall|going\s+to)\b",
    "open_question": r"\bwhether\b|\bopen\s+question\b",
    "normative": r"\b(?:should|must|ought\s+to|need\s+to|needs\s+to|deserves?|has\s+to|have\s+to)\b",
    "inference": r"\b(?:therefore|thus|hence|this\s+means|which\s+means|suggests?\s+that|shows?\s+that|proves?\s+that|in\s+short|in\s+other\s+words)\b",
    "evaluative": r"\b(?:remarkable|striking|stunning|shocking|devastating|unprecedented|too\s+early|premature|the\s+real\s+test|turning\s+point)\b",
    "source": r"\baccording\s+to\b",
    "attribution": r"\b(?:said|says|told|tells|reported|reports|found|finds|estimated|estimates|counted|wrote|writes|announced|announces|added|noted|stated|testified|claimed|claims|confirmed|denied|argued|concluded)\b",
    "comparison": r"\b(?:more|fewer|less|greater|higher|lower|larger|smaller|bigger|faster|slower|cheaper|costlier|better|worse|older|younger)\s+(?:\w+\s+){0,3}?than\b"
    r"|\b(?:most|least)\s+[a-z]+|\b(?:largest|biggest|highest|lowest|fastest|slowest|oldest|newest|richest|poorest|first|only|twice|three\s+times|doubled|tripled|halved)\b"
    r"|\bup\s+from\b|\bdown\s+from\b|\bcompared\s+(?:with|to)\b|\bthan\s+any\b",
    "weak_comparison": r"\b(?:more|fewer|less|greater|higher|lower|larger|smaller|bigger|faster|slower|better|worse|easier|harder)\b",
    "quantity": r"\b(?:more\s+than|at\s+least|up\s+to|about|roughly|nearly|almost|over|under|as\s+many\s+as|as\s+much\s+as)\s+(?=[$€£\d])",
    "change": r"\b(?:rose|rise[sn]?|fell|falls?|fallen|grew|grow[sn]?|dropped|drops?|declined?|declines|increased?|decreased?|multiplied|shrank|surged|plunged|cut)\b",
    "event": r"\b(?:launched|founded|closed|opened|bought|acquired|sold|fired|hired|printed|published|introduced|passed|signed|banned|approved|elected|resigned|died|merged|filed|sued|won|lost|raised|met|visited|appointed|announced|released)\b",
    "fact": r"\b(?:in\s+fact|since\s+(?:1[5-9]|20)\d{2}|for\s+the\s+first\s+time|never|has\s+been|have\s+been)\b",
}
# Every cue starts a word; testing that first spares trying each alternative inside words.
CUE_RE = re.compile(r"\b(?=[a-zA-Z])(?:" + "|".join(f"(?P<{kind}>{words})" for kind, words in CUES.items()) + ")", re.IGNORECASE)

WH_QUESTION = re.compile(r"^\W*(?:why|how|when|where|who|what)\s+(?:did|does|do|has|have|had|was|were|is|are)\b", re.IGNORECASE)
# Case-sensitive on purpose: a name is what is capitalised after "according to [industry figures by the]".
ACCORDING_TO_NAME = re.compile(r"[Aa]ccording\s+to\s+(?:[a-z][\w-]*\s+){0,5}?(?P<name>" + NAME_RE.pattern + ")")
NAME_BEFORE_VERB = re.compile(r"(?P<name>" + NAME_RE.pattern + r")(?:\s*,[^,]{1,80},)?\s+(?:\w+\s+)?$")
VERB_THEN_NAME = re.compile(r"\s*(?P<name>" + NAME_RE.pattern + ")")


def _names(body):
    names = []
    for m in NAME_RE.finditer(body):
        words = m.group().split()
        # Drop the capitalised function words a sentence starts with: "When the Ashford Courier".
        while words and (words[0] in NOT_NAMES or words[0][:1].islower()):
            words.pop(0)
        if not words:
            continue
        starts_clause = not body[: m.start()].strip(" \"'“‘(")
        if starts_clause and len(words) == 1 and words[0] == m.group().split()[0] and not any(ch.isupper() for ch in words[0][1:]):
            continue  # "Classified ads": capitalised because it starts the sentence
        name = re.sub(r"['’]s$", "", " ".join(words))
        names.append(name if len(words[-1]) <= 4 else name.rstrip(".'’"))
    return names


def analyse(text, clause, quoted):
    """Findings for one clause of English text."""
    start, end = clause.start, clause.end
    body = text[start:end]
    plain = body
    if quoted.find(1, start, end) >= 0:
        plain = "".join(" " if quoted[start + k] else ch for k, ch in enumerate(body))
    f = Findings(inline_quote=plain is not body)
    f.names = _names(body)
    dates_at = []
    for m in DATE_RE.finditer(body):
        f.dates.append(m.group())
        dates_at.append((m.start(), m.end()))
    for m in NUMBER_RE.finditer(body):
        if any(a <= m.start() < b for a, b in dates_at):
            continue
        if m.start() > 0 and body[m.start() - 1].isalpha():
            continue  # part of a model name such as H100
        f.numbers.append(m.group().strip())
    f.vague_numbers = [m.group() for m in VAGUE_NUMBER_RE.finditer(body)]

    attribution = None
    for m in CUE_RE.finditer(plain):
        kind, word = m.lastgroup, m.group()
        if word == "May" and body[m.end() : m.end() + 2].strip()[:1].isdigit():
            continue  # the month, not the hedge
        if kind in ("source", "attribution"):
            if attribution is None:
                attribution = (kind, m, word)
        elif kind == "comparison":
            f.comparisons.append(word)
        elif kind == "weak_comparison":
            f.weak_comparisons.append(word)
        elif kind == "quantity":
            f.quantities.append(word.strip())
        elif kind == "change":
            f.changes.append(word)
        elif kind == "event":
            f.events.append(word)
        elif kind == "fact":
            f.facts.append(word)
        else:
            f.stance.setdefault(kind, []).append(word)

    stripped = body.rstrip(" \"'”’)")
    f.question = stripped.endswith("?")
    if attribution:
        _speaker(f, plain, attribution)
    if f.question and WH_QUESTION.match(body) and "conditional" not in f.stance and "prediction" not in f.stance:
        concrete = set(f.names) | set(f.dates) | set(f.numbers)
        if len(concrete) >= 2:
            f.presupposes = WH_QUESTION.sub("", body, count=1).strip().rstrip("?").strip()
    words = body.split()
    f.short = len(words) < 5 and not (f.numbers or f.dates)
    if len(words) <= 4 and f.names and len(" ".join(f.names)) >= len(body.strip(" :,")) - 2:
        f.label = body.strip(" :,")
    return f


def _speaker(f, plain, attribution):
    kind, m, word = attribution
    if kind == "source":
        named = ACCORDING_TO_NAME.match(plain, m.start())
        if named:
            f.speaker, f.attribution, f.source = _clean(named.group("name")), word.lower(), True
        return
    before = plain[max(0, m.start() - 200) : m.start()]
    named = NAME_BEFORE_VERB.search(before)
    if named and _clean(named.group("name")):
        f.speaker, f.attribution = _clean(named.group("name")), word
        return
    # "..., said Dana Whitfield"
    after = VERB_THEN_NAME.match(plain, m.end())
    if after and _clean(after.group("name")):
        f.speaker, f.attribution = _clean(after.group("name")), word


def _clean(name):
    words = name.split()
    while words and words[0] in NOT_NAMES and words[0] not in ("Dr.", "Mr.", "Mrs.", "Ms.", "Prof."):
        words.pop(0)
    name = TITLES.sub("", " ".join(words)).strip(" ,.'’")
    return "" if name in NOT_NAMES else name
