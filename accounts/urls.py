from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views, worker_views

app_name = "accounts"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html",
                                     redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("notices/", views.notice_preferences, name="notice_preferences"),
    path("tokens/revoke/", views.token_revoke, name="token_revoke"),
    path("two-factor/", views.second_factor_verify, name="second_factor_verify"),
    path("two-factor/enrol/", views.second_factor_enrol, name="second_factor_enrol"),
    path("two-factor/remove/", views.second_factor_remove, name="second_factor_remove"),
    path("people/search/", views.people_search, name="people_search"),
    # a community keeps its grid workers' accounts (accounts.grid_workers)
    path("communities/<int:pk>/workers/", worker_views.worker_list, name="worker_list"),
    path("communities/<int:pk>/workers/new/", worker_views.worker_create,
         name="worker_create"),
    path("workers/<int:pk>/", worker_views.worker_detail, name="worker_detail"),
    path("workers/<int:pk>/password-link/", worker_views.worker_password_link,
         name="worker_password_link"),
    path("workers/<int:pk>/deactivate/", worker_views.worker_deactivate,
         name="worker_deactivate"),
    path("password-link/<uidb64>/<token>/", worker_views.PasswordLinkView.as_view(),
         name="password_link"),
]
