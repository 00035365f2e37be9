"""GET /api/v1/notifications/ and POST /api/v1/notifications/read/."""

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from claims.api.pagination import StandardPagination
from claims.api.views import DeskAPIView, errors

from .messages import headline
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    headline = serializers.SerializerMethodField()
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "headline", "actor", "claim", "comment", "items", "created_at", "read_at", "url"]

    def get_headline(self, obj) -> str:
        return headline(obj)


class ReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=1000)
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, data):
        if not data.get("all") and not data.get("ids"):
            raise serializers.ValidationError({"ids": ["Give the ids to mark as read, or all: true."]})
        return data


class NotificationListView(DeskAPIView):
    pagination_class = StandardPagination

    @extend_schema(
        summary=gettext_lazy("List your notifications, newest first"),
        tags=["notifications"],
        responses={200: NotificationSerializer(many=True), **errors(400, 401, 403, 404)},
    )
    def get(self, request):
        rows = Notification.objects.for_user(request.user).select_related("actor", "essay")
        if request.query_params.get("unread") in ("1", "true"):
            rows = rows.unread()
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(NotificationSerializer(page, many=True).data)


class NotificationReadView(DeskAPIView):
    @extend_schema(
        summary=gettext_lazy("Mark notifications as read"),
        tags=["notifications"],
        request=ReadSerializer,
        responses={
            200: inline_serializer("ReadResult", {"marked": serializers.IntegerField(), "unread": serializers.IntegerField()}),
            **errors(400, 401, 403),
        },
    )
    def post(self, request):
        body = ReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rows = Notification.objects.for_user(request.user).unread()
        if not body.validated_data.get("all"):
            rows = rows.filter(pk__in=body.validated_data["ids"])
        marked = rows.update(read_at=timezone.now())
        return Response({"marked": marked, "unread": Notification.objects.for_user(request.user).unread().count()})
