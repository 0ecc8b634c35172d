from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from inbox.folds import attach_messages, folded_lines, same_fold
from inbox.models import Message
from inbox.services import mark_read


@login_required
def message_list(request):
    """The user's own inbox: newest first, unread in bold, repeats of one kind about one
    page folded into a line with a count."""
    lines = folded_lines(Message.objects.filter(recipient=request.user))
    page = Paginator(lines, 30).get_page(request.GET.get("page"))
    page.object_list = attach_messages(page.object_list)
    return render(request, "inbox/message_list.html", {"page_obj": page})


@login_required
@require_POST
def message_open(request, pk):
    """Mark a line read (the notice and its folded repeats) and go where it points (only
    within this site)."""
    message = get_object_or_404(Message, pk=pk, recipient=request.user)
    mark_read(request.user, same_fold(message).values_list("pk", flat=True))
    if message.link and url_has_allowed_host_and_scheme(message.link, allowed_hosts=None):
        return redirect(message.link)
    return redirect("inbox:message_list")


@login_required
@require_POST
def mark_all_read(request):
    mark_read(request.user)
    return redirect("inbox:message_list")
