from django.contrib import admin

from supervision.models import SupervisionGroup


@admin.register(SupervisionGroup)
class SupervisionGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "leader", "street"]
    filter_horizontal = ["members", "communities"]
    list_select_related = ["leader", "street"]
