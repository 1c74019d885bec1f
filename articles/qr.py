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
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

QRFormat = Literal["png", "svg"]
CONTENT_TYPES: dict[str, str] = {"png": "image/png", "svg": "image/svg+xml"}


def qr_target(article) -> str:
    """The absolute URL a printed code leads to."""
    return settings.SITE_URL + article.get_short_url()


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


def stored_qr(article, fmt: QRFormat) -> tuple[bytes, str]:
    """The code's bytes and an ETag, generated on first use and then read from storage.

    The file name carries a hash of the encoded URL, so a new SITE_URL gets new codes.
    """
    url = qr_target(article)
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    name = f"qr/{article.number}-{digest}.{fmt}"
    try:
        with default_storage.open(name, "rb") as stored:
            return stored.read(), digest
    except FileNotFoundError:
        data = render_qr(url, fmt)
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(data))
        return data, digest
