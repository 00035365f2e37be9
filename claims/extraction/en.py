"""English cues: numbers, dates, capitalised names, attribution verbs and stance words."""

import re

from .scoring import Findings

MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
DATE_RE = re.compile(
    rf"\b{MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:1[5-9]|20)\d{{2}})?\b"
    rf"|\b\d{{1,2}}\s+{MONTHS}(?:\s+(?:1[5-9]|20)\d{{2}})?\b"
    rf"|\b{MONTHS}\s+(?:of\s+)?(?:1[5-9]|20)\d{{2}}\b"
    r"|(?<![$€£¥\d.,])\b(?:1[5-9]|20)\d{2}s?\b(?![.,]?\d|\s*(?:%|percent|per cent|million|billion|trillion))"
    r"|\b\d{1,2}(?:st|nd|rd|th)\s+century\b"
)
# A figure with its unit, never the word after it ("5% during" is "5%").
NUMBER_RE = re.compile(
    r"(?:[$€£¥]\s?\d[\d,]*(?:\.\d+)?|(?<![\w.])[+-]?\d[\d,]*(?:\.\d+)?)"
    r"(?:\s?(?:%|percent\b|per cent\b|percentage points?\b|million\b|billion\b|trillion\b|bn\b|m\b|k\b))?"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|a)\s+(?:percent|third|quarter|half|million|billion|dozen)\b"
    r"|\b(?:doubled|tripled|halved|by\s+half|by\s+a\s+third)\b"
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
    March April June July August September October November December Also However Meanwhile Still Yet Then Even
    Last Next First Second Third Overall Among Between During Despite Although Though Because Both All Each
    Every Not None Nor Only Just Now Today Yesterday Tomorrow Tuesday's""".split()
)
# Nationality and region words are capitalised but name no one ("American deaths", "Western companies").
DEMONYMS = set(
    """American Americans Chinese British European Europeans Asian African Japanese Korean Indian Russian French German
    Mexican Peruvian Taiwanese Western Eastern Northern Southern Canadian Australian Brazilian Italian Spanish Israeli
    Palestinian Iranian Iraqi Saudi Turkish Ukrainian Polish Dutch Swiss Swedish Arab Latino Hispanic Black White
    Republican Republicans Democrat Democrats Democratic Christian Muslim Jewish Catholic""".split()
)
TITLES = re.compile(r"^(?:(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Sir|Dame|President|Professor|Senator|Judge)\.?\s+)+")

CUES = {
    "opinion": r"\b(?:I|we)\s+(?:(?:do\s+not|don't|really|firmly|strongly)\s+)?(?:think|believe|feel|suspect|hope|guess|doubt|expect|would\s+argue|am\s+convinced|am\s+sure)\b"
    r"|\bin\s+my\s+(?:view|opinion|judgment|judgement|experience)\b|\bit\s+seems\s+to\s+me\b|\bto\s+my\s+mind\b|\bpersonally\b",
    "viewpoint": r"\b(?:some|many|most|critics|others|skeptics|sceptics|supporters|opponents|people|researchers|experts|analysts|observers|economists)\s+(?:would\s+)?(?:argue|argues|say|says|believe|claim|think|contend|suggest|insist)\b"
    r"|\bit\s+is\s+(?:often\s+|widely\s+)?(?:said|argued|believed|thought)\b|\bis\s+seen\s+as\b|\bare\s+seen\s+as\b|\bnarrative\b",
    "prediction": r"\b(?:will|won't|shall|going\s+to|(?:is|are|was|were)\s+set\s+to|(?:is|are)\s+(?:expected|projected|forecast|poised|due)\s+to|expects?\s+to|would\s+have\s+to|next\s+(?:year|month|week|quarter)|by\s+20[3-9]\d)\b",
    "conditional": r"\b(?:if|unless|suppose|supposing|assuming|provided\s+that)\b",
    "hedge": r"\b(?:may|might|could|perhaps|probably|possibly|likely|unlikely|seems?|seemed|appears?|appeared|arguably|presumably|maybe|reportedly|allegedly|apparently)\b"
    r"|\byou\s+(?:may|might)\s+(?:recall|remember|know)\b|\bif\s+you\s+look\b",
    "modal": r"\b(?:would|can|cannot|can't)\b",
    "plan": r"\b(?:aims?\s+to|plans?\s+to|wants?\s+to|intends?\s+to|seeks?\s+to|hopes?\s+to|vowed\s+to|promis(?:ed|es|ing)|pledged?\s+to|on\s+the\s+way)\b",
    "open_question": r"\bwhether\b|\bopen\s+question\b",
    "normative": r"\b(?:should|must|ought\s+to|need\s+to|needs\s+to|deserves?|has\s+to|have\s+to)\b",
    "inference": r"\b(?:therefore|thus|hence|this\s+means|which\s+means|suggests?\s+that|shows?\s+that|proves?\s+that|in\s+short|in\s+other\s+words)\b",
    "evaluative": r"\b(?:remarkable|striking|stunning|shocking|devastating|unprecedented|too\s+early|premature|the\s+real\s+test|turning\s+point|critical|significant|strong|stubbornly|good|bad|great|important|crucial|huge|massive|impressive|robust|dramatic|historic|audacious)\b",
    "source": r"\baccording\s+to\b",
    "attribution": r"\b(?:said|says|say|told|tells|reported|reports|found|finds|estimated|estimates|counted|wrote|writes|announced|announces|added|adding|noted|stated|testified|claimed|claims|confirmed|denied|argued|concluded|showed|shows|show|indicated|explained|warned|revealed|disclosed)\b",
    "comparison": r"\b(?:more|fewer|less|greater|higher|lower|larger|smaller|bigger|faster|slower|cheaper|costlier|better|worse|older|younger)\s+(?:\w+\s+){0,3}?than\b"
    r"|\b(?:most|least)\s+(?=\w+\s)(?!of\b|people\b|likely\b)[a-z]+|\b(?:largest|biggest|highest|lowest|fastest|slowest|oldest|newest|richest|poorest|only|twice|three\s+times|leading)\b"
    r"|\bfor\s+the\s+first\s+time\b|\bthe\s+first\s+\w+\s+(?:to|since|in)\b|\b(?:first|second|third|fourth|fifth)\s+(?:leading|largest|biggest|place)\b"
    r"|\bup\s+from\b|\bdown\s+from\b|\bcompared\s+(?:with|to)\b|\bthan\s+any\b|\bsince\s+(?:1[5-9]|20)\d{2}\b|\buntil\s+(?:1[5-9]|20)\d{2}\b|\b(?:top|bottom)\s+(?:\w+\s+)?(?:two|three|four|five|six|ten)\b|\bthe\s+same\s+as\b|\bunchanged\b",
    "weak_comparison": r"\b(?:more|fewer|less|greater|higher|lower|larger|smaller|bigger|faster|slower|better|worse|easier|harder)\b",
    "quantity": r"\b(?:more\s+than|at\s+least|up\s+to|about|roughly|nearly|almost|over|under|as\s+many\s+as|as\s+much\s+as|approximately|around|some)\s+(?=[$€£~\d])",
    "change": r"\b(?:rose|rise[sn]?|rising|fell|falls?|falling|fallen|grew|grow[sn]?|growing|dropped|drops?|declined?|declines|declining|increased?|increases|increasing|decreased?|decreases|multiplied|shrank|surged|plunged|cut|revised|climbed|slipped|jumped|soared|tumbled|eased|widened|narrowed|gained|lost|added|ticked)\b",
    "event": r"\b(?:launched|founded|closed|opened|bought|acquired|sold|fired|hired|printed|published|introduced|passed|signed|banned|approved|elected|resigned|died|merged|filed|sued|won|lost|raised|met|visited|appointed|announced|released|unveiled|posted|held|occurred|killed|arrested|voted|began|started|ended)\b",
    "fact": r"\b(?:in\s+fact|since\s+(?:1[5-9]|20)\d{2}|for\s+the\s+first\s+time|never|has\s+been|have\s+been)\b",
}
# Every cue starts a word; testing that first spares trying each alternative inside words.
CUE_RE = re.compile(r"\b(?=[a-zA-Z])(?:" + "|".join(f"(?P<{kind}>{words})" for kind, words in CUES.items()) + ")", re.IGNORECASE)

FRAME_HEDGE = re.compile(
    r"\bif\s+you\s+(?:look|looked)\s+at\s+(?:[\w'’-]+\s+){0,6}?(?=you\b)|\byou\s+(?:will|would|can|could|may|might)\s+(?:see|notice|find|recall|remember)(?:\s+that)?\b"
    r"|\b(?:as\s+)?you\s+(?:may|might)\s+(?:recall|remember|know)\b|\bas\s+(?:we|you)\s+(?:can|will|have)\s+seen?\b|\bit\s+(?:appears|seems)\s+that\b",
    re.IGNORECASE,
)
WH_QUESTION = re.compile(r"^\W*(?:why|how|when|where|who|what)\s+(?:did|does|do|has|have|had|was|were|is|are)\b", re.IGNORECASE)
# Case-sensitive on purpose: a name is what is capitalised after "according to [industry figures by the]".
ACCORDING_TO_NAME = re.compile(r"[Aa]ccording\s+to\s+(?:[a-z][\w-]*\s+){0,5}?(?P<name>" + NAME_RE.pattern + ")")
ACCORDING_TO_PHRASE = re.compile(r"[Aa]ccording\s+to\s+(?P<phrase>[^,;:()]{2,90})")
# Bodies and people that speak without a capital: "researchers said", "data from the national statistics agency showed".
SPEAKING_NOUNS = re.compile(
    r"\b(?:researchers?|officials?|analysts?|economists?|experts?|scientists?|data|figures|report|survey|poll|study|agency|bureau|bank|ministry"
    r"|government|team|spokes(?:man|woman|person)|statement|department|office|authorities|police|company|commission|council|committee"
    r"|institute|center|centre|organi[sz]ation|association|union|board|court|regulator|statistics|census|index|group)\b",
    re.IGNORECASE,
)
PRONOUN_SPEAKERS = {"he", "she", "they", "it", "we"}


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
        if len(words) == 1 and words[0].rstrip("s'’") in DEMONYMS | {w.rstrip("s") for w in DEMONYMS}:
            continue
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
    if FRAME_HEDGE.search(plain):
        # "if you look at the figures you will see that exports fell": the frame invites, the fact stands.
        f.frame_hedges = [m.group() for m in FRAME_HEDGE.finditer(plain)]
        plain = FRAME_HEDGE.sub(lambda m: " " * len(m.group()), plain)
    f.names = _names(body)
    f.persons = [n for n in f.names if " " in n and all(w[:1].isupper() for w in n.split())]
    dates_at = []
    for m in DATE_RE.finditer(body):
        f.dates.append(m.group())
        dates_at.append((m.start(), m.end()))
    for m in NUMBER_RE.finditer(body):
        if any(a <= m.start() < b for a, b in dates_at):
            continue
        if m.start() > 0 and body[m.start() - 1].isalpha():
            continue  # part of a model name such as H100
        number = m.group().strip()
        if number.isdigit() and len(number) <= 2 and body[m.end() : m.end() + 1] == ")":
            continue  # "(1)", a list marker
        f.numbers.append(number)
    f.vague_numbers = [m.group() for m in VAGUE_NUMBER_RE.finditer(body)]

    for m in CUE_RE.finditer(plain):
        kind, word = m.lastgroup, m.group()
        if word == "May" and body[m.end() : m.end() + 2].strip()[:1].isdigit():
            continue  # the month, not the hedge
        if kind in ("source", "attribution"):
            f.cues.append((kind, m.start(), word))
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
    if f.cues:
        _speaker(f, plain)
    if f.question and WH_QUESTION.match(body) and "conditional" not in f.stance and "prediction" not in f.stance:
        concrete = set(f.names) | set(f.dates) | set(f.numbers)
        if len(concrete) >= 2:
            f.presupposes = WH_QUESTION.sub("", body, count=1).strip().rstrip("?").strip()
    words = body.split()
    f.length = len(words)
    f.short = len(words) < 5 and not (f.numbers or f.dates)
    if len(words) <= 4 and f.names and len(" ".join(f.names)) >= len(body.strip(" :,")) - 2:
        f.label = body.strip(" :,")
    return f


_LEAD = re.compile(r"^(?:(?:and|but|while|whereas|as|so|that|which|who|because|although|though|when|after|however)\s+)+", re.IGNORECASE)
_TIME_TAIL = re.compile(
    r"\s+(?:on\s+\w+day|today|yesterday|last\s+\w+|this\s+\w+|earlier|recently|in\s+(?:a|an|its|his|her|their)\s+\w+(?:\s+\w+)?)$",
    re.IGNORECASE,
)


_AUX_TAIL = re.compile(
    r"(?:\s+(?:had|has|have|was|were|is|are|also|already|recently|previously|first|been|had been|has been|would|will|did|does|do))+$",
    re.IGNORECASE,
)


def _who(phrase):
    """The speaker in a phrase beside a reporting verb, whole; '' when it names no one."""
    phrase = _LEAD.sub("", phrase.strip(" ,;:\"'“”‘’()")).strip()
    phrase = _AUX_TAIL.sub("", phrase)
    while True:
        cut = _TIME_TAIL.sub("", phrase)
        if cut == phrase:
            break
        phrase = cut
    words = phrase.split()
    if not words or len(words) > 12 or any(ch.isdigit() for ch in phrase) and not SPEAKING_NOUNS.search(phrase):
        return ""
    if phrase.lower() in PRONOUN_SPEAKERS:
        return phrase.lower()
    named = [w for w in words if w[:1].isupper() and w.strip(".,'’s") not in NOT_NAMES and w.rstrip("s'’") not in DEMONYMS]
    if named or SPEAKING_NOUNS.search(phrase):
        return _clean(phrase) or phrase
    return ""


INVERTED = {"said", "says", "wrote", "noted", "stated", "explained", "asked", "told", "reported"}


def _speaker(f, plain):
    """Who speaks in this clause: "according to X", "X said", "said X", "X told Y" (X, not Y)."""
    for kind, pos, word in f.cues:
        if kind == "source":
            m = ACCORDING_TO_PHRASE.match(plain, pos)
            who = _who(m.group("phrase")) if m else ""
            if who and who not in PRONOUN_SPEAKERS:
                f.speaker, f.attribution, f.source = who, word.lower(), True
                f.frame = not f.numbers and not plain[:pos].strip(" ,")
                return
            continue
        before = plain[:pos]
        after = plain[pos + len(word) :]
        # The subject: the words just before the verb, from the clause start or the last comma.
        subject = re.split(r"[,;:]\s|\bthat\s", before)[-1]
        who = _who(subject)
        if not who and not before.strip(" ,\"'“”‘’"):
            if word.lower() in ("adding", "added"):
                who = "he"  # "..., adding that ...": the speaker of the sentence goes on
            elif word.lower() in INVERTED and not re.match(r"\s*(?:that|he|she|they|it|we)\b", after):
                # "said researchers led by CDC health scientist Farida Ahmad"
                who = _who(re.split(r"[,;:]|\s(?:in|at|on|to)\s", after.strip())[0])
        if who:
            f.speaker, f.attribution = who, word
            rest = (before.replace(subject, "") + after).strip(" ,.;:")
            f.frame = len(rest.split()) <= 3 and not any(ch.isdigit() for ch in rest)
            return


def _clean(name):
    words = name.split()
    while words and words[0] in NOT_NAMES and words[0] not in ("Dr.", "Mr.", "Mrs.", "Ms.", "Prof."):
        words.pop(0)
    name = TITLES.sub("", " ".join(words)).strip(" ,.'’")
    return "" if name in NOT_NAMES else name
