"""The API of a long essay's background import: POST /api/v1/essays/ answers 202 with the job's URL."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from claims import import_jobs, workflow
from claims.models import ImportJob


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text=gettext_lazy("This job's address in the API: poll it until `finished`."))
    status = serializers.ChoiceField(choices=ImportJob.State.choices)
    status_display = serializers.CharField()
    parts = serializers.IntegerField(help_text=gettext_lazy("The essay is read in this many parts."))
    parts_done = serializers.IntegerField()
    error = serializers.CharField(help_text=gettext_lazy("Why the job failed (empty otherwise)."))
    proposals = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("Proposals waiting for review on the import page."))
    claims_stored = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("Claims stored when done."))
    essay = serializers.CharField(help_text=gettext_lazy("The essay's slug (stored at once)."))
    essay_url = serializers.CharField()
    finished = serializers.BooleanField()


def job_data(job):
    return {
        **import_jobs.status(job),
        "url": reverse("api_import_job", args=[job.pk]),
        "essay_url": reverse("api_essay", args=[job.essay.slug]),
    }


def accepted_response(job):
    """202 Accepted for a long essay: the work goes on in a background worker."""
    data = job_data(job)
    return Response(data, status=202, headers={"Location": data["url"]})


def make_view(base, errors):
    @extend_schema(
        tags=["essays"],
        summary=gettext_lazy("A background import"),
        description=gettext_lazy(
            "Editors only. The progress of a long essay's import (parts done of parts), its error if it failed, "
            "and the number of claims stored when it is done."
        ),
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=gettext_lazy("The job's id."))],
        responses={200: ImportJobSerializer, **errors(401, 403, 404)},
    )
    class ImportJobView(base):
        def get(self, request, pk):
            workflow.check("import", request.user)
            job = get_object_or_404(ImportJob.objects.select_related("essay"), pk=pk)
            return Response(job_data(job))

    return ImportJobView
