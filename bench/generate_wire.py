"""Generate a synthetic wire corpus shaped like the real example.

    python bench/generate_wire.py --count 10000 --out /tmp/wire

Each file resembles /work/shared/examples/99260-amazon-anthropic.txt: TOML front
matter (one file in eight is YAML), a ~2,500-character HTML body of paragraphs with
a link, one of 40 sources, tags on half of the files, and the old site's ``qrcode``
key. The output is deterministic: the same ``--seed`` and ``--count`` give the same
bytes. Files are spread over sub-folders of 1,000 so a folder never gets huge.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
from pathlib import Path

SOURCES = [
    f"{name} {kind}"
    for name in (
        "InvestorBrandNetwork", "Coastal Press", "Metro Business", "Northern Energy",
        "Pacific Health", "Capital Markets", "Green Tech", "Harbor Finance",
        "Summit Media", "Atlas Mining",
    )
    for kind in ("Wire", "Newswire", "Press Service", "(IBN)")
]  # fmt: skip
TAGS = [
    "ai", "energy", "mining", "biotech", "crypto", "earnings", "ipo", "cannabis",
    "cloud", "semiconductors", "climate", "healthcare", "fintech", "esports",
    "retail", "automotive", "aviation", "real estate", "telecom", "defense",
]  # fmt: skip
_WORD_TEXT = (
    "company announced quarterly results investment growth market shares revenue "
    "partnership technology strategic expansion customers platform leading industry "
    "innovation infrastructure demand analysts reported billion million percent trading "
    "volume stock investors momentum regulatory approval launch product development "
    "cloud artificial intelligence energy storage production pipeline clinical trial "
    "acquisition agreement board directors chief executive officer statement outlook"
)
WORDS = _WORD_TEXT.split()
BODY_CHARS = 2500


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(12, 24))
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _body(rng: random.Random, number: int) -> str:
    paragraphs: list[str] = []
    size = 0
    while size < BODY_CHARS:
        text = " ".join(_sentence(rng) for _ in range(rng.randint(3, 5)))
        paragraphs.append(f"<p>{text}</p>")
        size += len(paragraphs[-1])
    link = f"https://ibn.fm/{number:x}"
    paragraphs[-1] = paragraphs[-1][:-4] + (
        f" For more, visit <a href='{link}' rel='nofollow' target='_blank'>{link}</a>.</p>"
    )
    return "".join(paragraphs)


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80]


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wire_file(number: int, rng: random.Random) -> tuple[str, str]:
    """One wire file for ``number``: (file name, text)."""
    title = " ".join(rng.choices(WORDS, k=rng.randint(6, 12))).title()
    moment = dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
        seconds=rng.randint(0, 5 * 365 * 86400)
    )
    slug = _slug(title)
    fields: dict[str, object] = {
        "title": title,
        "date": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "draft": False,
        "summary": _sentence(rng) + " " + _sentence(rng),
        "description": _sentence(rng),
        "source_link": f"https://rss.example-wire.com/iw/{slug}/",
        "enclosure": f"https://cdn.example-wire.com/genai/images/{number % 997}/{number:x}.png",
        "article_id": number,
        "feed_item_id": rng.randint(1, 10**6),
        "url": f"/{moment:%Y%m}/{number}-{slug}",
        "qrcode": f"https://cdn.example-wire.com/qrcode/{number % 997}/{number:x}.webp",
        "source": rng.choice(SOURCES),
    }
    if rng.random() < 0.5:
        fields["tags"] = rng.sample(TAGS, rng.randint(1, 4))
    body = _body(rng, number)
    if rng.random() < 0.125:
        front = "\n".join(f"{key}: {_yaml_value(value)}" for key, value in fields.items())
        text = f"---\n{front}\n---\n\n{body}\n"
    else:
        front = "\n".join(f"{key} = {_toml_value(value)}" for key, value in fields.items())
        text = f"+++\n{front}\n+++\n\n{body}\n"
    return f"{number}-{slug[:40]}.md", text


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_string(str(item)) for item in value) + "]"
    return _toml_string(str(value))


def _yaml_value(value: object) -> str:
    # JSON-style double-quoted strings are valid YAML and need no further escaping here.
    return _toml_value(value)


def generate(count: int, out: Path, *, seed: int = 2025, first_number: int = 1) -> list[Path]:
    """Write ``count`` wire files under ``out``; return their paths."""
    rng = random.Random(seed)
    written: list[Path] = []
    for index in range(count):
        number = first_number + index
        name, text = wire_file(number, rng)
        folder = out / f"{index // 1000:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--first-number", type=int, default=1, help="article_id of the first file")
    args = parser.parse_args()
    generate(args.count, args.out, seed=args.seed, first_number=args.first_number)
    print(f"wrote {args.count} wire files to {args.out}")


if __name__ == "__main__":
    main()
