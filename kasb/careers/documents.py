"""A CV as content: assembled from what the participant wrote and what the platform has verified, then laid out
as one PDF page (kasb.core.pdf) or as plain text to paste into LinkedIn or a job site.

The same content is what an application sends to an employer (CareerApplication.cv_snapshot): nothing here
reads a protected attribute (date of birth, nationality, displacement status, disability, gender identity,
ID, the registry's phone number).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kasb.core.pdf import render_pdf
from kasb.core.translated import pick
from kasb.microwork.models import Submission, TaskType, WorkerProfile
from kasb.participants.languages import language_name
from kasb.skills.models import Evidence, Level
from kasb.skills.queries import skills_of
from kasb.training.models import Certificate

from .models import CV, CVEntry, LanguageLevel

ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))


def is_arabic(text: str) -> bool:
    return any(low <= ord(ch) <= high for ch in text for low, high in ARABIC_RANGES)


def work_record(participant_id: int) -> dict[str, Any] | None:
    """Approved microwork: per project (name, task type, tasks, hours), total hours, accuracy on check
    questions (else the share of reviewed work approved). None when there is none. Two queries."""
    rows = list(Submission.objects.filter(worker_id=participant_id, status=Submission.Status.APPROVED)
                .values("project__name", "project__task_type")
                .annotate(tasks=Count("pk"), seconds=Sum("seconds_spent")).order_by("-tasks", "project__name")[:8])
    if not rows:
        return None
    profile = WorkerProfile.objects.filter(participant_id=participant_id).first()
    accuracy = None
    if profile is not None:
        share = profile.gold_accuracy
        if share is None and profile.reviewed:
            share = profile.approved / profile.reviewed
        accuracy = round(100 * share) if share is not None else None
    seconds = sum(r["seconds"] or 0 for r in rows)
    return {
        "projects": [{"name": r["project__name"], "task_type": str(TaskType(r["project__task_type"]).label),
                      "tasks": r["tasks"], "hours": round((r["seconds"] or 0) / 3600, 1)} for r in rows],
        "tasks": sum(r["tasks"] for r in rows), "hours": round(seconds / 3600, 1), "accuracy": accuracy,
    }


def _period(entry: CVEntry) -> str:
    start = date_format(entry.started_on, "YEAR_MONTH_FORMAT") if entry.started_on else ""
    end = date_format(entry.ended_on, "YEAR_MONTH_FORMAT") if entry.ended_on else (_("now") if start else "")
    return f"{start} – {end}" if start else end


def assemble_cv(cv: CV, *, language: str | None = None) -> dict[str, Any]:
    """Everything the CV shows, as plain values in `language` (default: the CV's own)."""
    lang = language or cv.language
    with translation.override(lang):
        entries = list(cv.entries.all())
        content: dict[str, Any] = {
            "name": cv.display_name or cv.participant.full_name, "language": lang, "headline": cv.headline,
            "profile": cv.profile, "contact": cv.contact,
            "languages": [{"name": language_name(item["code"]),
                           "level": str(LanguageLevel(item["level"]).label)} for item in cv.languages or []],
            "education": [_entry(e) for e in entries if e.kind == CVEntry.Kind.EDUCATION],
            "experience": [_entry(e) for e in entries if e.kind == CVEntry.Kind.EXPERIENCE],
            "skills": [], "certificates": [], "microwork": None,
        }
        if cv.include_skills:
            content["skills"] = _skills(cv.participant_id, lang)
        if cv.include_certificates:
            content["certificates"] = [
                {"title": pick(c.course_title, lang), "code": c.code,
                 "issued": date_format(c.issued_at.date(), "YEAR_MONTH_FORMAT")}
                for c in Certificate.objects.filter(enrolment__participant_id=cv.participant_id,
                                                    revoked_at__isnull=True).order_by("-issued_at")]
        if cv.include_microwork:
            content["microwork"] = work_record(cv.participant_id)
    content["rtl"] = bool(translation.get_language_info(lang)["bidi"])
    content["name_is_arabic"] = is_arabic(content["name"])
    return content


def _entry(entry: CVEntry) -> dict[str, str]:
    return {"title": entry.title, "organisation": entry.organisation, "place": entry.place,
            "period": _period(entry), "description": entry.description}


def _skills(participant_id: int, language: str) -> list[dict[str, str]]:
    """One line per skill: its strongest level, and each kind of evidence behind it."""
    by_skill: dict[int, dict[str, Any]] = {}
    for verified in skills_of(participant_id):
        item = by_skill.setdefault(verified.skill_id, {"name": pick(verified.skill.names, language)
                                                       or verified.skill.code, "level": 0, "evidence": []})
        item["level"] = max(item["level"], verified.level)
        label = str(Evidence(verified.evidence).label)
        if label not in item["evidence"]:
            item["evidence"].append(label)
    return [{"name": i["name"], "level": str(Level(i["level"]).label), "evidence": _(", ").join(i["evidence"])}
            for i in by_skill.values()]


def cv_text(content: dict[str, Any]) -> str:
    """Plain text, section by section, ready to paste into a LinkedIn profile or a job site's form."""
    with translation.override(content["language"]):
        lines = [content["name"]]
        if content["headline"]:
            lines.append(content["headline"])
        if content["contact"]:
            lines.append(content["contact"])
        sections = [
            (_("About me"), [content["profile"]] if content["profile"] else []),
            (_("Experience"), [_entry_text(e) for e in content["experience"]]),
            (_("Education"), [_entry_text(e) for e in content["education"]]),
            (_("Skills"), [f"• {s['name']} ({s['level']}) — {s['evidence']}" for s in content["skills"]]),
            (_("Certificates"), [f"• {c['title']}, {c['issued']} ({c['code']})" for c in content["certificates"]]),
            (_("Languages"), [f"• {item['name']}: {item['level']}" for item in content["languages"]]),
        ]
        work = content.get("microwork")
        if work:
            summary = _("%(tasks)s tasks approved, %(hours)s hours") % {"tasks": work["tasks"], "hours": work["hours"]}
            if work["accuracy"] is not None:
                summary += " · " + _("accuracy %(accuracy)s%%") % {"accuracy": work["accuracy"]}
            sections.append((_("Online work (microwork)"), [summary] + [
                f"• {p['name']} — {p['task_type']}: {p['tasks']}" for p in work["projects"]]))
        for title, body in sections:
            if body:
                lines += ["", title.upper() if content["language"] != "ar" else title, *body]
    return "\n".join(lines).strip() + "\n"


def _entry_text(entry: dict[str, str]) -> str:
    head = " — ".join(part for part in (entry["title"], entry["organisation"], entry["place"]) if part)
    text = f"• {head}" + (f" ({entry['period']})" if entry["period"] else "")
    return text + (f"\n  {entry['description']}" if entry["description"] else "")


def cv_pdf(content: dict[str, Any]) -> bytes:
    """One A4 page in the CV's language (right to left in Arabic)."""
    return render_pdf("careers/pdf/cv.html", {"cv": content, "organisation_name": content["name"]},
                      language=content["language"])
