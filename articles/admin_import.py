"""The admin's "Import wire files" page: uploads and .zip archives into ``import_wire()``.

Uploaded files go through the same single write path as the ``import_wire``
command, with the uploading user recorded on each article. Limits keep a careless
or hostile upload harmless: 20 MB in total per request, 5 MB per wire file, and
for archives a cap on entries and on their declared uncompressed size (zip bombs);
an archive entry with an absolute path or ``..`` rejects the whole archive.
Nothing is extracted to disk: entries are read into memory one at a time.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.template.response import TemplateResponse
from django.views.decorators.csrf import csrf_protect

from .ingest.runner import MAX_FILE_BYTES, WIRE_SUFFIXES, WireSource, import_wire, one_line
from .ingest.story import WireError
from .models import Article

IMPORT_PERMISSION = "articles.import_wire"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ZIP_ENTRIES = 5_000
MAX_ZIP_UNCOMPRESSED_BYTES = 200 * 1024 * 1024

MB = 1024 * 1024


def can_import(user) -> bool:
    return bool(user and user.is_active and user.has_perm(IMPORT_PERMISSION))


# Reading uploads --------------------------------------------------------------------


@dataclass
class UploadBundle:
    """The wire sources found in one upload, and how many archive entries were skipped."""

    sources: list[WireSource] = field(default_factory=list)
    skipped: int = 0


class UploadLimit(FileUploadHandler):
    """Stops storing uploaded files once they pass the total limit.

    Placed first among the request's upload handlers, it counts file bytes as they
    arrive and stops the upload (the rest of the request is read and dropped), so an
    oversized upload never reaches memory or a temporary file in full.
    """

    def __init__(self, request, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def too_large(size: int) -> ValidationError:
    return ValidationError(
        f"The upload is {size / MB:.1f} MB; the limit is {MAX_UPLOAD_BYTES // MB} MB "
        "in total. Split it into smaller uploads."
    )


def bundle_uploads(uploads: list[UploadedFile]) -> UploadBundle:
    """Turn uploaded files into wire sources; raise ValidationError for a bad upload."""
    total = sum(upload.size or 0 for upload in uploads)
    if total > MAX_UPLOAD_BYTES:
        raise too_large(total)
    bundle = UploadBundle()
    for upload in uploads:
        if upload.name.lower().endswith(".zip"):
            _add_archive(bundle, upload)
        else:
            bundle.sources.append((upload.name, _upload_reader(upload)))
    return bundle


def _upload_reader(upload: UploadedFile) -> Callable[[], bytes]:
    def read() -> bytes:
        if (upload.size or 0) > MAX_FILE_BYTES:
            raise WireError(f"file is larger than {MAX_FILE_BYTES // MB} MB")
        upload.seek(0)
        return upload.read()

    return read


def _add_archive(bundle: UploadBundle, upload: UploadedFile) -> None:
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise ValidationError(f"{upload.name} is not a readable .zip archive.") from None
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ValidationError(
            f"{upload.name} has {len(entries)} entries; the limit is {MAX_ZIP_ENTRIES}."
        )
    declared = sum(entry.file_size for entry in entries)
    if declared > MAX_ZIP_UNCOMPRESSED_BYTES:
        raise ValidationError(
            f"{upload.name} unpacks to {declared / MB:.0f} MB; the limit is "
            f"{MAX_ZIP_UNCOMPRESSED_BYTES // MB} MB."
        )
    for entry in sorted(entries, key=lambda entry: entry.filename):
        path = _safe_entry_path(upload.name, entry.filename)
        if entry.is_dir():
            continue
        if not _is_wire_entry(path):
            bundle.skipped += 1
            continue
        bundle.sources.append((f"{upload.name}/{path}", _entry_reader(archive, entry)))


def _safe_entry_path(archive_name: str, filename: str) -> PurePosixPath:
    """The entry's path, refusing absolute paths and ``..`` (also with backslashes)."""
    normalized = filename.replace("\\", "/")
    path = PurePosixPath(normalized)
    drive_letter = len(normalized) > 1 and normalized[1] == ":"
    if path.is_absolute() or drive_letter or ".." in path.parts:
        raise ValidationError(
            f"{archive_name} contains an entry with an unsafe path ({filename!r}); "
            "nothing was imported."
        )
    return path


def _is_wire_entry(path: PurePosixPath) -> bool:
    hidden = any(part.startswith(".") or part == "__MACOSX" for part in path.parts)
    return not hidden and path.suffix.lower() in WIRE_SUFFIXES


def _entry_reader(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> Callable[[], bytes]:
    def read() -> bytes:
        if entry.file_size > MAX_FILE_BYTES:
            raise WireError(f"file is larger than {MAX_FILE_BYTES // MB} MB")
        try:
            with archive.open(entry) as stream:
                # Never trust the declared size: read at most one byte past the limit.
                data = stream.read(MAX_FILE_BYTES + 1)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error, OSError) as e:
            raise WireError(f"cannot unpack from the archive: {one_line(e)}") from None
        if len(data) > MAX_FILE_BYTES:
            raise WireError(f"file is larger than {MAX_FILE_BYTES // MB} MB")
        return data

    return read


# The form and the page --------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that accepts several files (Django's documented recipe)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": _ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


_ACCEPT = ",".join(sorted(WIRE_SUFFIXES | {".zip"}))


class WireImportForm(forms.Form):
    files = MultipleFileField(
        label="Wire files",
        required=False,
        help_text=(
            "Choose several wire files and/or .zip archives of them "
            f"(up to {MAX_UPLOAD_BYTES // MB} MB in total, {MAX_FILE_BYTES // MB} MB per file)."
        ),
    )

    def __init__(self, *args, oversized: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.oversized = oversized

    def clean_files(self) -> list[UploadedFile]:
        if self.oversized is not None:
            raise too_large(self.oversized)
        uploads = self.cleaned_data.get("files") or []
        if not uploads:
            raise ValidationError("Choose at least one wire file or .zip archive.")
        self.bundle = bundle_uploads(uploads)
        return uploads


def import_view(request, model_admin):
    """Upload wire files and import them; only for users with ``articles.import_wire``.

    The caller must exempt this view from the CSRF middleware: the upload limit has
    to be in place before the request body is read, and the CSRF check reads it, so
    the check is made here, after the limit is installed.
    """
    if not can_import(request.user):
        raise PermissionDenied
    limit = UploadLimit(request, MAX_UPLOAD_BYTES)
    request.upload_handlers.insert(0, limit)
    return _import_page(request, model_admin, limit)


@csrf_protect
def _import_page(request, model_admin, limit: UploadLimit):
    report, skipped = None, 0
    if request.method == "POST":
        data, files = request.POST, request.FILES  # reading the body runs the limit
        oversized = _content_length(request) if limit.exceeded else None
        form = WireImportForm(data, files, oversized=oversized)
        if form.is_valid():
            report = import_wire(form.bundle.sources, user=request.user)
            skipped = form.bundle.skipped
    else:
        form = WireImportForm()
    opts = Article._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Import wire files",
        "opts": opts,
        "app_label": opts.app_label,
        "form": form,
        "report": report,
        "skipped": skipped,
        "has_view_permission": model_admin.has_view_permission(request),
    }
    return TemplateResponse(request, "admin/articles/article/import.html", context)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
