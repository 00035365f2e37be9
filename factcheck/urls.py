from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from claims.forms import SignInForm
from claims.signin import SignInView

urlpatterns = [
    # Before claims.urls: p/feed/ would otherwise be read as an essay slug.
    path("", include("activity.urls")),
    # Before claims.urls: /p/search/ would otherwise read as the public page of an essay called "search".
    path("", include("search.urls")),
    path("", include("claims.urls")),
    path("", include("notifications.urls")),
    path("", include("evidence.urls")),
    path("api/", include("claims.api.urls")),
    path(
        "accounts/login/",
        SignInView.as_view(authentication_form=SignInForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# A body the API will not read (over the size limit, too many fields) is answered in its JSON shape under /api/.
handler400 = "claims.middleware.bad_request"
