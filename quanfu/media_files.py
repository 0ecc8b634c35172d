"""Nothing piles up in the media folder.

Each app registers the folders it keeps files in (from its AppConfig.ready(): the core
imports no app) with the names still in use, or how many days its files live. The daily
sweep then removes, in each folder, a file no row names any more — an upload whose
transaction rolled back, a file left by a deleted row — once it is older than an hour
(a file being written right now has no row yet), and every file past its days. The
administration's home page shows the folder's size.
"""

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

# A file younger than this is never an orphan: its row may not be committed yet.
GRACE = timedelta(hours=1)
SIZE_CACHE_KEY = "quanfu:media-size"


@dataclass(frozen=True)
class FileSource:
    folder: str  # under MEDIA_ROOT
    in_use: Callable[[], Iterable[str]] | None = None  # the storage names rows still hold
    keep_days: Callable[[], int] | None = None  # or: every file lives this many days


_sources: dict[str, FileSource] = {}


def register_file_source(source: FileSource) -> None:
    _sources[source.folder] = source


def _files(folder: str):
    root = Path(settings.MEDIA_ROOT)
    for directory, _subdirectories, names in os.walk(root / folder):
        for name in names:
            path = Path(directory) / name
            yield path, path.relative_to(root).as_posix()


def sweep_media_files(now: datetime | None = None, *, grace: timedelta = GRACE) -> int:
    """Remove the orphaned and the expired files of every registered folder; returns how
    many. Empty day folders are left (they cost nothing and are reused)."""
    now = now or timezone.now()
    removed = 0
    for source in _sources.values():
        in_use = set(source.in_use()) if source.in_use is not None else None
        expires = (now - timedelta(days=source.keep_days())
                   if source.keep_days is not None else None)
        for path, name in _files(source.folder):
            try:
                written = datetime.fromtimestamp(path.stat().st_mtime, tz=now.tzinfo)
            except FileNotFoundError:  # removed meanwhile
                continue
            orphan = in_use is not None and name not in in_use and written < now - grace
            expired = expires is not None and written < expires
            if orphan or expired:
                path.unlink(missing_ok=True)
                removed += 1
    cache.delete(SIZE_CACHE_KEY)
    return removed


def media_size() -> tuple[int, int]:
    """(bytes, files) in MEDIA_ROOT, cached ten minutes (a walk of a large folder)."""
    cached = cache.get(SIZE_CACHE_KEY)
    if cached is None:
        total = count = 0
        for directory, _subdirectories, names in os.walk(settings.MEDIA_ROOT):
            for name in names:
                try:
                    total += (Path(directory) / name).stat().st_size
                    count += 1
                except FileNotFoundError:
                    continue
        cached = (total, count)
        cache.set(SIZE_CACHE_KEY, cached, timeout=600)
    return tuple(cached)
