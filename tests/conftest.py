import pytest

from articles.roles import CONTRIBUTORS, EDITORS, WIRE_DESK
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~0.3 s a user; the tests check permissions, not hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test writes uploads and QR codes to a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _simple_static_storage(settings):
    """Tests do not run collectstatic; serve static names as they are."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _signed_in(client, username: str, group: str):
    user = make_user(username, groups=(group,))
    client.force_login(user)
    return user


@pytest.fixture
def contributor(client):
    """A member of Contributors, signed in on ``client``."""
    return _signed_in(client, "carla", CONTRIBUTORS)


@pytest.fixture
def editor(client):
    """A member of Editors, signed in on ``client``."""
    return _signed_in(client, "eddie", EDITORS)


@pytest.fixture
def wire_desk(client):
    """A member of the Wire desk, signed in on ``client``."""
    return _signed_in(client, "wanda", WIRE_DESK)
