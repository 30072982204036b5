"""The directory as the API gives it: HSDS 3.0 shapes (service with its organization,
service_at_locations, phones, schedules, service_areas and taxonomy terms), plus our extensions
(municipio, PEC, free_of_charge, languages, is_sample, verification)."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sportello.accounts.models import Language
from sportello.directory import queries
from sportello.directory.models import (
    MUNICIPI,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)

BOOLEAN_ERRORS = {"invalid": _("Valore non valido: usa true o false.")}


class ServiceQuerySerializer(serializers.Serializer[dict[str, Any]]):
    """The filters of the service list; a bad value is a 400 naming the parameter."""

    need = serializers.CharField(
        required=False,
        max_length=60,
        help_text=_("Codice di un bisogno (voce della tassonomia); vale anche per le sottovoci."),
    )
    municipio = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MUNICIPI,
        help_text=_(
            "Municipio di Milano (1–9): servizi con una sede o una zona servita lì, o "
            "per tutta la città."
        ),
    )
    open_now = serializers.BooleanField(
        required=False,
        default=False,
        error_messages=BOOLEAN_ERRORS,
        help_text=_("Solo i servizi aperti adesso, secondo i loro orari e i giorni festivi."),
    )
    language = serializers.CharField(
        required=False, max_length=8, help_text=_("Codice ISO 639-1 di una lingua (es. en, ar).")
    )
    free = serializers.BooleanField(
        required=False,
        default=False,
        error_messages=BOOLEAN_ERRORS,
        help_text=_("Solo i servizi gratuiti."),
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=_("Testo nel nome, nella descrizione o nel nome dell'ente."),
    )

    def validate_need(self, value: str) -> str:
        if not TaxonomyTerm.objects.filter(code=value).exists():
            raise serializers.ValidationError(
                _("Bisogno sconosciuto: «%(code)s».") % {"code": value}
            )
        return value

    def validate_language(self, value: str) -> str:
        if not Language.objects.filter(code=value).exists():
            raise serializers.ValidationError(
                _("Lingua sconosciuta: «%(code)s».") % {"code": value}
            )
        return value

    def criteria(self) -> dict[str, Any]:
        data = self.validated_data
        return {
            "need": data.get("need"),
            "municipio": data.get("municipio"),
            "language": data.get("language"),
            "free_only": data["free"],
            "text": data.get("q", ""),
        }


class PhoneSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Phone
        fields = ["id", "number", "description"]


class AddressSerializer(serializers.Serializer[Location]):
    """HSDS 3.0 keeps addresses in their own table; ours live on the location, one each."""

    address_1 = serializers.CharField()
    city = serializers.CharField()
    postal_code = serializers.CharField()
    state_province = serializers.CharField(source="region")
    country = serializers.CharField()
    address_type = serializers.SerializerMethodField()

    def get_address_type(self, location: Location) -> str:
        return "physical"


class LocationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    location_type = serializers.SerializerMethodField()
    addresses = serializers.SerializerMethodField()
    phones = PhoneSerializer(many=True, read_only=True)

    class Meta:
        model = Location
        fields = [
            "id",
            "location_type",
            "name",
            "latitude",
            "longitude",
            "municipio",
            "addresses",
            "phones",
        ]

    def get_location_type(self, location: Location) -> str:
        return "physical"

    @extend_schema_field(AddressSerializer(many=True))
    def get_addresses(self, location: Location) -> list[dict[str, Any]]:
        if not location.address_1:
            return []
        return [AddressSerializer(location).data]


class ScheduleSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Schedule
        fields = [
            "id",
            "freq",
            "byday",
            "opens_at",
            "closes_at",
            "valid_from",
            "valid_to",
            "description",
        ]


class ServiceAtLocationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    location = LocationSerializer(read_only=True)
    schedules = ScheduleSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceAtLocation
        fields = ["id", "description", "location", "schedules"]


class ServiceAreaSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ServiceArea
        fields = ["id", "name", "description", "municipio"]


class TaxonomyTermSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    name = serializers.SerializerMethodField()
    parent_id = serializers.UUIDField(allow_null=True, read_only=True)

    class Meta:
        model = TaxonomyTerm
        fields = [
            "id",
            "code",
            "name",
            "name_it",
            "name_en",
            "description",
            "parent_id",
            "taxonomy",
        ]

    def get_name(self, term: TaxonomyTerm) -> str:
        return queries.term_name(term)


class LanguageSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Language
        fields = ["code", "name"]


class OrganizationSummarySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Organization
        fields = ["id", "name", "alternate_name", "email", "website"]


class ServiceSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    organization = OrganizationSummarySerializer(read_only=True)
    service_at_locations = ServiceAtLocationSerializer(
        source="at_locations", many=True, read_only=True
    )
    phones = PhoneSerializer(many=True, read_only=True)
    schedules = ScheduleSerializer(many=True, read_only=True)
    service_areas = ServiceAreaSerializer(many=True, read_only=True)
    taxonomy_terms = TaxonomyTermSerializer(many=True, read_only=True)
    languages = LanguageSerializer(many=True, read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "alternate_name",
            "description",
            "url",
            "email",
            "pec_email",
            "status",
            "eligibility_description",
            "application_process",
            "free_of_charge",
            "fees_description",
            "last_modified",
            "is_sample",
            "verified_at",
            "organization",
            "service_at_locations",
            "phones",
            "schedules",
            "service_areas",
            "taxonomy_terms",
            "languages",
        ]


class ServiceSummarySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Service
        fields = ["id", "name", "status"]


class OrganizationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    phones = PhoneSerializer(many=True, read_only=True)
    locations = LocationSerializer(many=True, read_only=True)
    services = ServiceSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "alternate_name",
            "description",
            "email",
            "website",
            "is_sample",
            "verified_at",
            "phones",
            "locations",
            "services",
        ]
