"""QR codes that lead back to an article.

A code encodes the article's permanent short link (``SITE_URL/s/<code>``), which
redirects to the canonical page and so stays valid when the slug changes.
Generating one costs 8 to 16 ms, several page views' worth, so each article's
code is generated once per format and stored; later requests read the file.
"""

from __future__ import annotations

import hashlib
import io
from typing import Literal

import qrcode
import qrcode.image.svg
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from .links import absolute_url

QRFormat = Literal["png", "svg"]
CONTENT_TYPES: dict[str, str] = {"png": "image/png", "svg": "image/svg+xml"}
# Bump when render_qr changes, so stored codes and ETags are renewed.
RENDER_VERSION = 1


def qr_target(article) -> str:
    """The absolute URL a printed code leads to."""
    return absolute_url(article.get_short_url())


def render_qr(url: str, fmt: QRFormat) -> bytes:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    if fmt == "svg":
        code.make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    else:
        code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_digest(article) -> str:
    """Identifies the code's content: the encoded URL and the rendering version."""
    return hashlib.sha256(f"{RENDER_VERSION}:{qr_target(article)}".encode()).hexdigest()[:16]


def stored_qr(article, fmt: QRFormat) -> bytes:
    """The code's bytes, generated on first use and then read from storage.

    The file name carries :func:`qr_digest`, so a new SITE_URL gets new codes.
    """
    name = f"qr/{article.number}-{qr_digest(article)}.{fmt}"
    try:
        with default_storage.open(name, "rb") as stored:
            return stored.read()
    except FileNotFoundError:
        data = render_qr(qr_target(article), fmt)
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(data))
        return data
