"""The refresh's lookups can use an index on PostgreSQL: each table of ``touched_days`` is
asked on its own (a UNION), so the time columns' indexes serve, where an OR across tables made
the planner scan the whole contacts table.

The tables here are tiny, so sequential scans are switched off: the test proves the plan can
use the index, which is what a table of millions makes the planner choose."""

import datetime
import re

import pytest
from django.db import connection
from django.db.models.functions import TruncDate

from sportello.cases.models import Case, Referral, Session
from sportello.intake.models import CallAttempt, Contact
from sportello.reports import rollups
from sportello.services import queries as catalogue
from sportello.triage.models import Screening

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the plans are PostgreSQL's; run `make test-postgres`",
    ),
]

SINCE = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        found = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    return found


def days(queryset, field: str):
    return queryset.annotate(local_day=TruncDate(field, tzinfo=catalogue.desk_zone())).values_list(
        "local_day", flat=True
    )


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (lambda: Contact.objects.filter(received_at__gt=SINCE), "intake_contact_received_idx"),
        (
            lambda: Contact.objects.filter(status_changed_at__gt=SINCE),
            "intake_contact_changed_idx",
        ),
        (lambda: CallAttempt.objects.filter(at__gt=SINCE), "intake_attempt_at_idx"),
        (lambda: Screening.objects.filter(at__gt=SINCE), "triage_screening_at_idx"),
        (lambda: Case.objects.filter(opened_at__gt=SINCE), "cases_case_opened_idx"),
        (lambda: Session.objects.filter(recorded_at__gt=SINCE), "cases_session_recorded_idx"),
        (lambda: Referral.objects.filter(created_at__gt=SINCE), "cases_referral_created_idx"),
    ],
)
def test_each_lookup_of_the_refresh_can_use_its_index(milan, queryset, index):
    found = plan(queryset().order_by())
    print(found)
    assert index in found


def test_the_contacts_lookup_is_a_union_of_indexed_scans(milan):
    contacts = [
        Contact.objects.filter(received_at__gt=SINCE),
        Contact.objects.filter(status_changed_at__gt=SINCE),
        Contact.objects.filter(pk__in=Screening.objects.filter(at__gt=SINCE).values("contact_id")),
        Contact.objects.filter(
            pk__in=CallAttempt.objects.filter(at__gt=SINCE).values("contact_id")
        ),
    ]
    parts = [days(queryset.order_by(), "received_at") for queryset in contacts]
    found = plan(parts[0].union(*parts[1:]))
    print(found)
    for index in ("intake_contact_received_idx", "intake_contact_changed_idx"):
        assert index in found
    # Screenings and attempts: the planner may start from their time index or look them up by
    # contact; either way by an index, never by reading the whole table.
    for table in ("triage_screening", "intake_callattempt"):
        assert f"Seq Scan on {table}" not in found
        indexed = rf"(Index (Only )?Scan using \S+|Bitmap Heap Scan) on {table}\b"
        assert re.search(indexed, found), table


def test_the_audit_rows_are_found_by_their_sequence(milan, make_staff, frozen_now):
    from sportello.privacy.models import AuditEvent
    from sportello.privacy.operations import record_audit

    staff = make_staff("professional")
    for hour in range(6):
        frozen_now(datetime.datetime(2026, 3, 2, 8 + hour, tzinfo=datetime.UTC))
        record_audit(staff, object_type="referral", object_id=hour + 1, action="answered")
    recent = rollups._audited_referrals(datetime.datetime(2026, 3, 2, 11, 30, tzinfo=datetime.UTC))
    assert sorted(recent.values_list("object_id", flat=True)) == ["5", "6"]
    found = plan(recent)
    print(found)
    assert AuditEvent._meta.db_table + "_seq_key" in found
