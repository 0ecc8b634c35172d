from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from grids.boundaries import BoundaryError, BoundaryImportReport, import_boundaries, read_geojson
from grids.choices import AreaKind
from grids.models import Area, Department, DutyAssignment
from grids.services import assign_grid_duty, create_area, move_subtree, update_area


class BoundaryImportForm(forms.Form):
    file = forms.FileField(label=_("GeoJSON file"), help_text=_(
        "A FeatureCollection in WGS84 whose features carry properties.code (the area's code) "
        "and, if known, properties.official_code (20 digits). Communities and grids only."))
    street = forms.ModelChoiceField(
        label=_("street"), required=False, queryset=Area.objects.filter(kind=AreaKind.STREET),
        help_text=_("If chosen, every area of the file must lie in this street."))


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "grid_type", "parent"]
    list_filter = ["kind", "grid_type"]
    search_fields = ["code", "name", "official_code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]
    fields = ["kind", "code", "name", "official_code", "grid_type", "parent", "path", "depth"]
    change_list_template = "admin/grids/area/change_list.html"

    def get_urls(self):
        return [path("import-boundaries/", self.admin_site.admin_view(self.import_boundaries),
                     name="grids_area_import_boundaries"),
                *super().get_urls()]

    def import_boundaries(self, request):
        """Upload a GeoJSON FeatureCollection of boundaries (grids.boundaries): all or
        nothing, with the report of what was refused and why."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        report = None
        form = BoundaryImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            report = BoundaryImportReport()
            try:
                data = read_geojson(form.cleaned_data["file"].read())
            except BoundaryError as error:
                report.refuse(None, "", error)
            else:
                report = import_boundaries(data, actor=request.user,
                                           street=form.cleaned_data["street"])
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": _("Import boundaries"), "form": form, "report": report}
        return TemplateResponse(request, "admin/grids/area/import_boundaries.html", context)

    def get_readonly_fields(self, request, obj=None):
        # The kind of an existing area is fixed: the tree's shape depends on it.
        return [*self.readonly_fields, "kind"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            created = create_area(kind=obj.kind, code=obj.code, name=obj.name,
                                  parent=obj.parent, grid_type=obj.grid_type,
                                  official_code=obj.official_code)
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
            return
        if "parent" in form.changed_data:
            self.move_area(obj, obj.parent, actor=request.user)
        update_area(obj, code=obj.code, name=obj.name, grid_type=obj.grid_type,
                    official_code=obj.official_code)

    def move_area(self, area, new_parent, *, actor):
        """The tree only. risks.admin registers this admin again with a move that also
        relinks the matters (risks.services.move_area): the tree never imports the register."""
        move_subtree(area, new_parent)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "street"]
    search_fields = ["code", "name"]
    list_select_related = ["street"]


@admin.register(DutyAssignment)
class DutyAssignmentAdmin(admin.ModelAdmin):
    """The roster is history: entries are added through assign_grid_duty, never edited."""

    list_display = ["grid", "duty", "person", "starts_on", "ends_on", "assigned_by"]
    list_filter = ["duty"]
    search_fields = ["grid__code", "grid__name", "person__username", "person__name"]
    list_select_related = ["grid", "person", "assigned_by"]
    autocomplete_fields = ["grid", "person"]
    fields = ["grid", "duty", "person", "starts_on"]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = assign_grid_duty(obj.grid, obj.duty, obj.person, actor=request.user,
                                 starts_on=obj.starts_on)
        obj.pk = saved.pk
