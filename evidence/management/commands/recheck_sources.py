from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from evidence.recheck import recheck_days, recheck_due


class Command(BaseCommand):
    help = (
        "Fetch again the sources of published claims not checked for SOURCE_RECHECK_DAYS days (default 30) and mark each "
        "unchanged, changed or gone (run daily from cron or a systemd timer; a second run the same day finds nothing due)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="Recheck sources not seen for this many days (default SOURCE_RECHECK_DAYS)."
        )
        parser.add_argument("--limit", type=int, default=None, help="Recheck at most this many sources in this run.")

    def handle(self, *args, days=None, limit=None, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more.")
        if limit is not None and limit < 1:
            raise CommandError("--limit must be 1 or more.")
        outcomes = recheck_due(days=days, limit=limit)
        counts = Counter(outcome.check.outcome for outcome in outcomes)
        self.stdout.write(
            f"{len(outcomes)} sources rechecked (older than {recheck_days() if days is None else days} days): "
            f"{counts['unchanged']} unchanged, {counts['changed']} changed, {counts['gone']} gone."
        )
