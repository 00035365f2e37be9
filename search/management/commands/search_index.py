import time

from django.core.management.base import BaseCommand

from search import index


class Command(BaseCommand):
    help = (
        "Rebuild the search index (claims, sources, notes, essays, published checks) and the 'checked before' matches "
        "from the database. Needed only after writes that bypass the application, such as a database restore."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-matches", action="store_true", help="rebuild the search index only, not the matches")

    def handle(self, *args, **options):
        started = time.perf_counter()

        def progress(done, total):
            if options["verbosity"] > 1:
                self.stderr.write(f"{done}/{total} claims")

        documents = index.rebuild(progress=progress)
        self.stdout.write(f"Indexed {documents} documents in {time.perf_counter() - started:.1f} s.")
        if not options["no_matches"]:
            started = time.perf_counter()
            matches = index.rebuild_matches(progress=progress)
            self.stdout.write(f"Found {matches} matches in {time.perf_counter() - started:.1f} s.")
