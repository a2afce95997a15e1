"""REST endpoint of search: the same selectors as the page, the same visibility."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.workspace.api import IsMember

from .selectors import FILTERS, SearchQueryError, kind_filter_parse, query_parse, search
from .views import _page_number


class SearchHitOut(serializers.Serializer):
    kind = serializers.CharField(help_text="member, announcement, discussion, message (a reply "
                                 "in a discussion), document, event, poll, survey, feedback.")
    kind_label = serializers.CharField()
    title = serializers.CharField()
    title_html = serializers.CharField(help_text="The title, HTML-escaped, matches in <mark>.")
    snippet_html = serializers.CharField(
        help_text="An extract around the first match, HTML-escaped, matches in <mark>."
    )
    url = serializers.CharField(help_text="The item's page.")
    space = serializers.CharField(allow_blank=True, help_text="Its space ('' for everyone).")
    created_at = serializers.DateTimeField()


class SearchOut(serializers.Serializer):
    count = serializers.IntegerField(
        help_text="Results of the kind asked for (every kind); past 1,000, 1001 and `capped`."
    )
    capped = serializers.BooleanField(
        help_text="More than 1,000 results: the 1,000 most recent are ranked."
    )
    counts = serializers.DictField(child=serializers.IntegerField(),
                                   help_text="Results per kind filter (empty when capped).")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = SearchHitOut(many=True)


class SearchApi(APIView):
    permission_classes = [IsMember]
    required_action = "workspace.view"

    @extend_schema(
        summary="Search what the member may see, best first (20 a page)",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True,
                             description="2 to 200 characters; accents do not matter."),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=list(FILTERS),
                             description="Only this kind of item."),
            OpenApiParameter("page", OpenApiTypes.INT),
        ],
        responses={200: SearchOut},
    )
    def get(self, request: Request) -> Response:
        try:
            kind = kind_filter_parse(request.query_params.get("kind"))
        except SearchQueryError as error:
            raise ValidationError({"kind": [error.message]}) from error
        try:
            query = query_parse(request.query_params.get("q"))
        except SearchQueryError as error:
            raise ValidationError({"q": [error.message]}) from error
        results = search(membership=request._request.membership, query=query, kind=kind,
                         page=_page_number(request.query_params.get("page")))
        return Response(SearchOut({
            "count": results.count, "capped": results.capped, "counts": results.counts,
            "page": results.number, "pages": results.pages,
            "results": [
                {"kind": hit.kind, "kind_label": hit.kind_label, "title": hit.title,
                 "title_html": str(hit.title_html), "snippet_html": str(hit.snippet_html),
                 "url": hit.url, "space": hit.space_name, "created_at": hit.created_at}
                for hit in results.hits
            ],
        }).data)
