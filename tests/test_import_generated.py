"""The benchmark's generated corpus is valid wire copy and imports cleanly."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from articles.models import Article, Source
from tests.test_import_command import run_import

pytestmark = pytest.mark.django_db

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("generate_wire", BENCH / "generate_wire.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_files_import_cleanly(tmp_path, generator):
    paths = generator.generate(80, tmp_path)
    texts = [path.read_text(encoding="utf-8") for path in paths]
    assert any(text.startswith("---\n") for text in texts)
    assert any(text.startswith("+++\n") for text in texts)
    status, out, err = run_import(tmp_path)
    assert (status, err) == (0, "")
    assert "80 created, 0 updated, 0 unchanged, 0 failed" in out
    assert Article.objects.filter(tags__isnull=False).distinct().count() > 20
    assert Source.objects.count() > 20
    article = Article.objects.get(number=1)
    assert article.path.startswith("/20") and article.path.split("/")[2].startswith("1-")
    assert set(article.wire_extra) == {"qrcode"}
    assert 2000 < len(article.body) < 3500


def test_generation_is_deterministic(tmp_path, generator):
    first = [p.read_bytes() for p in generator.generate(20, tmp_path / "a")]
    second = [p.read_bytes() for p in generator.generate(20, tmp_path / "b")]
    assert first == second
