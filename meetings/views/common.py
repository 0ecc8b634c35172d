from django.urls import reverse


def meeting_url(pk, anchor: str = "") -> str:
    return reverse("meetings:meeting_detail", args=[pk]) + (f"#{anchor}" if anchor else "")
