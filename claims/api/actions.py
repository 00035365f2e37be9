"""What the claim page does beyond edits and transitions, for integrators: split, merge, remove a source.

Each view reads and bounds the input, then calls the same workflow function
the page calls (workflow.split, workflow.merge, workflow.remove_source), so
the rows of the workflow table (who, from which states) decide here as they
do there. Refusals are the API's error bodies (claims/api/errors.py):
400 bad input or a precondition, 403 the role, 404 no such claim or source,
409 a stale version or a state that does not allow it.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from claims import workflow
from claims.models import Claim, Source

from . import serializers as s
from .views import BIGINT_MAX, CLAIM_ID, DeskAPIView, _claims, _get_claim, _validated, errors

VERSION_HELP = gettext_lazy("The version of the claim you read; 409 if stale.")


class SplitSerializer(serializers.Serializer):
    at = serializers.IntegerField(
        min_value=1,
        max_value=s.MAX_ID,
        help_text=gettext_lazy("The code point offset in the essay where the second part begins; strictly inside the quote."),
    )
    version = serializers.IntegerField(min_value=1, max_value=s.MAX_ID, required=False, allow_null=True, help_text=VERSION_HELP)


class SplitResultSerializer(serializers.Serializer):
    claim = s.ClaimSerializer(help_text=gettext_lazy("The claim, now ending at `at`."))
    new_claim = s.ClaimSerializer(help_text=gettext_lazy("The new `open` claim holding the second part."))


class MergeSerializer(serializers.Serializer):
    other = serializers.IntegerField(
        min_value=1, max_value=s.MAX_ID, help_text=gettext_lazy("The id of the adjacent claim of the same essay to merge with.")
    )
    version = serializers.IntegerField(min_value=1, max_value=s.MAX_ID, required=False, allow_null=True, help_text=VERSION_HELP)


class VersionQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=s.MAX_ID, required=False, help_text=VERSION_HELP)


def _serialized(request, *claims):
    fresh = {claim.pk: claim for claim in _claims().filter(pk__in=[claim.pk for claim in claims])}
    return [s.ClaimSerializer(fresh[claim.pk], context={"request": request}).data for claim in claims]


@extend_schema(
    tags=["claims"],
    summary=gettext_lazy("Split a claim"),
    description=gettext_lazy(
        "Editors only, on an open or researching claim. The claim keeps the text up to `at`; "
        "a new open claim holds the rest. Both are returned."
    ),
    parameters=[CLAIM_ID],
    request=SplitSerializer,
    responses={201: SplitResultSerializer, **errors(400, 401, 403, 404, 409)},
)
class ClaimSplitView(DeskAPIView):
    def post(self, request, pk):
        claim = _get_claim(pk)
        workflow.check("split", request.user)
        data = _validated(SplitSerializer, request)
        first, second = workflow.split(claim, request.user, data["at"], data.get("version"))
        first, second = _serialized(request, first, second)
        return Response({"claim": first, "new_claim": second}, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["claims"],
    summary=gettext_lazy("Merge two claims"),
    description=gettext_lazy(
        "Editors only, on two adjacent open or researching claims of the same essay. The earlier one grows to cover both; "
        "the later one is dismissed as merged into it. The answer is the claim that now covers both."
    ),
    parameters=[CLAIM_ID],
    request=MergeSerializer,
    responses={200: s.ClaimSerializer, **errors(400, 401, 403, 404, 409)},
)
class ClaimMergeView(DeskAPIView):
    def post(self, request, pk):
        claim = _get_claim(pk)
        workflow.check("merge", request.user)
        data = _validated(MergeSerializer, request)
        other = Claim.objects.filter(pk=data["other"]).first()
        if other is None:
            raise ValidationError({"other": [_("There is no claim with this id.")]})
        merged = workflow.merge(claim, other, request.user, data.get("version"))
        (body,) = _serialized(request, merged)
        return Response(body)


SOURCE_ID = OpenApiParameter("source_id", OpenApiTypes.INT, OpenApiParameter.PATH, description=gettext_lazy("The source's id."))
VERSION_QUERY = OpenApiParameter("version", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False, description=VERSION_HELP)


@extend_schema(
    tags=["claims"],
    summary=gettext_lazy("Remove a source"),
    description=gettext_lazy(
        "The assignee or an editor. Removing evidence from a claim in review or approved sends it back to research; "
        "the history keeps the removed source's address. The answer is the claim as it is now."
    ),
    parameters=[CLAIM_ID, SOURCE_ID, VERSION_QUERY],
    request=None,
    responses={200: s.ClaimSerializer, **errors(400, 401, 403, 404, 409)},
)
class ClaimSourceDetailView(DeskAPIView):
    def delete(self, request, pk, source_id):
        claim = _get_claim(pk)
        source = Source.objects.filter(pk=source_id, claim=claim).first() if 0 < source_id <= BIGINT_MAX else None
        if source is None:
            raise Http404(_("There is no such source on this claim."))
        workflow.check("remove_source", request.user, claim)
        query = VersionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        updated = workflow.remove_source(source, request.user, query.validated_data.get("version"))
        (body,) = _serialized(request, updated)
        return Response(body)
