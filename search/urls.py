from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.desk_search, name="search"),
    path("p/search/", views.public_search, name="public_search"),
    path("claims/<int:pk>/checked-before/link/", views.link_earlier, name="claim_link_earlier"),
    path("claims/<int:pk>/checked-before/reuse-sources/", views.reuse_sources, name="claim_reuse_sources"),
]
