import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims import backup, importing
from claims.management.files import read_essay


class Command(BaseCommand):
    help = (
        "Import an essay from a UTF-8 text file and propose its claims (stored as open claims), "
        "or restore an essay from a backup made by export_essay (--from-json FILE)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="a UTF-8 .txt or .md file")
        parser.add_argument("--title", help="the essay's title (required with PATH)")
        parser.add_argument("--slug")
        parser.add_argument("--language", choices=["zh", "en"], help="detected when not given")
        parser.add_argument("--author", default="")
        parser.add_argument("--url", default="")
        parser.add_argument("--from-json", metavar="FILE", help="restore a backup written by export_essay ('-' reads standard input)")

    def handle(self, *args, **options):
        if options["from_json"]:
            if options["path"] or options["title"] or options["slug"] or options["language"]:
                raise CommandError("--from-json restores a backup as it is: give no PATH, --title, --slug or --language with it.")
            return self.restore(options["from_json"])
        if not options["path"]:
            raise CommandError("Give the PATH of a text file to import (with --title), or --from-json FILE to restore a backup.")
        if not options["title"]:
            raise CommandError("--title is required when importing a text file.")
        path = Path(options["path"])
        text = read_essay(path)
        try:
            essay = importing.import_essay(
                title=options["title"],
                text=text,
                language=options["language"],
                slug=options["slug"],
                author=options["author"],
                url=options["url"],
            )
        except importing.EssayRejected as exc:
            details = "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in exc.errors.items())
            raise CommandError(f"{path}: {exc.message}" + (f" ({details})" if details else "")) from None
        count = essay.claims.count()
        self.stdout.write(self.style.SUCCESS(f"Imported “{essay.title}” as /essays/{essay.slug}/ with {count} proposed claims."))

    def restore(self, source):
        try:
            raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        except OSError as exc:
            raise CommandError(f"{source}: {exc.strerror}.") from None
        try:
            essay = backup.restore(backup.loads(raw))
        except backup.BackupRejected as exc:
            raise CommandError(f"{source}: {exc}. Nothing was written.") from None
        counts = f"{essay.claims.count()} claims, {essay.publications.count()} publications"
        ids = "with the ids of the backup" if essay.kept_ids else "with new ids (the backup's were taken)"
        self.stdout.write(self.style.SUCCESS(f"Restored “{essay.title}” as /essays/{essay.slug}/ ({counts}), {ids}."))
