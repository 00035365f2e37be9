import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.extraction import MAX_ESSAY_BYTES, detect_language, propose


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


def read_essay(path):
    """The text of an essay file, or a CommandError that says what is wrong with it."""
    if not path.exists():
        raise CommandError(f"{path}: no such file.")
    if path.is_dir():
        raise CommandError(f"{path}: is a directory; give the path of a text file.")
    if not path.is_file():
        raise CommandError(f"{path}: not a regular file.")
    try:
        with path.open("rb") as essay_file:
            # One byte over the limit is enough to refuse, whatever the file grew to.
            raw = essay_file.read(MAX_ESSAY_BYTES + 1)
    except OSError as exc:
        raise CommandError(f"{path}: cannot be read ({exc.strerror}).") from None
    if len(raw) > MAX_ESSAY_BYTES:
        raise CommandError(f"{path}: the file is over the limit of {MAX_ESSAY_BYTES:,} bytes ({MAX_ESSAY_BYTES // (1024 * 1024)} MB).")
    if b"\x00" in raw:
        raise CommandError(f"{path}: looks like a binary file, not text (it contains NUL bytes). Save the essay as UTF-8 text.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(
            f"{path}: is not UTF-8 text (undecodable byte at position {exc.start}). Save it as UTF-8 and try again."
        ) from None
    if not text.strip():
        raise CommandError(f"{path}: the file is empty (nothing but whitespace).")
    return text


def describe(number, p):
    verdict = "check-worthy" if p.checkworthy else "not check-worthy"
    lines = [f"#{number} {p.claim_type}, score {p.score:.2f}, {verdict}, characters {p.start}-{p.end}"]
    if p.speaker:
        lines.append(f"  speaker: {p.speaker}")
    lines.append(f"  claim: {p.quote}")
    lines.append(f"  why: {'; '.join(p.reasons)}")
    if p.duplicate_of is not None:
        lines.append(f"  repeats #{p.duplicate_of + 1}")
    return "\n".join(lines) + "\n"
