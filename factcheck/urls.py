from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from claims.forms import SignInForm

urlpatterns = [
    path("", include("claims.urls")),
    path("", include("notifications.urls")),
    path("api/", include("claims.api.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=SignInForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
