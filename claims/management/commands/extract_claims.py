import json
from pathlib import Path

from django.core.management.base import BaseCommand

from claims.extraction import detect_language, propose
from claims.management.files import read_essay
from claims.reasons import translate_reasons


class Command(BaseCommand):
    help = "Propose the check-worthy claims of a UTF-8 text file, without touching the database."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a UTF-8 .txt or .md file")
        parser.add_argument("--language", choices=["zh", "en"], help="detected from the text when not given")
        parser.add_argument("--format", choices=["json", "text"], default="json", dest="output_format")
        parser.add_argument("--all", action="store_true", dest="include_all", help="also list the candidates that are not check-worthy")

    def handle(self, *args, **options):
        path = Path(options["path"])
        text = read_essay(path)
        language = options["language"] or detect_language(text)
        proposals = propose(text, language, include_all=options["include_all"])
        if options["output_format"] == "json":
            self.stdout.write(json.dumps([p.to_dict() for p in proposals], ensure_ascii=False, indent=2))
            return
        for number, p in enumerate(proposals, start=1):
            self.stdout.write(describe(number, p))
        worthy = sum(p.checkworthy for p in proposals)
        self.stdout.write(f"{worthy} check-worthy of {len(proposals)} listed ({language}, {path.name}).")


def describe(number, p):
    verdict = "check-worthy" if p.checkworthy else "not check-worthy"
    lines = [f"#{number} {p.claim_type}, score {p.score:.2f}, {verdict}, characters {p.start}-{p.end}"]
    if p.speaker:
        lines.append(f"  speaker: {p.speaker}")
    lines.append(f"  claim: {p.quote}")
    lines.append(f"  why: {'; '.join(translate_reasons(p.reasons))}")
    if p.duplicate_of is not None:
        lines.append(f"  repeats #{p.duplicate_of + 1}")
    return "\n".join(lines) + "\n"
