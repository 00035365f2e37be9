import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims import backup
from claims.models import Essay


class Command(BaseCommand):
    help = (
        "Write one essay with its claims, sources, notes, history and publications as a JSON backup signed with the "
        "desk's BACKUP_KEY (to standard output, or to --output). Restore it with: import_essay --from-json FILE."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the essay's slug, as in /essays/<slug>/")
        parser.add_argument("-o", "--output", help="write to this file (replaced only once the backup is complete)")

    def handle(self, *args, **options):
        try:
            essay = Essay.objects.get(slug=options["slug"])
        except Essay.DoesNotExist:
            raise CommandError(f"No essay with the slug {options['slug']!r}.") from None
        text = backup.dumps(backup.export_essay(essay))
        if not options["output"]:
            # UTF-8 whatever the terminal's locale says: the file is read back as UTF-8.
            binary = getattr(self.stdout._out, "buffer", None)
            if binary is not None:
                binary.write(text.encode("utf-8"))
                binary.flush()
            else:
                self.stdout.write(text, ending="")
            return
        target = Path(options["output"])
        # A half-written file never takes the place of a good one: write aside, then rename.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise CommandError(f"{target}: {exc.strerror}.") from None
        claims = essay.claims.count()
        self.stderr.write(f"Wrote “{essay.title}” ({claims} claims) to {target}, signed with the backup key {backup.key_fingerprint()}.")
