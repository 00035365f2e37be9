from django.core.management.base import BaseCommand

from notifications.reminders import send_reminders


class Command(BaseCommand):
    help = "Write today's due/overdue reminders and queue the daily digest mails (run from cron; running twice mails once)."

    def handle(self, *args, **options):
        reminders, digests = send_reminders()
        self.stdout.write(f"{reminders} reminders written, {digests} digest mails queued.")
