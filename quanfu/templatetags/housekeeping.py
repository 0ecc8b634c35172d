"""The administration's home page: how big the media folder has grown."""

from django import template

from quanfu.media_files import media_size

register = template.Library()


@register.simple_tag
def media_folder() -> dict:
    size, files = media_size()
    return {"bytes": size, "files": files}
