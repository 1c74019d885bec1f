"""Reading wire files: front matter formats, dates, encodings, and every bad case."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from articles.ingest.frontmatter import parse_wire_bytes, parse_wire_text
from articles.ingest.story import WireError

DATA = Path(__file__).parent / "data"
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def new_york(settings):
    """A newsroom whose time zone is not UTC, so naive times are visibly placed in it."""
    settings.TIME_ZONE = "America/New_York"


def toml(date_line: str, extra: str = "") -> str:
    return f'+++\ntitle = "T"\narticle_id = 5\n{date_line}\n{extra}+++\n<p>Body</p>\n'


@pytest.mark.parametrize(
    ("date_line", "expected"),
    [
        ('date = "2025-07-10T19:45:18Z"', dt.datetime(2025, 7, 10, 19, 45, 18, tzinfo=dt.UTC)),
        ("date = 2025-07-10T19:45:18Z", dt.datetime(2025, 7, 10, 19, 45, 18, tzinfo=dt.UTC)),
        (
            'date = "2025-07-10T21:45:18+02:00"',
            dt.datetime(2025, 7, 10, 19, 45, 18, tzinfo=dt.UTC),
        ),
        ("date = 2025-07-10T21:45:18+02:00", dt.datetime(2025, 7, 10, 19, 45, 18, tzinfo=dt.UTC)),
        # No offset: the newsroom's time zone (New York, UTC-4 in July).
        ('date = "2025-07-10T15:45:18"', dt.datetime(2025, 7, 10, 15, 45, 18, tzinfo=NEW_YORK)),
        ("date = 2025-07-10T15:45:18", dt.datetime(2025, 7, 10, 15, 45, 18, tzinfo=NEW_YORK)),
        ('date = "2025-07-10 15:45:18"', dt.datetime(2025, 7, 10, 15, 45, 18, tzinfo=NEW_YORK)),
        # A date alone: midnight in the newsroom's time zone.
        ("date = 2025-07-10", dt.datetime(2025, 7, 10, 0, 0, tzinfo=NEW_YORK)),
        ('date = "2025-07-10"', dt.datetime(2025, 7, 10, 0, 0, tzinfo=NEW_YORK)),
    ],
)
def test_toml_dates(new_york, date_line, expected):
    published = parse_wire_text(toml(date_line)).published_at
    assert published == expected
    assert published.utcoffset() is not None


def test_bare_date_is_midnight_in_the_newsroom_zone_not_utc(new_york):
    published = parse_wire_text(toml("date = 2025-01-15")).published_at
    assert published.astimezone(dt.UTC) == dt.datetime(2025, 1, 15, 5, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("date_line", "expected"),
    [
        ("date: 2025-07-10T19:45:18Z", dt.datetime(2025, 7, 10, 19, 45, 18, tzinfo=dt.UTC)),
        ("date: 2025-07-10T21:45:18+02:00", dt.datetime(2025, 7, 10, 19, 45, 18, tzinfo=dt.UTC)),
        ('date: "2025-07-10T19:45:18Z"', dt.datetime(2025, 7, 10, 19, 45, 18, tzinfo=dt.UTC)),
        ("date: 2025-07-10 15:45:18", dt.datetime(2025, 7, 10, 15, 45, 18, tzinfo=NEW_YORK)),
        ("date: 2025-07-10", dt.datetime(2025, 7, 10, 0, 0, tzinfo=NEW_YORK)),
    ],
)
def test_yaml_dates(new_york, date_line, expected):
    text = f"---\ntitle: T\narticle_id: 5\n{date_line}\n---\n<p>Body</p>\n"
    assert parse_wire_text(text).published_at == expected


def test_bom_and_crlf_are_accepted():
    text = toml('date = "2025-07-10T19:45:18Z"', 'tags = ["a", "b"]\n')
    story = parse_wire_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert story.title == "T"
    assert story.tags == ("a", "b")
    assert story.body == "<p>Body</p>"
    assert "\r" not in story.raw


def test_yaml_front_matter_maps_like_toml():
    story = parse_wire_bytes((DATA / "wire/nested/100202-yaml-story.yaml").read_bytes())
    assert story.number == 100202
    assert story.draft is True
    assert story.tags == ("libraries", "Harbor City")
    assert story.source_name == "Metro Desk"
    assert story.extra == {"editor": "J. Doe"}


def test_unknown_keys_are_kept_as_json():
    story = parse_wire_bytes((DATA / "wire/nested/100201-toml-story.md").read_bytes())
    assert story.extra == {
        "qrcode": "https://cdn.example.org/qrcode/port.webp",
        "embargo_note": "none",
        "reviewed_at": "2025-03-14T07:00:00+00:00",
        "contact": {"name": "Press Office", "phones": ["+1 555 0100", "+1 555 0101"]},
    }


def test_yaml_oddities_in_extra_keys_become_json():
    text = (
        "---\ntitle: T\narticle_id: 5\ndate: 2025-01-01\n"
        "blob: !!binary aGVsbG8=\nkinds: !!set {b: null, a: null}\nratio: .inf\n"
        "---\n"
    )
    assert parse_wire_text(text).extra == {
        "blob": "hello",
        "kinds": ["a", "b"],
        "ratio": "inf",
    }


def test_nul_characters_leave_extra_keys_too():
    """PostgreSQL's jsonb refuses NUL anywhere, keys included."""
    text = '---\ntitle: T\narticle_id: 5\ndate: 2025-01-01\n"a\\0b": 1\nc: {"d\\0": 2}\n---\n'
    assert parse_wire_text(text).extra == {"ab": 1, "c": {"d": 2}}


def test_string_tags_and_duplicate_tags():
    story = parse_wire_text(toml("date = 2025-01-01", 'tags = ["AI", "ai", " Big  Data "]\n'))
    assert story.tags == ("AI", "Big Data")


@pytest.mark.parametrize(
    "url",
    [
        "//evil.example/x",
        "https://evil.example/202507/5-x",
        "/../x",
        "/202507/1-x/../../y",
        "/202507/5-x/../../y",
        "/202507/6-other-number",
        "/202507/5-x\n",
        "/202507/5-x?next=//evil.example",
        "\\\\evil.example\\x",
        "/202507/5-" + "x" * 400,
    ],
)
def test_a_url_that_is_not_a_plain_same_site_path_is_not_used(url):
    line = "url = " + json.dumps(url) + "\n"
    story = parse_wire_text(toml("date = 2025-01-01", line))
    assert story.path is None
    assert story.extra["url"] == url


def test_a_plain_path_for_the_same_number_is_used():
    story = parse_wire_text(toml("date = 2025-01-01", 'url = "/202507/5-some-slug"\n'))
    assert story.path == "/202507/5-some-slug"
    assert "url" not in story.extra


def test_content_hash_is_sha256_of_the_text():
    story = parse_wire_text(toml("date = 2025-01-01"))
    assert story.content_hash == hashlib.sha256(story.raw.encode()).hexdigest()


# Every bad file, with the one-line reason it is reported with.
BAD_FILES = {
    "malformed-toml.md": "malformed TOML front matter",
    "malformed-yaml.md": "malformed YAML front matter",
    "no-front-matter.md": "no front matter",
    "unclosed-front-matter.md": "front matter is not closed",
    "missing-title.md": "missing title",
    "missing-article-id.md": "missing article_id",
    "unparseable-date.md": "unparseable date 'the fifth of May'",
    "id-zero.md": "article_id 0 is out of range",
    "id-negative.md": "article_id -7 is out of range",
    "id-too-big.md": "article_id 1000000000 is out of range",
    "id-huge.md": "article_id 123456789012345678901234567890 is out of range",
    "id-float.md": "article_id must be an integer, got 12.0",
    "id-bool.md": "article_id must be an integer, got a boolean",
    "tags-not-a-list.md": "tags must be a list of strings, got int",
    "javascript-source-link.md": "source_link is not an http(s) URL",
    "long-title.md": "title is longer than 300 characters",
    "empty.md": "empty file",
}


def test_every_bad_fixture_is_listed():
    assert {path.name for path in (DATA / "wire_bad").iterdir()} == set(BAD_FILES)


@pytest.mark.parametrize(("name", "reason"), sorted(BAD_FILES.items()))
def test_bad_files_fail_with_a_one_line_reason(name, reason):
    with pytest.raises(WireError) as error:
        parse_wire_bytes((DATA / "wire_bad" / name).read_bytes())
    assert reason in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'+++\ntitle = "caf\xe9"\n+++\n', "not UTF-8"),
        (b"   \r\n\r\n", "empty file"),
        (b'+++\ntitle = "T"\x00\n+++\n', "contains NUL"),
        (b"---\n- a list\n---\n<p>x</p>", "not a table of keys and values"),
        (b'+++\ntitle = "T"\narticle_id = 5\n+++\n', "missing date"),
        (b'+++\ntitle = "  "\narticle_id = 5\ndate = 2025-01-01\n+++\n', "empty title"),
        (b'+++\ntitle = ["T"]\narticle_id = 5\ndate = 2025-01-01\n+++\n', "title must be text"),
        (b'+++\ntitle = "T"\narticle_id = "5x"\ndate = 2025-01-01\n+++\n', "must be an integer"),
        (b'+++\ntitle = "T"\narticle_id = 5\ndate = 2025-01-01\ndraft = "maybe"\n+++\n', "draft"),
        (b'+++\ntitle = "T"\narticle_id = 5\ndate = 2025-01-01\ntags = [{}]\n+++\n', "tags"),
        (b'+++\ntitle = "T"\narticle_id = 5\ndate = 2025-02-30\n+++\n', "malformed TOML"),
        (b'+++\ntitle = "T"\narticle_id = 5\ndate = "2025-02-30"\n+++\n', "unparseable date"),
    ],
)
def test_more_bad_inputs(data, reason):
    with pytest.raises(WireError, match=reason):
        parse_wire_bytes(data)


def test_yaml_alias_bombs_and_self_references_are_refused_fast():
    lines = ["---", 'title: "Bomb"', 'date: "2026-01-01"', "article_id: 1", 'l0: &a0 ["x"]']
    for level in range(1, 9):
        lines.append(f"l{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    lines += ["---", "<p>body</p>"]
    with pytest.raises(WireError, match="aliases"):
        parse_wire_text("\n".join(lines))
    with pytest.raises(WireError, match="aliases"):
        parse_wire_text('---\ntitle: "Loop"\narticle_id: 2\nx: &x [*x]\n---\n<p>b</p>')


def test_deeply_nested_front_matter_is_refused_not_a_crash():
    deep_yaml = "---\ntitle: T\narticle_id: 3\nx: " + "[" * 50 + "]" * 50 + "\n---\n"
    with pytest.raises(WireError, match="nested"):
        parse_wire_text(deep_yaml)
    deep_toml = (
        '+++\ntitle = "T"\ndate = "2026-01-01"\narticle_id = 4\nx = '
        + "[" * 5000
        + "]" * 5000
        + "\n+++\n"
    )
    with pytest.raises(WireError):
        parse_wire_text(deep_toml)


@pytest.mark.django_db
def test_an_unexpected_parser_error_fails_only_its_file(tmp_path, monkeypatch):
    from articles.ingest import runner

    real = runner.parse_wire_bytes

    def parse(data: bytes):
        if b"explode" in data:
            raise MemoryError("parser blew up")
        return real(data)

    monkeypatch.setattr(runner, "parse_wire_bytes", parse)
    (tmp_path / "a.md").write_text("+++\ntitle = 'explode'\n+++\n")
    (tmp_path / "b.md").write_text(
        '+++\ntitle = "Fine"\ndate = "2026-01-01"\narticle_id = 7\n+++\n'
    )
    report = runner.import_wire(runner.wire_files([tmp_path]), dry_run=True)
    assert report.created == 1
    assert report.failures == [(str(tmp_path / "a.md"), "unreadable front matter (MemoryError)")]
