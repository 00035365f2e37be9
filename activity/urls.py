from django.urls import path

from . import feeds, presence, views

urlpatterns = [
    path("activity/", views.activity, name="activity"),
    path("welcome/", views.landing, name="landing"),
    path("claims/<int:pk>/presence/", presence.heartbeat, name="claim_presence"),
    # Before claims/urls.py's p/<slug>/.
    path("p/feed/", feeds.PublicationsFeed(), name="publications_feed"),
]
