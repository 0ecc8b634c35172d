"""A matter's photos and files on its page (现场照片与材料): the block that shows them, adding
some, and fetching one. A file is served only through the matter's scope (outside it:
404), as an attachment with the type we read from its content (``nosniff``), and each
download is written to the access log; a thumbnail, which we made ourselves, is shown in
the page."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from audit.services import Origin
from quanfu.files import ceiling_message, ceiling_passed
from quanfu.refusals import refusal_on_form
from risks import attachments, services
from risks.attachment_forms import AttachmentForm
from risks.matter_page import render_matter_page
from risks.scoping import get_risk_for_user

ANCHOR = "attachments"


def _served(item, field, *, as_attachment: bool):
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404("The file is missing.") from error
    if as_attachment:
        response = FileResponse(handle, as_attachment=True, filename=item.original_name,
                                content_type=item.content_type)
    else:  # a thumbnail: a JPEG of ours, shown in the page
        response = FileResponse(handle, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def download_response(request, item):
    """The file as an attachment (never shown in the page: a PDF's scripts, a browser's
    guess at a type), its access logged."""
    attachments.log_download(item, actor=request.user, origin=Origin.of(request))
    return _served(item, item.file, as_attachment=True)


def thumbnail_response(item):
    if not item.thumbnail:
        raise Http404("This file has no thumbnail.")
    return _served(item, item.thumbnail, as_attachment=False)


@login_required
@require_POST
def attachment_add(request, pk):
    """Add photos or PDF documents to the matter: all of them, or none when one is
    refused (the reason next to the input)."""
    risk = get_risk_for_user(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if ceiling_passed(request):  # the files were not read: say why, not "required"
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", ceiling_message())
    elif form.is_valid():
        with refusal_on_form(form):
            services.attach_files(risk, form.cleaned_data["file"], actor=request.user)
            return redirect(reverse("risks:risk_detail", args=[pk]) + f"#{ANCHOR}")
    return render_matter_page(request, pk, attachment_form=form, status=400)


@login_required
@require_safe
def attachment_download(request, pk, attachment_pk):
    item = attachments.get_attachment_for_user(request.user, pk, attachment_pk)
    return download_response(request, item)


@login_required
@require_safe
def attachment_thumbnail(request, pk, attachment_pk):
    item = attachments.get_attachment_for_user(request.user, pk, attachment_pk)
    return thumbnail_response(item)
