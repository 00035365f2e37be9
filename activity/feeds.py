"""/p/feed/: an Atom feed of the desk's publications for readers (only what the public pages show)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from claims.models import Publication, Verdict

FEED_SIZE = 30


class PublicationsFeed(Feed):
    feed_type = Atom1Feed

    def title(self):
        return _("%(desk)s: published fact checks") % {"desk": translation.gettext(settings.DESK_NAME)}

    def subtitle(self):
        return _("Each new publication of an essay's verdicts, and each correction.")

    def link(self):
        return reverse("home")

    def items(self):
        return list(
            Publication.objects.select_related("essay")
            .only("id", "number", "published_at", "corrections", "snapshot", "essay__slug", "essay__title")
            .order_by("-published_at", "-id")[:FEED_SIZE]
        )

    def item_title(self, item):
        return _("%(title)s (publication #%(number)s)") % {
            "title": item.snapshot.get("essay", {}).get("title") or item.essay.title,
            "number": item.number,
        }

    def item_link(self, item):
        return reverse("public_essay_version", args=[item.essay.slug, item.number])

    def item_guid(self, item):
        return self.item_link(item)

    def item_description(self, item):
        counts = item.snapshot.get("counts") or {}
        total = sum(counts.values())
        parts = [ngettext("%(count)s claim checked", "%(count)s claims checked", total) % {"count": total}]
        for verdict in Verdict.values:
            if counts.get(verdict):
                parts.append(f"{Verdict(verdict).label}: {counts[verdict]}")
        corrections = len(item.corrections or [])
        if corrections:
            parts.append(ngettext("%(count)s correction", "%(count)s corrections", corrections) % {"count": corrections})
        return " · ".join(str(part) for part in parts)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at

    def item_author_name(self, item):
        return translation.gettext(settings.DESK_NAME)
