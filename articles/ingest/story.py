"""A wire story: the validated, typed content of one wire file.

Parsers (TOML or YAML front matter) produce a plain mapping; :func:`story_from_mapping`
checks it against the wire format (../shared/wire-format.md) and returns a
:class:`WireStory`, or raises :class:`WireError` with a one-line reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from articles.models import ARTICLE_PATH_RE, WIRE_NUMBER_MAX, Article

# Keys with a home in the Article model; everything else goes to ``extra``.
KNOWN_KEYS = frozenset(
    {
        "title", "date", "draft", "summary", "description", "source_link", "enclosure",
        "article_id", "feed_item_id", "url", "source", "tags",
    }
)  # fmt: skip

MAX_TAGS = 50
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class WireError(ValueError):
    """A wire file that cannot be imported; the message is one line for the report."""


@dataclass(frozen=True)
class WireStory:
    number: int
    title: str
    published_at: dt.datetime
    draft: bool
    body: str
    raw: str
    content_hash: str
    source_name: str | None = None
    summary: str = ""
    description: str = ""
    source_link: str = ""
    image_url: str = ""
    feed_item_id: int | None = None
    path: str | None = None
    tags: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def content_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def story_from_mapping(data: dict[str, Any], body: str, raw: str) -> WireStory:
    number = _number(data)
    extra = {
        _jsonable(str(key)): _jsonable(value)
        for key, value in data.items()
        if key not in KNOWN_KEYS
    }
    path = _path(data.get("url"), number)
    if path is None and data.get("url") is not None:
        extra["url"] = _jsonable(data["url"])  # kept, though not used as the address
    return WireStory(
        number=number,
        title=_text(data, "title", required=True),
        published_at=_datetime(data.get("date")),
        draft=_bool(data, "draft"),
        body=body,
        raw=raw,
        content_hash=content_hash(raw),
        source_name=_text(data, "source") or None,
        summary=_text(data, "summary"),
        description=_text(data, "description"),
        source_link=_url(data, "source_link"),
        image_url=_url(data, "enclosure"),
        feed_item_id=_optional_int(data, "feed_item_id"),
        path=path,
        tags=_tags(data.get("tags")),
        extra=extra,
    )


def _field_limit(name: str) -> int:
    return Article._meta.get_field(name).max_length


_LIMITS = {
    "title": _field_limit("title"),
    "description": _field_limit("meta_description"),
    "source": 200,
    "source_link": _field_limit("source_link"),
    "enclosure": _field_limit("image_url"),
    "summary": 5000,
}


def _text(data: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise WireError(f"missing {key}")
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise WireError(f"{key} must be text, got {type(value).__name__}")
    text = " ".join(_CONTROL_CHARS.sub("", str(value)).split())
    if required and not text:
        raise WireError(f"empty {key}")
    limit = _LIMITS.get(key)
    if limit and len(text) > limit:
        raise WireError(f"{key} is longer than {limit} characters ({len(text)})")
    return text


def _number(data: dict[str, Any]) -> int:
    value = data.get("article_id")
    if value is None:
        raise WireError("missing article_id")
    number = _as_int(value, "article_id")
    if not 1 <= number <= WIRE_NUMBER_MAX:
        raise WireError(f"article_id {number} is out of range (1 to {WIRE_NUMBER_MAX})")
    return number


def _optional_int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    number = _as_int(value, key)
    if not -(2**63) <= number < 2**63:
        raise WireError(f"{key} {number} is out of range")
    return number


def _as_int(value: Any, key: str) -> int:
    if isinstance(value, bool):
        raise WireError(f"{key} must be an integer, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,30}\s*", value):
        return int(value)
    raise WireError(f"{key} must be an integer, got {value!r:.40}")


def _bool(data: dict[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false", "yes", "no"}:
        return value.strip().lower() in {"true", "yes"}
    raise WireError(f"{key} must be true or false, got {value!r:.40}")


def _datetime(value: Any) -> dt.datetime:
    """A publish time: aware datetimes kept; naive ones and bare dates in TIME_ZONE."""
    if value is None or value == "":
        raise WireError("missing date")
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time.min)
    elif isinstance(value, str):
        moment = _parse_date_text(value.strip())
    else:
        raise WireError(f"date must be a date or a date-time, got {type(value).__name__}")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _parse_date_text(text: str) -> dt.datetime:
    try:
        moment = parse_datetime(text.replace(" ", "T", 1) if len(text) > 10 else text)
        if moment is None:
            day = parse_date(text)
            if day is not None:
                moment = dt.datetime.combine(day, dt.time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise WireError(f"unparseable date {text!r:.60}")
    return moment


def _url(data: dict[str, Any], key: str) -> str:
    url = _text(data, key)
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        raise WireError(f"{key} is not an http(s) URL: {url!r:.80}")
    return url


def _path(value: Any, number: int) -> str | None:
    """The wire's ``url`` as the article's address, when it is a plain same-site path.

    Anything else (a scheme, ``//host``, ``..``, backslashes, a path for another
    number) must never become an address or a redirect target: the caller then
    builds a path of its own.
    """
    if not isinstance(value, str):
        return None
    match = ARTICLE_PATH_RE.match(value)
    if not match or int(match["number"]) != number or len(value) > _field_limit("path"):
        return None
    return value


def _tags(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        raise WireError(f"tags must be a list of strings, got {type(value).__name__}")
    tags: list[str] = []
    for item in value:
        if not isinstance(item, str | int) or isinstance(item, bool):
            raise WireError(f"tags must be strings, got {item!r:.40}")
        tag = " ".join(_CONTROL_CHARS.sub("", str(item)).split())[:100]
        if tag and tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise WireError(f"too many tags ({len(tags)}, at most {MAX_TAGS})")
    return tuple(tags)


def _jsonable(value: Any) -> Any:
    """TOML/YAML values as JSON: datetimes become ISO strings, containers recurse.

    YAML can also bring sets, binary and non-finite floats: sets become lists, the
    rest become text, so a stray value never stops the file from importing.
    """
    if isinstance(value, str):
        return value.replace("\x00", "")  # no database stores NUL in text
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {_jsonable(str(key)): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((_jsonable(item) for item in value), key=str)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").replace("\x00", "")
    return str(value)
