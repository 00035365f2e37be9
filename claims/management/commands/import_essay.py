import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims import backup, extraction, import_jobs, importing, intake
from claims.management.files import read_essay_file
from claims.models import ImportJob


class Command(BaseCommand):
    help = (
        "Import an essay from a file (.txt or .md in UTF-8, UTF-16, GB18030 or Big5; .docx; .html or .mhtml) "
        "or from a web address (--url URL without PATH) and propose its claims (stored as open claims), "
        "or restore an essay from a backup made by export_essay (--from-json FILE)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="a .txt, .md, .docx, .html, .htm or .mhtml file")
        parser.add_argument("--title", help="the essay's title (required unless the file or page names one)")
        parser.add_argument("--slug")
        parser.add_argument("--language", choices=["zh", "en"], help="detected when not given")
        parser.add_argument("--author", default="")
        parser.add_argument(
            "--url",
            default="",
            help="without PATH: fetch the page at URL and import its main text; with PATH: where the essay was published",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="let a background worker (manage.py db_worker) propose the claims and wait for it, showing its progress; "
            "without it a long essay is proposed here, saying how far it is",
        )
        parser.add_argument("--from-json", metavar="FILE", help="restore a backup written by export_essay ('-' reads standard input)")
        parser.add_argument(
            "--trust-unsigned",
            action="store_true",
            help="with --from-json: restore a file that is not signed with this desk's BACKUP_KEY (an old version 1 file, or one "
            "from a desk whose key you do not have); every other check still runs",
        )

    def handle(self, *args, **options):
        if options["from_json"]:
            if options["path"] or options["title"] or options["slug"] or options["language"]:
                raise CommandError("--from-json restores a backup as it is: give no PATH, --title, --slug or --language with it.")
            return self.restore(options["from_json"], options["trust_unsigned"])
        if options["trust_unsigned"]:
            raise CommandError("--trust-unsigned goes with --from-json FILE: it concerns restoring a backup.")
        if not options["path"] and not options["url"]:
            raise CommandError(
                "Give the PATH of a file to import, --url URL to import a web page, or --from-json FILE to restore a backup."
            )
        if options["path"]:
            path = Path(options["path"])
            received = read_essay_file(path)
        else:
            path = options["url"]
            try:
                received = intake.from_url(options["url"])
            except importing.EssayRejected as exc:
                raise CommandError(f"{path}: {exc.message} Nothing was imported.") from None
        title = options["title"] or received.title
        if not title:
            raise CommandError("--title is required: the file or page names no title.")
        try:
            text, proposals = received.text, None
            if not options["background"] and import_jobs.runs_in_background(text):
                text, proposals = self.propose_in_parts(text, options["language"])
            essay = importing.import_essay(
                title=title,
                text=text,
                proposals=proposals,
                job_mode=ImportJob.Mode.STORE if options["background"] else None,
                language=options["language"],
                slug=options["slug"],
                author=options["author"] or received.author,
                url=options["url"] or received.url,
                published_on=received.published_on,
                fetched_at=received.fetched_at,
            )
        except importing.EssayRejected as exc:
            details = "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in exc.errors.items())
            raise CommandError(f"{path}: {exc.message}" + (f" ({details})" if details else "")) from None
        if options["background"]:
            self.wait_for_worker(essay.import_job)
        count = essay.claims.count()
        self.stdout.write(self.style.SUCCESS(f"Imported “{essay.title}” as /essays/{essay.slug}/ with {count} proposed claims."))

    def propose_in_parts(self, text, language):
        """A long essay proposed here, saying how far it is."""
        text = importing.check_text(text)
        language = language or extraction.detect_language(text)

        def progress(done, total):
            self.stderr.write(f"Proposing claims: part {done} of {total}.")

        # As a short import does it: the repeats of a proposal (checkworthy False) are not stored.
        return text, [p for p in extraction.propose(text, language, progress=progress) if p.checkworthy]

    def wait_for_worker(self, job):
        self.stderr.write(
            f"Stored; a background worker proposes the claims (job {job.pk}). Waiting for it (Ctrl+C stops waiting, not the job)…"
        )

        def progress(job):
            self.stderr.write(f"{job.get_status_display()}: part {job.parts_done} of {job.parts}.")

        job = import_jobs.wait(job, on_progress=progress)
        if job.status == ImportJob.State.FAILED:
            raise CommandError(f"The background worker failed: {job.error} The essay is stored without claims; retry from its import page.")

    def restore(self, source, trust_unsigned=False):
        try:
            raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        except OSError as exc:
            raise CommandError(f"{source}: {exc.strerror}.") from None
        try:
            essay = backup.restore(backup.loads(raw), trust_unsigned=trust_unsigned)
        except backup.BackupRejected as exc:
            raise CommandError(f"{source}: {exc}. Nothing was written.") from None
        counts = f"{essay.claims.count()} claims, {essay.publications.count()} publications"
        ids = "with the ids of the backup" if essay.kept_ids else "with new ids (the backup's were taken)"
        if essay.trust == "signed":
            trust = f"signed with this desk's backup key ({backup.key_fingerprint()})"
        else:
            trust = "NOT signed with this desk's backup key: restored on --trust-unsigned after every other check passed"
        self.stdout.write(self.style.SUCCESS(f"Restored “{essay.title}” as /essays/{essay.slug}/ ({counts}), {ids}; {trust}."))
