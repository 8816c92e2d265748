"""Every text a user types has a maximum length that fits its use
(emulation/limits.py): the form refuses more with a Vietnamese message, the
database refuses it too (a check constraint), and the largest accepted input
still renders its official PDF in well under a second (issue #12)."""

import functools
import time

import pytest
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from awards import documents
from awards.models import Proposal
from clusters.models import (
    AdhocAnswer,
    AdhocRequest,
    Conference,
    Deduction,
    Evaluation,
    ExemplaryModel,
    Pledge,
    Registration,
    RegistrationTarget,
)
from emulation import limits
from scoring.models import (
    Bonus,
    Criterion,
    Flag,
    FrameworkCriterion,
    Score,
    Scorecard,
    ScorecardPosition,
    Sheet,
)
from tests.clusters.test_registration_views import EDIT, GROWTH, _form

pytestmark = pytest.mark.django_db

WORDS = "Nâng cao chất lượng dịch vụ công trực tuyến toàn trình, "


def text(length: int) -> str:
    """Vietnamese prose of exactly `length` characters (words wrap as in real
    text), ending with a full stop so that the form's stripping keeps them all."""
    return (WORDS * (length // len(WORDS) + 1))[: length - 1] + "."


# ---------------------------------------------------------------------------
# Forms, through the pages where a user types


def test_a_huge_registration_objective_is_refused_and_nothing_saved(client, world):
    # The issue's objective was 2.8 MB; a tenth of it is refused the same way
    # and keeps the test quick (the page shows the text back to its author).
    client.force_login(world.member)
    response = client.post(EDIT, _form(GROWTH, objectives=text(280_000)))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Tối đa {limits.OBJECTIVES} ký tự (hiện có 280000 ký tự)" in page
    assert not Registration.objects.exists()


def test_a_12000_character_target_is_refused(client, world):
    client.force_login(world.member)
    response = client.post(EDIT, _form({**GROWTH, "title": text(12_000)}))
    assert f"Tối đa {limits.TARGET_TITLE} ký tự" in response.content.decode()
    assert not Registration.objects.exists()


def test_more_targets_than_the_limit_are_refused(client, world):
    client.force_login(world.member)
    targets = [GROWTH] * (limits.REGISTRATION_TARGETS + 1)
    response = client.post(EDIT, _form(*targets))
    assert f"tối đa {limits.REGISTRATION_TARGETS} chỉ tiêu" in response.content.decode()
    assert not Registration.objects.exists()


def test_a_10000_character_reason_is_refused(client, world):
    """Returning a unit's sheet (R35's "why"): one of the reason forms."""
    from scoring.forms import ReasonForm

    form = ReasonForm({"reason": text(10_000)}, label="Lý do trả lại")
    assert not form.is_valid()
    assert form.errors["reason"] == [f"Tối đa {limits.REASON} ký tự (hiện có 10000 ký tự)."]
    assert ReasonForm({"reason": text(limits.REASON)}, label="Lý do").is_valid()


# Every form field that fills one of the limited text fields, and its limit.
def _form_fields():
    from clusters import forms as cf
    from scoring import forms as sf

    return [
        (cf.RegistrationForm, "objectives", limits.OBJECTIVES),
        (cf.RegistrationForm, "other_targets", limits.OTHER_TARGETS),
        (cf.TargetForm, "title", limits.TARGET_TITLE),
        (cf.PledgeForm, "text", limits.PLEDGE_TEXT),
        (cf.ConferenceForm, "agenda", limits.AGENDA),
        (cf.DeductionProposalForm, "reason", limits.REASON),
        (cf.DeadlineForm, "reason", limits.REASON),
        (cf.LetterheadForm, "superior_name", limits.ISSUER_NAME),
        (cf.LetterheadForm, "issuer_name", limits.ISSUER_NAME),
        (cf.LetterheadForm, "place_name", limits.PLACE_NAME),
        (cf.LetterheadForm, "signer_title", limits.SIGNER_TITLE),
        (cf.LetterheadForm, "signer_name", limits.PERSON_NAME),
        (cf.ExemplarForm, "description", limits.EXEMPLARY_DESCRIPTION),
        (cf.AdhocRequestForm, "details", limits.ADHOC_REQUEST),
        (cf.AdhocAnswerForm, "text", limits.ADHOC_ANSWER),
        (cf.EvaluationForm, "text", limits.EVALUATION),
        (sf.AddCriterionForm, "title", limits.CRITERION_TITLE),
        (sf.AddCriterionForm, "code", limits.CODE),
        (sf.SplitPartForm, "title", limits.CRITERION_TITLE),
        (sf.SplitPartForm, "code", limits.CODE),
        (sf.ReturnForm, "reason", limits.REASON),
        (sf.ScoreAdjustForm, "reason", limits.REASON),
        (sf.BonusForm, "reason", limits.REASON),
        (sf.StaffDeductionForm, "reason", limits.REASON),
        (sf.FlagForm, "note", limits.REASON),
        (sf.PositionForm, "comment", limits.POSITION_COMMENT),
        (sf.DiscussionReasonForm, "reason", limits.REASON),
    ]


@pytest.mark.parametrize(("form_class", "name", "limit"), _form_fields())
def test_every_text_field_of_a_form_has_its_limit_and_a_vietnamese_message(form_class, name, limit):
    field = form_class.base_fields[name]
    assert field.max_length == limit
    assert field.widget.attrs["maxlength"] == str(limit)  # the browser stops there too
    message = field.error_messages["max_length"] % {"limit_value": limit, "show_value": limit + 1}
    assert message == f"Tối đa {limit} ký tự (hiện có {limit + 1} ký tự)."


# ---------------------------------------------------------------------------
# The database refuses what a form would (imports, the admin, a bug)


def _limited_fields():
    return [
        (Registration, "objectives", limits.OBJECTIVES),
        (Registration, "other_targets", limits.OTHER_TARGETS),
        (RegistrationTarget, "title", limits.TARGET_TITLE),
        (Pledge, "text", limits.PLEDGE_TEXT),
        (Conference, "agenda", limits.AGENDA),
        (ExemplaryModel, "description", limits.EXEMPLARY_DESCRIPTION),
        (AdhocRequest, "details", limits.ADHOC_REQUEST),
        (AdhocAnswer, "text", limits.ADHOC_ANSWER),
        (Evaluation, "text", limits.EVALUATION),
        (FrameworkCriterion, "title", limits.CRITERION_TITLE),
        (FrameworkCriterion, "note", limits.CRITERION_NOTE),
        (Criterion, "title", limits.CRITERION_TITLE),
        (Scorecard, "return_reason", limits.REASON),
        (Scorecard, "discussion_note", limits.REASON),
        (ScorecardPosition, "comment", limits.POSITION_COMMENT),
        (Score, "agreed_reason", limits.REASON),
        (Sheet, "return_reason", limits.REASON),
        (Bonus, "reason", limits.REASON),
        (Deduction, "reason", limits.REASON),
        (Flag, "note", limits.REASON),
        (Proposal, "return_reason", limits.REASON),
    ]


def test_every_text_field_of_the_models_is_limited():
    """No TextField without a limit: a new one fails here until it has one."""
    from django.apps import apps
    from django.db import models

    unlimited = [
        f"{model.__name__}.{field.name}"
        for app in ("clusters", "scoring", "awards", "emulation")
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField) and not field.max_length
    ]
    assert unlimited == []


@pytest.mark.parametrize(("model", "name", "limit"), _limited_fields())
def test_the_database_refuses_a_text_over_its_limit(model, name, limit):
    field = model._meta.get_field(name)
    assert field.max_length == limit
    constraint_names = {c.name for c in model._meta.constraints}
    assert f"{model._meta.db_table}_{name}_max_length" in constraint_names


def test_the_database_refuses_an_objective_over_the_limit(world):
    from tests.clusters.helpers import membership

    own = membership(world, world.a_member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(membership=own, objectives=text(limits.OBJECTIVES + 1))
    Registration.objects.create(membership=own, objectives=text(limits.OBJECTIVES))


# ---------------------------------------------------------------------------
# The official PDF of the largest accepted input


def cpu_seconds(render) -> float:
    """CPU time of the fastest of three renders, after one to warm up.

    CPU time (time.process_time), not wall time: on a shared 2-core machine
    the wall time of the same render varies threefold with the other
    processes' load, its CPU time hardly. The best of three removes the rest
    of the noise (a garbage collection, a cache miss)."""
    render()
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        render()
        best = min(best, time.process_time() - start)
    return best


@functools.cache
def one_page_seconds() -> float:
    """CPU seconds of a one-page document (the letterhead and the date line)
    on this machine, timed as the documents are: the unit the documents' time
    limits are counted in. The machines CI runs on differ twofold in speed
    (#17), and a limit in one machine's seconds fails on a slower one; what a
    test holds is that the largest document costs no more than so many
    one-page documents, whatever the machine."""
    html = render_to_string("pdf/base.html", {"issuer": "UBND TỈNH", "date_line": "Ngày 1"})

    def render() -> None:
        documents.pdf_of.cache_clear()
        documents.pdf_of(html)

    return cpu_seconds(render)


def render_seconds(template: str, context: dict) -> float:
    """cpu_seconds of a document, each render laid out anew: not the PDF kept
    from the render before."""

    def render() -> None:
        documents.pdf_of.cache_clear()
        documents.render_pdf(template, context)

    return cpu_seconds(render)


# "Well under a second": the largest registration took 0.3 s on the machine of
# issue #12; on the slower one of #17, 0.35-0.37 s, 14.5-16.1 one-page
# documents of 0.022-0.025 s. The limit leaves room as the documents' do.
REGISTRATION_PAGES = 40


def test_the_largest_registration_is_accepted_and_renders_in_well_under_a_second(client, world):
    client.force_login(world.member)
    big = {"title": text(limits.TARGET_TITLE), "measure": "x" * 64, "planned_value": "1000000"}
    response = client.post(
        EDIT,
        _form(
            *[big] * limits.REGISTRATION_TARGETS,
            objectives=text(limits.OBJECTIVES),
            other_targets=text(limits.OTHER_TARGETS),
        ),
    )
    assert response.status_code == 302
    registration = Registration.objects.select_related("membership").get()
    context = documents.registration_context(registration.membership)
    assert len(context["targets"]) == limits.REGISTRATION_TARGETS

    pdf = documents.render_pdf("pdf/registration.html", context)
    assert pdf.startswith(b"%PDF-")
    seconds = render_seconds("pdf/registration.html", context)
    assert seconds < REGISTRATION_PAGES * one_page_seconds()
