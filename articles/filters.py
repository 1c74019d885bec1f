"""The /articles/ listing's filters: what readers may narrow the live articles by.

Every choice offered comes from live articles only, so the form itself never names a
source that has nothing live yet. Dates are calendar days in ``settings.TIME_ZONE``:
``published_after`` and ``published_before`` both include the day they name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_unicode_slug
from django.db.models import QuerySet
from django.forms.boundfield import BoundField
from django.http import Http404
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from taggit.models import Tag

from . import cards
from .directory import live_source_counts
from .kept import KeptUntilWrite
from .models import NEWEST_FIRST, OLDEST_FIRST, Article, ArticleTally, Source
from .pagination import MAX_PER_PAGE, page_number, page_size
from .prepared import PreparedQuery
from .search.backends import SearchBackend, backend_for
from .search.query import parse_query
from .tagging import has_tagging_row, tagged_items

MAX_TAGS = 20
# Several tags whose rows tag more articles than this are listed without a count.
COUNTED_TAG_ROWS = 2000
FIRST_DAY, LAST_DAY = dt.date(1000, 1, 1), dt.date(9998, 12, 31)
ORDER_CHOICES = [("newest", "Newest first"), ("oldest", "Oldest first")]


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the newsroom's time zone, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


def end_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the end of ``day`` (the start of the next) in the newsroom's time zone."""
    return start_of_day(day + dt.timedelta(days=1))


def validate_day_in_range(day: dt.date) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(
            f"Enter a date between {FIRST_DAY.year} and {LAST_DAY.year}.", code="out_of_range"
        )


def _tallies(source_id: int, tag_slugs: list[str]) -> QuerySet:
    """How many articles there are, how many one source has and how many rows tag
    articles with each of some tags, live or not (their tallies, ArticleTally), as
    (scope, subject, articles) rows.

    Three parts, each a probe of the tallies' unique index whatever the values: as one
    OR of the three, PostgreSQL planned the statement again on every run.
    """
    tallies = ArticleTally.objects.order_by()
    tags = Tag.objects.filter(slug__in=tag_slugs).values("pk")
    columns = ("scope", "subject", "articles")
    return (
        tallies.filter(scope=ArticleTally.Scope.ALL, subject=0)
        .values_list(*columns)
        .union(
            tallies.filter(scope=ArticleTally.Scope.SOURCE, subject=source_id).values_list(
                *columns
            ),
            tallies.filter(scope=ArticleTally.Scope.TAG, subject__in=tags).values_list(*columns),
            all=True,
        )
    )


_TALLIES = PreparedQuery(_tallies)


class TallySizes(dict):
    """Tallies by ``ArticleTally.Scope``, and ``tag_ids``: the ids of those of the tags
    that have a tally, which every tag on an article has, in id order."""

    tag_ids: tuple[int, ...] = ()


def tally_sizes(source_id: int | None, tag_slugs: list[str]) -> TallySizes:
    """The tallies of all articles, of the source (0 without one) and of the tags'
    rows, by ``ArticleTally.Scope``, and the tags' ids. Kept until a write (kept.py):
    the tallies count articles live or not, so the clock does not change them."""
    return _TALLY_SIZES(source_id or 0, tuple(tag_slugs))


def _read_tally_sizes(source_id: int, tag_slugs: tuple[str, ...]) -> TallySizes:
    size = TallySizes.fromkeys(ArticleTally.Scope, 0)
    rows = _TALLIES.rows(source_id=source_id, tag_slugs=list(tag_slugs))
    for scope, _subject, articles in rows:
        size[scope] += articles
    size.tag_ids = tuple(
        sorted(subject for scope, subject, _ in rows if scope == ArticleTally.Scope.TAG)
    )
    return size


_TALLY_SIZES = KeptUntilWrite(_read_tally_sizes)


def source_is_narrower(size: dict[int, int]) -> bool:
    """Whether listing a source's articles with any of some tags (their ``tally_sizes``)
    is cheaper from the source's end: each of its articles tested for the tags (an
    index probe), rather than each row tagging one with them looked up (a row read,
    ``cards.ROW_LOOKUP_COST`` probes) and tested for the source."""
    source, tags = size[ArticleTally.Scope.SOURCE], size[ArticleTally.Scope.TAG]
    return 0 < source < cards.ROW_LOOKUP_COST * tags


def offered_sources(now: dt.datetime) -> list[tuple[int, str, str]]:
    """(id, name, slug) of each source with a live article (``live_source_counts``), by
    name: what LiveSourceField.offer() takes and builds a Source from."""
    return [(pk, name, slug) for pk, name, slug, _homepage, _live in live_source_counts(now)]


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


class LiveSourceField(forms.ChoiceField):
    """A source by slug, among those :meth:`offer` was given; cleans to the Source.

    The choices are a list set on each form, not a queryset: a ModelChoiceField would
    build and compile one query to render the choices and another to validate one.
    """

    default_error_messages = {
        "invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"],
    }

    def __init__(self, *, empty_label: str, **kwargs) -> None:
        self.empty_label = empty_label
        self.rows: dict[str, tuple] = {}
        super().__init__(choices=[("", empty_label)], **kwargs)

    def offer(self, rows: list[tuple]) -> None:
        """Offer the sources of ``rows`` (id, name, slug), in their order.

        The list of (value, label) pairs is what the ``choices`` setter would make of
        it, so it is set as it is: the setter normalizes every choice twice, for the
        field and again for its widget, on each request.
        """
        self.rows = {slug: (pk, name, slug) for pk, name, slug in rows}
        choices = [("", self.empty_label), *((slug, name) for _pk, name, slug in rows)]
        self._choices = self.widget._choices = choices

    def to_python(self, value) -> Source | None:
        """The chosen source (its id, name and slug loaded), or None for all of them."""
        slug = super().to_python(value)
        if not slug:
            return None
        if slug not in self.rows:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return Source.from_db(None, ["id", "name", "slug"], self.rows[slug])

    def valid_value(self, value) -> bool:
        return isinstance(value, Source)  # to_python() only returns an offered one


class LiveSourceFilter(django_filters.Filter):
    field_class = LiveSourceField


def attributes_html(attrs: dict) -> str:
    """HTML attributes as Django's widget templates write them: a True value is the bare
    name, and False or None leaves the attribute out."""
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not None and value is not False
    )


def option_html(value, label, chosen: set[str]) -> str:
    selected = " selected" if str(value) in chosen else ""
    return f'<option value="{escape(str(value))}"{selected}>{conditional_escape(label)}</option>'


class FilterBoundField(BoundField):
    """Renders its label, help text, errors and control in Python.

    Django's form templates (``as_field_group``) took about 1 ms a field, most of the
    listing's time. The markup is what those templates write, for the widgets the
    filters use: text-like inputs and a single select. Any other widget is rendered by
    Django's templates.
    """

    INPUTS = (forms.TextInput, forms.NumberInput, forms.DateInput)

    def rendered_in_python(self) -> bool:
        """Text, number and date inputs (and subclasses, which read or format values
        differently but write the same tag), and a plain select with flat choices."""
        widget = self.field.widget
        return isinstance(widget, self.INPUTS) or type(widget) is forms.Select

    def as_field_group(self) -> SafeString:
        if not self.rendered_in_python():
            return super().as_field_group()
        return mark_safe(
            self.label_html() + self.help_html() + self.errors_html() + self.control_html()
        )

    def label_html(self) -> str:
        if not self.label:
            return ""
        label = conditional_escape(self.label)
        suffix = self.field.label_suffix
        suffix = self.form.label_suffix if suffix is None else suffix
        if suffix and label[-1] not in ":?.!":
            label += suffix
        for_id = self.id_for_label
        for_attr = f' for="{escape(for_id)}"' if for_id else ""
        return f"<label{for_attr}>{label}</label>"

    def help_html(self) -> str:
        if not self.help_text:
            return ""
        id_attr = f' id="{escape(self.auto_id)}_helptext"' if self.auto_id else ""
        return f'<div class="helptext"{id_attr}>{conditional_escape(self.help_text)}</div>'

    def errors_html(self) -> str:
        errors = self.errors
        if not errors:
            return ""
        field_id = getattr(errors, "field_id", None)
        id_attr = f' id="{escape(field_id)}_error"' if field_id else ""
        items = "".join(f"<li>{conditional_escape(error)}</li>" for error in errors)
        return f'<ul class="{escape(errors.error_class)}"{id_attr}>{items}</ul>'

    def control_attrs(self) -> dict:
        """The control's attributes, as ``BoundField.as_widget()`` works them out."""
        widget = self.field.widget
        attrs = self.build_widget_attrs({}, widget)
        if self.auto_id and "id" not in widget.attrs:
            attrs.setdefault("id", self.auto_id)
        return widget.build_attrs(widget.attrs, attrs)

    def control_html(self) -> str:
        widget, name = self.field.widget, escape(self.html_name)
        attrs = self.control_attrs()
        if isinstance(widget, forms.Select):
            chosen = set(widget.format_value(self.value()))
            options = "".join(option_html(value, label, chosen) for value, label in widget.choices)
            return f'<select name="{name}"{attributes_html(attrs)}>{options}</select>'
        value = widget.format_value(self.value())
        value_attr = "" if value is None else f' value="{escape(str(value))}"'
        kind = escape(widget.input_type)
        return f'<input type="{kind}" name="{name}"{value_attr}{attributes_html(attrs)}>'


class RenderedFields:
    """The filter form's fields as HTML, by everything that decides them.

    The markup of the fields is a function of the submitted values, the sources
    offered and the language, and of nothing else: the fields themselves never change.
    Most requests submit the same few values (none at all, or a page number), so each
    combination is rendered once per process; the sources are read on every request,
    so a source that goes live or stops being live changes the key, never a stale
    page. At most ``size`` combinations are kept; when full, it starts again.
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._html: dict[tuple, SafeString] = {}

    def of(self, form: ArticleFilterForm) -> SafeString:
        submitted = tuple(
            (name, _submitted(form.data, name)) for name in form.fields if name in form.data
        )
        key = (translation.get_language(), tuple(form.fields["source"].rows.values()), submitted)
        return self._rendered(key, lambda: form)

    def unfiltered(self, source_rows: list[tuple]) -> SafeString:
        """The fields when nothing is submitted and ``source_rows`` are offered (the
        rows of ``offered_sources``): a form is made only to render them the first time."""
        key = (translation.get_language(), tuple(source_rows), ())

        def unbound_form() -> ArticleFilterForm:
            form_class = ArticleFilter({}, queryset=Article.objects.none()).get_form_class()
            return form_class({}, source_rows=source_rows)

        return self._rendered(key, unbound_form)

    def _rendered(self, key: tuple, form: Callable[[], ArticleFilterForm]) -> SafeString:
        html = self._html.get(key)
        if html is None:
            if len(self._html) >= self._size:
                self._html.clear()
            html = self._html[key] = _fields_html(form())
        return html


def _submitted(data, name: str) -> tuple:
    """Every value submitted for ``name`` (a query string may repeat it)."""
    return tuple(data.getlist(name)) if hasattr(data, "getlist") else (data[name],)


def _fields_html(form: ArticleFilterForm) -> SafeString:
    return mark_safe(
        "".join(
            f'<div class="field field-{field.name}{" has-error" if field.errors else ""}">'
            f"{field.as_field_group()}</div>"
            for field in form
        )
    )


class ArticleFilterForm(forms.Form):
    bound_field_class = FilterBoundField
    rendered_fields = RenderedFields()

    def __init__(self, *args, source_rows: list[tuple] | None = None, **kwargs) -> None:
        """``source_rows``: the rows of ``offered_sources`` when they were read already."""
        super().__init__(*args, **kwargs)
        if source_rows is None:
            source_rows = offered_sources(timezone.now())
        self.fields["source"].offer(source_rows)

    def fields_html(self) -> SafeString:
        """Every field's label, help, errors and control, each in its ``div.field``."""
        return self.rendered_fields.of(self)

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


class UnfilteredForm:
    """The filter form of a request that submits no filter, for the template: no
    errors, and the fields as they render with no values. With nothing submitted there
    is nothing to validate, so no form is made: making and cleaning one cost /articles/
    0.15 ms a request. The sources it offers are read, as a form reads them."""

    def __init__(self) -> None:
        self.errors: dict = {}
        source_rows = offered_sources(timezone.now())
        self._fields_html = ArticleFilterForm.rendered_fields.unfiltered(source_rows)

    def non_field_errors(self) -> str:
        return ""

    def fields_html(self) -> SafeString:
        return self._fields_html


def shallow_copy(instance):
    """``copy.copy(instance)`` for an object whose state is its ``__dict__`` and that
    defines no ``__copy__``, as Django's fields, widgets and django-filter's filters
    are: in a quarter of the time, which a filtered listing pays some twenty times."""
    copied = object.__new__(type(instance))
    copied.__dict__.update(instance.__dict__)
    return copied


class FieldCopies(dict):
    """A form class's ``base_fields``, which every form copies when it is made.

    ``copy.deepcopy`` of the fields copied their labels, choices, widgets and all
    they hold on every filtered request (0.1 ms of /articles/?tag=...), none of which
    this form changes in place. What it does change is its source field's choices,
    which ``LiveSourceField.offer`` sets anew on the field and on its widget. So each
    field and its widget are copied shallowly, with some of the containers Django's
    own copy gives each form (the widget's attributes, the error messages, the
    validators), in case a later field or widget changes them in place. The choices
    stay shared: ``offer`` replaces the source field's, and no other form changes any.
    """

    def __deepcopy__(self, memo) -> dict:
        return {name: _field_copy(field) for name, field in self.items()}


def _field_copy(field: forms.Field) -> forms.Field:
    copied = shallow_copy(field)
    copied.widget = shallow_copy(field.widget)
    copied.widget.attrs = field.widget.attrs.copy()
    copied.error_messages = field.error_messages.copy()
    copied.validators = field.validators[:]
    return copied


class FilterCopies(dict):
    """A filter set's ``base_filters``, which every filter set copies when it is made.

    ``copy.deepcopy`` of the filters was most of the cost of making the /articles/
    filter set (0.1 ms a request), copying their labels, widgets and validators, which
    never change. A filter's own state on a request is its ``parent`` and ``model``,
    which the filter set sets on its copies, so each filter is copied shallowly; a
    filter with a ``method`` gets its own FilterMethod, bound to the copy, which finds
    the method on the copy's parent.
    """

    def __deepcopy__(self, memo) -> dict:
        return {name: _filter_copy(filter_) for name, filter_ in self.items()}


def _filter_copy(filter_: django_filters.Filter) -> django_filters.Filter:
    copied = shallow_copy(filter_)
    if filter_.method is not None:
        copied.method = filter_.method  # the setter binds a new FilterMethod to the copy
    return copied


class ArticleFilter(django_filters.FilterSet):
    """Filters for the live-article listing; every value arrives in the query string.

    It filters the queryset it is given (``filter_queryset``): the view passes the
    live articles.
    """

    q = django_filters.CharFilter(
        label="Words in the article",
        method="filter_text",
        max_length=200,
    )
    source = LiveSourceFilter(label="Source", empty_label="All sources")
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

    @classmethod
    def submitted(cls, data) -> bool:
        """Whether ``data`` (the query string) holds a value for any filter."""
        return any(name in data for name in cls.base_filters)

    @classmethod
    def get_filters(cls) -> FilterCopies:
        return FilterCopies(super().get_filters())

    def get_form_class(self) -> type[ArticleFilterForm]:
        """The form class, built once per process rather than on every request.

        Every field is the same on each request (the source choices are set on each
        form, in ``ArticleFilterForm.__init__``), and each form copies the fields
        (``FieldCopies``).
        """
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            form_class = super().get_form_class()
            form_class.base_fields = FieldCopies(form_class.base_fields)
            cls._form_class = form_class
        return cls._form_class

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """Each filter in turn, the words last. SQLite tests a row's conditions in the
        order the query gives them: the other filters' index probes are cheap, and a
        full-text probe is not (a common word and a popular tag, newest first: 7.3 ms
        a page when the word was tested first, 0.6 ms when the tag is)."""
        names = sorted(self.form.cleaned_data, key=lambda name: name == "q")
        for name in names:
            queryset = self.filters[name].filter(queryset, self.form.cleaned_data[name])
        return queryset

    @cached_property
    def _search(self) -> SearchBackend:
        return backend_for()  # one per filter set: it keeps what it found of the words

    @cached_property
    def too_many_to_count(self) -> bool:
        """Whether the listing is paged without a count: for very common words, or
        several tags on very many articles."""
        return self.words_found_in_many or self.tags_on_many

    @cached_property
    def words_found_in_many(self) -> bool:
        """Whether the words are found in more articles than the search's ranking window
        (``found_in_many``): the listing is then paged without a count. Counting them
        tests every match for liveness and the other filters (for a word in nearly
        every one of 100,000 articles, 37 ms on SQLite and 200 ms on PostgreSQL),
        where a page of them stops at its last article. Only the first window's worth
        of them is listed (``browse_views.article_list``): without a count, nothing
        else bounds how far a page number sends the database."""
        query = parse_query(self.form.cleaned_data.get("q") or "")
        return not query.is_empty and self._search.found_in_many(query)

    @cached_property
    def tags_on_many(self) -> bool:
        """Whether several tags have more rows between them than ``COUNTED_TAG_ROWS``
        (their tallies, live or not): the listing is then paged without a count.
        Counting the articles they tag, each once however many of the tags it has, read
        every one of their rows: 6 ms on SQLite and 4 on PostgreSQL for two tags on
        6,000 articles each, at 100,000 articles. Every page is listed: one far from the
        newest reads all the tags' copies, sorted (``cards.SortedCopies``), as a counted
        listing does, so a page number costs no more than it did. A source narrower
        than the tags is counted over its own articles, as before."""
        tags = self.form.cleaned_data.get("tag") or []
        if len(tags) < 2 or self.tag_rows <= COUNTED_TAG_ROWS:
            return False
        # A source read from its own end is counted so, its articles each tested once.
        source = self.form.cleaned_data.get("source")
        return source is None or not source_is_narrower(self.tallies)

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Articles with every word of ``value`` in their title, summary or body, as
        /search/ finds them, through the full-text index: ``icontains`` on each word
        read every article (150 ms at 100,000 on PostgreSQL)."""
        query = parse_query(value)
        if query.is_empty:
            return queryset
        return self._search.with_terms(queryset, query)

    def filter_tags(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        """Articles with any of the tags. By default ``pk IN (tagged ids)``: the database
        starts from the tags' rows, where a join from the articles (``filter(tags=...)``)
        makes SQLite read every live article first. An EXISTS per article instead lets
        it start from the other end, by their tallies (``tally_sizes``):

        - with a source whose articles are fewer (``source_is_narrower``), from the
          source's articles (at 100,000 articles on SQLite, a popular tag and a source:
          18 ms to count, now 2);
        - in a listing without a count (``too_many_to_count``), from the newest (or
          oldest) articles, when a page of the tags comes sooner that way
          (``cards.latest_first_is_cheaper``): a popular tag and a common word, 67 ms
          a page on SQLite before this and the uncounted listing, now 4 (with the
          words tested last).
        """
        if not value:
            return queryset
        content_type_id = ContentType.objects.get_for_model(Article).pk
        tagged = tagged_items(content_type_id, tag__slug__in=value)
        if self._tags_from_the_articles(value):
            return queryset.filter(has_tagging_row(tagged))
        return queryset.filter(pk__in=tagged.values("object_id"))

    @cached_property
    def tallies(self) -> TallySizes:
        """``tally_sizes()`` of the submitted source and tags, read once per request."""
        source = self.form.cleaned_data.get("source")
        return tally_sizes(source.pk if source else None, self.form.cleaned_data.get("tag") or [])

    @property
    def tag_rows(self) -> int:
        """How many rows tag articles with the tags, live or not (their tallies)."""
        return self.tallies[ArticleTally.Scope.TAG]

    def _tags_from_the_articles(self, tag_slugs: list[str]) -> bool:
        """Whether the tags are tested per article (see ``filter_tags``), by the tallies
        read only when a source or a listing without a count makes it a question."""
        source = self.form.cleaned_data.get("source")
        if source is None and not self.too_many_to_count:
            return False
        size = self.tallies
        if source_is_narrower(size):
            return True
        if not self.too_many_to_count:
            return False
        try:  # the rows up to the end of the page asked for
            number = page_number(self.request) if self.request is not None else 1
        except Http404:
            return False  # the view answers 404 for that page
        stop = number * page_size(self.form.cleaned_data.get("per_page"))
        articles = self.tallies[ArticleTally.Scope.ALL]
        return cards.latest_first_is_cheaper(stop, self.tag_rows, articles)

    def filter_after(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(publish_at__gte=start_of_day(value))

    def filter_before(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(publish_at__lt=end_of_day(value))

    def filter_order(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "oldest":
            return queryset.order_by(*OLDEST_FIRST)
        return queryset.order_by(*NEWEST_FIRST)

    def keep(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset
