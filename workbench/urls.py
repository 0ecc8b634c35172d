from django.urls import path

from workbench import views

app_name = "workbench"
urlpatterns = [
    path("drafts/", views.drafts, name="drafts"),
    path("offline/", views.offline, name="offline"),
]
