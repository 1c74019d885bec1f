"""Writing feed XML: Django's feed generator's output, in far fewer steps.

Django writes every element of a feed as three calls of its SAX writer (start,
characters, end), each checking, escaping and writing on its own: a feed of twenty
items is some four hundred elements, and that was most of the cost of serving it.
Here the channel is written by a thinner writer (:class:`FeedXMLWriter`), and each
item is one string of :func:`element` calls (``feed_items.py``).

The output is Django's byte for byte for every text XML can hold; a test compares
the two. Characters XML 1.0 cannot hold are left out of every text (see
``syndication.xml_safe``), where Django refuses the control characters among them
and writes the others into a document no parser accepts: wire copy occasionally
carries them.
"""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import quoteattr

from django.utils.feedgenerator import rfc2822_date
from django.utils.xmlutils import SimplerXMLGenerator

from .syndication import xml_safe

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def xml_text(content: str) -> str:
    """``content`` as element text: escaped as SimplerXMLGenerator escapes it, and
    without the characters XML 1.0 cannot hold."""
    # saxutils.escape, inlined: a feed escapes a few hundred texts.
    return xml_safe(content).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def rfc2822(date: dt.datetime) -> str:
    """``feedgenerator.rfc2822_date(date)``, written directly for a time in UTC (as
    the database gives them): the email module takes several times as long."""
    if date.utcoffset() != dt.timedelta(0):
        return rfc2822_date(date)
    return (
        f"{_DAY_NAMES[date.weekday()]}, {date.day:02d} {_MONTH_NAMES[date.month - 1]} "
        f"{date.year:04d} {date.hour:02d}:{date.minute:02d}:{date.second:02d} +0000"
    )


def xml_attribute(value: str) -> str:
    """``saxutils.quoteattr(value)``: the value escaped and quoted, the quotes chosen
    as quoteattr chooses them. Done here for the common value without a double quote,
    which the standard function takes several times as long over."""
    if '"' in value:
        return quoteattr(value)
    escaped = value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    if "\n" in escaped or "\r" in escaped or "\t" in escaped:
        escaped = escaped.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    return f'"{escaped}"'


def xml_attributes(attrs: dict[str, str] | None) -> str:
    """`` name="value"`` for each attribute, sorted by name, as SimplerXMLGenerator
    writes them."""
    if not attrs:
        return ""
    return "".join(f" {name}={xml_attribute(value)}" for name, value in sorted(attrs.items()))


def element(name: str, content: str | None, attributes: str = "") -> str:
    """One element with its text, as ``SimplerXMLGenerator.addQuickElement`` writes
    it with short empty elements: ``<name/>`` when there is no text. ``attributes``
    is written as it is (see :func:`xml_attributes`)."""
    text = xml_text(content) if content else ""
    return f"<{name}{attributes}>{text}</{name}>" if text else f"<{name}{attributes}/>"


class FeedXMLWriter(SimplerXMLGenerator):
    """SimplerXMLGenerator's output in fewer calls, and never an invalid character.

    Writes an element with its text in one piece (:meth:`addQuickElement`), and
    cleans text (``xml_text``) instead of refusing it. :meth:`raw` writes markup
    made elsewhere, such as the items. For text without characters XML cannot hold,
    the output is SimplerXMLGenerator's, byte for byte.

    Give it a ``StringIO`` (``writeString``): Django's feeds write straight to the
    response, one ``HttpResponse.write`` (and encode) per piece.
    """

    def _close_start_tag(self) -> None:
        if self._pending_start_element:
            self._write(">")
            self._pending_start_element = False

    def _text(self, content) -> str:
        if isinstance(content, bytes):
            content = str(content, self._encoding)
        return xml_text(content)

    def raw(self, markup: str) -> None:
        """Write ``markup``, already escaped, as it is."""
        self._close_start_tag()
        self._write(markup)

    def startElement(self, name: str, attrs: dict[str, str] | None) -> None:
        self._close_start_tag()
        self._write(f"<{name}{xml_attributes(attrs)}")
        self._pending_start_element = True

    def characters(self, content) -> None:
        text = self._text(content) if content else ""
        if text:
            self._close_start_tag()
            self._write(text)

    def addQuickElement(self, name: str, contents=None, attrs=None) -> None:
        self._close_start_tag()
        if isinstance(contents, bytes):
            contents = str(contents, self._encoding)
        self._write(element(name, contents, xml_attributes(attrs)))
