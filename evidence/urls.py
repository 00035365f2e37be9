from django.urls import path

from . import views

urlpatterns = [
    path("sources/<int:pk>/archive/", views.source_archive, name="source_archive"),
    path("sources/<int:pk>/recapture/", views.source_recapture, name="source_recapture"),
    # The archived page itself: authorised by the signed token in the address, never by the session.
    path("archive/raw/<str:token>/", views.source_archive_raw, name="source_archive_raw"),
]
