"""Sources and articles.

Liveness is never stored: an article is *live* when it is published, its publish
time has passed and its expiry time (if any) has not. ``is_live(now)`` is the one
definition every public surface starts from (through ``Article.objects.live()``, or
``TaggedArticle.objects.live()`` for the copies beside the tags), so scheduling needs
no cron job: the moment the publish time passes, the article is live everywhere.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Func, Max, Q, Value
from django.utils import timezone
from django.utils.text import slugify
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager

from .links import short_path
from .sanitize import sanitize_html
from .tagging import attach_tags

# Numbers from the wire live below this bound; numbers given to articles written in
# the newsroom start at it, so the two can never collide, however the wire grows.
WIRE_NUMBER_MAX = 999_999_999
LOCAL_NUMBER_START = WIRE_NUMBER_MAX + 1

# What an import keeps of the wire file: never shown on a public page.
WIRE_FILE_FIELDS = ("wire_raw", "wire_extra")

# The order of every list of articles: newest first, ties broken by number; /articles/
# lists oldest first on request.
NEWEST_FIRST = ("-publish_at", "-number")
OLDEST_FIRST = ("publish_at", "number")

# A canonical path: /YYYYMM/<number>-<slug>, with no trailing slash.
ARTICLE_PATH_RE = re.compile(r"\A/(?P<yyyymm>\d{6})/(?P<number>\d{1,18})-(?P<slug>[\w-]+)\Z")

BODY_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Strike": True,
    "Underline": True,
    "Subscript": True,
    "Superscript": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "Table": True,
    # The editor's table needs its row and cell nodes, or the editor fails to start.
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
}


class Source(models.Model):
    """The agency or issuer an article comes from, e.g. "InvestorBrandNetwork (IBN)"."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    homepage = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def unique_slug_for(cls, name: str) -> str:
        base = slugify(name)[:180] or "source"
        slug, suffix = base, 2
        while cls.objects.filter(slug=slug).exists():
            slug, suffix = f"{base}-{suffix}", suffix + 1
        return slug


def is_live(now: datetime) -> Q:
    """Published, publish time reached (inclusive) and not yet expired (exclusive): the
    one definition of what readers may see, for ``Article.objects.live()`` and for the
    copies of an article's liveness columns beside its tags (``TaggedArticle``)."""
    return Q(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        status=Article.Status.PUBLISHED,
        publish_at__lte=now,
    )


# Bounds no time reaches, closing the not-live terms' open ranges (see not_live_terms).
BEFORE_ALL_TIME = datetime.min.replace(tzinfo=UTC)
AFTER_ALL_TIME = datetime.max.replace(tzinfo=UTC)


def is_draft() -> Q:
    return Q(status__literal=Article.Status.DRAFT)


class UnseenByPlanner(Func):
    """A moment (or another value, of ``output_field``) that PostgreSQL's planner does not
    look at: ``(SELECT $1)``, whose value it learns only when the statement runs.
    Elsewhere, the value itself.

    See ``not_live_terms``: PostgreSQL plans a prepared statement for each run's values
    while that plan looks cheaper than the one it would keep for all of them. Knowing
    the present, it expects no article to be scheduled after it or expired before it,
    and so planned the count of /articles/ and the sources with a live article again on
    every run, which cost more than running them. Not knowing it, it plans them once.
    """

    output_field = models.DateTimeField()

    def __init__(self, moment, output_field: models.Field | None = None) -> None:
        output_field = output_field or models.DateTimeField()
        super().__init__(Value(moment, output_field=output_field), output_field=output_field)

    def as_sql(self, compiler, connection, **extra):
        return compiler.compile(self.get_source_expressions()[0])

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"(SELECT {sql})", params


def is_scheduled(now: datetime) -> Q:
    return Q(
        status__literal=Article.Status.PUBLISHED,
        publish_at__gt=UnseenByPlanner(now),
        publish_at__lte=AFTER_ALL_TIME,
    )


def is_expired(now: datetime) -> Q:
    return Q(
        status__literal=Article.Status.PUBLISHED,
        expires_at__lte=UnseenByPlanner(now),
        expires_at__gt=BEFORE_ALL_TIME,
    )


def not_live_terms(now: datetime) -> tuple[Q, Q, Q]:
    """Drafts, scheduled and expired articles: together, exactly what is not live at ``now``.

    It relies on the table's constraints (a status is draft or published; a published
    article has a publish time; an expiry comes after the publish time), which also make
    the three terms disjoint: their counts can be added up. Each term is an index range,
    so the articles that are not live, usually few, can be read without visiting the live
    ones: a tag's or source's live count is its tally minus these (see ``cards``).

    The terms are written for PostgreSQL's plans of prepared statements. It plans a
    statement once for all values (a generic plan) only when its estimate is no worse
    than that of the plans it makes for each run's values; otherwise it plans the
    statement again on every run, which cost a source page more than the count itself.
    So the status is an SQL literal (``__literal``), estimated from the column's
    statistics, where ``status = $1`` is taken to match half the rows; and each time
    bound is closed by a bound no time reaches, since PostgreSQL takes a range between
    two unknown values to hold 0.5% of the rows, but one side of one a third of them.
    """
    return is_draft(), is_scheduled(now), is_expired(now)


class LiteralExact(models.Lookup):
    """``status__literal=value``: equality, with the value written into the SQL as a
    literal rather than passed as a parameter (see ``not_live_terms`` for why).

    Only a name-like value, such as a status from code, is accepted, so there is
    nothing to escape; anything else is refused when the filter is made, which the
    admin turns into its "bad filter" page. Registered on the ``status`` fields of
    the articles and of their copies beside the tags only.
    """

    lookup_name = "literal"
    prepare_rhs = False

    def get_prep_lookup(self) -> str:
        value = str.__str__(self.rhs) if isinstance(self.rhs, str) else ""
        if not (value.isidentifier() and value.isascii()):
            raise ValueError(f"__literal takes a name-like string, not {self.rhs!r}")
        return value

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = '{self.rhs}'", params


class ArticleQuerySet(models.QuerySet):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._attach_tags = False

    def with_tags(self) -> ArticleQuerySet:
        """Load every article's tags in one extra query (see articles/tagging.py)."""
        clone = self._chain()
        clone._attach_tags = True
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._attach_tags = self._attach_tags
        return clone

    def _fetch_all(self) -> None:
        fetching = self._result_cache is None
        super()._fetch_all()
        if fetching and self._attach_tags and self._iterable_class is models.query.ModelIterable:
            attach_tags(self._result_cache)

    def live(self, now: datetime | None = None) -> ArticleQuerySet:
        """Published, publish time reached (inclusive) and not yet expired (exclusive)."""
        return self.filter(is_live(now or timezone.now()))

    def scheduled(self, now: datetime | None = None) -> ArticleQuerySet:
        return self.filter(is_scheduled(now or timezone.now()))

    def expired(self, now: datetime | None = None) -> ArticleQuerySet:
        return self.filter(is_expired(now or timezone.now()))

    def drafts(self) -> ArticleQuerySet:
        return self.filter(is_draft())

    def for_listing(self) -> ArticleQuerySet:
        """What a list of articles shows, in a constant number of queries; not the stored
        wire file, which can be many times the size of the body."""
        listed = self.select_related("source").with_tags().defer(*WIRE_FILE_FIELDS)
        return listed.order_by(*NEWEST_FIRST)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class State(models.TextChoices):
        """What readers see, derived from status and times (never stored)."""

        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        LIVE = "live", "Live"
        EXPIRED = "expired", "Expired"

    number = models.PositiveBigIntegerField(
        unique=True,
        editable=False,
        help_text="Public number: the wire's article_id, or a newsroom number.",
    )
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, blank=True, help_text="Filled from the title.")
    summary = models.TextField(blank=True, help_text="Plain text: the lede and listing teaser.")
    meta_description = models.CharField(
        max_length=500, blank=True, help_text="For search engines; the summary is used if empty."
    )
    body = ProseEditorField(config={"extensions": BODY_EXTENSIONS}, sanitize=sanitize_html)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="articles")
    source_link = models.URLField(max_length=1000, blank=True, help_text="The original item.")
    feed_item_id = models.BigIntegerField(null=True, blank=True)
    image_url = models.URLField(max_length=1000, blank=True, help_text="Remote lead image.")
    image = models.ImageField(upload_to="articles/%Y/%m/", blank=True)
    image_alt = models.CharField(max_length=300, blank=True)
    tags = TaggableManager(blank=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    publish_at = models.DateTimeField(
        null=True, blank=True, help_text="Goes live at this time; a future time schedules it."
    )
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Optional: disappears from the site at this time."
    )
    path = models.CharField(max_length=300, unique=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    # What the latest import brought, so nothing of a wire file is lost.
    wire_extra = models.JSONField(default=dict, blank=True, editable=False)
    wire_raw = models.TextField(blank=True, editable=False)
    wire_hash = models.CharField(max_length=64, blank=True, editable=False)
    imported_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = list(NEWEST_FIRST)
        permissions = [
            ("publish_article", "Can publish, schedule and unpublish articles"),
            ("import_wire", "Can import wire copy"),
        ]
        # Shaped for live(): equality on status, range on publish_at, the listing order
        # (publish_at, number) and expires_at, so counts and pages read the index only.
        indexes = [
            # The live articles in time order, alone or of one source. On PostgreSQL
            # they also hold the id (SQLite's indexes always do), so a walk that tests
            # each article's tags reads no table row: a tag page read hundreds.
            models.Index(
                fields=["status", "publish_at", "number", "expires_at"],
                include=["id"],
                name="article_live_idx",
            ),
            models.Index(
                fields=["source", "status", "publish_at", "number", "expires_at"],
                include=["id"],
                name="article_source_live_idx",
            ),
            # The expired articles, and when each was published (the archive's counts).
            models.Index(fields=["status", "expires_at", "publish_at"], name="article_expiry_idx"),
            # One source's expired articles (a source's live count: its tally minus
            # its drafts, scheduled and expired articles, each a short range).
            models.Index(
                fields=["source", "status", "expires_at"], name="article_source_expiry_idx"
            ),
            models.Index(fields=["publish_at", "number"], name="article_order_idx"),
            # The newest edit among live articles (the sitemap index's lastmod): a walk
            # down the published articles' updated_at that stops at the first live one.
            # Not partial: SQLite re-plans every statement that binds a column named in
            # a partial index's condition (status, in every live() query) on each run.
            # Led by status, so SQLite never counts the whole table from it, as it
            # would from a narrower updated_at index.
            models.Index(fields=["status", "updated_at"], name="article_edited_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="article_number_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]), name="article_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(publish_at__isnull=False),
                name="article_published_has_publish_time",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True)
                | Q(publish_at__isnull=True)
                | Q(expires_at__gt=models.F("publish_at")),
                name="article_expires_after_publish",
            ),
            models.CheckConstraint(condition=Q(path__startswith="/"), name="article_path_rooted"),
        ]

    def __str__(self) -> str:
        return self.title

    # Saving ---------------------------------------------------------------------

    def save(self, *args, **kwargs) -> None:
        self.prepare_for_save()
        if self.number is None:
            self._save_with_new_number(*args, **kwargs)
            return
        super().save(*args, **kwargs)
        self._stored_state = self._state_snapshot()

    def get_absolute_url(self) -> str:
        return self.path

    def prepare_for_save(self) -> None:
        """What every write does first, one row or many (bulk import): sanitize the
        body, fill the slug, and the path once the article has a number."""
        self.body = sanitize_html(self.body)
        self.slug = self.slug or slugify(self.title)[:200].strip("-")
        if self.number is not None:
            self.path = self.build_path()

    def _save_with_new_number(self, *args, **kwargs) -> None:
        """Give a newsroom-written article the next free local number.

        Two editors saving at once may pick the same number; the unique constraint
        rejects the second insert, which then retries with the next number. Each
        attempt runs in a savepoint so a failed one leaves the transaction usable.
        """
        tried = LOCAL_NUMBER_START - 1
        for _attempt in range(20):
            # Never retry a number already refused, even if the lookup is stale.
            self.number = max(self._highest_local_number(), tried) + 1
            self.path = self.build_path()
            try:
                with transaction.atomic():
                    super().save(*args, **kwargs)
            except IntegrityError:
                tried = self.number
                taken = Article.objects.filter(number=self.number).exists()
                self.number = None
                if taken:
                    continue
                raise
            self._stored_state = self._state_snapshot()
            return
        raise IntegrityError("Could not allocate a new article number; try again.")

    @classmethod
    def _highest_local_number(cls) -> int:
        """The highest newsroom number in use, or the one just below the local range."""
        highest = cls.objects.filter(number__gte=LOCAL_NUMBER_START).aggregate(
            highest=Max("number")
        )["highest"]
        return highest or LOCAL_NUMBER_START - 1

    def build_path(self) -> str:
        """The canonical path: /YYYYMM/<number>-<slug>.

        The month is that of the first publish time in the newsroom's time zone.
        Once the article has been live, or when it came from the wire with a path of
        its own, its month is kept, so later edits of the publish time do not move
        it; a changed slug does (the old path then answers 301).
        """
        slug = self.slug or str(self.number)
        current = ARTICLE_PATH_RE.match(self.path or "")
        keeps_month = current and (self._has_been_live() or self.is_imported)
        if keeps_month and current["slug"] == slug and int(current["number"]) == self.number:
            return self.path
        if keeps_month:
            yyyymm = current["yyyymm"]
        else:
            moment = self.publish_at or self.created_at or timezone.now()
            local = timezone.localtime(moment, timezone.get_default_timezone())
            yyyymm = local.strftime("%Y%m")
        return f"/{yyyymm}/{self.number}-{slug}"

    def _has_been_live(self) -> bool:
        """Whether the stored row was published with a publish time already passed."""
        stored = getattr(self, "_stored_state", None)
        if stored is None:
            return False
        status, publish_at = stored
        return (
            status == self.Status.PUBLISHED
            and publish_at is not None
            and (publish_at <= timezone.now())
        )

    def get_short_url(self) -> str:
        """The permanent short link (used by QR codes): survives slug and month changes."""
        return short_path(to_base36(self.number))

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_state = instance._state_snapshot()
        return instance

    def _state_snapshot(self) -> tuple:
        # Read from __dict__ so a deferred field never costs a query here.
        return (self.__dict__.get("status"), self.__dict__.get("publish_at"))

    # Visibility -----------------------------------------------------------------

    def state_at(self, now: datetime | None = None) -> State:
        now = now or timezone.now()
        if self.status != self.Status.PUBLISHED or self.publish_at is None:
            return self.State.DRAFT
        if self.publish_at > now:
            return self.State.SCHEDULED
        if self.expires_at is not None and self.expires_at <= now:
            return self.State.EXPIRED
        return self.State.LIVE

    @property
    def state(self) -> State:
        return self.state_at()

    @property
    def is_live(self) -> bool:
        return self.state == self.State.LIVE

    @property
    def is_imported(self) -> bool:
        return bool(self.wire_hash)

    @property
    def description(self) -> str:
        return self.meta_description or self.summary


class ArticleTally(models.Model):
    """How many articles there are, whatever their state: in all, per tag, per source, and
    per day and per month of publish time (UTC).

    Kept by the database's own triggers (migrations 0009, 0012, 0016 and 0018), so every
    write path counts: the admin, the importer, bulk and raw SQL. Nothing in Python
    writes it. The live counts read it and subtract the articles that are not live
    (``not_live_terms``, a few index ranges): counting every article's index entry
    took 5 ms at 100,000 articles on PostgreSQL. A tag's tally counts the rows tagging
    articles with it.
    """

    class Scope(models.IntegerChoices):
        ALL = 0, "all articles"
        TAG = 1, "the articles with one tag"
        SOURCE = 2, "the articles of one source"
        DAY = 3, "the articles published on one day (UTC)"
        MONTH = 4, "the articles published in one month (UTC)"

    scope = models.PositiveSmallIntegerField(choices=Scope)
    subject = models.BigIntegerField(
        help_text="The tag's or source's id, the day as YYYYMMDD, the month as YYYYMM; 0 for all."
    )
    articles = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "subject"], name="article_tally_subject")
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.subject}: {self.articles}"


class TaggedArticleQuerySet(models.QuerySet):
    def live(self, now: datetime | None = None) -> TaggedArticleQuerySet:
        """The rows of live articles, by the articles' own definition (``is_live``)."""
        return self.filter(is_live(now or timezone.now()))


class TaggedArticle(models.Model):
    """An article with one of its tags, and the article's columns that decide whether
    it is live, copied beside the tag. One tag's live articles, newest first, are then
    one range of one index (``tagged_article_live_idx``), as one source's are of the
    articles' own; without it, a tag page walked every live article testing its tags
    (hundreds for a popular tag's first page), or read all of a rare tag's articles and
    sorted them, and a deep page of a popular tag read thousands. The article's source
    is copied too, so one source's articles with one tag are one range as well
    (``tagged_article_source_idx``).

    Kept by the database's own triggers (migrations 0011 and 0015) on the articles and
    on taggit's tagging rows, so every write path keeps it: the admin, the importer,
    bulk and raw SQL. Nothing in Python writes it. Rows tagging other models have no
    copy.
    """

    tag = models.ForeignKey(
        "taggit.Tag", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False
    )
    article = models.ForeignKey(
        Article, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    status = models.CharField(max_length=10)
    publish_at = models.DateTimeField(null=True)
    number = models.PositiveBigIntegerField()
    expires_at = models.DateTimeField(null=True)

    objects = TaggedArticleQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "tag"], name="tagged_article_unique")
        ]
        indexes = [
            models.Index(
                fields=["tag", "status", "publish_at", "number", "expires_at", "article"],
                name="tagged_article_live_idx",
            ),
            # One tag's expired articles, which a tag's live count subtracts from its tally.
            models.Index(fields=["tag", "status", "expires_at"], name="tagged_article_expiry_idx"),
            models.Index(
                fields=["tag", "source", "status", "publish_at", "number", "expires_at", "article"],
                name="tagged_article_source_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"article {self.article_id} tagged {self.tag_id}"


class ArticleTagList(models.Model):
    """An article's tags as JSON text, ``[[id, name, slug], ...]`` in no set order: what
    every page showing the article reads of its tags (``tagging.ArticleTags``).

    A listing joins each of its articles' one row here by primary key. Gathering the
    tags from taggit's rows instead cost PostgreSQL a subquery per article, about 40%
    of a 20-article listing's query. Kept by the database's own triggers (migration
    0017) on taggit's tagging rows and on the tags (a renamed tag changes the lists
    that hold it), so every write path keeps it; nothing in Python writes it. An
    article without tags has no row.
    """

    article = models.OneToOneField(
        Article,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="listed_tags",
    )
    tags = models.TextField()

    def __str__(self) -> str:
        return f"tags of article {self.article_id}"


for _model in (Article, TaggedArticle):
    _model._meta.get_field("status").register_lookup(LiteralExact)


def to_base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out
