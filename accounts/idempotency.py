"""``Idempotency-Key`` on every POST of the API (API_CONTRACT.md, "Additions (second round)").

A phone that sends a report, times out and sends it again must make one matter. A POST
under ``/api/v1/`` carrying the header is answered once; the same key from the same user
with the same body (and path) within ``KEPT_FOR`` answers that first response again (same
status, body and content type, plus ``Idempotent-Replayed: true``) and does nothing else.
The same key with another body or path answers 422; a key of more than 100 characters (or
an empty one) 400. Without the header a POST behaves as before. Anonymous requests and
requests whose credentials the view would refuse are left to the view (keys are per user).

Where it hooks in, and why a middleware: the API's POSTs are served by viewsets, generic
views, plain APIViews and (other apps') function views, with no base class they all share,
and new ones are being added; a middleware sees every one of them without each remembering
to opt in. It needs the user before the view runs (the key is per user), so in
``process_view`` it authenticates the way DRF will, with the view's own authentication
classes (token or session, CSRF included); what they refuse is left to the view to refuse.
The token's use is audited and its last use stamped by that first authentication; the
view's own one then finds it done (accounts.authentication: once a minute).

Concurrency: the key is claimed by inserting its row (``status_code`` null: in progress) in
a transaction of its own, committed before the view runs; the unique (user, key) makes one
request the winner. A concurrent request that finds the key in progress polls the row for
``WAIT_FOR_FIRST`` seconds and replays the first answer when it arrives; if the first takes
longer it answers 409 (try again later), so a slow first request never runs twice. If the
first request ends with a 5xx, a 429 (throttled: nothing was done) or an exception, its row
is deleted (released) and a retry, or the waiting request, runs the view again. 2xx and 4xx
answers are stored and replayed ("answers the first response again"). A claim left in
progress longer than ``ABANDONED_AFTER`` (its process died) may be taken over.

The body is compared by a SHA-256 of its content: JSON decoded and written again with sorted
keys (a client re-encoding the same draft is the same request), a multipart form by its
fields and files (each send has a new random boundary), any other body byte for byte. A
body Django will not read here (a broken form, more than DATA_UPLOAD_MAX_MEMORY_SIZE of
JSON) is left to the view as if it came without a key. Rows older than ``KEPT_FOR`` count
as absent, and accounts.tasks removes them.
"""

import hashlib
import json
import time
from datetime import timedelta

from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import IdempotentRequest

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 100
API_PREFIX = "/api/v1/"
KEPT_FOR = timedelta(hours=24)
WAIT_FOR_FIRST = 5.0  # seconds a concurrent retry waits for the first answer
POLL_INTERVAL = 0.05  # seconds between two looks at the row while waiting
ABANDONED_AFTER = timedelta(minutes=10)  # far beyond any request's time limit
CLAIM_ATTRIBUTE = "idempotent_request"  # the claimed row, on the Django request


class IdempotencyMiddleware:
    """Answers a repeated API POST from the store (see the module docstring). Placed after
    the session, authentication and second-factor middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except BaseException:
            release(getattr(request, CLAIM_ATTRIBUTE, None))
            raise
        claim = getattr(request, CLAIM_ATTRIBUTE, None)
        if claim is not None:
            finish(claim, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path_info.startswith(
                API_PREFIX):
            return None
        user = api_user(request, view_func)
        if user is None:
            return None  # anonymous, or credentials the view will refuse: its answer
        if not 0 < len(key) <= MAX_KEY_LENGTH:
            return JsonResponse({"detail": _(
                "The Idempotency-Key header must have 1 to %(limit)d characters.")
                % {"limit": MAX_KEY_LENGTH}}, status=400)
        try:
            fingerprint = body_fingerprint(request)
        except (MultiPartParserError, SuspiciousOperation):
            return None  # a body Django cannot read (or too large): the view refuses it
        outcome = claim_or_answer(user, key, request.path[:300], fingerprint)
        if isinstance(outcome, HttpResponse):
            return outcome
        setattr(request, CLAIM_ATTRIBUTE, outcome)
        return None


def api_user(request, view_func):
    """The user DRF will find for this request with the view's own authenticators, or None
    (not a DRF view, anonymous, or credentials the view will refuse)."""
    view_class = getattr(view_func, "cls", None)
    if view_class is None or not issubclass(view_class, APIView):
        return None
    initkwargs = getattr(view_func, "initkwargs", None) or {}
    classes = initkwargs.get("authentication_classes", view_class.authentication_classes)
    parsers = initkwargs.get("parser_classes", view_class.parser_classes)
    if request.content_type != "multipart/form-data":
        try:
            request.body  # noqa: B018 - read into memory: the view's own Request reads it again
        except Exception:  # too large, or cut off: the view answers as without a key
            return None
    # The session's CSRF check reads the form (hence the view's parsers), and DRF writes
    # the user it found onto Django's request: the view authenticates again on its own.
    saved = request.__dict__.get("user")
    drf_request = Request(request, parsers=[parser() for parser in parsers],
                          authenticators=[authenticator() for authenticator in classes])
    try:
        user = drf_request.user
    except exceptions.APIException:
        user = None
    finally:
        if saved is not None:
            request.user = saved
    return user if user is not None and user.is_authenticated else None


def body_fingerprint(request) -> str:
    """SHA-256 of what the request asks, independent of how the client encoded it."""
    digest = hashlib.sha256()
    if request.content_type == "multipart/form-data":
        # Parsed here with the project's upload handlers (the size ceiling included); DRF's
        # parser then takes the parsed form (it supports a form read by a middleware).
        for name, values in sorted(request.POST.lists()):
            digest.update(json.dumps(["field", name, values], ensure_ascii=False).encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                digest.update(json.dumps(["file", name, upload.name]).encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
        return digest.hexdigest()
    body = request.body
    if request.content_type == "application/json":
        try:
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False).encode()
        except ValueError:
            pass  # not JSON after all: the view says so; compared byte for byte
    digest.update(body)
    return digest.hexdigest()


def claim_or_answer(user, key: str, path: str, body_hash: str):
    """The claimed row (the view runs), or the answer to give instead: the stored one, 422
    for another request under this key, 409 while the first is still being answered."""
    deadline = time.monotonic() + WAIT_FOR_FIRST
    while True:
        claimed = _claim(user, key, path, body_hash)
        if claimed is not None:
            return claimed
        existing = IdempotentRequest.objects.filter(user=user, key=key).first()
        now = timezone.now()
        if existing is None:
            pass  # released (the first one failed) since our insert: claim it again
        elif existing.created_at <= now - KEPT_FOR:
            # older than the contract's 24 hours: the key is new again
            IdempotentRequest.objects.filter(pk=existing.pk, created_at=existing.created_at
                                             ).delete()
        elif (existing.path, existing.body_hash) != (path, body_hash):
            return JsonResponse({"detail": _(
                "This Idempotency-Key was already used for another request (another body or "
                "address). Use a new key for a new request.")}, status=422)
        elif existing.status_code is not None:
            return replay(existing)
        elif existing.created_at <= now - ABANDONED_AFTER:
            # its request never finished (the process died): the retry takes it over
            IdempotentRequest.objects.filter(pk=existing.pk, status_code__isnull=True).delete()
        elif time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL)
            continue
        if time.monotonic() >= deadline:
            return still_being_processed()


def still_being_processed() -> JsonResponse:
    response = JsonResponse({"detail": _(
        "A request with this Idempotency-Key is still being processed. Try again in a "
        "moment.")}, status=409)
    response["Retry-After"] = "1"
    return response


def _claim(user, key: str, path: str, body_hash: str) -> IdempotentRequest | None:
    """Insert the in-progress row in a transaction of its own (committed at once outside
    any transaction, so that concurrent requests see it), or None if the key is taken."""
    try:
        with transaction.atomic():
            return IdempotentRequest.objects.create(user=user, key=key, path=path,
                                                    body_hash=body_hash)
    except IntegrityError:
        return None


def replay(stored: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(bytes(stored.response_body or b""), status=stored.status_code,
                            content_type=stored.content_type or None)
    response[REPLAYED_HEADER] = "true"
    return response


def is_kept(response) -> bool:
    """Answers replayed later: 2xx and 4xx, except 429 (throttled: nothing was done). A
    5xx is released so that a retry runs again; a streamed answer cannot be stored."""
    return (not response.streaming and response.status_code < 500
            and response.status_code != 429)


def finish(claim: IdempotentRequest, response) -> None:
    """Store the first answer on the claimed row, or release the claim."""
    if not is_kept(response):
        release(claim)
        return
    IdempotentRequest.objects.filter(pk=claim.pk).update(
        status_code=response.status_code,
        content_type=response.get("Content-Type", "")[:100],
        response_body=response.content,
    )


def release(claim: IdempotentRequest | None) -> None:
    if claim is not None:
        IdempotentRequest.objects.filter(pk=claim.pk, status_code__isnull=True).delete()


def forget_old_requests(now=None) -> int:
    """Delete the rows older than KEPT_FOR (they no longer count); how many. One DELETE."""
    now = now or timezone.now()
    deleted, _counts = IdempotentRequest.objects.filter(created_at__lt=now - KEPT_FOR).delete()
    return deleted
