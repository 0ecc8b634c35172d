"""Nothing piles up: a file whose row was never committed, or whose row is gone, is
swept from the media folder; finished ledger exports expire with their files; the
administration's home page shows the media folder's size."""

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from ledgers.choices import ExportStatus, Ledger
from ledgers.models import ExportJob
from ledgers.services import remove_expired_exports
from quanfu.media_files import sweep_media_files


@pytest.fixture(autouse=True)
def media_of_its_own(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def age(name: str, hours: float) -> None:
    past = time.time() - hours * 3600
    os.utime(Path(default_storage.path(name)), (past, past))


def test_an_upload_whose_transaction_rolled_back_is_swept(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        name = default_storage.save("risks/attachments/2026/12/photo.jpg",
                                    ContentFile(b"\xff\xd8photo"))
        raise RuntimeError("the matter could not be saved")
    assert default_storage.exists(name)  # the row rolled back, the file stayed
    assert sweep_media_files() == 0  # a file being written right now is left alone
    age(name, 2)
    assert sweep_media_files() == 1
    assert not default_storage.exists(name)


def test_files_rows_still_name_are_kept(db, officer_a, matter_with_photo):
    attachment = matter_with_photo
    for name in (attachment.file.name, attachment.thumbnail.name):
        age(name, 48)
    assert sweep_media_files() == 0
    assert default_storage.exists(attachment.file.name)


@pytest.fixture
def matter_with_photo(ready_to_start, officer_a):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from risks.services import attach_file

    image = BytesIO()
    Image.new("RGB", (40, 30), "white").save(image, "JPEG")
    upload = SimpleUploadedFile("现场.jpg", image.getvalue(), content_type="image/jpeg")
    return attach_file(ready_to_start(), upload, actor=officer_a)


def test_finished_exports_expire_with_their_files(db, officer_a, settings):
    settings.LEDGER_FILES_KEEP_DAYS = 7
    now = timezone.now()
    old_name = default_storage.save("ledger_exports/1/old.xlsx", ContentFile(b"old"))
    new_name = default_storage.save("ledger_exports/1/new.xlsx", ContentFile(b"new"))
    old = ExportJob.objects.create(requested_by=officer_a, ledger=Ledger.ONLINE,
                                   status=ExportStatus.DONE, file_name=old_name,
                                   finished_at=now - timedelta(days=8))
    new = ExportJob.objects.create(requested_by=officer_a, ledger=Ledger.ONLINE,
                                   status=ExportStatus.DONE, file_name=new_name,
                                   finished_at=now - timedelta(days=6))
    assert remove_expired_exports() == 1
    assert not ExportJob.objects.filter(pk=old.pk).exists()
    assert not default_storage.exists(old_name)
    assert ExportJob.objects.filter(pk=new.pk).exists() and default_storage.exists(new_name)


def test_marked_copies_of_survey_sheets_live_their_days(db, settings):
    settings.LEDGER_FILES_KEEP_DAYS = 7
    name = default_storage.save("ledger_imports/1/marked.xlsx", ContentFile(b"x"))
    age(name, 24 * 6)
    assert sweep_media_files() == 0
    age(name, 24 * 8)
    assert sweep_media_files() == 1


def test_the_administrations_home_shows_the_media_folders_size(admin_client):
    default_storage.save("ledger_exports/1/some.xlsx", ContentFile(b"x" * 2048))
    from django.core.cache import cache

    from quanfu.media_files import SIZE_CACHE_KEY

    cache.delete(SIZE_CACHE_KEY)
    page = admin_client.get("/admin/").content.decode()
    assert 'data-testid="media-folder"' in page
    assert "2.0" in page  # 2.0 KB, in 1 file
