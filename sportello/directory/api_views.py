"""The directory's read-only API, HSDS-style: services, organizations and taxonomy terms, paged
the way HSDS's API reference pages them (``page``, ``per_page``, ``contents``)."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Lower
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from sportello.api.authentication import ClientTokenAuthentication
from sportello.api.permissions import IsApiClient
from sportello.api.throttling import PerClientThrottle
from sportello.directory import queries
from sportello.directory.models import Location, Organization, Service, TaxonomyTerm
from sportello.directory.serializers import (
    OrganizationSerializer,
    ServiceQuerySerializer,
    ServiceSerializer,
    TaxonomyTermSerializer,
)

ERRORS = {
    401: OpenApiResponse(description="Missing, bad or revoked token."),
    429: OpenApiResponse(description="Too many requests from this client."),
}
NOT_FOUND = {404: OpenApiResponse(description="No such entry.")}


class HsdsPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "per_page"
    max_page_size = 100

    def get_paginated_response(self, data: Any) -> Response:
        page = self.page
        assert page is not None
        total = page.paginator.count
        return Response(
            {
                "total_items": total,
                "total_pages": page.paginator.num_pages,
                "page_number": page.number,
                "size": len(data),
                "first_page": page.number == 1,
                "last_page": not page.has_next(),
                "empty": total == 0,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "contents": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        integer = {"type": "integer"}
        boolean = {"type": "boolean"}
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["total_items", "total_pages", "page_number", "size", "contents"],
            "properties": {
                "total_items": integer,
                "total_pages": integer,
                "page_number": integer,
                "size": integer,
                "first_page": boolean,
                "last_page": boolean,
                "empty": boolean,
                "next": link,
                "previous": link,
                "contents": schema,
            },
        }


class DirectoryApiView(generics.GenericAPIView):  # type: ignore[type-arg]
    authentication_classes = [ClientTokenAuthentication]
    permission_classes = [IsApiClient]
    throttle_classes = [PerClientThrottle]
    pagination_class = HsdsPagination


class ServiceListView(DirectoryApiView, generics.ListAPIView):  # type: ignore[type-arg]
    """Active services, by name, filtered like the staff's directory search."""

    serializer_class = ServiceSerializer

    def get_queryset(self) -> QuerySet[Service]:
        return queries.with_details(Service.objects.none())

    @extend_schema(
        summary="Services",
        parameters=[ServiceQuerySerializer],
        responses={
            200: ServiceSerializer(many=True),
            400: OpenApiResponse(description="Per-parameter errors, Italian or English."),
            **ERRORS,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = ServiceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        services: Any = queries.with_details(queries.matching(**query.criteria()))
        if query.validated_data["open_now"]:
            # Opening hours are evaluated in Python, by the opening-calendar kernel.
            services = [
                found.service for found in queries.search(**query.criteria(), open_now=True)
            ]
        page = self.paginate_queryset(services)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ServiceDetailView(DirectoryApiView, generics.RetrieveAPIView):  # type: ignore[type-arg]
    """One service, whatever its status (a referral may point to one that has closed)."""

    serializer_class = ServiceSerializer

    def get_queryset(self) -> QuerySet[Service]:
        return queries.with_details(Service.objects.all())

    @extend_schema(summary="Service", responses={200: ServiceSerializer, **NOT_FOUND, **ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _organizations() -> QuerySet[Organization]:
    return Organization.objects.prefetch_related(
        "phones",
        Prefetch("locations", queryset=Location.objects.prefetch_related("phones")),
        Prefetch("services", queryset=Service.objects.order_by(Lower("name"), "pk")),
    )


class OrganizationListView(DirectoryApiView, generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = OrganizationSerializer

    def get_queryset(self) -> QuerySet[Organization]:
        return _organizations().order_by(Lower("name"), "pk")

    @extend_schema(
        summary="Organizations", responses={200: OrganizationSerializer(many=True), **ERRORS}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class OrganizationDetailView(DirectoryApiView, generics.RetrieveAPIView):  # type: ignore[type-arg]
    serializer_class = OrganizationSerializer

    def get_queryset(self) -> QuerySet[Organization]:
        return _organizations()

    @extend_schema(
        summary="Organization", responses={200: OrganizationSerializer, **NOT_FOUND, **ERRORS}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class TaxonomyTermListView(DirectoryApiView, generics.ListAPIView):  # type: ignore[type-arg]
    """The needs the desk refers for."""

    serializer_class = TaxonomyTermSerializer

    def get_queryset(self) -> QuerySet[TaxonomyTerm]:
        return TaxonomyTerm.objects.order_by(Lower("name_it"), "pk")

    @extend_schema(
        summary="Taxonomy terms", responses={200: TaxonomyTermSerializer(many=True), **ERRORS}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
