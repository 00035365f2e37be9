"""Build the matching set (pairs.json, near_misses.json) from the evaluation corpus in tests/data/eval/.

Run from the repository root: .venv/bin/python tests/data/matching/build.py

Every "earlier" claim is a real sentence of a real text: a primary claim of
tests/data/eval/ (its page's URL is kept with it). Each pair's restatement
says the same fact in other words, written by the rules below and recorded
in `how`, so that a reader can check each one:

- script: Simplified to Traditional Chinese or back (OpenCC), the desk's two scripts;
- figures: the same value written another way (0.3% = 百分之0.3 = 0.3 percent,
  5万 = 50,000, 19.84亿 = 1,984,000,000 / 1984百万, 6,700 = 6.7 thousand);
- words: synonyms a second outlet would use (同比 → 比去年同期, 增长 → 增加,
  rose → increased, said → stated, about → around ...);
- order: the clause before the first comma moved to the end.

Near misses are of two origins: real ones, the other claims of the same text
that share its words but state another figure (城市下降0.3% beside 农村下降0.5%),
and derived ones that change exactly one thing of the earlier claim: the figure
(×1.3), the year (−1) or the entity (another country, city or body).
"""

import json
import random
import re
from decimal import Decimal
from pathlib import Path

import opencc

HERE = Path(__file__).resolve().parent
EVAL = HERE.parent / "eval"
S2T, T2S = opencc.OpenCC("s2t"), opencc.OpenCC("t2s")

ZH_WORDS = [
    ("同比", "比去年同期"),
    ("增长", "增加"),
    ("下降", "减少"),
    ("上涨", "涨"),
    ("达到", "达"),
    ("约", "大约"),
    ("表示", "称"),
    ("指出", "表示"),
    ("超过", "逾"),
    ("全国", "全国范围内"),
    ("其中", "当中"),
    ("人数", "人口数"),
    ("共", "总共"),
    ("年", "年度"),
    ("减少", "下降"),
    ("增加", "增长"),
]
EN_WORDS = [
    (r"\brose\b", "increased"),
    (r"\bfell\b", "declined"),
    (r"\bsaid\b", "stated"),
    (r"\babout\b", "around"),
    (r"\bapproximately\b", "roughly"),
    (r"\bincreased\b", "grew"),
    (r"\bdecreased\b", "dropped"),
    (r"\bpeople\b", "persons"),
    (r"\bthe company\b", "the firm"),
    (r"\bshowed\b", "found"),
    (r"\bexpected\b", "forecast"),
    (r"\bper cent\b", "percent"),
]
ZH_ENTITIES = ["美国", "日本", "香港", "上海", "广东", "台湾", "欧盟", "韩国"]
EN_ENTITIES = ["Canada", "Germany", "Japan", "Brazil", "the European Union", "India"]
FIGURE = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
ZH_PLACE = re.compile(r"中国|全国|美国|日本|香港|台湾|臺灣|臺北|台北|北京|上海|广东|廣東|欧洲|歐洲|欧盟|韩国|韓國|泰国|越南")
EN_PLACE = re.compile(
    r"\b(the United States|United States|U\.S\.|America|Americans|Mexico|Peru|Connecticut|China|Europe|euro zone|ECB|Intel|Samsung)\b"
)


def corpus():
    for path in sorted(EVAL.glob("*.json")):
        meta = json.loads(path.read_text(encoding="utf-8"))
        text = path.with_suffix(".txt").read_text(encoding="utf-8")
        for index, item in enumerate(meta.get("primary", [])):
            quote = text[item["start"] : item["end"]]
            yield {
                "id": f"{path.stem}#{index}",
                "text": quote,
                "language": "zh" if meta["language"].startswith("zh") else "en",
                "source": path.stem,
                "url": meta["url"],
                "start": item["start"],
                "end": item["end"],
            }


def figures(text):
    return [m.group(0) for m in FIGURE.finditer(text) if not YEAR.fullmatch(m.group(0))]


def rewrite_figure(text, language):
    """The first figure written another way with the same value, or None."""
    for match in FIGURE.finditer(text):
        value = match.group(0)
        if YEAR.fullmatch(value):
            continue
        after = text[match.end() : match.end() + 6]
        if language == "zh":
            if after.startswith(("%", "％")):
                return text[: match.start()] + "百分之" + value + text[match.end() + 1 :], f"{value}% → 百分之{value}"
            for unit, scale in (("亿", 10**8), ("万", 10**4)):
                if after.startswith(unit):
                    number = Decimal(value.replace(",", "")) * scale
                    if number == number.to_integral() and number < 10**13:
                        written = f"{int(number):,}"
                        return text[: match.start()] + written + text[match.end() + 1 :], f"{value}{unit} → {written}"
            digits = value.replace(",", "")
            if "." not in digits and len(digits) >= 5 and digits.endswith("0000"):
                written = f"{Decimal(digits) / 10000:f}".rstrip("0").rstrip(".") + "万"
                return text[: match.start()] + written + text[match.end() :], f"{value} → {written}"
            if "," in value:
                return text[: match.start()] + digits + text[match.end() :], f"{value} → {digits}"
        else:
            if after.startswith("%"):
                return text[: match.start()] + value + " percent" + text[match.end() + 1 :], f"{value}% → {value} percent"
            if after.lstrip().startswith("percent"):
                return text[: match.start()] + value + "%" + text[match.end() :].replace(" percent", "", 1), f"{value} percent → {value}%"
            if after.lstrip().startswith("million") and "." not in value:
                written = f"{int(value.replace(',', '')) * 1_000_000:,}"
                return text[: match.start()] + written + text[match.end() :].replace(" million", "", 1), f"{value} million → {written}"
            digits = value.replace(",", "")
            if "." not in digits and len(digits) >= 4 and digits.endswith("000"):
                written = f"{Decimal(digits) / 1000:f}".rstrip("0").rstrip(".") + " thousand"
                return text[: match.start()] + written + text[match.end() :], f"{value} → {written}"
            if "," in value:
                return text[: match.start()] + digits + text[match.end() :], f"{value} → {digits}"
    return None


def reorder(text, language):
    parts = re.split(r"(,|，)", text, maxsplit=1)
    if len(parts) == 3 and len(parts[0]) >= 3 and len(parts[2]) >= 6:
        head, comma, tail = parts
        tail = tail.strip().rstrip("。.")
        if language == "zh":
            return f"{tail}（{head}）", "clause moved"
        return f"{tail} ({head})", "clause moved"
    return None


def restate(claim, rng):
    text, language, how = claim["text"].strip(), claim["language"], []
    figure = rewrite_figure(text, language)
    if figure:
        text, step = figure
        how.append("figures: " + step)
    table = ZH_WORDS if language == "zh" else EN_WORDS
    written = set()
    for old, new in table:
        if len(how) >= 3:
            break
        if old in written:
            continue
        written.add(new)
        if language == "zh" and old in text and new not in text:
            text = text.replace(old, new, 1)
            how.append(f"words: {old} → {new}")
        elif language == "en" and re.search(old, text, re.IGNORECASE):
            text = re.sub(old, new, text, count=1, flags=re.IGNORECASE)
            how.append(f"words: {old.strip(chr(92) + 'b')} → {new}")
    moved = reorder(text, language)
    if moved and rng.random() < 0.6:
        text = moved[0]
        how.append("order: " + moved[1])
    if language == "zh":
        if claim["source"].startswith("zh-hant"):
            text = T2S.convert(text)
            how.append("script: Traditional → Simplified")
        else:
            text = S2T.convert(text)
            how.append("script: Simplified → Traditional")
    return text, how


def _date_part(text, match):
    """A month, day, week or range bound ("1-7月份", "第50週"), not a figure."""
    after, before = text[match.end() : match.end() + 1], text[max(0, match.start() - 1) : match.start()]
    return after in ("月", "日", "号", "號", "週", "周", "-", "–") or before in ("第", "-", "–")


def near_misses(claim, siblings, rng):
    text, language = claim["text"].strip(), claim["language"]
    found = []
    own = set(figures(text))
    words = set(re.findall(r"[\u4e00-\u9fff]{2}|[A-Za-z]{4,}", text))
    for other in siblings:
        if other["id"] == claim["id"]:
            continue
        theirs = set(figures(other["text"]))
        shared = words & set(re.findall(r"[\u4e00-\u9fff]{2}|[A-Za-z]{4,}", other["text"]))
        if theirs and own and not (own & theirs) and len(shared) >= 2:
            found.append({"text": other["text"].strip(), "kind": "other figure, same text (real)", "from": other["id"]})
            break
    match = next((m for m in FIGURE.finditer(text) if not YEAR.fullmatch(m.group(0)) and not _date_part(text, m)), None)
    if match:
        value = Decimal(match.group(0).replace(",", "")) * Decimal("1.3")
        written = f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:f}"
        found.append(
            {"text": text[: match.start()] + written + text[match.end() :], "kind": "same entity, other figure", "from": claim["id"]}
        )
    year = YEAR.search(text)
    if year:
        found.append(
            {
                "text": text[: year.start()] + str(int(year.group(1)) - 1) + text[year.end() :],
                "kind": "same entity, other year",
                "from": claim["id"],
            }
        )
    place = (ZH_PLACE if language == "zh" else EN_PLACE).search(text)
    if place and own:
        pool = [e for e in (ZH_ENTITIES if language == "zh" else EN_ENTITIES) if e not in text]
        swap = rng.choice(pool)
        if claim["source"].startswith("zh-hant"):
            swap = S2T.convert(swap)
        found.append({"text": text[: place.start()] + swap + text[place.end() :], "kind": "same figure, other entity", "from": claim["id"]})
    return found


def main():
    rng = random.Random(15)
    claims = list(corpus())
    by_source = {}
    for claim in claims:
        by_source.setdefault(claim["source"], []).append(claim)
    pairs, misses = [], []
    for claim in claims:
        text = claim["text"].strip()
        if not figures(text) or len(text) < 8:
            continue
        restated, how = restate(claim, rng)
        if restated == text or len(how) < 1:
            continue
        pair_id = f"p{len(pairs) + 1:03d}"
        pairs.append(
            {
                "id": pair_id,
                "earlier": {k: claim[k] for k in ("id", "text", "language", "url", "start", "end")} | {"text": text},
                "restated": restated,
                "how": how,
            }
        )
        for miss in near_misses(claim, by_source[claim["source"]], rng):
            misses.append({"id": f"n{len(misses) + 1:03d}", "pair": pair_id, **miss})
    (HERE / "pairs.json").write_text(json.dumps(pairs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (HERE / "near_misses.json").write_text(json.dumps(misses, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(pairs)} pairs, {len(misses)} near misses")


if __name__ == "__main__":
    main()
