from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from notifications import api as notifications_api
from search import api as search_api

from . import actions, views

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # The JSON API, version 1 (claims/api/views.py).
    path("v1/auth/token/", views.TokenView.as_view(), name="api_token"),
    path("v1/essays/", views.EssayListView.as_view(), name="api_essays"),
    path("v1/essays/<slug:slug>/", views.EssayDetailView.as_view(), name="api_essay"),
    path("v1/import-jobs/<int:pk>/", views.ImportJobView.as_view(), name="api_import_job"),
    path("v1/essays/<slug:slug>/publish/", views.EssayPublishView.as_view(), name="api_essay_publish"),
    path("v1/essays/<slug:slug>/claimreview/", views.EssayClaimReviewView.as_view(), name="api_essay_claimreview"),
    path("v1/claims/", views.ClaimListView.as_view(), name="api_claims"),
    path("v1/claims/<int:pk>/", views.ClaimDetailView.as_view(), name="api_claim"),
    path("v1/claims/<int:pk>/transitions/", views.ClaimTransitionView.as_view(), name="api_claim_transitions"),
    path("v1/claims/<int:pk>/sources/", views.ClaimSourcesView.as_view(), name="api_claim_sources"),
    path("v1/claims/<int:pk>/sources/<int:source_id>/recapture/", views.SourceRecaptureView.as_view(), name="api_source_recapture"),
    path("v1/claims/<int:pk>/sources/<int:source_id>/", actions.ClaimSourceDetailView.as_view(), name="api_claim_source"),
    path("v1/claims/<int:pk>/split/", actions.ClaimSplitView.as_view(), name="api_claim_split"),
    path("v1/claims/<int:pk>/merge/", actions.ClaimMergeView.as_view(), name="api_claim_merge"),
    path("v1/claims/<int:pk>/notes/", views.ClaimNotesView.as_view(), name="api_claim_notes"),
    path("v1/claims/<int:pk>/history/", views.ClaimHistoryView.as_view(), name="api_claim_history"),
    # Notifications (notifications/api.py).
    path("v1/notifications/", notifications_api.NotificationListView.as_view(), name="api_notifications"),
    path("v1/notifications/read/", notifications_api.NotificationReadView.as_view(), name="api_notifications_read"),
    # Search and "checked before" (search/api.py).
    path("v1/search/", search_api.SearchView.as_view(), name="api_search"),
    path("v1/claims/<int:pk>/similar/", search_api.SimilarView.as_view(), name="api_claim_similar"),
    path("v1/claims/<int:pk>/checked-before/", search_api.LinkEarlierView.as_view(), name="api_claim_link_earlier"),
    path("v1/claims/<int:pk>/checked-before/reuse-sources/", search_api.ReuseSourcesView.as_view(), name="api_claim_reuse_sources"),
    # Anything else under /api/ (a malformed id or slug, a missing slash): a JSON 404.
    re_path(r"^", views.not_found),
]
