"""Make the Traditional Chinese catalogues from the Simplified ones.

    python scripts/make_zh_hant.py          # every locale/zh_Hans/LC_MESSAGES/*.po under the project
    python scripts/make_zh_hant.py --check  # exit 1 if a zh_Hant catalogue is missing or out of date

Each translation is converted with OpenCC's s2twp (Taiwan standard with Taiwan
phrasing), then the desk's own terms are put right by the table below, which
was read entry by entry against the converted catalogue: OpenCC turns 审核
(an editor's review) into 稽核 (an audit), keeps the mainland 核查 where
Taiwan's fact-checkers (台灣事實查核中心, Cofacts) write 查核, and knows
nothing of 核实 → 查證. The .mo is written by this script too, so the result
is the same on every machine and running it twice changes nothing.

The lead refreshes zh_Hans; rerun this afterwards (tests/test_translation.py fails until then).
"""

import argparse
import ast
import re
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# After s2twp, in this order (longer phrases first where they overlap). Each line: what OpenCC gives → the desk's word.
TERMS = [
    # The desk's trade: fact-checking is 查核 in Taiwan and Hong Kong (事實查核), verifying 查證.
    ("事實核查", "事實查核"),
    ("核查員", "查核員"),
    ("核查", "查核"),
    ("覈查", "查核"),
    ("核實", "查證"),
    ("覈實", "查證"),
    # An editor's review of a verdict is 審核, not an audit (稽核).
    ("稽核", "審核"),
    # Words OpenCC leaves in their mainland form or turns into the wrong Taiwan word here.
    ("登錄", "登入"),
    ("註銷", "登出"),
    ("用戶名", "使用者名稱"),
    ("用戶", "使用者"),
    ("賬號", "帳號"),
    ("賬戶", "帳戶"),
    ("郵箱", "電子郵件信箱"),
    ("默認", "預設"),
    ("導入", "匯入"),
    ("導出", "匯出"),
    ("隊列", "佇列"),
    ("鏈接", "連結"),
    ("鏈結", "連結"),
    ("搜索", "搜尋"),
    ("篩選器", "篩選條件"),
    ("保存", "儲存"),
    ("設置", "設定"),
    ("文本", "文字"),
    ("字符", "字元"),
    ("數據庫", "資料庫"),
    ("時間戳", "時間戳記"),
    ("服務器", "伺服器"),
    ("在線", "線上"),
    ("質量", "品質"),
    ("反饋", "回饋"),
    ("釋出", "發布"),  # s2twp reads 发布 as a software release
    ("報道", "報導"),
    ("令牌", "權杖"),
    ("會話", "工作階段"),
    ("獲取", "取得"),
    ("碼位", "碼點"),
    ("時間線", "時間軸"),
    ("不匹配", "不相符"),
    ("匹配", "相符"),
    # 台 as Taiwan's fact-checkers write it (台灣事實查核中心): 查核台, 工作台, 後台.
    ("臺", "台"),
    ("分派給", "指派給"),
    ("分派", "指派"),
]


def _unquote(text):
    return ast.literal_eval('"' + text + '"') if "\\" in text else text


def _quote(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


def read_entries(path):
    """[(lines_before, fields)] where fields maps msgctxt/msgid/msgid_plural/msgstr[n] to text, in file order."""
    entries, comments, fields, key = [], [], {}, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if fields:
                entries.append((comments, fields))
            comments, fields, key = [], {}, None
            continue
        if line.startswith("#"):
            comments.append(raw)
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+"(.*)"$', line)
        if match:
            key = match.group(1)
            fields[key] = _unquote(match.group(2))
        elif line.startswith('"') and key:
            fields[key] += _unquote(line[1:-1])
        else:
            raise ValueError(f"{path}: cannot read {raw!r}")
    return entries


def fix_terms(text):
    for wrong, right in TERMS:
        text = text.replace(wrong, right)
    return text


def converter():
    try:
        import opencc
    except ImportError:
        sys.exit("OpenCC is needed: pip install -r requirements.txt (package OpenCC).")
    return opencc.OpenCC("s2twp")


def convert_entries(entries, cc):
    out = []
    for comments, fields in entries:
        fields = dict(fields)
        if fields.get("msgid") == "":
            header = fields["msgstr"]
            header = re.sub(r"Language: zh_Hans", "Language: zh_Hant", header)
            header = re.sub(r"Language-Team: [^\n]*", "Language-Team: Traditional Chinese", header)
            fields["msgstr"] = header
            comments = [
                "# Traditional Chinese (Taiwan phrasing) of the fact-check desk, made by scripts/make_zh_hant.py",
                "# from the Simplified Chinese catalogue: OpenCC s2twp, then the desk's terms (查核, 查證, 審核 …).",
                "# Do not edit by hand: correct the term table in the script, or the zh_Hans entry, and rerun it.",
            ]
        else:
            for key in list(fields):
                if key.startswith("msgstr") and fields[key]:
                    fields[key] = fix_terms(cc.convert(fields[key]))
            comments = [c for c in comments if not c.startswith("#,") or "fuzzy" not in c]
        out.append((comments, fields))
    return out


def write_po(entries):
    lines = []
    order = ["msgctxt", "msgid", "msgid_plural"]
    for comments, fields in entries:
        lines.extend(comments)
        keys = [k for k in order if k in fields] + sorted(k for k in fields if k.startswith("msgstr"))
        for key in keys:
            value = fields[key]
            if "\n" in value[:-1]:
                lines.append(f'{key} ""')
                for part in value.splitlines(keepends=True):
                    lines.append(f'"{_quote(part)}"')
            else:
                lines.append(f'{key} "{_quote(value)}"')
        lines.append("")
    return "\n".join(lines)


def write_mo(entries):
    """GNU .mo bytes (the format Python's gettext and Django read), translated entries only, sorted by key."""
    catalogue = {}
    for _comments, fields in entries:
        if "fuzzy" in " ".join(_comments):
            continue
        msgid = fields["msgid"]
        if "msgid_plural" in fields:
            forms = [fields[k] for k in sorted((k for k in fields if k.startswith("msgstr[")), key=lambda k: int(k[7:-1]))]
            if not all(forms):
                continue
            key, value = msgid + "\0" + fields["msgid_plural"], "\0".join(forms)
        else:
            key, value = msgid, fields.get("msgstr", "")
            if not value:
                continue
        if "msgctxt" in fields:
            key = fields["msgctxt"] + "\x04" + key
        catalogue[key] = value
    keys = sorted(catalogue, key=lambda k: k.encode("utf-8"))
    ids = b"".join(k.encode("utf-8") + b"\0" for k in keys)
    strs = b"".join(catalogue[k].encode("utf-8") + b"\0" for k in keys)
    count = len(keys)
    start_ids = 7 * 4
    start_strs = start_ids + count * 8
    data_start = start_strs + count * 8
    id_table, str_table = [], []
    offset = data_start
    for k in keys:
        length = len(k.encode("utf-8"))
        id_table.append((length, offset))
        offset += length + 1
    for k in keys:
        length = len(catalogue[k].encode("utf-8"))
        str_table.append((length, offset))
        offset += length + 1
    out = struct.pack("<7I", 0x950412DE, 0, count, start_ids, start_strs, 0, 0)
    out += b"".join(struct.pack("<2I", *pair) for pair in id_table)
    out += b"".join(struct.pack("<2I", *pair) for pair in str_table)
    return out + ids + strs


def sources():
    return sorted(p for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/*.po") if ".venv" not in p.parts and "node_modules" not in p.parts)


def build(source, cc):
    entries = convert_entries(read_entries(source), cc)
    return write_po(entries), write_mo(entries)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only say whether the zh_Hant catalogues are up to date")
    args = parser.parse_args(argv)
    cc = converter()
    stale = []
    found = sources()
    if not found:
        sys.exit("No zh_Hans catalogue found (locale/zh_Hans/LC_MESSAGES/*.po).")
    for source in found:
        target_dir = source.parent.parent.parent / "zh_Hant" / "LC_MESSAGES"
        po_text, mo_bytes = build(source, cc)
        po_path, mo_path = target_dir / source.name, target_dir / (source.stem + ".mo")
        same = po_path.exists() and mo_path.exists() and po_path.read_text(encoding="utf-8") == po_text and mo_path.read_bytes() == mo_bytes
        if args.check:
            if not same:
                stale.append(po_path)
            continue
        if same:
            print(f"{po_path.relative_to(ROOT)}: up to date")
            continue
        target_dir.mkdir(parents=True, exist_ok=True)
        po_path.write_text(po_text, encoding="utf-8")
        mo_path.write_bytes(mo_bytes)
        print(f"{po_path.relative_to(ROOT)}: written ({po_text.count(chr(10) + 'msgid ')} entries)")
    if stale:
        print("Out of date (run python scripts/make_zh_hant.py):", *[str(p.relative_to(ROOT)) for p in stale], sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
