"""The DPO's retention pages: the rules, dry runs and their reports, the real run."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.accounts.models import User
from sportello.privacy import policies, retention
from sportello.privacy.models import RetentionRule, RetentionRun
from sportello.privacy.retention_forms import RetentionRuleForm
from sportello.privacy.views import allowed_if

HISTORY_LENGTH = 30


dpo_only = allowed_if(policies.is_data_protection_officer)


def _dpo(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _report_rows(run: RetentionRun) -> list[dict[str, object]]:
    # The report keeps the cutoff as ISO text; the page shows it as the desk's other dates.
    return [
        {
            "label": retention.kind_label(code),
            **line,
            "cutoff": datetime.datetime.fromisoformat(str(line["cutoff"])),
        }
        for code, line in run.report.items()
    ]


@dpo_only
@require_GET
def retention_home(request: HttpRequest) -> HttpResponse:
    _dpo(request)
    # No default rules created here (a GET writes nothing): the dry run, the nightly task, the
    # command and seed_demo create them, and an empty page offers to.
    # In the order the runs apply them, as their reports list them.
    order = {kind.code: position for position, kind in enumerate(retention.KINDS)}
    rules = [
        {"rule": rule, "label": retention.kind_label(rule.record_kind)}
        for rule in sorted(
            RetentionRule.objects.all(), key=lambda rule: order.get(rule.record_kind, len(order))
        )
    ]
    runs = RetentionRun.objects.select_related("started_by")[:HISTORY_LENGTH]
    return render(
        request,
        "privacy/retention.html",
        {"rules": rules, "runs": [(run, _report_rows(run)) for run in runs]},
    )


@dpo_only
@require_POST
def retention_default_rules(request: HttpRequest) -> HttpResponse:
    created = retention.create_default_rules(_dpo(request))
    if created:
        messages.success(
            request,
            _("Regole predefinite create: %(n)d. Controllale prima della prima esecuzione.")
            % {"n": len(created)},
        )
    return redirect("privacy:retention")


@dpo_only
@require_http_methods(["GET", "POST"])
def retention_rule(request: HttpRequest, pk: int) -> HttpResponse:
    user = _dpo(request)
    rule = get_object_or_404(RetentionRule, pk=pk)
    form = RetentionRuleForm(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            retention.update_rule(
                user,
                rule.pk,
                months=data["months"],
                action=data["action"],
                active=data["active"],
                basis=data["basis"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, _("Regola di conservazione aggiornata."))
            return redirect("privacy:retention")
    return render(
        request,
        "privacy/retention_rule.html",
        {"form": form, "rule": rule, "label": retention.kind_label(rule.record_kind)},
        status=400 if request.method == "POST" else 200,
    )


@dpo_only
@require_POST
def retention_dry_run(request: HttpRequest) -> HttpResponse:
    run = retention.dry_run(_dpo(request))
    return redirect("privacy:retention-run", pk=run.pk)


@dpo_only
@require_GET
def retention_run(request: HttpRequest, pk: int) -> HttpResponse:
    _dpo(request)
    run = get_object_or_404(RetentionRun.objects.select_related("started_by"), pk=pk)
    return _run_page(request, run)


def _run_page(
    request: HttpRequest, run: RetentionRun, error: str = "", status: int = 200
) -> HttpResponse:
    try:
        retention.require_runnable(run)
        why_not = ""
    except ValidationError as refused:
        # Not of today, already executed, or the rules changed since: the page says which.
        why_not = " ".join(refused.messages)
    return render(
        request,
        "privacy/retention_run.html",
        {
            "run": run,
            "rows": _report_rows(run),
            "runnable": not why_not,
            "why_not": why_not,
            "error": error,
        },
        status=status,
    )


@dpo_only
@require_POST
def retention_apply(request: HttpRequest, pk: int) -> HttpResponse:
    user = _dpo(request)
    run = get_object_or_404(RetentionRun, pk=pk)
    try:
        retention.start_real_run(user, run.pk)
    except ValidationError as error:
        return _run_page(request, run, error=" ".join(error.messages), status=400)
    messages.success(
        request,
        _(
            "Esecuzione avviata: i dati scaduti si trattano a lotti. Il resoconto compare "
            "nello storico."
        ),
    )
    return redirect("privacy:retention")
