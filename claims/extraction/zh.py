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

_NOT_CONTENT = re.compile(r"[\W_]")
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
        # The few future markers (将, 会 as words of their own), found once for the whole text.
        future_words = FUTURE_WORDS.intersection(tag_of)
        words, tags = self.words, self.tags
        self.future = [i for i, w in enumerate(words) if w in future_words and tags[i] in FUTURE_TAGS] if future_words else []

    def span(self, start, end):
        """Word positions [i0, i1) of a clause, and the range [k0, k1) of its notable words."""
        i0, i1 = bisect.bisect_left(self.starts, start), bisect.bisect_left(self.starts, end)
        return i0, i1, bisect.bisect_left(self.notable, i0), bisect.bisect_left(self.notable, i1)


# Cue words, longest first inside each group so the longer phrase wins; Simplified and Traditional.
CUES = {
    "opinion": r"在我看来|在我看來|依我看|笔者认为|筆者認為|笔者以为|个人认为|個人認為|我不认为|我不認為|我认为|我認為|我觉得|我覺得|我不相信"
    r"|我相信|我希望|我必须承认|我承认|我承認|我猜|我怀疑|我懷疑|我确信|我確信|我们应该|我們應該|我们应当|我们必须|我們必須|我们应",
    "viewpoint": r"那些认为|有人认为|有人認為|有观点认为|一种观点|从这个角度来?看|在这种观点(?:下|看来)|另一方面|被视为|被視為|视为|視為|被描绘为"
    r"|被认为|被認為|被看作|看法|叙事|敘事|观点|觀點",
    "conditional": r"如果|假如|假设|假設|倘若|要是|一旦|除非|若是",
    "hedge": r"很可能|可能|也许|也許|或许|或許|大概|似乎|看起来|看起來|看来|看來|恐怕|恐(?=[增将將會会怕])|未必|很难|很難|难以|難以"
    r"|在很大程度上|在某种程度上|某种程度上|一定程度上|据称|據稱|据说|據說",
    "modal": r"可以|能够|能夠|得以",
    "prediction": r"将会|將會|将要|將要|还将|還將|还会|還會|或将|或將|注定|预计|預計|预估|預估|有望|可望|料将|料將|即将|即將"
    r"|未来|未來|明年|下一步|展望",
    "plan": r"计划|計劃|计画|計畫|拟|擬|打算|准备|準備|力争|力爭|争取|爭取|希望|旨在|致力|呼吁|呼籲|提醒|建议|建議",
    "open_question": r"是否|能否|会不会|會不會|是不是|能不能",
    "normative": r"应该|應該|应当|應當|必须|必須|需要|不应|不應|值得|理应|理應",
    "inference": r"这意味着|這意味著|意味着|意味著|这就是|這就是|因此|所以|因而|象征着?|象徵著?|证明了|證明了|在于|在於|关乎|關乎|取决于|取決於"
    r"|归根结底|歸根結底|简而言之|簡而言之|总之|總之|一定是|显然|顯然",
    "evaluative": r"令人瞩目|令人矚目|令人震惊|令人震驚|令人担忧|令人擔憂|毁灭性|毀滅性|为时过早|為時過早|悬而未决|懸而未決|真正的考验|真正的考驗"
    r"|转折点|轉折點|毋庸置疑|不言而喻|重中之重|蓬勃发展|蓬勃發展|不断涌现|不斷湧現|显著|顯著|积极|積極|坚实|堅實|强劲|強勁|有力|深刻"
    r"|全方位|高质量|高質量|世界领先|世界領先|可谓|可謂|非常|极其|極其|十分|日益|不断|不斷|稳中向好|穩中向好|向好|活力|更加|自傲",
    "source": r"根据|根據|依据|依據|援引"
    r"|(?<![数數票证證收依根占佔盘盤凭憑论論字])据(?!说|此|悉|了解|称)|(?<![数數票证證收依根占佔盘盤凭憑论論字])據(?!說|此|悉|了解|稱)",
    "attribution": r"声称|聲稱|宣称|宣稱|称(?![为之号赞作])|稱(?![為之號讚作])|表示|(?<![是以如来來话話小])说(?![明服法])|(?<![是以如来來话話小])說(?![明服法])"
    r"|说明|說明|指出|认为|認為|描述|透露|宣布|宣佈|强调|強調|写道|寫道|告诉|告訴|承认|承認|否认|否認|归因于|歸因於|证实|證實"
    r"|补充|補充|提到|坦言|介绍(?!会)|介紹(?!會)|分析|解释|解釋|回应|回應|披露|公布(?!会)|公佈(?!會)|发布(?!会)|發布(?!會)|发表(?!会)|發表(?!會)|测算|測算|估计|估計|显示|顯示|表明|指(?=[，,:：])|形容|提出(?=\s*$)|感嘆|感叹|坦承|直言|证实|證實|警告|呼應|呼应|答覆|答复|表態|表态|承諾|承诺",
    "comparison": r"最(?![终終初近后後])|超过|超過|高于|高於|低于|低於|多于|多於|少于|少於|领先|領先|落后于?|落後於?|不如|相比|比起|第一|唯一|首次"
    r"|首个|首個|倍|较(?=[前上去同])|較(?=[前上去同])|比上|同比|环比|環比|持平|相当|相當|相同",
    "quantity": r"只有|仅有|僅有|仅为|僅為|达到|達到|多达|多達|高达|高達|达|達|不到(?=[\d一二三四五六七八九十百千万萬亿億几幾两兩])"
    r"|不足(?=[\d一二三四五六七八九十百千万萬亿億几幾两兩])|以上|以下|至少|将近|將近|大约|大約|总共|總共|共计|共計|累计|累計|约|約|逾|近",
    "change": r"增长|增長|下降|减少|減少|增加|上升|下跌|上涨|上漲|下滑|回升|回落|收窄|扩大|擴大|翻番|翻倍|缩减|縮減|突破|跌|升|涨|漲|降",
    "event": r"设立|設立|成立|创立|創立|创办|創辦|推出|发布会|發布會|会面|會面|会见|會見|签署|簽署|禁止|允许|允許|获得|獲得|收购|收購|并购|並購"
    r"|上市|裁员|裁員|关闭|關閉|访问|訪問|任命|辞职|辭職|起诉|起訴|发货|發貨|出台|颁布|頒布|实施|實施|通过|通過|举行|舉行|开幕|開幕|召开|召開"
    r"|建成|落成|启用|啟用|中标|中標|新增|检出|檢出|配送|增购|增購|视察|視察|商讨|商討|推动|推動|建立|担任|擔任|要求|回报|回報|签约|簽約|入驻|進駐"
    r"|开通|開通|发射|發射|交付|完成|启动|啟動|批准|核准|撤销|撤銷|判决|判決|逮捕|死亡|身亡|罹难|罹難|遇难|遇難|当选|當選|就任|上任",
    "fact": r"事实上|事實上|实际上|實際上|历史上|歷史上|迄今为止|迄今為止|至今|从未|從未|从来|從來|曾经|曾經|曾在",
    "question_word": r"如何|怎样|怎樣|怎么|怎麼|为什么|為什麼|为何|為何|多久|多少|哪些|哪个|哪個|什么|什麼|吗|嗎|呢",
}
# Frames that invite the reader to look without hedging what follows.
FRAME_HEDGE = re.compile(
    r"(?:如果|若)(?:你|您|我们|我們)?(?:看一下|看看|仔细看|細看|翻开|翻開)[^，,。]{0,12}?(?:就会|就會|便会|便會)?(?:发现|發現|看到)"
    r"|(?:我们|我們|你|您)?(?:可以|不难|不難)(?:看到|发现|發現|看出)|众所周知|眾所周知|如你所知|大家都知道|你也许记得|你也許記得"
)
# Single-character future markers, read from jieba's words so that 将 in 将近 or 会 in 社会/委员会 is not one.
FUTURE_WORDS = frozenset("将 將 会 會 将会 將會 还将 還將 还会 還會 将要 將要 要 料".split())
FUTURE_TAGS = ("d", "v")


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
# A figure as written: digits (ASCII or full-width, grouped by commas), a magnitude, a unit.
UNIT = (
    r"个百分点|個百分點|百分点|百分點|%|％|‰|倍|人次|亿元|億元|万元|萬元|美元|港元|港币|港幣|元|亿|億|万|萬|名|个|個|家|例|项|項|件|户|戶"
    r"|辆|輛|吨|噸|剂|劑|座|所|款|条|條|人|岁|歲|平方米|公里|千米|米|天|小时|小時|分钟|分鐘|秒|台|部|张|張|篇|位|只|头|頭|架|艘|套|宗|起"
)
FIGURE_RE = re.compile(
    r"(?<![A-Za-z\dＡ-Ｚａ-ｚ０-９])[\d０-９](?:[\d０-９]|[,，.．](?=[\d０-９]))*\s*[十百千万萬亿億兆]*\s*[多余餘]?\s*(?:" + UNIT + r")?"
    r"|百分之[零〇一二三四五六七八九十百点點]+"
    r"|[零〇一二三四五六七八九十百千万萬亿億两兩点點]{2,}[多余餘]?(?:" + UNIT + r")"
    r"|[一二三四五六七八九]成[一二三四五六七八九]?"
    r"|(?<![零〇一二三四五六七八九十百千万萬亿億两兩点點])[二三四五六七八九十两兩](?:例|名|人次|倍|宗|起|劑|剂|萬|万|億|亿)"
)
# A number that is a time: "4月", "12日", "第50週", "10时".
TIME_AFTER = re.compile(r"\s*(?:月|日|号|號|时|時|点(?!\d)|週|周|季度|世纪|世紀)")

DATE_RE = re.compile(
    r"(?:(?:1[5-9]|20)\d{2}|[一二〇零○]{4}|[一二]\s*[0０〇零○]\s*[0-9０-９〇零○一二三四五六七八九]{2})\s*年(?:\s*\d{1,2}\s*月份?(?:\s*\d{1,2}\s*[日号號])?)?"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号號]|\d{1,2}\s*世[纪紀](?:\s*\d{2}\s*年代)?|\d{2,4}\s*年代"
    r"|(?:民國|民国)\s*\d{2,3}\s*年|\d{1,2}\s*月份?|[一二三四五六七八九十]{1,3}月(?:[一二三四五六七八九十]{1,3}日)?"
)
VAGUE_NUMBER = re.compile(r"^(?:[几幾数數上多]|[几幾数數上]?[十百千]?[万萬亿億]|[几幾数數]?十)")
# Generic words that jieba tags as names or that say nothing about who is speaking.
NOT_NAMES = {"AI", "CEO", "CTO", "CFO", "COO", "IT", "OK", "APP", "App", "PPT", "谢谢", "謝謝", "GDP", "CPI", "PPI", "PMI"}
QUESTION_END = "?？"
QUESTION_WORD = re.compile(CUES["open_question"] + "|" + CUES["question_word"])
# Surnames (Simplified and Traditional): jieba's HMM tags many unknown two- or three-character
# words as person names (福祉, 牛鼻子); a person's name starts with one of these.
SURNAMES = frozenset(
    "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何高林罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧曹彭曾肖萧蕭田董袁潘于蒋蔣蔡余杜叶葉程苏蘇魏吕呂丁任沈姚卢盧"
    "姜崔钟鐘鍾谭譚陆陸汪范金石廖贾賈夏韦韋付傅方白邹鄒孟熊秦邱江尹薛闫閻段雷侯龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬钱錢严嚴覃武戴莫孔向汤湯常温溫"
    "康施文牛樊葛邢安齐齊易乔喬伍庞龐颜顏倪庄莊聂聶章鲁魯岳翟殷詹申欧歐耿关關兰蘭焦俞左柳甘祝包宁寧尚符舒阮柯纪紀梅童凌毕畢单單季裴霍涂游卓"
    "简簡洪连連賴赖巫翁蔺藺粟卜柴"
)
# Organisations end with one of these (局, 部, 署, 院, …): "国家统计局", "疾管署", "中国信通院".
ORG_END = re.compile(
    r"(?<!所有)(?<!这些)(?<!這些)(?:局|部|署|院|处|處|会|會|委|所|司|厅|廳|办|辦|中心|银行|銀行|公司|集团|集團|大学|大學|协会|協會|政府|机构|機構|组织|組織|团队|團隊|党|黨"
    r"|发言人|發言人|报告|報告|研究|调查|調查|社|网|網|报|報|台|署长|署長|部长|部長|局长|局長|主任|总裁|總裁|主席|首相|总统|總統|院长|院長|市长|市長"
    r"|议员|議員|立委|教授|专家|專家|分析师|分析師|经济学家|經濟學家|官员|官員|负责人|負責人|理事长|理事長|董事长|董事長|执行长|執行長|司长|司長|总监|總監)$"
)
PRONOUNS = frozenset("他 她 他们 她们 他們 她們 该局 該局 该部 該部 该署 該署 该公司 該公司 当局 當局 对方 對方 官方".split())


def _is_person(word):
    if not 2 <= len(word) <= 4 or word[0] not in SURNAMES:
        return False
    # 牛鼻子: surname + a dictionary noun is a word, not a name.
    rest = word[1:]
    return not (len(rest) >= 2 and jieba.dt.FREQ.get(rest, 0) > 50)


def _looks_like_name(word):
    return len(word) >= 2 and word[0] in SURNAMES and all("\u4e00" <= ch <= "\u9fff" for ch in word)


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
            if i + 1 < i1 and word in SURNAMES:
                nxt, nxt_tag = words[i + 1], tags[i + 1]
                if 1 <= len(nxt) <= 2 and _CJK.match(nxt) and nxt_tag[:1] in ("n", "x", "a", "g") and nxt_tag not in ("ns", "nt"):
                    found.append((start, start + 1 + len(nxt), word + nxt, "person"))
                    skip_to = i + 2
        elif word not in NOT_NAMES:
            if tag in ("nr", "nrfg") and _is_person(word):
                found.append((start, start + len(word), word, "person"))
            elif tag == "nt" or (tag == "nz" and len(word) >= 3) or (tag == "nrt" and len(word) >= 3):
                found.append((start, start + len(word), word, "org"))
            elif tag == "ns":
                found.append((start, start + len(word), word, "place"))
    return found


def _figures(body, start, dates_at, f):
    for m in FIGURE_RE.finditer(body):
        a, b = m.span()
        phrase = m.group().rstrip()
        if not phrase or any(x <= start + a < y for x, y in dates_at):
            continue
        if phrase[-1].isdigit() and b < len(body) and ("A" <= body[b] <= "z" or "Ａ" <= body[b] <= "ｚ") and body[b].isalpha():
            continue  # 5G, 3D: part of a name
        if phrase[-1:].isdigit() or phrase[-1] in "十百千万萬亿億兆":
            if TIME_AFTER.match(body, b):
                continue  # 4月, 12日, 第50週: a time, read by DATE_RE or not at all
        if a > 0 and body[a - 1] == "第":
            continue  # an ordinal
        f.numbers.append(phrase)


def _tokens_read(text, tokens, i0, i1, notable, f):
    words, tags = tokens.words, tokens.tags
    for i in notable:
        word, tag = words[i], tags[i]
        if tag == "m" and not f.vague_numbers and not any(ch.isdigit() for ch in word) and VAGUE_NUMBER.match(word):
            f.vague_numbers.append(word)
        elif tag in ("t", "tg") and not f.times:
            f.times.append(word)
        elif tag in ("ul", "ug") and not f.completed and i > 0:
            f.completed.append(words[i - 1] + word)
    future = tokens.future
    for k in range(bisect.bisect_left(future, i0), bisect.bisect_left(future, i1)):
        i = future[k]
        if words[i] == "要":
            continue  # 要 is mostly "must" or "want": normative, not a forecast
        f.stance.setdefault("prediction", []).append(words[i])


def analyse(text, clause, tokens, quoted):
    """Findings for one clause of Chinese text."""
    start, end = clause.start, clause.end
    body = text[start:end]
    f = Findings()
    i0, i1, k0, k1 = tokens.span(start, end)
    notable = tokens.notable[k0:k1]
    names = _names(text, tokens, i1, notable)
    for _, _, name, kind in names:
        (f.places if kind == "place" else f.names).append(name)
        if kind == "person":
            f.persons.append(name)
    dates_at = []
    for m in DATE_RE.finditer(body):
        f.dates.append(m.group())
        dates_at.append((start + m.start(), start + m.end()))
    _figures(body, start, dates_at, f)
    _tokens_read(text, tokens, i0, i1, notable, f)

    # Stance and attribution are read outside quoted terms: words in a nested quotation
    # are someone else's, not this clause's.
    plain = _blank_quoted(body, start, quoted)
    if plain is not body:
        f.inline_quote = True
    if FRAME_HEDGE.search(plain):
        # "我们可以看到，出口下降了三分之一": the frame invites the reader, the fact stands.
        f.frame_hedges = [m.group() for m in FRAME_HEDGE.finditer(plain)]
        plain = FRAME_HEDGE.sub(lambda m: "　" * len(m.group()), plain)
    question_word = False
    for m in CUE_RE.finditer(plain):
        kind, word = m.lastgroup, m.group()
        if kind in ("source", "attribution"):
            f.cues.append((kind, m.start(), word))
        elif kind == "question_word":
            question_word = True
        elif kind in FINDING_LISTS:
            getattr(f, FINDING_LISTS[kind]).append(word)
        else:
            f.stance.setdefault(kind, []).append(word)

    f.question = body.rstrip()[-1:] in QUESTION_END or (question_word and plain.rstrip().endswith(("吗", "呢", "嗎")))
    if f.cues:
        _speaker(f, plain, start, names)
        kind, pos, word = f.cues[-1]
        if kind == "attribution" and not plain[pos + len(word) :].strip(" 道称稱说說:：，,　"):
            f.frame = True  # "海关数据显示", "多項研究顯示": it only says where what follows comes from
            f.attribution = f.attribution or word
    if f.question or "open_question" in f.stance:
        f.presupposes = _presupposition(plain, start, names, dates_at, f)
    content = len(body) if len(body) > 40 else len(body) - len(_NOT_CONTENT.findall(body))
    f.length = content
    f.short = content < 4 or (content < 6 and not f.numbers)
    if content <= 30 and (body.rstrip().endswith((":", "：")) or text[end : end + 1] in (":", "：")):
        who = _who(plain.rstrip(" :："), names)
        if who:
            f.label = who
            f.frame = True  # "国家统计局新闻发言人 付凌晖:" introduces what follows
    elif content <= 12 and names and all(k in ("person", "name", "org") for *_, k in names):
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


# What a speaker's phrase ends before: a time, a place or a manner ("孫東今（7日）在電視節目表示"),
# "X发布的数据显示", "X测算".
_WHO_CUT = re.compile(
    r"[今昨前近本日]日|今[（(]|昨[（(]|今天|昨天|日前|近日|近期|当天|當天|当日|當日|今年|去年|上午|下午|晚间|晚間|本月|上月|本週|本周|上週|上周|早前|稍早|"
    r"[在于於对對向跟与與](?!.?$)|接受|[（(\d０-９]"
    r"|(?:发布|公布|發布|公佈|发表|發表|披露|公开|公開)|的(?!首席|执行|執行|行政|董事|总裁|總裁|发言人|發言人|主席|部长|部長|局长|局長|院长|院長|主任|教授)|亦|也|则|則|还|還|又|再|更|并|並|曾|已|进一步|進一步|评论|評論|上任|多次|先生|女士|作(?=介绍|介紹|说明|說明)|[/／|]"
)
# What a source phrase ends with and the speaker does not: "海关数据", "统计局公布的数据".
_DATA_TAIL = re.compile(
    r"(?:的|最新|所|发布|公布|發布|公佈|发表|發表|数据|數據|资料|資料|统计|統計|数字|數字|报告|報告|调查|調查|监测|監測|测算|測算|分析|研究|估计|估計|显示|顯示)$"
)
_SOURCE_HEAD = re.compile(r"^[\s/／|]*(?:根据|根據|依据|依據|援引|据|據|请|請|邀请|邀請|欢迎|歡迎|由)?\s*")


def _who(phrase, names):
    """The speaker in the words before a reporting verb: the person or body, whole; '' when it is not one."""
    phrase = _SOURCE_HEAD.sub("", phrase).strip(" ，,、　")
    while True:
        stripped = _DATA_TAIL.sub("", phrase)
        if stripped == phrase:
            break
        phrase = stripped
    m = _WHO_CUT.search(phrase, 1)
    if m:
        phrase = phrase[: m.start()]
    phrase = phrase.strip(" ，,、　")
    if not phrase or len(phrase) > 30 or any(ch in '。！？!?；;：:“”「」"' for ch in phrase):
        return ""
    if phrase in PRONOUNS:
        return phrase  # resolved to the last speaker by the caller
    if phrase in NOT_NAMES:
        return ""
    if ORG_END.search(phrase) or any(n in phrase for _, _, n, k in names if k in ("person", "org", "name")):
        return phrase
    # A title then a name: "疾管署發言人林明誠", "总工程师田玉龙" (a name jieba may not know).
    if any(_looks_like_name(phrase[-k:]) for k in (3, 2)) and (len(phrase) > 3 or phrase[0] in SURNAMES):
        return phrase
    if phrase.isascii() and phrase[:1].isupper():
        return phrase
    return ""


def _speaker(f, plain, start, names):
    """The speaker named in this clause before its first reporting verb or after a source word."""
    for kind, pos, word in f.cues:
        if kind == "source":
            # 据X测算, 根据X发布的数据: the source is what follows the word.
            rest = plain[pos + len(word) :]
            stop = re.search(r"[，,。；;：:]|$", rest).start()
            who = _who(rest[:stop], names)
            if who and who not in PRONOUNS:
                f.speaker, f.attribution, f.source = who, word, True
                f.frame = not f.numbers  # "根據政府統計處發表的最新統計數字": it only says where the figures come from
                return
            continue
        before = re.split(r"[，,]", plain[:pos])[-1]
        if len(before.strip()) > 40:
            continue
        who = _who(before, names)
        if who:
            f.speaker, f.attribution = who, word
            f.frame = not plain[pos + len(word) :].strip(" 道称稱说說:：，,　") and len(before.strip()) <= 40
            return


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
