from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Claim, ClaimEvent, Essay, Note, Publication, Source


class AppendOnlyAdmin(admin.ModelAdmin):
    """Records kept as written: the admin may add one, never change or delete it."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(AppendOnlyAdmin):
    """Records only the workflow makes: the admin shows them, never adds, changes or deletes one."""

    def has_add_permission(self, request):
        return False


class ReadOnlyInline(admin.TabularInline):
    """History and notes are append-only: the admin shows them, never edits them."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = ClaimEvent
    fields = ("at", "actor", "kind", "action", "from_status", "to_status", "changes", "comment")
    readonly_fields = fields
    verbose_name_plural = _("history")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class NoteInline(ReadOnlyInline):
    model = Note
    fields = ("created_at", "author", "text")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class SourceInline(ReadOnlyInline):
    """Sources are evidence an approval covers: they change through the workflow (add_source, remove_source)."""

    model = Source
    fields = ("url", "title", "publisher", "published_on", "accessed_at", "archive_url", "excerpt", "stance", "added_by", "added_at")
    readonly_fields = fields


@admin.register(Essay)
class EssayAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "language", "author", "published_on", "imported_by", "imported_at")
    list_filter = ("language", "imported_at")
    search_fields = ("title", "slug", "author")
    list_select_related = ("imported_by",)
    raw_id_fields = ("imported_by",)
    readonly_fields = ("text_hash",)
    date_hierarchy = "imported_at"

    def get_readonly_fields(self, request, obj=None):
        # The text is what the claims' offsets point into.
        return self.readonly_fields + (("text",) if obj else ())


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ("id", "short_quote", "essay", "claim_type", "status", "verdict", "assignee", "priority", "due", "updated_at")
    list_filter = ("status", "claim_type", "verdict", "priority", "essay")
    search_fields = ("quote", "normalized", "speaker")
    list_select_related = ("essay", "assignee")
    raw_id_fields = ("duplicate_of",)
    # Everything the workflow decides or an approval covers is read-only here: a change of it must be
    # checked and recorded (claims/workflow.py), which a plain admin save would not do.
    readonly_fields = (
        "essay",
        "start",
        "end",
        "quote",
        "claim_type",
        "speaker",
        "normalized",
        "status",
        "verdict",
        "verdict_summary",
        "assignee",
        "priority",
        "due",
        "submitted_by",
        "split_from",
        "merged_into",
        "version",
        "created_at",
        "updated_at",
    )
    inlines = [SourceInline, NoteInline, EventInline]
    list_per_page = 50
    # Status changes go through the workflow so that they are recorded and checked.
    fieldsets = (
        (None, {"fields": ("essay", "start", "end", "quote", "claim_type", "speaker", "normalized", "score", "reasons")}),
        (_("Review"), {"fields": ("status", "verdict", "verdict_summary", "assignee", "priority", "due", "submitted_by")}),
        (_("Relations"), {"fields": ("duplicate_of", "split_from", "merged_into")}),
        (_("Record"), {"fields": ("version", "created_at", "updated_at")}),
    )

    def has_add_permission(self, request):
        # Claims are made by the importer or workflow.create_claim, which record who made them.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("quote"))
    def short_quote(self, obj):
        return obj.quote[:80]


@admin.register(Source)
class SourceAdmin(ReadOnlyAdmin):
    """Sources change through the workflow, which voids a review and records who changed them."""

    list_display = ("title", "publisher", "stance", "url", "claim", "added_by", "added_at")
    list_filter = ("stance",)
    search_fields = ("title", "publisher", "url")
    list_select_related = ("claim", "added_by")
    raw_id_fields = ("claim", "added_by")


@admin.register(Note)
class NoteAdmin(AppendOnlyAdmin):
    list_display = ("claim", "author", "created_at", "text")
    search_fields = ("text",)
    list_select_related = ("claim", "author")
    raw_id_fields = ("claim", "author")


@admin.register(ClaimEvent)
class ClaimEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "claim", "actor", "kind", "action", "from_status", "to_status", "comment")
    list_filter = ("kind", "action")
    search_fields = ("comment",)
    list_select_related = ("claim", "actor")
    raw_id_fields = ("claim", "actor")
    date_hierarchy = "at"


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ("essay", "number", "published_by", "published_at")
    list_select_related = ("essay", "published_by")
    raw_id_fields = ("essay", "published_by")
