"""Where claims can sit: paragraphs without boilerplate, quotations, sentences, clauses.

Every position here is a code point offset into the original essay text. Nothing is
copied or rewritten, so each span can be sliced back out of the essay verbatim.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field

import pysbd

# Sentence ends for Chinese text (English goes through pysbd). An ASCII full stop only
# counts before whitespace, so "3.5" and "H800s/A100" stay whole; "……" is left out on
# purpose: Chinese writers use it for trailing off inside a sentence.
ZH_SENTENCE_END = re.compile(r"[。！？!?]+|[.．](?=\s|$)")

# Clause boundaries inside a Chinese sentence: semicolons, colons, dashes and every comma (an
# ASCII comma only when it does not group digits, "85,374"). Each clause is one candidate claim:
# "出口增长5%，进口下降3%，顺差达1000亿元" is three atomic claims, not one; a clause too short to
# stand alone ("7月份", "截至4月底") is joined to the next one (see _clauses).
ZH_CLAUSE_BREAK = re.compile(r"[；;]|[：:]|——+|—|-{2,}|[，,]|[…⋯]{2,}")
EN_CLAUSE_BREAK = re.compile(r";\s|:\s|\s[—–]\s|\s--\s|,\s")

LINE = re.compile(r"[^\n\r\u2028\u2029]+")
# A line made only of rule characters: "------", "====", "***", "———", box drawing.
# One character class, so a long line that almost matches costs one pass, not a backtrack.
SEPARATOR_LINE = re.compile(r"[\-=_*~#·•—–.。…\u2500-\u257f\s]{3,}")
# Notices a site appends when it republishes an essay: never the author's claims.
BOILERPLATE_LINE = re.compile(
    r"[【\[(（]?\s*(?:"
    r"版权声明|免责声明|版权所有|转载声明|本文(?:信息)?(?:版权|转载|来源|来自|经授权)|转载(?:请|自)|原文(?:链接|标题|地址)"
    r"|来源\s*[:：]|责任编辑|(?:点击|长按|扫描|扫码)(?:关注|二维码|阅读原文)|关注(?:我们|公众号)"
    r"|copyright\b|©|\(c\)\s|all rights reserved|this (?:article|story|essay|piece) (?:was|first|originally)"
    r"|originally (?:published|appeared)|republished (?:from|with)|reprinted (?:from|with)|disclaimer\s*:"
    r")",
    re.IGNORECASE,
)

ZH_QUOTES = {"“": "”", "‘": "’", "「": "」", "『": "』", '"': '"'}
# English uses ’ as an apostrophe, so single curly quotes cannot be paired reliably.
EN_QUOTES = {"“": "”", '"': '"'}
BRACKETS = {"(": ")", "（": "）", "[": "]", "【": "】", "《": "》", "〈": "〉"}

SPEECH_VERB_BEFORE_ZH = re.compile(
    r"(?:说|說|称|稱|表示|道|问|問|指出|强调|強調|回应|回應|坦言|写道|寫道|透露|宣布|说明|說明|补充|補充|提到|介绍|介紹)[，,：:]?\s*$"
)
SPEECH_VERB_BEFORE_EN = re.compile(
    r"\b(?:said|says|say|told(?:\s+\w+)?|asked|added|wrote|writes|explained|recalled|replied|declared|insisted)\s*[,:]?\s*$",
    re.IGNORECASE,
)
TAIL_ZH = re.compile(
    r"[，,]?\s*(?:他|她|他们|她们|他們|她們|[^，,。；;！？!?“”「」]{1,24}?)"
    r"(?:说道?|說道?|表示|称|稱|补充道?|補充道?|写道|寫道|回忆道|回憶道|坦言|指出|强调|強調|提到|说明|說明|透露|介绍|介紹)\s*(?:[，,。；;！!？?]|$)"
)
TAIL_EN = re.compile(
    r",?\s*(?:(?:said|says|added|asked|wrote|explained|recalled|replied|told|stated|noted)\b"
    r"|(?:he|she|they|(?:the\s+)?[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,5})\s+(?:said|says|added|wrote|explained|recalled|told|stated|noted|tells)\b)"
)

CLOSERS = "”’」』)）]】》〉"
TERMINALS = "。！？!?.．"
# Stripped from both ends of a span, besides whitespace and invisible characters
# (controls, RTL/LTR marks, zero-width spaces, BOM): separators that sit between clauses.
SEPARATORS = set(",，、;；:：—–-…·・~～")
LEAD_STRIP = SEPARATORS | set(CLOSERS) | set(TERMINALS) | {'"', "'"}
TRAIL_STRIP = SEPARATORS | set("“‘「『(（[【《〈")

# Beyond this, pysbd's run time grows faster than linearly; the chunks are cut at a
# likely sentence end so pysbd still sees whole sentences.
PYSBD_CHUNK = 1500
_EN_LIKELY_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


@dataclass(slots=True)
class Quotation:
    """A passage in quotation marks that reports someone's words (not a quoted term)."""

    open: int  # offset of the opening mark
    close: int  # offset of the closing mark
    block: int = 0  # paragraph number
    intro: int = -1  # index of the clause that introduces it ("梁文峰:", "he said,")
    tail: int = -1  # index of the clause that attributes it afterwards ("..., said X")
    speaker: str = ""


@dataclass(slots=True)
class Clause:
    start: int
    end: int
    sentence: int  # running sentence number across the essay
    role: str = "text"  # text | quote (inside a quotation) | intro | tail
    quotation: int = -1  # index into Segmentation.quotations
    after: str = "start"  # what separates it from the previous clause: start | semicolon | colon | dash | comma


@dataclass(slots=True)
class Segmentation:
    clauses: list = field(default_factory=list)
    quotations: list = field(default_factory=list)
    quoted: bytearray = field(default_factory=bytearray)  # 1 at each character of a quoted term or nested quotation
    blocks: list = field(default_factory=list)  # (start, end) of every paragraph kept


# Structure, not claims: bylines, photo captions and credit lines (the whole line), and the
# dateline that opens a news item (cut off the paragraph it starts).
STRUCTURE_LINE = re.compile(
    r"[(\[]?(?:by|written by|reporting by|photo(?:graph)?s?|images?|pictures?|illustrations?|credits?|caption|video)\b\s*(?:by\b|[:：|/])"
    r"|[(\[](?:reporting|writing|editing|additional reporting) by\b.{0,200}[)\]]\s*$"
    r"|by\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}(?:\s*(?:,|and|&)\s*[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})*\s*(?:[,|]\s*[\w .'’&-]{1,40})?$"
    r"|.{0,200}(?:\((?:AP|AFP|Reuters|Getty)(?: Images)?(?: Photo)?[/ ][^()]{0,60}\)|/\s*(?:Getty Images|AFP|AP|Reuters|Bloomberg|Shutterstock))\s*$"
    r"|(?:记者|記者|文|图|圖|作者|撰文|编辑|編輯|责编|責編|责任编辑|摄影|攝影|图片来源|圖片來源|图源|圖源|图片|圖片|视频|視頻|供图|供圖|翻译|翻譯|校对|校對)\s*[/／:：|丨]"
    r"|[（(]?(?:图|圖)(?:为|為|片|中|：|:).{0,120}$"
    r"|.{0,60}(?:记者|記者|通讯员|通訊員).{0,30}(?:摄|攝)\s*[）)]?$",
    re.IGNORECASE,
)
DATELINE = re.compile(
    r"[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+){0,3}(?:,\s*[A-Z][A-Za-z.]{1,15}(?:\s+\d{1,2})?){0,2}\s*(?:\([A-Za-z. ]{1,30}\))?(?:\s*[—–]\s*|\s+--?\s+|(?<=\))\s*--?\s*)"
    r"|[【\[（(]?\s*(?:新华社|新華社|中新社|中新网|中新網|中央社|中通社|本报|本報|[^\s，,。、]{1,8}?(?:社|网|網|报|報|台))"
    r"[^\s，,。、]{0,16}?(?:\d{1,2}\s*月\s*)?\d{1,2}\s*日\s*(?:电|電|讯|訊)\s*(?:[（(](?:记者|記者)[^）)]{1,40}[）)])?[】\]）)]?[\s/／]*"
    r"|[【\[]?本[报報](?:[^\s，,。]{0,8})?[讯訊](?:[（(][^）)]{1,40}[）)])?[】\]]?\s*"
)
LIST_ITEM = re.compile(r"(?:[-*•·●▪◦]|\d{1,3}[.、)）]|[（(]\d{1,3}[）)]|[一二三四五六七八九十]+、)\s*")


def paragraphs(text, language):
    """(start, end) of each paragraph, without separator lines, republication notices and structure.

    Lines are paragraphs, except that a long line without closing punctuation is joined
    with the next one: that is a hard-wrapped sentence, not a heading. Titles, sub-heads,
    bylines, captions and credit lines are left out, and a dateline is cut off the
    paragraph it opens: they are the page's structure, never merged into a claim.
    """
    blocks = []
    current = None
    previous_line = ""
    lines = list(LINE.finditer(text))
    for n, m in enumerate(lines):
        line = m.group().strip()
        if not line or SEPARATOR_LINE.fullmatch(line) or BOILERPLATE_LINE.match(line) or STRUCTURE_LINE.match(line):
            current = None
            continue
        following = lines[n + 1] if n + 1 < len(lines) else None
        if n and current is not None:
            gap = text[lines[n - 1].end() : m.start()].replace("\r\n", "\n")
            if sum(gap.count(ch) for ch in "\n\r\u2028\u2029") >= 2:
                current = None  # a blank line ends the paragraph
        if _is_heading(text, line, m, following, not blocks and current is None, language):
            current = None
            continue
        if current is not None and _is_wrapped(previous_line, line, language):
            current[1] = m.end()
        else:
            start = m.start() + len(m.group()) - len(m.group().lstrip())
            dateline = DATELINE.match(text, start, m.end())
            if dateline and dateline.end() < m.end() and (language == "zh" or dateline.group()[:2].isupper()):
                start = dateline.end()
            current = [start, m.end()]
            blocks.append(current)
        previous_line = line
    return [tuple(b) for b in blocks]


def _is_heading(text, line, m, following, first, language):
    """A title or a sub-head: a short line without closing punctuation standing alone (the first line, or before a blank line)."""
    if line[-1] in TERMINALS or line[-1] in "”’\"'」』:：,，;；" or LIST_ITEM.match(line):
        return False
    if language == "zh":
        short = len(line) <= 40
    else:
        short = len(line) <= 120 and len(line.split()) <= 16
    if not short:
        return False
    if first or following is None:
        return True
    gap = text[m.end() : following.start()].replace("\r\n", "\n")
    return sum(gap.count(ch) for ch in "\n\r\u2028\u2029") >= 2


def _is_wrapped(previous, line, language):
    """Both lines are stripped and not empty."""
    if previous[-1] in TERMINALS + CLOSERS or len(previous) < (20 if language == "zh" else 40):
        return False
    return language == "zh" or line[0].islower() or line[0].isdigit()


def pair_marks(text, start, end, table):
    """Pairs (open, close, depth) of quotation marks or brackets in text[start:end].

    Unclosed marks are ignored, so a stray quote cannot swallow the rest of the essay.
    """
    closers = {}
    for o, c in table.items():
        closers.setdefault(c, set()).add(o)
    pattern = re.compile("[" + re.escape("".join(set(table) | set(table.values()))) + "]")
    stack = []
    pairs = []
    for m in pattern.finditer(text, start, end):
        ch = m.group()
        pos = m.start()
        if ch in table and table[ch] == ch:  # a straight quote opens or closes
            if stack and stack[-1][0] == ch:
                o = stack.pop()
                pairs.append((o[1], pos, len(stack)))
            else:
                stack.append((ch, pos))
            continue
        if ch in table:
            stack.append((ch, pos))
            continue
        openers = closers.get(ch, ())
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth][0] in openers:
                pairs.append((stack[depth][1], pos, depth))
                del stack[depth:]
                break
    pairs.sort()
    return pairs


def _invisible(ch):
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def trim(text, start, end):
    """Narrow [start, end) to its content: no surrounding spaces, marks or separators."""
    unpaired = set()  # marks whose partner is not in the span; the span only shrinks, so it stays so
    while True:
        while start < end and (text[start] in LEAD_STRIP or _invisible(text[start])):
            start += 1
        while end > start and (text[end - 1] in TRAIL_STRIP or _invisible(text[end - 1])):
            end -= 1
        if end <= start:
            return start, start
        # A closing mark at the end without its opener inside, or an opening mark at the
        # start without its closer, is a stray from a neighbouring clause.
        last, first = text[end - 1], text[start]
        if last in _MATCH and (last in unpaired or text.find(_MATCH[last], start, end - 1) < 0):
            unpaired.add(last)
            end -= 1
        elif first in _CLOSER_OF and (first in unpaired or text.find(_CLOSER_OF[first], start + 1, end) < 0):
            unpaired.add(first)
            start += 1
        else:
            return start, end


_MATCH = {"”": "“", "’": "‘", "」": "「", "』": "『", ")": "(", "）": "（", "]": "[", "】": "【", "》": "《", "〉": "〈"}
_CLOSER_OF = {v: k for k, v in _MATCH.items()}


def has_content(text, start, end):
    """True when the span holds at least one letter, digit or ideograph."""
    for ch in text[start : min(end, start + 64)]:
        if ch.isalnum():
            return True
    return end - start > 64 and any(ch.isalnum() for ch in text[start + 64 : end])


def segment(text, language):
    """Split the essay into clauses, each tagged with its role around quotations."""
    seg = Segmentation(quoted=bytearray(len(text)))
    sentence_no = 0
    sentence_splitter = _zh_sentences if language == "zh" else _EnSentences()
    quote_table = ZH_QUOTES if language == "zh" else EN_QUOTES
    for b_start, b_end in paragraphs(text, language):
        seg.blocks.append((b_start, b_end))
        quote_pairs = pair_marks(text, b_start, b_end, quote_table)
        protect = bytearray(b_end - b_start)  # 1 inside a quoted term or brackets: no clause break there
        speech = []
        for o, c, depth in quote_pairs:
            if not depth and _is_speech(text, o, c, b_start, language):
                speech.append((o, c))
            elif not protect[o - b_start]:  # an enclosing pair already covers nested ones
                # Words inside a quoted term or a quotation within a quotation are reported,
                # not asserted: no clause break inside, and no stance read from them.
                protect[o - b_start : c - b_start + 1] = b"\x01" * (c - o + 1)
                seg.quoted[o : c + 1] = b"\x01" * (c - o + 1)
        speech = _outermost(speech)
        for o, c, depth in pair_marks(text, b_start, b_end, BRACKETS):
            if not depth and not protect[o - b_start]:
                protect[o - b_start : c - b_start + 1] = b"\x01" * (c - o + 1)

        # The paragraph alternates: author's text, quotation, author's text, ...
        cursor = b_start
        pieces = []
        for o, c in speech:
            pieces.append((cursor, o, -1))
            seg.quotations.append(Quotation(open=o, close=c, block=len(seg.blocks)))
            pieces.append((o + 1, c, len(seg.quotations) - 1))
            cursor = c + 1
        pieces.append((cursor, b_end, -1))

        for k, (p_start, p_end, q) in enumerate(pieces):
            first = len(seg.clauses)
            for s_start, s_end in sentence_splitter(text, p_start, p_end, protect, b_start):
                sentence_no += 1
                for c_start, c_end, after in _clauses(text, s_start, s_end, protect, b_start, language):
                    # _clauses trims each clause and keeps only those with content.
                    seg.clauses.append(Clause(c_start, c_end, sentence_no, "quote" if q >= 0 else "text", q, after))
            if q >= 0 or len(seg.clauses) == first:
                continue
            # The author's clause right after a quotation may attribute it ("..., said X");
            # the one right before introduces it ("梁文峰:", "he said,").
            if k > 0:
                before_q = pieces[k - 1][2]
                head = seg.clauses[first]
                if not _crosses_sentence(text, p_start, head.start) and (TAIL_ZH if language == "zh" else TAIL_EN).match(
                    text, head.start, head.end
                ):
                    head.role, head.quotation = "tail", before_q
                    seg.quotations[before_q].tail = first
            if k + 1 < len(pieces):
                after_q = pieces[k + 1][2]
                last = seg.clauses[-1]
                if last.role == "text" and not _crosses_sentence(text, last.end - 1, p_end):
                    last.role, last.quotation = "intro", after_q
                    seg.quotations[after_q].intro = len(seg.clauses) - 1
    return seg


def _crosses_sentence(text, start, end):
    return any(ch in TERMINALS for ch in text[start:end])


def _outermost(spans):
    out = []
    for o, c in spans:
        if out and o < out[-1][1]:
            continue
        out.append((o, c))
    return out


def _is_speech(text, o, c, block_start, language):
    """A quotation reports speech when introduced or attributed like speech, or stands as its own sentence.

    Short quoted terms inside a sentence ("技术转让与本土创新" 视角, the model "works best ...")
    stay part of the author's sentence.
    """
    if c - o < 3 or not has_content(text, o + 1, c):
        return False
    before = text[max(block_start, o - 24) : o].rstrip()
    if before.endswith((":", "：")):
        return True
    verb_before = SPEECH_VERB_BEFORE_ZH if language == "zh" else SPEECH_VERB_BEFORE_EN
    if verb_before.search(before):
        return True
    after = text[c + 1 : c + 60]
    if (TAIL_ZH if language == "zh" else TAIL_EN).match(after):
        return True
    standalone = not before or before[-1] in TERMINALS + CLOSERS + "\"'"
    content = text[o + 1 : c]
    if standalone:
        head = content.lstrip()[:1]
        return bool(head) and (head.isupper() or not head.isascii()) and len(content) >= 6
    return any(ch in "。！？!?" for ch in content) and len(content) >= 20


def _zh_sentences(text, start, end, protect, base):
    cursor = start
    for m in ZH_SENTENCE_END.finditer(text, start, end):
        if protect[m.start() - base]:
            continue
        stop = m.end()
        if stop > cursor:
            yield cursor, stop
        cursor = stop
    if cursor < end:
        yield cursor, end


class _EnSentences:
    """pysbd sentence boundaries, mapped back onto exact offsets."""

    def __init__(self):
        self.segmenter = pysbd.Segmenter(language="en", clean=False)

    def __call__(self, text, start, end, protect, base):
        for c_start, c_end in _chunks(text, start, end):
            chunk = text[c_start:c_end]
            try:
                parts = self.segmenter.segment(chunk)
            except Exception:  # pysbd is third-party; a failure must not lose the text
                parts = [chunk]
            cursor = 0
            for part in parts:
                part = part.strip()
                if not part:
                    continue
                found = chunk.find(part, cursor)
                if found < 0:
                    # pysbd changed the text; keep the rest of the chunk as one sentence.
                    break
                if found > cursor and chunk[cursor:found].strip():
                    yield c_start + cursor, c_start + found
                yield c_start + found, c_start + found + len(part)
                cursor = found + len(part)
            if cursor < len(chunk) and chunk[cursor:].strip():
                yield c_start + cursor, c_end


def _chunks(text, start, end):
    while end - start > PYSBD_CHUNK:
        cut = None
        for m in _EN_LIKELY_END.finditer(text, start + PYSBD_CHUNK // 2, min(end, start + 2 * PYSBD_CHUNK)):
            cut = m.end()
            if cut - start >= PYSBD_CHUNK:
                break
        if cut is None:
            # No likely sentence end nearby: cut at a space, or anywhere.
            limit = min(end, start + 2 * PYSBD_CHUNK)
            space = text.rfind(" ", start + PYSBD_CHUNK // 2, limit)
            cut = space + 1 if space > start else limit
        yield start, cut
        start = cut
    if start < end:
        yield start, end


# Words that only link a clause to the one before ("其中,城市下降0.3%"): not a claim, and not
# worth lengthening the next clause with.
CONNECTIVES = frozenset(
    "其中 同时 同時 此外 另外 对此 對此 而 但 但是 不过 不過 然而 并且 並且 而且 因此 所以 目前 近年来 近年來 具体来看 具體來看 "
    "总体来看 總體來看 与此同时 與此同時 首先 其次 再者 最后 最後 另一方面 此前 随后 隨後 当天 當天 今年以来 今年以來 据悉 據悉 "
    "however but still also meanwhile moreover yet instead and so then indeed besides furthermore".split()
)
# An opening adverbial too thin to be a claim ("7月份", "截至4月底", "In January"): joined to the next clause.
_ZH_TIME_WORDS = re.compile(
    r"[年月日号號]|[月年]底|[月年]初|以来|以來|期间|期間|截至|截止|同期|全年|上半年|下半年|季度|[上本下]週|[上本下]周|第.{1,3}[週周]"
)
# What is left of a time phrase without its time words: "截至4月底" leaves "", "4月经济数据显示" leaves "经济数据显示".
_ZH_TIME_STRIP = re.compile(
    r"[\d０-９零〇○一二三四五六七八九十百年月日号號週周季度份底初末今去明本上下前后後第半全同期间間以来來截至止迄从從自到至~～、\s（）()]|[^\w]"
)
# An aside that only addresses the reader ("you may recall", "as you know"): dropped, the claim around it stands.
_EN_ASIDE = re.compile(
    r"(?:as\s+)?(?:you|we)\s+(?:may|might|will|can|all)\s+(?:recall|remember|know|see|agree)|as\s+(?:you|we)\s+(?:know|saw|have\s+seen)|of\s+course|to\s+be\s+sure",
    re.IGNORECASE,
)
_EN_ADVERBIAL = re.compile(r"(?:in|on|at|by|during|since|for|as of|after|before|last|this|next|like|with|among|from)\b", re.IGNORECASE)


_NOT_CONTENT = re.compile(r"[\W_]")


def _thin(text, start, end, language):
    """'join' when the clause only opens the next one, 'drop' when it is a bare connective, else ''."""
    body = text[start:end]
    if language == "zh":
        if body in CONNECTIVES:
            return "drop"
        if len(body) > 12:
            return ""
        content = len(body) - len(_NOT_CONTENT.findall(body))
        if body in CONNECTIVES:
            return "drop"
        if content <= 3 or (content <= 10 and _ZH_TIME_WORDS.search(body) and len(_ZH_TIME_STRIP.sub("", body)) <= 2):
            return "join"
        return ""
    words = body.split()
    if body.lower() in CONNECTIVES or _EN_ASIDE.fullmatch(body):
        return "drop"
    if len(words) < 3 or (
        len(words) <= 4 and _EN_ADVERBIAL.match(body) and not re.search(r"\d[\d,.]*\s*(?:%|percent|million|billion)", body)
    ):
        return "join"
    return ""


def _clauses(text, start, end, protect, base, language):
    """(start, end, after) of each clause of a sentence, trimmed, thin openers joined to what follows."""
    raw = []
    cursor = start
    after = "start"
    pattern = ZH_CLAUSE_BREAK if language == "zh" else EN_CLAUSE_BREAK
    for m in pattern.finditer(text, start, end):
        pos = m.start()
        if protect[pos - base]:
            continue
        mark = m.group().strip() or m.group()
        if mark[0] in ":：,，—-":
            # Times (10:30), figures (85,374) and addresses (https://) are not clause breaks.
            if pos > start and text[pos - 1].isdigit() and m.end() < end and text[m.end()].isdigit():
                continue
            if text.startswith("//", m.end()):
                continue
        if pos > cursor:
            raw.append((cursor, pos, after))
        cursor = m.end()
        after = {";": "semicolon", "；": "semicolon", ":": "colon", "：": "colon", ",": "comma", "，": "comma"}.get(mark[0], "dash")
    if cursor < end:
        raw.append((cursor, end, after))
    pieces = []
    for c_start, c_end, after in raw:
        c_start, c_end = trim(text, c_start, c_end)
        if c_end > c_start and has_content(text, c_start, c_end):
            pieces.append([c_start, c_end, after, _thin(text, c_start, c_end, language)])
    out = []
    pending = None  # a thin opener waiting for the clause it opens
    for k, (c_start, c_end, after, thin) in enumerate(pieces):
        if thin == "drop":
            if pending is None:
                continue
            thin = "join"
        if pending is not None:
            c_start, after = pending[0], pending[2]
            pending = None
        if thin == "join" and k + 1 < len(pieces) and pieces[k + 1][2] == "comma":
            pending = (c_start, c_end, after)
            continue
        if thin == "join" and out and after == "comma":
            # A thin clause at the end ("respectively", "据悉"): it belongs to the one before.
            out[-1] = (out[-1][0], c_end, out[-1][2])
            continue
        out.append((c_start, c_end, after))
    if pending is not None:
        out.append(pending)
    return out


@functools.lru_cache(maxsize=16)
def sentence_starts(text, language=None):
    """Offsets where a sentence of `text` begins, as the engine splits it (0 first; more after each sentence end), a tuple.

    The desk's pages use it to show the sentences around a claim, so that they and the
    engine agree on where a sentence ends ("3.5" and "H800s/A100" are not cut; "……" is not an end).
    """
    if language is None:
        from . import detect_language  # the package imports this module

        language = detect_language(text)
    starts = [0]
    zero = bytearray(len(text))
    splitter = _zh_sentences if language == "zh" else _EnSentences()
    for m in LINE.finditer(text):
        for s_start, _s_end in splitter(text, m.start(), m.end(), zero, 0):
            s_start, _ = trim(text, s_start, _s_end)
            if s_start > starts[-1]:
                starts.append(s_start)
    return tuple(starts)
