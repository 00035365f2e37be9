from django.urls import path

from . import dashboard, import_views, public, views

urlpatterns = [
    # Home: the dashboard for the desk, the published essays for readers.
    path("", views.home, name="home"),
    # Essays and claims (claims/views.py).
    path("essays/import/", import_views.essay_import, name="essay_import"),
    path("essays/<slug:slug>/", views.essay_detail, name="essay"),
    path("essays/<slug:slug>/claims/new/", views.claim_create, name="claim_create"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/edit/", views.claim_edit, name="claim_edit"),
    path("claims/<int:pk>/transition/", views.claim_transition, name="claim_transition"),
    path("claims/<int:pk>/assign/", views.claim_assign, name="claim_assign"),
    path("claims/<int:pk>/sources/", views.source_add, name="source_add"),
    path("claims/<int:pk>/sources/<int:source_pk>/remove/", views.source_remove, name="source_remove"),
    path("claims/<int:pk>/notes/", views.note_add, name="note_add"),
    path("claims/<int:pk>/split/", views.claim_split, name="claim_split"),
    path("claims/<int:pk>/merge/", views.claim_merge, name="claim_merge"),
    # The desk's lists (claims/dashboard.py).
    path("dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("dashboard/bulk/", dashboard.bulk_action, name="dashboard_bulk"),
    path("my/", dashboard.MyQueueView.as_view(), name="my_queue"),
    # Publishing and the public pages (claims/public.py).
    path("essays/<slug:slug>/publish/", public.publish, name="essay_publish"),
    path("p/<slug:slug>/", public.publication_page, name="public_essay"),
    path("p/<slug:slug>/v/<int:number>/", public.publication_page, name="public_essay_version"),
]
