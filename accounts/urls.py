from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

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
]
