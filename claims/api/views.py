"""The JSON API: the desk's workflow for integrators.

Each view checks who is calling, reads and shapes the input with a
serializer, and hands the change to claims/workflow.py (or the importer,
or the publisher), so the API follows exactly the rules of the HTML pages.
Refusals come back as the bodies described in claims/api/errors.py.
"""

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import import_jobs, intake, workflow
from claims.importing import import_essay
from claims.models import Claim, ClaimEvent, Essay, ImportJob, Note, Publication, Source, Status
from claims.publishing import claimreview_jsonld, publish_essay

from . import jobs
from . import serializers as s
from .filters import ClaimAPIFilter
from .parsers import StrictJSONParser
from .permissions import IsDeskMember
from .throttles import TokenAddressThrottle, TokenUserThrottle

BIGINT_MAX = 2**63 - 1

ERROR_TEXT = {
    400: gettext_lazy("Bad input, or a workflow guard not met: `errors` names the fields or guards, in words."),
    401: gettext_lazy("Not signed in: send `Authorization: Token <key>` or a session cookie."),
    403: gettext_lazy("Signed in, but your role does not allow this."),
    404: gettext_lazy("No such essay, claim or page."),
    409: gettext_lazy(
        "Conflict: the version you sent is stale or the state changed; `current_status` and `current_version` say what it is now."
    ),
    429: gettext_lazy("Too many attempts; wait the number of seconds in Retry-After."),
}


def errors(*codes):
    return {code: OpenApiResponse(s.ErrorSerializer, description=ERROR_TEXT[code]) for code in codes}


UNAVAILABLE = gettext_lazy(
    "The database is unavailable or busy (lost connection, a query out of time, a lock not free in time); "
    "nothing was changed: try again after the seconds in Retry-After."
)


def document_unavailable(result, generator, request, public):
    """drf-spectacular post-processing: every operation may answer 503 (claims/middleware.py), so each documents it."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses")
            if isinstance(responses, dict) and "503" not in responses:
                responses["503"] = {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    "description": str(UNAVAILABLE),
                }
    return result


def _list_and_create(tag, get, post, created, create_errors, parameters=None, accepted=None):
    """The schema of an endpoint that lists on GET and creates on POST.

    `get` is (summary, description or None, the listed serializer); `post` is (summary, description, request serializer).
    """
    (list_summary, list_description, listed), (create_summary, create_description, request) = get, post
    return extend_schema_view(
        get=extend_schema(
            tags=[tag],
            summary=list_summary,
            description=list_description,
            parameters=parameters,
            responses={200: listed, **errors(400, 401, 403, 404)},
        ),
        post=extend_schema(
            tags=[tag],
            summary=create_summary,
            description=create_description,
            request=request,
            parameters=parameters,
            responses={201: created, **({202: accepted} if accepted else {}), **errors(*create_errors)},
        ),
    )


CLAIM_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=gettext_lazy("The claim's id."))
ESSAY_SLUG = OpenApiParameter(
    "slug", OpenApiTypes.STR, OpenApiParameter.PATH, description=gettext_lazy("The essay's slug."), pattern=r"^[-a-zA-Z0-9_]+$"
)


class DeskAPIView(APIView):
    # Token first, so that an anonymous caller is told 401 with `WWW-Authenticate: Token`.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, IsDeskMember]
    renderer_classes = [JSONRenderer]
    parser_classes = [StrictJSONParser]


class DeskListView(DeskAPIView, generics.GenericAPIView):
    def list_response(self, queryset, serializer_class):
        page = self.paginate_queryset(self.filter_queryset(queryset))
        return self.get_paginated_response(serializer_class(page, many=True, context=self.get_serializer_context()).data)

    def claim_list_response(self, pk, queryset, serializer_class):
        """A page of one claim's sources, notes or events; 404 if there is no such claim."""
        claim = _get_claim(pk)
        return self.list_response(queryset.filter(claim=claim), serializer_class)


def _validated(serializer_class, request):
    """The request body as the serializer reads it; a 400 naming the fields if it does not."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _get_claim(pk, queryset=None):
    """The claim or 404; an id beyond any stored one is unknown, not an error."""
    if not 0 < pk <= BIGINT_MAX:
        raise Http404
    return get_object_or_404(queryset if queryset is not None else Claim.objects.all(), pk=pk)


def _essay_with_counts(slug):
    essay = get_object_or_404(Essay.objects.select_related("imported_by"), slug=slug)
    essay.status_counts = Claim.objects.filter(essay=essay).aggregate(**_count_by_status())
    essay.latest_publication = Publication.objects.select_related("published_by").latest_for(essay)
    return essay


def _count_by_status(prefix=""):
    return {f"n_{value}": Count(f"{prefix}id", filter=Q(**{f"{prefix}status": value})) for value in Status.values}


class VersionRequiredSchema(AutoSchema):
    """A PATCH body here is not DRF's all-optional partial: it must carry `version`, and any other field is refused."""

    def _get_request_for_media_type(self, serializer, direction="request"):
        method, self.method = self.method, "POST"
        try:
            result = super()._get_request_for_media_type(serializer, direction)
        finally:
            self.method = method
        self.resolve_serializer(serializer, direction).schema["additionalProperties"] = False
        return result


# --- Essays ---------------------------------------------------------------------------------------


class EssayImportSchema(AutoSchema):
    """An import's body is required although no field alone is: it carries `text` or `from_url`, one of the two."""

    def _get_request_for_media_type(self, serializer, direction="request"):
        schema, required = super()._get_request_for_media_type(serializer, direction)
        if self.method != "POST":
            return schema, required
        self.resolve_serializer(serializer, direction).schema["oneOf"] = [{"required": ["text"]}, {"required": ["from_url"]}]
        return schema, True


@_list_and_create(
    "essays",
    get=(
        gettext_lazy("List essays"),
        gettext_lazy("Every essay, newest import first, with the number of claims in each status."),
        s.EssaySerializer(many=True),
    ),
    post=(
        gettext_lazy("Import an essay"),
        gettext_lazy(
            "Editors only. Stores the text exactly as sent and proposes its check-worthy claims (201). An essay longer than "
            "IMPORT_BACKGROUND_CHARS characters is stored at once and its claims are proposed by a background worker: "
            "the answer is 202 with the import job, whose `url` (also the Location header) tells the progress."
        ),
        s.EssayImportSerializer,
    ),
    created=s.EssayDetailSerializer,
    create_errors=(400, 401, 403),
    accepted=jobs.ImportJobSerializer,
)
class EssayListView(DeskListView):
    schema = EssayImportSchema()
    serializer_class = s.EssaySerializer

    def get_queryset(self):
        # Not the text: a page of essays must not carry megabytes of them.
        essays = Essay.objects.select_related("imported_by").defer("text", "text_hash")
        return essays.annotate(**_count_by_status("claims__")).order_by("-imported_at", "-id")

    def get(self, request):
        essays = self.paginate_queryset(self.get_queryset())
        for essay in essays:
            essay.status_counts = {f"n_{value}": getattr(essay, f"n_{value}") for value in Status.values}
        return self.get_paginated_response(s.EssaySerializer(essays, many=True).data)

    def post(self, request):
        workflow.check("import", request.user)
        data = _validated(s.EssayImportSerializer, request)
        # One entrance for text (claims/intake.py): the posted text, or the page at from_url.
        received = intake.from_url(data["from_url"]) if "from_url" in data else intake.from_text(data["text"])
        found = received.metadata()
        essay = import_essay(
            title=data.get("title") or found.get("title", ""),
            text=received.text,
            language=data.get("language"),
            slug=data.get("slug"),
            author=data.get("author") or found.get("author", ""),
            url=data.get("url") or found.get("url", ""),
            published_on=data.get("published_on") or found.get("published_on"),
            fetched_at=received.fetched_at,
            user=request.user,
            job_mode=ImportJob.Mode.STORE if import_jobs.runs_in_background(received.text) else None,
        )
        if getattr(essay, "import_job", None) is not None:
            return jobs.accepted_response(essay.import_job)
        return Response(s.EssayDetailSerializer(_essay_with_counts(essay.slug)).data, status=status.HTTP_201_CREATED)


ImportJobView = jobs.make_view(DeskAPIView, errors)


@extend_schema(
    tags=["essays"],
    summary=gettext_lazy("One essay"),
    description=gettext_lazy("The essay with its full text, the number of its claims in each status and its latest publication."),
    parameters=[ESSAY_SLUG],
    responses={200: s.EssayDetailSerializer, **errors(401, 403, 404)},
)
class EssayDetailView(DeskAPIView):
    def get(self, request, slug):
        return Response(s.EssayDetailSerializer(_essay_with_counts(slug)).data)


@extend_schema(
    tags=["essays"],
    summary=gettext_lazy("Publish an essay"),
    description=gettext_lazy("Editors only. Publishes every approved claim of the essay at once as a new numbered publication."),
    parameters=[ESSAY_SLUG],
    request=None,
    responses={201: s.PublicationSerializer, **errors(400, 401, 403, 404, 409)},
)
class EssayPublishView(DeskAPIView):
    def post(self, request, slug):
        workflow.check("publish", request.user)
        essay = get_object_or_404(Essay, slug=slug)
        publication = publish_essay(essay, request.user)
        return Response(s.PublicationSerializer(publication).data, status=status.HTTP_201_CREATED)


_PARTY = {"type": "object", "properties": {"@type": {"type": "string", "enum": ["Person", "Organization"]}, "name": {"type": "string"}}}
_WORK = {
    "type": "object",
    "properties": {
        "@type": {"type": "string"},
        "headline": {"type": "string"},
        "url": {"type": "string"},
        "author": _PARTY,
        "datePublished": {"type": "string"},
    },
}
CLAIMREVIEW_SCHEMA = {
    "type": "array",
    "description": "One schema.org ClaimReview per published claim.",
    "items": {
        "type": "object",
        "required": ["@context", "@type", "url", "claimReviewed", "reviewRating", "author", "datePublished", "itemReviewed"],
        "properties": {
            "@context": {"type": "string", "example": "https://schema.org"},
            "@type": {"type": "string", "enum": ["ClaimReview"]},
            "url": {"type": "string", "description": "The public page, with an anchor to the claim."},
            "claimReviewed": {"type": "string"},
            "reviewRating": {
                "type": "object",
                "required": ["@type", "alternateName"],
                "properties": {
                    "@type": {"type": "string", "enum": ["Rating"]},
                    "alternateName": {"type": "string"},
                    "ratingValue": {"type": "integer", "minimum": 1, "maximum": 5},
                    "bestRating": {"type": "integer"},
                    "worstRating": {"type": "integer"},
                },
            },
            "author": {
                "type": "object",
                "properties": {"@type": {"type": "string"}, "name": {"type": "string"}, "url": {"type": "string"}},
            },
            "datePublished": {"type": "string"},
            "dateModified": {"type": "string"},
            "itemReviewed": {
                "type": "object",
                "properties": {
                    "@type": {"type": "string", "enum": ["Claim"]},
                    "author": _PARTY,
                    "datePublished": {"type": "string"},
                    "appearance": _WORK,
                    "firstAppearance": _WORK,
                },
            },
        },
    },
}


@extend_schema(
    tags=["essays"],
    summary=gettext_lazy("ClaimReview of the latest publication"),
    description=gettext_lazy(
        "Public, no sign-in. The schema.org ClaimReview JSON-LD of the essay's latest publication, one ClaimReview per claim."
    ),
    parameters=[ESSAY_SLUG],
    auth=[],
    responses={200: OpenApiResponse(CLAIMREVIEW_SCHEMA, description=gettext_lazy("JSON-LD")), **errors(404)},
)
class EssayClaimReviewView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    def get(self, request, slug):
        publication = Publication.objects.filter(essay__slug=slug).select_related("essay", "published_by").newest()
        if publication is None:
            raise Http404(_("This essay has no publication yet."))
        return Response(claimreview_jsonld(publication, request))


# --- Claims ---------------------------------------------------------------------------------------


def _claims():
    # The essay's slug, not the essay: a claim list must not drag the essay text along per row.
    return Claim.objects.select_related("assignee").annotate(essay_slug=F("essay__slug"))


def _claim_now(request, claim):
    """The claim as stored after a change, read again with its essay's slug."""
    return Response(s.ClaimSerializer(_claims().get(pk=claim.pk), context={"request": request}).data)


@_list_and_create(
    "claims",
    get=(
        gettext_lazy("List claims"),
        gettext_lazy("Claims in essay order, filtered by essay, status, assignee, claim type and verdict."),
        s.ClaimSerializer(many=True),
    ),
    post=(
        gettext_lazy("Create a claim"),
        gettext_lazy(
            "Anyone on the desk (a reviewer who spots a missed assertion, or an editor). "
            "A new `open` claim at exactly the essay text between `start` and `end` (code points)."
        ),
        s.ClaimCreateSerializer,
    ),
    created=s.ClaimSerializer,
    create_errors=(400, 401, 403),
)
class ClaimListView(DeskListView):
    serializer_class = s.ClaimSerializer
    filterset_class = ClaimAPIFilter

    def get_queryset(self):
        return _claims()

    def get(self, request):
        return self.list_response(self.get_queryset(), s.ClaimSerializer)

    def post(self, request):
        workflow.check("create", request.user)
        data = dict(_validated(s.ClaimCreateSerializer, request))
        essay = Essay.objects.filter(slug=data.pop("essay")).first()
        if essay is None:
            raise ValidationError({"essay": [_("There is no essay with this slug.")]})
        claim = workflow.create_claim(essay, request.user, data.pop("start"), data.pop("end"), **data)
        claim = _claims().get(pk=claim.pk)
        return Response(self.get_serializer(claim).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        tags=["claims"],
        summary=gettext_lazy("One claim"),
        parameters=[CLAIM_ID],
        responses={200: s.ClaimSerializer, **errors(401, 403, 404)},
    ),
    patch=extend_schema(
        tags=["claims"],
        summary=gettext_lazy("Edit a claim"),
        description=gettext_lazy(
            "Send the `version` you read and the fields to change. A stale version is refused with 409 and nothing is stored. "
            "Changing the verdict or its explanation of a claim in review or approved sends it back to research. "
            "`assignee` (a username, or null) is for editors."
        ),
        parameters=[CLAIM_ID],
        request=s.ClaimEditSerializer,
        responses={200: s.ClaimSerializer, **errors(400, 401, 403, 404, 409)},
    ),
)
class ClaimDetailView(DeskAPIView):
    schema = VersionRequiredSchema()

    def get(self, request, pk):
        claim = _get_claim(pk, _claims())
        return Response(s.ClaimSerializer(claim, context={"request": request}).data)

    def patch(self, request, pk):
        claim = _get_claim(pk)
        changes = dict(_validated(s.ClaimEditSerializer, request))
        version = changes.pop("version")
        workflow.edit(claim, request.user, changes, version)
        return _claim_now(request, claim)


@extend_schema(
    tags=["claims"],
    summary=gettext_lazy("Take a workflow action"),
    description=gettext_lazy(
        "start, submit, approve, return, dismiss or reopen, as the workflow table allows your role; "
        "return, dismiss and reopen need a comment. Publishing is done for a whole essay (POST /api/v1/essays/{slug}/publish/)."
    ),
    parameters=[CLAIM_ID],
    request=s.TransitionSerializer,
    responses={200: s.ClaimSerializer, **errors(400, 401, 403, 404, 409)},
)
class ClaimTransitionView(DeskAPIView):
    def post(self, request, pk):
        claim = _get_claim(pk)
        data = _validated(s.TransitionSerializer, request)
        workflow.transition(
            claim,
            data["action"],
            request.user,
            comment=data.get("comment", ""),
            version=data.get("version"),
            confirm_unverified_excerpts=data.get("confirm_unverified_excerpts", False),
            public_note=data.get("public_note", ""),
        )
        return _claim_now(request, claim)


@_list_and_create(
    "claims",
    get=(gettext_lazy("A claim's sources"), None, s.SourceSerializer(many=True)),
    post=(
        gettext_lazy("Attach a source"),
        gettext_lazy(
            "The assignee or an editor. Adding evidence to a claim in review or approved sends it back to research. "
            "The answer carries the claim's new status and version."
        ),
        s.SourceCreateSerializer,
    ),
    created=s.SourceCreatedSerializer,
    create_errors=(400, 401, 403, 404, 409),
    parameters=[CLAIM_ID],
)
class ClaimSourcesView(DeskListView):
    serializer_class = s.SourceSerializer
    filter_backends = []

    def get(self, request, pk):
        return self.claim_list_response(
            pk, Source.objects.select_related("added_by", "capture").order_by("added_at", "id"), s.SourceSerializer
        )

    def post(self, request, pk):
        claim = _get_claim(pk)
        fields = dict(_validated(s.SourceCreateSerializer, request))
        version = fields.pop("version", None)
        source = workflow.add_source(claim, request.user, version=version, **fields)
        return Response(s.SourceCreatedSerializer(source, context={"request": request}).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["claims"],
    summary=gettext_lazy("Capture a source's page again"),
    description=gettext_lazy(
        "Anyone on the desk, in any state of the claim. The page is fetched again in the background; "
        "the answer is the source with its capture as it is now (poll the sources to see the new one)."
    ),
    parameters=[
        CLAIM_ID,
        OpenApiParameter("source_id", OpenApiTypes.INT, OpenApiParameter.PATH, description=gettext_lazy("The source's id.")),
    ],
    request=None,
    responses={202: s.SourceSerializer, **errors(401, 403, 404)},
)
class SourceRecaptureView(DeskAPIView):
    def post(self, request, pk, source_id):
        claim = _get_claim(pk)
        if not 0 < source_id <= BIGINT_MAX:
            raise Http404
        source = get_object_or_404(Source.objects.select_related("added_by"), pk=source_id, claim=claim)
        workflow.check("note", request.user, claim)
        from evidence.signals import enqueue_capture

        enqueue_capture(source.pk)
        source = Source.objects.select_related("added_by", "capture").get(pk=source.pk)
        return Response(s.SourceSerializer(source, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


@_list_and_create(
    "claims",
    get=(gettext_lazy("A claim's notes"), None, s.NoteSerializer(many=True)),
    post=(
        gettext_lazy("Add a note"),
        gettext_lazy("Anyone on the desk. Notes are append-only and do not change the claim's version."),
        s.NoteCreateSerializer,
    ),
    created=s.NoteSerializer,
    create_errors=(400, 401, 403, 404),
    parameters=[CLAIM_ID],
)
class ClaimNotesView(DeskListView):
    serializer_class = s.NoteSerializer
    filter_backends = []

    def get(self, request, pk):
        return self.claim_list_response(pk, Note.objects.select_related("author").order_by("created_at", "id"), s.NoteSerializer)

    def post(self, request, pk):
        claim = _get_claim(pk)
        note = workflow.add_note(claim, request.user, _validated(s.NoteCreateSerializer, request)["text"])
        return Response(s.NoteSerializer(note).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["claims"],
    summary=gettext_lazy("A claim's history"),
    description=gettext_lazy(
        "The timeline, oldest first: every state change, edit, assignment, source and note, with who, when, what changed and why."
    ),
    parameters=[CLAIM_ID],
    responses={200: s.ClaimEventSerializer(many=True), **errors(400, 401, 403, 404)},
)
class ClaimHistoryView(DeskListView):
    serializer_class = s.ClaimEventSerializer
    filter_backends = []

    def get(self, request, pk):
        return self.claim_list_response(pk, ClaimEvent.objects.select_related("actor").order_by("at", "id"), s.ClaimEventSerializer)


# --- Tokens ---------------------------------------------------------------------------------------


@extend_schema(
    tags=["auth"],
    summary=gettext_lazy("Get a token"),
    description=gettext_lazy(
        "Exchange a username and password for the token to send as `Authorization: Token <token>`. "
        "Attempts are limited per username from one address and per address (by default 5 and 20 a minute); over the limit the answer is 429."
    ),
    auth=[],
    request=s.TokenRequestSerializer,
    responses={200: s.TokenSerializer, **errors(400, 429)},
)
class TokenView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenUserThrottle, TokenAddressThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = [StrictJSONParser]

    def post(self, request):
        credentials = _validated(s.TokenRequestSerializer, request)
        # The plain HttpRequest: django-axes records the failure against it and may lock the pair out.
        user = authenticate(request._request, username=credentials["username"], password=credentials["password"])
        if user is None:
            if getattr(request._request, "axes_locked_out", False):
                # Sign-in is paused for this username from this address; answer in this API's shape,
                # not with the sign-in page's HTML that AxesMiddleware would put in its place.
                request._request.axes_locked_out = False
                raise Throttled(
                    wait=int(get_cool_off(request._request).total_seconds()),
                    detail=_("Too many failed sign-ins for this username from this address."),
                )
            raise ValidationError(
                {
                    "non_field_errors": [
                        _("That username and password do not match. Both are case-sensitive; after several failed attempts, wait a minute.")
                    ]
                }
            )
        try:
            with transaction.atomic():
                token, _created = Token.objects.get_or_create(user=user)
        except IntegrityError:
            # Two sign-ins at once: the other one made the token.
            token = Token.objects.get(user=user)
        return Response({"token": token.key})

    def throttled(self, request, wait):
        raise Throttled(wait=wait, detail=_("Too many attempts to get a token for this username or from this address."))


@csrf_exempt  # it changes nothing, so a POST without a CSRF token gets the same JSON 404
def not_found(request, *args, **kwargs):
    """Any other path under /api/: a JSON 404 like the rest of the API, not the HTML page."""
    return JsonResponse({"detail": _("There is no such endpoint. API paths end with a slash: see /api/docs/.")}, status=404)


# --- The browsable reference ------------------------------------------------------------------------


class SwaggerView(SpectacularSwaggerView):
    """Swagger UI from the sidecar's static files; its one inline script carries the CSP nonce."""

    template_name = "api/swagger_ui.html"
