from django.urls import path

from . import dashboard, public, views

urlpatterns = [
    # Home: the dashboard for the desk, the published essays for readers.
    path("", views.home, name="home"),
    # Essays and claims (claims/views.py).
    path("essays/import/", views.essay_import, name="essay_import"),
    # A long essay's background import (claims/views.py) and corrections after import (claims/views.py).
    path("essays/import/jobs/<int:pk>/", views.import_job, name="import_job"),
    path("essays/import/jobs/<int:pk>/status/", views.import_job_status, name="import_job_status"),
    path("essays/import/jobs/<int:pk>/retry/", views.import_job_retry, name="import_job_retry"),
    path("essays/<slug:slug>/edit/", views.essay_edit, name="essay_edit"),
    path("essays/<slug:slug>/delete/", views.essay_delete, name="essay_delete"),
    path("claims/<int:pk>/span/", views.claim_move_span, name="claim_move_span"),
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
    path("dashboard/bulk/", views.bulk_action, name="dashboard_bulk"),
    path("my/", dashboard.MyQueueView.as_view(), name="my_queue"),
    # Publishing (claims/views.py) and the public pages (claims/public.py).
    path("essays/<slug:slug>/publish/", views.publish, name="essay_publish"),
    path("p/<slug:slug>/", public.publication_page, name="public_essay"),
    path("p/<slug:slug>/v/<int:number>/", public.publication_page, name="public_essay_version"),
]
