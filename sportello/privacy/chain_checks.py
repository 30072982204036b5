"""The DPO's check of the chained logs from the console, and the last check's result.

Verifying walks every row of every log (see chained_logs.verify), so it runs only when the DPO
asks for it (a POST), never when a page is shown. Its result is written to the audit log, which
is itself chained: it is kept in the database like everything else the servers share (no process
memory, no cache that a restart empties), it says who checked and when, and it cannot be faked
later without breaking the audit chain. The page shows the last such row."""

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import transaction

from sportello.accounts.models import User
from sportello.privacy import policies
from sportello.privacy.chained_logs import LOGS, ChainBreak, Problem, verify
from sportello.privacy.management.commands.verify_access_log import describe
from sportello.privacy.models import AccessLog, AuditEvent
from sportello.privacy.operations import record_audit

OBJECT_TYPE = "access_log"
ACTION = "chain_verified"


@dataclass(frozen=True)
class LogCheck:
    log: str  # the model's label, e.g. "privacy.accesslog"
    rows: int
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None

    @property
    def label(self) -> str:
        return str(apps.get_model(self.log)._meta.verbose_name_plural)

    @property
    def problem(self) -> str:
        return describe(self.broken) if self.broken is not None else ""

    def as_detail(self) -> dict[str, object]:
        broken = self.broken
        return {
            "log": self.log,
            "rows": self.rows,
            "broken": None
            if broken is None
            else {
                "seq": broken.seq,
                "row_id": broken.row_id,
                "problem": str(broken.problem),
                "expected": broken.expected,
                "found": broken.found,
            },
        }

    @classmethod
    def from_detail(cls, detail: dict[str, object]) -> "LogCheck":
        broken = detail.get("broken")
        return cls(
            log=str(detail["log"]),
            rows=int(detail["rows"]),  # type: ignore[call-overload]
            broken=None
            if not isinstance(broken, dict)
            else ChainBreak(
                seq=int(broken["seq"]),
                row_id=broken.get("row_id"),
                problem=Problem(broken["problem"]),
                expected=str(broken.get("expected", "")),
                found=str(broken.get("found", "")),
            ),
        )


@dataclass(frozen=True)
class ChainCheck:
    at: datetime.datetime
    by: str
    logs: tuple[LogCheck, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.logs)

    @property
    def access_log_break(self) -> int | None:
        """The access-log row where the chain breaks, to mark it in the table."""
        for check in self.logs:
            if check.log == AccessLog._meta.label_lower and check.broken is not None:
                return check.broken.seq
        return None


def verify_chains(user: User) -> ChainCheck:
    """Verify every chained log and write the result down in the audit log."""
    if not policies.is_data_protection_officer(user):
        raise PermissionDenied
    # Verified outside the transaction that records it: a long walk holds no lock.
    logs = tuple(
        LogCheck(report.log, report.rows, report.broken)
        for report in (verify(apps.get_model(label)) for label in LOGS.values())
    )
    with transaction.atomic():
        event = record_audit(
            user,
            object_type=OBJECT_TYPE,
            object_id="chains",
            action=ACTION,
            ok=all(check.ok for check in logs),
            logs=[check.as_detail() for check in logs],
        )
    return ChainCheck(at=event.at, by=event.actor_label, logs=logs)


def last_chain_check() -> ChainCheck | None:
    event = (
        AuditEvent.objects.filter(object_type=OBJECT_TYPE, action=ACTION).order_by("-seq").first()
    )
    if event is None:
        return None
    logs = event.detail.get("logs", []) if isinstance(event.detail, dict) else []
    return ChainCheck(
        at=event.at,
        by=event.actor_label,
        logs=tuple(LogCheck.from_detail(detail) for detail in logs),
    )
