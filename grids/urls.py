from django.urls import path

from grids import views

app_name = "grids"
urlpatterns = [
    path("", views.AreaListView.as_view(), name="area_list"),
    path("search/", views.area_search, name="area_search"),
    path("<int:pk>/", views.AreaDetailView.as_view(), name="area_detail"),
    path("<int:pk>/roster.xlsx", views.roster_export, name="area_roster_export"),
]
