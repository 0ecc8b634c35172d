from django.urls import path

from grids import change_views, roster_views, views

app_name = "grids"
urlpatterns = [
    path("", views.AreaListView.as_view(), name="area_list"),
    path("search/", views.area_search, name="area_search"),
    path("<int:pk>/", views.AreaDetailView.as_view(), name="area_detail"),
    path("<int:pk>/roster.xlsx", views.roster_export, name="area_roster_export"),
    # changes of areas (区域调整): grids.change_views
    path("changes/", change_views.change_list, name="area_change_list"),
    path("changes/<int:pk>/", change_views.change_detail, name="area_change_detail"),
    path("changes/<int:pk>/approve/", change_views.change_approve,
         name="area_change_approve"),
    path("changes/<int:pk>/refuse/", change_views.change_refuse, name="area_change_refuse"),
    path("changes/<int:pk>/withdraw/", change_views.change_withdraw,
         name="area_change_withdraw"),
    path("<int:pk>/change/<slug:kind>/", change_views.change_request,
         name="area_change_request"),
    # a community keeps its grids' duty rosters (grids.rosters)
    path("communities/", roster_views.community_index, name="community_index"),
    path("<int:pk>/rosters/", roster_views.community_roster, name="community_roster"),
    path("<int:pk>/rosters/holder/", roster_views.duty_holder_assign,
         name="duty_holder_assign"),
]
