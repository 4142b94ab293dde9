"""Who may do what: the one table of roles and capabilities, and the acting principal.

Object-level scope (which participants a role sees) is applied by each app's queries.py from the
capabilities here, so a permission leak has to be written on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Centre coordinator")
    TRAINER = "trainer", _("Trainer")
    QA_REVIEWER = "qa_reviewer", _("QA reviewer")
    PROGRAMME_MANAGER = "programme_manager", _("Programme manager")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    ME_OFFICER = "me_officer", _("M&E officer")
    CLIENT_MEMBER = "client_member", _("Client member")
    EMPLOYER_MEMBER = "employer_member", _("Employer member")
    PARTICIPANT = "participant", _("Participant")


class Cap(StrEnum):
    VIEW_REGISTRY = "view_registry"            # list and open participant records in scope
    VIEW_PROTECTED = "view_protected"          # see decrypted protected attributes (logged)
    REGISTER_PARTICIPANTS = "register_participants"
    IMPORT_PARTICIPANTS = "import_participants"
    MANAGE_ORGANISATION = "manage_organisation"  # centres, partner organisations, staff invitations
    MANAGE_API_KEYS = "manage_api_keys"
    VIEW_ORGANISATIONS = "view_organisations"
    VIEW_LEDGER = "view_ledger"                # trial balance, every account, reconciliation
    MANAGE_FUNDS = "manage_funds"              # record deposits, exchanges, reservations, reversals
    PAY_STIPENDS = "pay_stipends"              # stipends and reimbursements from a programme fund
    PREPARE_PAYOUTS = "prepare_payouts"        # build a payout batch, import results, place holds
    APPROVE_PAYOUTS = "approve_payouts"        # approve a batch someone else built
    VERIFY_PAYOUT_METHODS = "verify_payout_methods"
    MANAGE_COURSES = "manage_courses"          # courses, modules, placement tests and their items
    MANAGE_COHORTS = "manage_cohorts"          # cohorts, sessions, enrolments, equipment loans, tuition
    TAKE_ATTENDANCE = "take_attendance"        # rosters and assessments of cohorts one trains
    ISSUE_CERTIFICATES = "issue_certificates"  # complete enrolments, issue and revoke certificates
    MANAGE_CALLS = "manage_calls"              # calls for applicants and their targets
    SELECT_APPLICANTS = "select_applicants"    # rate, select, waitlist and reject applications
    # Microwork projects: create, upload tasks, publish, pause, reprice, cancel. A client member holds it
    # for their own client organisation only; a programme manager for every client of their partner.
    MANAGE_PROJECTS = "manage_projects"
    REVIEW_WORK = "review_work"                # QA: review submissions, decide appeals, coach workers
    # Careers: events and check-in, mentoring, referrals, information pages, recommending participants.
    MANAGE_CAREER_SERVICES = "manage_career_services"
    # Opportunities and the applications sent to them. An employer member holds it for their own employer
    # organisation only; a programme manager or coordinator for every employer of their partner.
    MANAGE_OPPORTUNITIES = "manage_opportunities"
    VIEW_INDICATORS = "view_indicators"        # monitoring: indicators, dashboards, reports (suppressed)
    VIEW_UNSUPPRESSED = "view_unsuppressed"    # monitoring: figures without small-cell suppression
    MANAGE_MONITORING = "manage_monitoring"    # results frameworks, targets, surveys, historical imports


CAPABILITIES: dict[str, frozenset[Cap]] = {
    Role.COORDINATOR: frozenset({Cap.VIEW_REGISTRY, Cap.VIEW_PROTECTED, Cap.REGISTER_PARTICIPANTS,
                                 Cap.IMPORT_PARTICIPANTS, Cap.VIEW_ORGANISATIONS, Cap.PAY_STIPENDS,
                                 Cap.VERIFY_PAYOUT_METHODS, Cap.MANAGE_COHORTS, Cap.TAKE_ATTENDANCE,
                                 Cap.ISSUE_CERTIFICATES, Cap.SELECT_APPLICANTS, Cap.MANAGE_CAREER_SERVICES,
                                 Cap.MANAGE_OPPORTUNITIES, Cap.VIEW_INDICATORS}),
    Role.TRAINER: frozenset({Cap.VIEW_REGISTRY, Cap.VIEW_ORGANISATIONS, Cap.TAKE_ATTENDANCE}),
    Role.QA_REVIEWER: frozenset({Cap.VIEW_ORGANISATIONS, Cap.REVIEW_WORK}),
    Role.PROGRAMME_MANAGER: frozenset({Cap.VIEW_REGISTRY, Cap.VIEW_PROTECTED, Cap.REGISTER_PARTICIPANTS,
                                       Cap.IMPORT_PARTICIPANTS, Cap.MANAGE_ORGANISATION,
                                       Cap.MANAGE_API_KEYS, Cap.VIEW_ORGANISATIONS, Cap.VIEW_LEDGER,
                                       Cap.PAY_STIPENDS, Cap.APPROVE_PAYOUTS, Cap.VERIFY_PAYOUT_METHODS,
                                       Cap.MANAGE_COURSES, Cap.MANAGE_COHORTS, Cap.TAKE_ATTENDANCE,
                                       Cap.ISSUE_CERTIFICATES, Cap.MANAGE_CALLS, Cap.SELECT_APPLICANTS,
                                       Cap.MANAGE_PROJECTS, Cap.REVIEW_WORK, Cap.MANAGE_CAREER_SERVICES,
                                       Cap.MANAGE_OPPORTUNITIES, Cap.VIEW_INDICATORS, Cap.VIEW_UNSUPPRESSED,
                                       Cap.MANAGE_MONITORING}),
    Role.FINANCE_OFFICER: frozenset({Cap.VIEW_REGISTRY, Cap.VIEW_ORGANISATIONS, Cap.VIEW_LEDGER, Cap.MANAGE_FUNDS,
                                     Cap.PAY_STIPENDS, Cap.PREPARE_PAYOUTS, Cap.APPROVE_PAYOUTS}),
    # An M&E officer at a donor organisation keeps VIEW_INDICATORS (suppressed aggregates) and loses the rest.
    Role.ME_OFFICER: frozenset({Cap.VIEW_REGISTRY, Cap.VIEW_ORGANISATIONS, Cap.VIEW_INDICATORS,
                                Cap.VIEW_UNSUPPRESSED, Cap.MANAGE_MONITORING}),
    Role.CLIENT_MEMBER: frozenset({Cap.MANAGE_PROJECTS}),
    Role.EMPLOYER_MEMBER: frozenset({Cap.MANAGE_OPPORTUNITIES}),
    Role.PARTICIPANT: frozenset(),
}

# Capabilities that only a role held at the partner itself or one of its centres can carry: an M&E
# officer at a donor organisation sees the donor's organisations, never the partner's registry.
# MANAGE_PROJECTS is deliberately not here: a client member acts in their own client organisation
# (the microwork services scope it to that organisation).
PROGRAMME_ONLY = frozenset({Cap.VIEW_REGISTRY, Cap.VIEW_PROTECTED, Cap.REGISTER_PARTICIPANTS,
                            Cap.IMPORT_PARTICIPANTS, Cap.MANAGE_ORGANISATION, Cap.MANAGE_API_KEYS,
                            Cap.VIEW_LEDGER, Cap.MANAGE_FUNDS, Cap.PAY_STIPENDS, Cap.PREPARE_PAYOUTS,
                            Cap.APPROVE_PAYOUTS, Cap.VERIFY_PAYOUT_METHODS, Cap.MANAGE_COURSES,
                            Cap.MANAGE_COHORTS, Cap.TAKE_ATTENDANCE, Cap.ISSUE_CERTIFICATES, Cap.MANAGE_CALLS,
                            Cap.SELECT_APPLICANTS, Cap.REVIEW_WORK, Cap.MANAGE_CAREER_SERVICES,
                            Cap.VIEW_UNSUPPRESSED, Cap.MANAGE_MONITORING})

# Roles that must use two-factor sign-in (everyone who works with other people's data).
STAFF_ROLES = frozenset({Role.COORDINATOR, Role.TRAINER, Role.QA_REVIEWER, Role.PROGRAMME_MANAGER,
                         Role.FINANCE_OFFICER, Role.ME_OFFICER})


@dataclass(frozen=True)
class Grant:
    """One role held in one organisation. `partner_id` is the implementing partner it sits under."""

    role: str
    organisation_id: int
    partner_id: int | None
    is_centre: bool
    # False for a role held at a client, employer or donor: it never reaches the partner's registry.
    in_programme: bool = True


@dataclass(frozen=True)
class Principal:
    """Whoever is acting: a signed-in user, or an organisation's API key."""

    user: Any = None
    grants: tuple[Grant, ...] = ()
    is_superuser: bool = False
    api_key_id: int | None = None
    participant_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    def can(self, cap: Cap) -> bool:
        return self.is_superuser or bool(self.grants_with(cap))

    def grants_with(self, cap: Cap) -> list[Grant]:
        return [g for g in self.grants if cap in CAPABILITIES.get(g.role, ())
                and (g.in_programme or cap not in PROGRAMME_ONLY)]

    @property
    def is_staff_role(self) -> bool:
        return self.is_superuser or bool(self.roles & STAFF_ROLES)


def require(principal: Principal, cap: Cap) -> None:
    from .errors import PermissionDenied

    if not principal.can(cap):
        raise PermissionDenied(str(_("You do not have permission to do this.")))
