"""The search API: GET /api/v1/search/, GET /api/v1/claims/<id>/similar/, and linking to an earlier check."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from claims import workflow
from claims.api.serializers import ClaimSerializer
from claims.api.views import CLAIM_ID, DeskAPIView, _claim_now, _get_claim, _validated, errors

from . import actions, factcheck_api
from .engine import search
from .forms import SearchForm
from .matching import similar

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 500


class HitSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=_("claim, source, note or essay."))
    id = serializers.IntegerField(source="object_id", help_text=_("The id of the claim, source, note or essay."))
    claim = serializers.IntegerField(source="claim_id", allow_null=True, help_text=_("The claim a source or note belongs to."))
    title = serializers.CharField(help_text=_("The essay's title, or the source's."))
    snippet = serializers.CharField(help_text=_("HTML: an escaped excerpt with the matched words in <mark>."))
    status = serializers.CharField(help_text=_("The claim's status (empty for an essay)."))
    verdict = serializers.CharField(help_text=_("The claim's verdict (empty when none yet)."))
    date = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField(help_text=_("The page of the hit."))

    def get_url(self, hit) -> str:
        return self.context["request"].build_absolute_uri(hit.url)


class SearchPageSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = HitSerializer(many=True)


class SimilarSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    essay = serializers.CharField(help_text=_("The other claim's essay (slug)."))
    quote = serializers.CharField()
    status = serializers.CharField()
    verdict = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True, help_text=_("When it was last published, if ever."))
    score = serializers.FloatField(help_text=_("0 to 1: how surely it states the same thing."))


class ElsewhereSerializer(serializers.Serializer):
    claim = serializers.CharField()
    claimant = serializers.CharField()
    publisher = serializers.CharField()
    rating = serializers.CharField()
    url = serializers.URLField()
    reviewed_at = serializers.CharField()


class SimilarPageSerializer(serializers.Serializer):
    results = SimilarSerializer(many=True)
    outside = ElsewhereSerializer(many=True, help_text=_("Fact checks from outside the desk (Google Fact Check Tools), when configured."))


class EarlierSerializer(serializers.Serializer):
    earlier = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text=_("The id of the earlier claim (of another essay)."))
    version = serializers.IntegerField(min_value=1, help_text=_("The claim's version you read."))


def _whole(request, name, default, maximum):
    value = request.query_params.get(name)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= maximum):
        raise ValidationError({name: [_("Enter a whole number from 1 to %(max)s.") % {"max": maximum}]})
    return int(value)


SEARCH_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description=_('Words (all must match, any order), "a quoted phrase", figures.')),
    OpenApiParameter("kind", OpenApiTypes.STR, many=True, enum=["claim", "source", "note", "essay"]),
    OpenApiParameter("essay", OpenApiTypes.STR, description=_("The essay's slug.")),
    OpenApiParameter("status", OpenApiTypes.STR, many=True),
    OpenApiParameter("verdict", OpenApiTypes.STR, many=True),
    OpenApiParameter("since", OpenApiTypes.DATE),
    OpenApiParameter("until", OpenApiTypes.DATE),
    OpenApiParameter("page", OpenApiTypes.INT),
    OpenApiParameter("page_size", OpenApiTypes.INT, description=_("20 when omitted, at most 100.")),
]


class SearchView(DeskAPIView):
    @extend_schema(
        tags=["search"],
        summary=_("Search across the desk"),
        description=_(
            "Claims (quote, normalized statement, explanation, speaker), sources (title, publisher, excerpt), notes and essays, "
            "best first. Several words mean all of them; a quoted phrase means the phrase; Chinese is segmented; Simplified and "
            "Traditional find each other; English words match their inflections; figures match however they are written."
        ),
        parameters=SEARCH_PARAMETERS,
        responses={200: SearchPageSerializer, **errors(400, 401, 403)},
    )
    def get(self, request):
        form = SearchForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({name: [error["message"] for error in found] for name, found in form.errors.get_json_data().items()})
        if not form.cleaned_data["q"]:
            raise ValidationError({"q": [_("Say what to search for.")]})
        page = _whole(request, "page", 1, MAX_PAGE)
        size = _whole(request, "page_size", PAGE_SIZE, MAX_PAGE_SIZE)
        result = search(form.cleaned_data["q"], form.filters(), limit=size, offset=(page - 1) * size)
        return Response(
            {
                "page": page,
                "next": _page_url(request, page + 1) if result.has_more else None,
                "previous": _page_url(request, page - 1) if page > 1 else None,
                "results": HitSerializer(result.hits, many=True, context={"request": request}).data,
            }
        )


def _page_url(request, page):
    query = request.query_params.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


class SimilarView(DeskAPIView):
    @extend_schema(
        tags=["search"],
        summary=_("Claims checked before"),
        description=_(
            "The claims of other essays (and earlier publications) that state the same thing as this one, best first: "
            "the same figure, entity and date in other words or the other script. `outside` lists fact checks from outside "
            "the desk, when GOOGLE_FACTCHECK_API_KEY is set."
        ),
        parameters=[CLAIM_ID, OpenApiParameter("limit", OpenApiTypes.INT, description=_("5 when omitted, at most 20."))],
        responses={200: SimilarPageSerializer, **errors(400, 401, 403, 404)},
    )
    def get(self, request, pk):
        claim = _get_claim(pk)
        limit = _whole(request, "limit", 5, 20)
        found = [item.as_dict() for item in similar(claim, limit=limit)]
        outside = [item.as_dict() for item in factcheck_api.search_claims(claim.normalized or claim.quote)]
        return Response({"results": found, "outside": outside})


class LinkEarlierView(DeskAPIView):
    @extend_schema(
        tags=["search"],
        summary=_("Link a claim to an earlier check"),
        description=_("Records in the claim's history that an earlier claim of another essay already checked it."),
        parameters=[CLAIM_ID],
        request=EarlierSerializer,
        responses={200: ClaimSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk):
        claim = _get_claim(pk)
        data = _validated(EarlierSerializer, request)
        earlier = _get_claim(data["earlier"])
        workflow.link_checked_before(claim, request.user, earlier, version=data["version"])
        return _claim_now(request, claim)


class ReuseSourcesView(DeskAPIView):
    @extend_schema(
        tags=["search"],
        summary=_("Reuse an earlier check's sources"),
        description=_("Adds every source of the earlier claim that this claim lacks (compared by URL), all or nothing."),
        parameters=[CLAIM_ID],
        request=EarlierSerializer,
        responses={200: ClaimSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk):
        claim = _get_claim(pk)
        data = _validated(EarlierSerializer, request)
        earlier = _get_claim(data["earlier"])
        actions.reuse_sources(claim, request.user, earlier, version=data["version"])
        return _claim_now(request, claim)
