"""A ceiling on uploaded files, applied while the request is read.

The upload points check their own limits (supervision.evidence: 10 MB, a photo or a PDF by
its content; ledgers.survey_sheet: 10 MB, an .xlsx by its zip content), but only once the
whole file has arrived. Django streams a large upload to a temporary file first, so a
1 GB request would fill the disk before any of those checks ran. This handler, first in
FILE_UPLOAD_HANDLERS, stops reading as soon as the files of a request pass
UPLOAD_MAX_BYTES: the form then finds no file and says so.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

DEFAULT_UPLOAD_MAX_BYTES = 12 * 1024 * 1024


def upload_max_bytes() -> int:
    return getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES)


class SizeLimitedUploadHandler(FileUploadHandler):
    """Passes the data on to the next handler until the request's files pass the limit."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.too_large = content_length > upload_max_bytes() + 64 * 1024  # form fields too

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.too_large:
            raise StopUpload(connection_reset=True)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > upload_max_bytes():
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) keeps the file
