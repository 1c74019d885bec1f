"""The /articles/ listing's filters: what readers may narrow the live articles by.

Every choice offered comes from live articles only, so the form itself never names a
source that has nothing live yet. Dates are calendar days in ``settings.TIME_ZONE``:
``published_after`` and ``published_before`` both include the day they name.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_unicode_slug
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import NEWEST_FIRST, Article, Source
from .pagination import MAX_PER_PAGE

MAX_TAGS = 20
FIRST_DAY, LAST_DAY = dt.date(1000, 1, 1), dt.date(9998, 12, 31)
ORDER_CHOICES = [("newest", "Newest first"), ("oldest", "Oldest first")]


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the newsroom's time zone, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


def tagged_ids(**tag_lookup) -> QuerySet:
    """Ids of the articles tagged as ``tag_lookup`` says, as a subquery.

    ``pk IN (tagged ids)`` lets the database start from the tag's rows; a join from
    the articles (``filter(tags=...)``) makes SQLite read every live article first.
    """
    return Article.tags.through.objects.filter(
        content_type=ContentType.objects.get_for_model(Article), **tag_lookup
    ).values("object_id")


def validate_day_in_range(day: dt.date) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(
            f"Enter a date between {FIRST_DAY.year} and {LAST_DAY.year}.", code="out_of_range"
        )


def live_sources(request=None) -> QuerySet[Source]:
    """Sources with at least one live article: the only ones the filter offers.

    EXISTS per source is one short index probe each; ``pk IN (live source ids)`` would
    read every live article.
    """
    has_live = Exists(Article.objects.live().filter(source_id=OuterRef("pk")))
    return Source.objects.filter(has_live).order_by("name")


class SlugListWidget(forms.TextInput):
    """Reads ``?tag=a&tag=b`` as well as ``?tag=a,b``; shows the slugs comma-separated."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        slugs = [part.strip() for value in values if value for part in value.split(",")]
        return [slug for slug in slugs if slug]

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return super().format_value(value)


class SlugListField(forms.Field):
    """A list of slugs, lower-cased, duplicates dropped, at most ``MAX_TAGS``."""

    widget = SlugListWidget

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        slugs = list(dict.fromkeys(str(slug).strip().lower() for slug in value))
        if len(slugs) > MAX_TAGS:
            raise ValidationError(f"Choose at most {MAX_TAGS} tags.", code="too_many")
        for slug in slugs:
            try:
                validate_unicode_slug(slug)
            except ValidationError:
                raise ValidationError(
                    f"“{slug[:50]}” is not a tag name: use letters, numbers, hyphens.",
                    code="invalid",
                ) from None
        return slugs


class SlugListFilter(django_filters.Filter):
    field_class = SlugListField


class PageSizeFilter(django_filters.Filter):
    field_class = forms.IntegerField


class ArticleFilterForm(forms.Form):
    def clean_per_page(self) -> int | None:
        """Page sizes above the cap are served at the cap rather than refused."""
        value = self.cleaned_data.get("per_page")
        return min(value, MAX_PER_PAGE) if value else value

    def clean(self):
        cleaned = super().clean()
        after, before = cleaned.get("published_after"), cleaned.get("published_before")
        if after and before and after > before:
            raise ValidationError("The “published after” date must not be later than “before”.")
        return cleaned


class ArticleFilter(django_filters.FilterSet):
    """Filters for the live-article listing; every value arrives in the query string."""

    q = django_filters.CharFilter(
        label="Words in the title or summary",
        method="filter_text",
        max_length=200,
    )
    source = django_filters.ModelChoiceFilter(
        label="Source",
        queryset=live_sources,
        to_field_name="slug",
        empty_label="All sources",
    )
    tag = SlugListFilter(
        label="Tags",
        method="filter_tags",
        help_text="One or more tag names, separated by commas: articles with any of them.",
    )
    published_after = django_filters.DateFilter(
        label="Published on or after",
        method="filter_after",
        validators=[validate_day_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    published_before = django_filters.DateFilter(
        label="Published on or before",
        method="filter_before",
        validators=[validate_day_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    order = django_filters.ChoiceFilter(
        label="Order",
        choices=ORDER_CHOICES,
        method="filter_order",
        empty_label=None,
    )
    per_page = PageSizeFilter(
        label="Articles per page",
        method="keep",
        min_value=1,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_PER_PAGE}),
    )

    class Meta:
        model = Article
        fields: list[str] = []
        form = ArticleFilterForm

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        words = value.split()
        for word in words[:10]:
            queryset = queryset.filter(Q(title__icontains=word) | Q(summary__icontains=word))
        return queryset

    def filter_tags(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(pk__in=tagged_ids(tag__slug__in=value))

    def filter_after(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(publish_at__gte=start_of_day(value))

    def filter_before(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(publish_at__lt=start_of_day(value + dt.timedelta(days=1)))

    def filter_order(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "oldest":
            return queryset.order_by("publish_at", "number")
        return queryset.order_by(*NEWEST_FIRST)

    def keep(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset
