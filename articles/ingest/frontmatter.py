"""Reading wire files: bytes to text, text to front matter and body, to a WireStory.

A wire file is TOML front matter between ``+++`` lines, or YAML between ``---``
lines, followed by the HTML body. A UTF-8 byte-order mark and CRLF line endings
are accepted.
"""

from __future__ import annotations

import tomllib
from typing import Any

import yaml

from .story import WireError, WireStory, story_from_mapping

DELIMITERS = {"+++": "toml", "---": "yaml"}
# PyYAML's safe loader (the C one when available); it keeps explicit UTC offsets.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def decode(data: bytes) -> str:
    if not data.strip():
        raise WireError("empty file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise WireError(f"not UTF-8 (bad byte at offset {error.start})") from None
    if "\x00" in text:
        raise WireError("not a text file (contains NUL bytes)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str) -> tuple[str, str, str]:
    """Return (format, front matter, body) of a wire file's text."""
    text = text.lstrip("\ufeff")
    first_line, _, rest = text.partition("\n")
    delimiter = first_line.strip()
    if delimiter not in DELIMITERS:
        raise WireError("no front matter (the file must start with +++ or ---)")
    lines = rest.split("\n")
    for index, line in enumerate(lines):
        if line.strip() == delimiter:
            front = "\n".join(lines[:index])
            body = "\n".join(lines[index + 1 :])
            return DELIMITERS[delimiter], front, body.strip()
    raise WireError(f"front matter is not closed (no second {delimiter} line)")


def parse_front_matter(kind: str, front: str) -> dict[str, Any]:
    if kind == "toml":
        try:
            data = tomllib.loads(front)
        except tomllib.TOMLDecodeError as error:
            raise WireError(f"malformed TOML front matter: {error}") from None
    else:
        try:
            _refuse_aliases_and_deep_nesting(front)
            data = yaml.load(front, Loader=_SafeLoader)
        except yaml.YAMLError as error:
            reason = " ".join(str(error).split())
            raise WireError(f"malformed YAML front matter: {reason}") from None
    if not isinstance(data, dict):
        raise WireError("front matter is not a table of keys and values")
    return data


def parse_wire_text(text: str) -> WireStory:
    kind, front, body = split_front_matter(text)
    try:
        return story_from_mapping(parse_front_matter(kind, front), body, text)
    except RecursionError:
        raise WireError("front matter is nested too deeply") from None


MAX_YAML_DEPTH = 20


def _refuse_aliases_and_deep_nesting(front: str) -> None:
    """Wire front matter is untrusted: a few lines of YAML aliases can expand to
    billions of values (a "billion laughs" file) or refer to themselves. Plain front
    matter needs neither aliases nor deep nesting, so both are refused up front.
    """
    depth = 0
    for event in yaml.parse(front, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise WireError("YAML aliases (*name) are not allowed in front matter")
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise WireError(f"front matter is nested more than {MAX_YAML_DEPTH} levels deep")
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1


def parse_wire_bytes(data: bytes) -> WireStory:
    return parse_wire_text(decode(data))
