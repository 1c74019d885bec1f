"""The editors' admin: articles by reader-facing state, publishing by role, wire import.

Who may do what (the groups come from ``articles.roles``):

* Contributors add and edit drafts. Status, publish and expiry times are read-only
  for them and every save they make stores a draft; articles that are published
  (scheduled, live or expired) are read-only to them; they get no publish actions.
* Editors, and superusers, may do everything, including publishing and unpublishing.
* The Wire desk views articles and imports wire files.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt
from taggit.models import Tag

from . import admin_import
from .links import absolute_url
from .models import Article, Source
from .publishing import ArticleAction, PublishNow, Unpublish, can_publish, execute_all

# Fields only users who may publish can set; for everyone else they are read-only.
PUBLISHING_FIELDS = ("status", "publish_at", "expires_at")


def https_url_formfield(db_field, **kwargs):
    """URL fields typed without a scheme get https:// (Django 6's default, chosen now)."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class HttpsUrlsMixin:
    """The admin's side of ``https_url_formfield``."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Source)
class SourceAdmin(HttpsUrlsMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "homepage"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class StateListFilter(admin.SimpleListFilter):
    """Filter by what readers see, using the QuerySet's own definitions of each state."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return Article.State.choices

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        match self.value():
            case Article.State.LIVE:
                return queryset.live(now)
            case Article.State.SCHEDULED:
                return queryset.scheduled(now)
            case Article.State.EXPIRED:
                return queryset.expired(now)
            case Article.State.DRAFT:
                return queryset.drafts()
        return queryset


class TagListFilter(admin.SimpleListFilter):
    """The most used tags, not all of them: a wire brings thousands, and the sidebar
    must stay short. Any tag can still be filtered on by its slug (``?tag=<slug>``)."""

    title = "tag"
    parameter_name = "tag"
    shown = 40

    def lookups(self, request, model_admin):
        top = (
            Tag.objects.filter(article__isnull=False)
            .annotate(uses=Count("article"))
            .order_by("-uses", "name")[: self.shown]
        )
        choices = [(tag.slug, tag.name) for tag in top]
        selected = self.value()
        if selected and selected not in {slug for slug, _name in choices}:
            # Listed even when unknown: a filter with no choices would not be applied.
            name = Tag.objects.filter(slug=selected).values_list("name", flat=True).first()
            choices.append((selected, name or selected))
        return choices

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(tags__slug=self.value())
        return queryset


class ArticleChangeList(ChangeList):
    """The list never shows the long text fields, so it does not load them."""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        return queryset.defer("body", "wire_raw", "wire_extra")


class ArticleAdminForm(forms.ModelForm):
    """Turns the database's publishing constraints into clear form errors."""

    class Meta:
        model = Article
        formfield_callback = https_url_formfield
        fields = [
            *("title", "slug", "summary", "body", "tags", *PUBLISHING_FIELDS),
            *("source", "source_link", "feed_item_id"),
            *("image", "image_url", "image_alt", "meta_description"),
        ]

    def clean(self):
        cleaned = super().clean()
        status, publish_at, expires_at = (self._value(name) for name in PUBLISHING_FIELDS)
        if status == Article.Status.PUBLISHED and publish_at is None:
            self.add_error_or_raise(
                "publish_at",
                "A published article needs a publish time (use “Now” to publish at once).",
            )
        if expires_at and publish_at and expires_at <= publish_at:
            self.add_error_or_raise("expires_at", "The expiry time must be after the publish time.")
        return cleaned

    def _value(self, name: str):
        """The submitted value, or the stored one when the field is read-only."""
        if name in self.fields:
            return self.cleaned_data.get(name)
        return getattr(self.instance, name)

    def add_error_or_raise(self, field: str, message: str) -> None:
        if field in self.fields:
            self.add_error(field, message)
        else:
            raise ValidationError(message)


@admin.register(Article)
class ArticleAdmin(HttpsUrlsMixin, admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "reader_state", "publish_at", "source", "tag_list"]
    list_filter = [StateListFilter, "source", TagListFilter, "publish_at"]
    list_select_related = ["source"]
    show_full_result_count = False  # one COUNT(*) over the whole table per page is enough
    search_fields = ["title", "summary", "body"]
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["source"]
    actions = ["publish_now", "unpublish"]
    readonly_fields = [
        "number",
        "live_url",
        "qr_code",
        "updated_by",
        "updated_at",
        "wire_hash",
        "imported_at",
        "wire_extra_pretty",
        "wire_raw_pre",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "tags"]}),
        ("Publishing", {"fields": [*PUBLISHING_FIELDS]}),
        ("Source", {"fields": ["source", "source_link", "feed_item_id"]}),
        ("Image and search", {"fields": ["image", "image_url", "image_alt", "meta_description"]}),
        ("Address", {"fields": ["number", "live_url", "qr_code", "updated_by", "updated_at"]}),
        (
            "Import metadata",
            {
                "classes": ["collapse"],
                "fields": ["wire_hash", "imported_at", "wire_extra_pretty", "wire_raw_pre"],
            },
        ),
    ]

    # Queries --------------------------------------------------------------------------

    def get_queryset(self, request):
        return super().get_queryset(request).with_tags()

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

    # Permissions ----------------------------------------------------------------------

    def has_publish_permission(self, request) -> bool:
        return can_publish(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        """Without the publish permission, only drafts may be changed."""
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or obj.status == Article.Status.DRAFT or can_publish(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not can_publish(request.user):
            readonly += PUBLISHING_FIELDS
        return readonly

    def save_model(self, request, obj, form, change) -> None:
        if not can_publish(request.user):
            obj.status = Article.Status.DRAFT  # whatever the POST said
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    # Actions --------------------------------------------------------------------------

    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request, queryset):
        self._run_action(request, queryset, PublishNow, "published")

    @admin.action(description="Unpublish (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        self._run_action(request, queryset, Unpublish, "unpublished")

    def _run_action(self, request, queryset, action: type[ArticleAction], done: str) -> None:
        try:
            count = execute_all(action, queryset, request.user)
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        noun = "article" if count == 1 else "articles"
        self.message_user(request, f"{count} {noun} {done}.", messages.SUCCESS)

    # Import page ----------------------------------------------------------------------

    def get_urls(self):
        opts = self.opts
        import_url = path(
            "import/",
            self.admin_site.admin_view(self.import_view),
            name=f"{opts.app_label}_{opts.model_name}_import",
        )
        return [import_url, *super().get_urls()]

    @method_decorator(csrf_exempt)  # checked inside, once the upload limit is in place
    def import_view(self, request):
        return admin_import.import_view(request, self)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": admin_import.can_import(request.user),
        }
        return super().changelist_view(request, extra_context)

    # Columns and read-only fields -----------------------------------------------------

    @admin.display(description="State")
    def reader_state(self, obj: Article) -> str:
        state = obj.state
        return format_html('<span class="article-state state-{}">{}</span>', state, state.label)

    @admin.display(description="Tags")
    def tag_list(self, obj: Article) -> str:
        return ", ".join(sorted(tag.name for tag in obj.tags.all()))

    @admin.display(description="Address")
    def live_url(self, obj: Article) -> str:
        if obj.pk is None:
            return "Given when the article is saved."
        page, short = absolute_url(obj.path), absolute_url(obj.get_short_url())
        if not obj.is_live:
            return format_html(
                '{} — not live ({}). <a href="{}">Preview</a>', page, obj.state.label, obj.path
            )
        return format_html(
            '<a href="{}">{}</a><br>Short link: <a href="{}">{}</a>', page, page, short, short
        )

    @admin.display(description="QR code")
    def qr_code(self, obj: Article) -> str:
        if obj.pk is None:
            return "Given when the article is saved."
        png = reverse("articles:qr", kwargs={"number": obj.number, "fmt": "png"})
        svg = reverse("articles:qr", kwargs={"number": obj.number, "fmt": "svg"})
        if not obj.is_live:
            return format_html(
                '<a href="{}">QR code (PNG)</a> · <a href="{}">SVG</a> (staff preview)', png, svg
            )
        return format_html(
            '<img src="{}" alt="QR code for {}" width="164" height="164"><br>'
            '<a href="{}">PNG</a> · <a href="{}">SVG</a>',
            png,
            obj.title,
            png,
            svg,
        )

    @admin.display(description="Extra wire keys")
    def wire_extra_pretty(self, obj: Article) -> str:
        if not obj.wire_extra:
            return "—"
        pretty = json.dumps(obj.wire_extra, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html("<pre>{}</pre>", pretty)

    @admin.display(description="Wire file as imported")
    def wire_raw_pre(self, obj: Article) -> str:
        if not obj.wire_raw:
            return "—"
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', obj.wire_raw)
