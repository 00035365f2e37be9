from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims import importing


class Command(BaseCommand):
    help = "Import an essay from a UTF-8 text file and propose its claims (stored as open claims)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a UTF-8 .txt or .md file")
        parser.add_argument("--title", required=True)
        parser.add_argument("--slug")
        parser.add_argument("--language", choices=["zh", "en"], help="detected when not given")
        parser.add_argument("--author", default="")
        parser.add_argument("--url", default="")

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            size = path.stat().st_size
            if size > importing.max_bytes():
                raise CommandError(f"{path}: {size} bytes is over the limit of {importing.max_bytes()} bytes (ESSAY_MAX_BYTES).")
            text = importing.decode_upload(path.read_bytes())
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
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}.") from None
        count = essay.claims.count()
        self.stdout.write(self.style.SUCCESS(f"Imported “{essay.title}” as /essays/{essay.slug}/ with {count} proposed claims."))
