"""Chinese cues: jieba part-of-speech tags for names, numbers and times, plus cue words.

Each paragraph is segmented once with jieba.lcut, the segmenter the desk's own
benchmark compares against. Tags come from jieba.posseg's dictionary; only words that
dictionary does not know (often names such as 何晓冬) go through posseg's HMM tagger,
one short word at a time, which is where posseg spends most of its time on whole texts.
"""

import bisect
import functools
import itertools
import logging
import re
import threading

import jieba
import jieba.posseg

from .scoring import Findings

_lock = threading.Lock()
_tags = None


def _tag_table():
    global _tags
    if _tags is None:
        with _lock:
            if _tags is None:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _tags = jieba.posseg.dt.word_tag_tab
    return _tags


# jieba hands each run of consecutive one-character words to its HMM, whose Viterbi step
# copies the path so far at every character: quadratic in the run's length. Prose never has
# such runs (a punctuation mark or a dictionary word ends them); a text of undictionaried
# characters is one long run. Runs of jieba's own "Han" class longer than MAX_RUN are cut,
# at a word boundary of the dictionary-only segmentation, into pieces of about MAX_RUN.
MAX_RUN = 200
_LONG_RUN = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]{" + str(MAX_RUN + 1) + ",}")


def words_of(text):
    """jieba.lcut(text), in time linear in the text: the same words except near the cuts of very long runs."""
    if len(text) <= MAX_RUN or not _LONG_RUN.search(text):
        return jieba.lcut(text)
    words = []
    cursor = 0
    for m in _LONG_RUN.finditer(text):
        words += jieba.lcut(text[cursor : m.start()])
        piece = pos = m.start()
        for word in jieba.lcut(m.group(), HMM=False):
            pos += len(word)
            if pos - piece >= MAX_RUN:
                words += jieba.lcut(text[piece:pos])
                piece = pos
        words += jieba.lcut(text[piece : m.end()])
        cursor = m.end()
    words += jieba.lcut(text[cursor:])
    return [w for w in words if w]


# posseg's tagger costs time in the square of a word's length times its many states; an
# unknown word worth tagging is a name (何晓冬, 阿尔特曼), never longer than this.
MAX_UNKNOWN = 6
# Characters posseg's HMM has seen; for any other it tries every one of its hundreds of
# states, which costs a tenth of a second per word and says nothing (a text of rare characters).
_KNOWN_CHARACTERS = jieba.posseg.char_state_tab_P

_ASCII_NUMBER = re.compile(r"^[0-9][0-9,.]*%?$")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@functools.lru_cache(maxsize=65536)
def _unknown_word_tag(word):
    pairs = jieba.posseg.lcut(word)
    if len(pairs) == 1:
        return pairs[0].flag
    if pairs and pairs[0].flag.startswith("nr") and len(pairs[0].word) == 1:
        return "nr"
    return "x"


def _tag(word, table):
    if word.isascii():
        if _ASCII_NUMBER.match(word):
            return "m"
        return "eng" if any(ch.isalpha() for ch in word) else "x"
    if word.isdigit() or (word[0].isdigit() and word.rstrip("%％").replace(".", "").isdigit()):
        return "m"
    tag = table.get(word)
    if tag is not None:
        return tag
    if 1 < len(word) <= MAX_UNKNOWN and _CJK.search(word) and all(ch in _KNOWN_CHARACTERS for ch in word):
        return _unknown_word_tag(word)
    return "x"


# Tags worth a look when reading a clause: numbers, times, names, aspect particles.
_NOTABLE = re.compile(r"^(?:m|t|tg|nr\w*|ns|nt|nz|eng|ul|ug)$")


class Tokens:
    """jieba words of every paragraph, with their offsets into the essay and their tags.

    `notable` lists the positions of the few words a clause's reading needs (numbers,
    times, names, 了/过), so each clause looks only at those.
    """

    def __init__(self, text, blocks):
        table = _tag_table()
        tag_of = {}

        def tag(word):
            found = tag_of.get(word)
            if found is None:
                found = tag_of[word] = _tag(word, table)
            return found

        self.starts = []
        self.words = []
        self.tags = []
        for b_start, b_end in blocks:
            words = words_of(text[b_start:b_end])
            self.starts.extend(itertools.accumulate(map(len, words[:-1]), initial=b_start))
            self.words.extend(words)
            self.tags.extend(map(tag, words))
        notable = {t for t in tag_of.values() if _NOTABLE.match(t)}
        self.notable = [i for i, t in enumerate(self.tags) if t in notable]

    def span(self, start, end):
        """Word positions [i0, i1) of a clause, and the range [k0, k1) of its notable words."""
        i0, i1 = bisect.bisect_left(self.starts, start), bisect.bisect_left(self.starts, end)
        return i0, i1, bisect.bisect_left(self.notable, i0), bisect.bisect_left(self.notable, i1)


# Cue words, longest first inside each group so the longer phrase wins.
CUES = {
    "opinion": r"在我看来|依我看|笔者认为|笔者以为|个人认为|我不认为|我认为|我觉得|我不相信|我相信|我希望|我必须承认|我承认|我猜|我怀疑|我确信|我们应该|我们应当|我们必须|我们应",
    "viewpoint": r"那些认为|有人认为|有观点认为|一种观点|从这个角度来?看|在这种观点(?:下|看来)|另一方面|被视为|视为|被描绘为|被认为|被看作|看法|叙事|观点",
    "conditional": r"如果|假如|假设|倘若|要是|一旦|除非|若是",
    "hedge": r"很可能|可能|也许|或许|大概|似乎|看起来|看来|恐怕|未必|可以|能够|很难|难以|在很大程度上|在某种程度上|某种程度上|一定程度上",
    "prediction": r"将会|将要|或将|注定|预计|有望|将决定|将保持",
    "open_question": r"是否|能否|会不会|是不是|能不能",
    "normative": r"应该|应当|必须|需要|不应|值得|理应",
    "inference": r"这意味着|意味着|这就是|(?<!没有)(?<!未)表明|说明了?|因此|所以|因而|象征着?|证明了|在于|关乎|取决于|归根结底|简而言之|总之|一定是|显然",
    "evaluative": r"令人瞩目|令人震惊|令人担忧|毁灭性|为时过早|悬而未决|真正的考验|转折点|毋庸置疑|不言而喻",
    "source": r"根据|依据|援引|据(?!说|此|悉|了解)",
    "attribution": r"声称|宣称|称(?![为之号赞作])|表示|(?<![是以如来话小])说(?![明服法])|指出|认为|描述|透露|宣布|强调|写道|告诉|承认|否认|归因于|证实|提醒",
    "comparison": r"最(?![终初近后])|超过|高于|低于|多于|少于|领先|落后于?|不如|相比|比起|主导|第一|唯一|首次|首个|倍",
    "quantity": r"只有|仅有|仅为|达到|多达|高达|不到(?=[\d一二三四五六七八九十百千万亿几两])|不足(?=[\d一二三四五六七八九十百千万亿几两])|以上|以下|至少|将近|大约|总共|共计",
    "change": r"增长|下降|减少|增加|上升|下跌|翻番|翻倍|缩减|扩大",
    "event": r"设立|成立|创立|创办|推出|发布|会面|会见|签署|禁止|允许|获得|收购|并购|融资|上市|裁员|关闭|访问|任命|辞职|起诉|发货|投资|出台|颁布|实施",
    "fact": r"事实上|实际上|历史上|迄今为止|至今|从未|从来|曾经|曾在|已经",
    "question_word": r"如何|怎样|怎么|为什么|为何|多久|多少|哪些|哪个|什么|吗|呢",
}


def _first_characters(patterns):
    """The characters a cue word can start with (after any lookbehind)."""
    first = set()
    for words in patterns:
        for word in re.split(r"\|(?![^(]*\))", words):
            first.add(re.sub(r"^(?:\(\?<!?[^)]*\))+", "", word)[0])
    return "".join(sorted(first))


# The lookahead lets the regex engine skip, in one test, the many positions where no cue
# word starts; without it every alternative is tried at every character (3-4x slower).
CUE_RE = re.compile(f"(?=[{_first_characters(CUES.values())}])(?:" + "|".join(f"(?P<{kind}>{words})" for kind, words in CUES.items()) + ")")

FINDING_LISTS = {"comparison": "comparisons", "quantity": "quantities", "change": "changes", "event": "events", "fact": "facts"}
DATE_RE = re.compile(
    r"(?:(?:1[5-9]|20)\d{2}|[一二〇零]{4})\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?)?"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{1,2}\s*世纪(?:\s*\d{2}\s*年代)?|\d{2,4}\s*年代"
)
VAGUE_NUMBER = re.compile(r"^(?:[几数上多]|[几数上]?[十百千]?[万亿]|[几数]?十)")
MAGNITUDE = re.compile(r"[十百千万亿]")
SOURCE_NAME = re.compile(
    r"(?:根据|依据|援引|据)\s*(?P<src>[^，,。；;：:\s“”\"]{1,24}?)"
    r"(?=的?(?:数据|报告|统计|调查|报道|消息|研究|分析|估计|测算)|报道|称|显示|透露|指出|表示|[，,：:]|$)"
)
# Generic words that jieba tags as names or that say nothing about who is speaking.
NOT_NAMES = {"AI", "CEO", "CTO", "CFO", "COO", "IT", "OK", "APP", "App", "PPT", "谢谢"}
NAME_TAGS = ("nr", "nrfg", "nt", "nz", "eng", "nrt")
QUESTION_END = "?？"
QUESTION_WORD = re.compile(CUES["open_question"] + "|" + CUES["question_word"])


def _names(text, tokens, i1, notable):
    """Names in a clause: (start, end, word, kind), adjacent English words joined."""
    found = []
    words, tags, starts = tokens.words, tokens.tags, tokens.starts
    skip_to = -1
    for i in notable:
        if i < skip_to:
            continue
        word, tag, start = words[i], tags[i], starts[i]
        if tag == "eng":
            j = i + 1
            # "Sam Altman", "Huang Yasheng", "Nvidia H800s": one name across single spaces.
            while j + 1 < i1 and words[j] == " " and tags[j + 1] == "eng" and words[j + 1][:1].isupper():
                j += 2
            skip_to = j
            name = text[start : starts[j - 1] + len(words[j - 1])]
            if name not in NOT_NAMES and (name[:1].isupper() or any(ch.isupper() for ch in name[1:])):
                found.append((start, start + len(name), name, "product" if any(ch.isdigit() for ch in name) else "name"))
        elif tag.startswith("nr") and len(word) == 1:
            # jieba often cuts an unknown given name off its surname: 梁/文峰.
            if i + 1 < i1:
                nxt, nxt_tag = words[i + 1], tags[i + 1]
                if 1 <= len(nxt) <= 2 and _CJK.match(nxt) and nxt_tag[:1] in ("n", "x", "a", "g") and nxt_tag not in ("ns", "nt"):
                    found.append((start, start + 1 + len(nxt), word + nxt, "person"))
                    skip_to = i + 2
        elif word not in NOT_NAMES:
            if tag in ("nr", "nrfg") and len(word) >= 2:
                found.append((start, start + len(word), word, "person"))
            elif tag == "nt" or (tag == "nz" and len(word) >= 2) or (tag == "nrt" and len(word) >= 3):
                found.append((start, start + len(word), word, "org"))
            elif tag == "ns":
                found.append((start, start + len(word), word, "place"))
    return found


def _numbers(text, tokens, i1, notable, dates_at, f):
    words, tags, starts = tokens.words, tokens.tags, tokens.starts
    skip_to = -1
    for i in notable:
        if i < skip_to:
            continue
        word, tag = words[i], tags[i]
        if tag == "m" and (any(ch.isdigit() for ch in word) or MAGNITUDE.search(word)):
            start = starts[i]
            if any(a <= start < b for a, b in dates_at):
                continue
            # Quote the number with the unit or counted thing that follows: "150名员工".
            j = i + 1
            while j < i1 and j - i <= 2 and _CJK.match(words[j]) and tags[j] not in ("x", "uj", "c", "p", "v", "d"):
                j += 1
            skip_to = j
            phrase = text[start : starts[j - 1] + len(words[j - 1])]
            if not any(ch.isdigit() for ch in word) and VAGUE_NUMBER.match(word):
                f.vague_numbers.append(phrase)
            else:
                f.numbers.append(phrase)
        elif tag in ("t", "tg") and not f.times:
            f.times.append(word)
        elif tag in ("ul", "ug") and not f.completed and i > 0:
            f.completed.append(words[i - 1] + word)


def analyse(text, clause, tokens, quoted):
    """Findings for one clause of Chinese text."""
    start, end = clause.start, clause.end
    body = text[start:end]
    f = Findings()
    _, i1, k0, k1 = tokens.span(start, end)
    notable = tokens.notable[k0:k1]
    names = _names(text, tokens, i1, notable)
    for _, _, name, kind in names:
        (f.places if kind == "place" else f.names).append(name)
    dates_at = []
    for m in DATE_RE.finditer(body):
        f.dates.append(m.group())
        dates_at.append((start + m.start(), start + m.end()))
    _numbers(text, tokens, i1, notable, dates_at, f)

    # Stance and attribution are read outside quoted terms: words in a nested quotation
    # are someone else's, not this clause's.
    plain = _blank_quoted(body, start, quoted)
    if plain is not body:
        f.inline_quote = True
    first_attribution = None
    question_word = False
    for m in CUE_RE.finditer(plain):
        kind, word = m.lastgroup, m.group()
        if kind in ("source", "attribution"):
            if first_attribution is None:
                first_attribution = (kind, m.start(), word)
        elif kind == "question_word":
            question_word = True
        elif kind in FINDING_LISTS:
            getattr(f, FINDING_LISTS[kind]).append(word)
        else:
            f.stance.setdefault(kind, []).append(word)

    f.question = body.rstrip()[-1:] in QUESTION_END or (question_word and plain.rstrip().endswith(("吗", "呢")))
    if first_attribution:
        _speaker(f, plain, start, names, first_attribution)
    if f.question or "open_question" in f.stance:
        f.presupposes = _presupposition(plain, start, names, dates_at, f)
    content = len(body) if len(body) > 40 else sum(1 for ch in body if ch.isalnum())
    f.short = content < 6
    if content <= 12 and names and all(k in ("person", "name", "org") for *_, k in names):
        covered = sum(len(n) for _, _, n, _ in names)
        if covered >= content - 1:
            f.label = body.strip()
    return f


def _blank_quoted(body, start, quoted):
    """The clause with quoted terms and nested quotations blanked out."""
    end = start + len(body)
    if quoted.find(1, start, end) < 0:
        return body
    chars = list(body)
    for k in range(start, end):
        if quoted[k]:
            chars[k - start] = "　"
    return "".join(chars)


def _speaker(f, plain, start, names, first):
    kind, pos, word = first
    if kind == "source":
        m = SOURCE_NAME.match(plain, pos)
        if m and m.group("src") and not m.group("src").startswith(("报道", "说")):
            f.speaker, f.attribution, f.source = m.group("src"), word, True
        return
    # The speaker is the name closest before the verb: "何晓冬对媒体称", "Nvidia表示",
    # "Huang Yasheng等学者将…归因于". A gap with 的 or a comma belongs to another phrase.
    verb_at = start + pos
    for _, n_end, name, n_kind in reversed(names):
        if n_end > verb_at or n_kind in ("place", "product"):
            continue
        gap = plain[n_end - start : pos]
        if (len(gap) <= 6 and "的" not in gap and not any(ch in "，,。；;：:" for ch in gap)) or (
            gap.startswith("等") and not any(ch in "，,。；;：:" for ch in gap)
        ):
            f.speaker, f.attribution = name, word
        break


def _presupposition(plain, start, names, dates_at, f):
    """The subject of a question, when it names two concrete things and so asserts their relation."""
    if "conditional" in f.stance:
        return ""
    m = QUESTION_WORD.search(plain)
    if not m:
        return ""
    subject = plain[: m.start()]
    if "的" not in subject:
        return ""
    subject_end = start + m.start()
    concrete = {n for s, _, n, k in names if s < subject_end and k != "place"}
    concrete |= {d for d, (s, _) in zip(f.dates, dates_at, strict=False) if s < subject_end}
    if len(concrete) < 2:
        return ""
    return subject.strip(" ，,　")
