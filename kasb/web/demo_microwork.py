"""The demo's microwork, made only through the microwork services: real projects, tasks, claims, submissions,
reviews, appeals, gold questions and fair-pay top-ups, paid through the ledger by the review service.

What it makes (kasb.web.demo calls it from inside its money steps, so the payouts see the earnings):

- every client organisation posts a project from a task-type template with instructions, worked examples and
  task data in the country's languages (uploaded as one JSON file through the upload service), and publishes
  it, which reserves its budget from the client's escrow;
- the workers that `demo_data.money_plan` picks pass a qualification (a verified skill), get a work profile,
  claim tasks and submit answers; QA approves each task the plan says they earned, so the review service pays
  them (pay + the partner's fee) from the project's reservation, once per submission;
- after the payout run: a pilot cancelled after two tasks (the rest of its budget back in escrow); Petra
  Commercial Bank's other projects (customer comments labelled three times with
  check questions, letters translated from Arabic into English with rejections, an appeal upheld and one
  waiting, a draft survey), answers waiting in QA's queue, a wrongly answered check question, and a project
  of Jordan Relief Data Network paused for repricing once the measured time showed its pay below the minimum
  wage, its workers topped up to the floor; and projects posted this week, published or still drafts;
- the demo participant (Rahaf) has approved receipts and transcriptions, one receipt rejected with feedback
  (which she can still appeal), one waiting for review, and open projects to work on.

Project 3 (Petra's loan forms) has exactly as many tasks as its workers earned: every task is done and paid,
so it is completed, and nothing is left reserved.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from kasb.core.permissions import Principal
from kasb.microwork.models import Assignment, Project, Submission, Task, TaskUpload
from kasb.microwork.services import closing, fairpay, projects, review, uploads, work
from kasb.microwork.services.preferences import set_work_preferences
from kasb.orgs.models import Organisation, Programme
from kasb.participants.models import Participant
from kasb.skills.models import Evidence, Level, Skill
from kasb.skills.services import verify_skill

from . import demo_microwork_content as content
from .demo_data import BOT, CLIENT_PARTNER, GMC, PIH, PROJECTS, Earning, MoneyPlan
from .demo_microwork_content import Item

SEED = 2026 + 20
PETRA, SOUQ, RELIEF = "Petra Commercial Bank", "Souq Al-Balad Retail", "Jordan Relief Data Network"
# Who posts and who reviews, by partner (local parts of the demo's staff e-mails; "" is the administrator).
POSTS = {BOT: "manager", PIH: "", GMC: "manager.tunis"}
REVIEWS = {BOT: "qa", PIH: "", GMC: "manager.tunis"}
SPARE = 8  # open tasks left in every project still taking work


@dataclass(frozen=True)
class Design:
    """One project: what create_project takes, and how its tasks are made."""

    key: str
    client: str
    name: str
    task_type: str
    skill: str
    languages: tuple[str, ...]
    pay: str
    seconds: int
    instructions: str
    items: Callable[[random.Random, int, int], list[Item]]   # (rng, first id, count) -> tasks
    first: int
    input_fields: list[str] | None = None
    answer_fields: list[dict[str, Any]] | None = None
    examples: list[dict[str, Any]] = field(default_factory=list)
    overlap: int = 1
    gold: int = 0               # check questions among the tasks
    gold_percent: int = 0
    content_warning: str = ""
    distressing: bool = False
    poster: str = ""            # who posts it, if not the partner's usual poster

    @property
    def partner(self) -> str:
        return CLIENT_PARTNER[self.client]


def _designs(today: date) -> dict[str, Design]:
    spec = {p.number: p for p in PROJECTS}

    def plan(number: int, **kwargs: Any) -> Design:
        p = spec[number]
        return Design(key=str(number), client=p.client, name=p.label, task_type=p.task_type,
                      languages=p.languages, pay=p.pay, first=p.first_task, **kwargs)

    return {d.key: d for d in (
        plan(1, skill="data-entry", seconds=150, gold=6, gold_percent=5, input_fields=["receipt"],
             items=lambda rng, first, n: content.receipts(rng, first, n, today),
             instructions="اقرأ نص الفاتورة كما صُوّر من الصيدلية. اكتب اسم الصيدلية والتاريخ والمجموع كما هي مطبوعة "
                          "تماماً. إذا لم يكن المجموع مقروءاً فاتركه فارغاً وأجب «لا» عن سؤال «مقروءة».",
             examples=[{"input": {"receipt": "صيدلية الشفاء - إربد\nالتاريخ: 02/11/2026\nبنادول 500 ملغ × 2    3.700\n"
                                             "المجموع: 3.700 د.أ"},
                        "answer": {"supplier": "صيدلية الشفاء", "document_date": "2026-11-02", "total": "3.700",
                                   "readable": "yes"},
                        "why": "التاريخ يُكتب بالصيغة YYYY-MM-DD، والمجموع بالأرقام كما هو مطبوع بثلاث خانات عشرية."}]),
        plan(2, skill="transcription", seconds=360, input_fields=["media", "call"],
             items=lambda rng, first, n: content.hotline_calls(rng, first, n),
             instructions="استمع إلى المكالمة كاملة واكتب كل كلمة كما قيلت باللهجة، دون تصحيح. اكتب [غير واضح] مكان "
                          "الكلمة التي لا تُفهم. لا تكتب أسماء الأشخاص: اكتب [اسم] بدلاً منها.",
             content_warning="Some callers describe hardship, illness or loss.", distressing=True),
        plan(3, skill="data-entry", seconds=240, input_fields=["form"], answer_fields=content.LOAN_FORM,
             items=lambda rng, first, n: content.loan_forms(rng, first, n), poster="client",
             instructions="انقل من نموذج طلب القرض: اسم مقدم الطلب كما هو مكتوب، والمبلغ بالأرقام، والغرض من القرض من "
                          "القائمة، وهل النموذج موقّع. لا تخمّن: إذا لم يكن الحقل واضحاً فاختر «أخرى»."),
        plan(4, skill="translation-ru-tg", seconds=300,
             items=lambda rng, first, n: content.listings(rng, first, n),
             instructions="Переведите описание гостевого дома на таджикский язык (кириллица). Сохраняйте названия, "
                          "числа и имена как есть. Пишите просто, как для туриста из Душанбе."),
        plan(5, skill="labelling", seconds=20,
             items=lambda rng, first, n: content.app_reviews(rng, first, n),
             instructions="Хонед шарҳро ва як тамғаро интихоб кунед: positive (хуб), neutral (бетараф), negative "
                          "(бад). Прочитайте отзыв и выберите одну метку."),
        plan(6, skill="typing", seconds=180,
             items=lambda rng, first, n: content.subtitles(rng, first, n),
             instructions="اكتب ما يقوله الممثل باللهجة التونسية ترجمةً مصاحبةً بالعربية الفصحى، قصيرةً وطبيعية: تُقرأ "
                          "الترجمة في ثانيتين. احتفظ بالأسماء كما هي، وأجب «نعم» عن «غير متأكد» إذا لم يكن المعنى "
                          "واضحاً."),
        plan(7, skill="data-collection", seconds=300, input_fields=["site"],
             items=lambda rng, first, n: content.sites(rng, first, n, today),
             instructions="Rendez-vous sur le lieu indiqué. Présentez-vous et demandez l'accord avant toute question. "
                          "Notez ce que vous voyez ou ce qu'on vous dit, jamais une supposition."),
        Design("feedback", PETRA, "Customer comments: sentiment", "classification", "labelling", ("ar",), "0.020",
               20, "اقرأ تعليق العميل واختر تصنيفاً واحداً: إيجابي (positive) أو محايد (neutral) أو سلبي (negative). "
                   "الشكوى من خدمة أو عطل سلبية حتى لو كانت مهذبة.",
               lambda rng, first, n: content.customer_feedback(rng, first, n), 101, overlap=3, gold=3,
               gold_percent=10, poster="client"),
        Design("letters", PETRA, "Customer letters: Arabic to English", "translation", "translation-ar-en",
               ("ar", "en"), "0.600", 240,
               "Translate the customer's letter into plain English. Keep amounts, dates and card or cheque numbers "
               "exactly as written. Tick “Unsure” if a word could mean two things.",
               lambda rng, first, n: content.letters(rng, first, n), 2201, poster="client"),
        Design("survey", PETRA, "Branch accessibility survey", "survey", "data-collection", ("ar",), "1.500", 600,
               "زر الفرع المذكور. اسأل مدير الفرع عن إذنه أولاً. سجّل هل الفرع مفتوح، والخدمات المتاحة، وفي الملاحظات: "
               "هل يوجد منحدر للكراسي المتحركة وصراف آلي بارتفاع مناسب.",
               lambda _rng, first, _n: content.branch_survey(first), 31, poster="client"),
        Design("topics", RELIEF, "Hotline calls: topic", "classification", "labelling", ("ar",), "0.008", 20,
               "اقرأ ملخص المكالمة واختر موضوعها الرئيسي من القائمة.",
               lambda rng, first, n: content.call_topics(rng, first, n), 6001, input_fields=["text"],
               answer_fields=content.TOPIC_FORM),
        Design("pilot", SOUQ, "Shelf price tags (pilot)", "data_entry", "data-entry", ("ar",), "0.150", 30,
               "انقل اسم المنتج والسعر من بطاقة الرف كما هما مكتوبان.",
               lambda _rng, first, _n: content.price_tags(first), 1, input_fields=["tag"],
               answer_fields=content.PRICE_TAG_FORM),
        # Posted this week: published and waiting for workers, or still drafts.
        Design("shop", SOUQ, "Online shop reviews: sentiment", "classification", "labelling", ("ar",), "0.020", 20,
               "اقرأ تقييم الزبون للطلب واختر تصنيفاً واحداً: إيجابي أو محايد أو سلبي.",
               lambda _rng, first, _n: content.shop_reviews(first), 401),
        Design("voice", "Modi Soft", "Tajik voice notes transcription", "transcription", "transcription", ("tg",),
               "2.00", 120,
               "Ба сабт гӯш диҳед ва ҳар калимаро ҳамон тавре ки гуфта шудааст, бо ҳарфҳои тоҷикӣ нависед. "
               "Калимаи нофаҳморо [нофаҳмо] нависед.",
               lambda _rng, first, _n: content.voice_notes(first), 51, input_fields=["media", "note"]),
        Design("homestays", "Badakhshan Tourism Cooperative", "Homestay standards survey", "survey",
               "data-collection", ("tg",), "15.00", 900,
               "Ба меҳмонхона равед ва аввал аз соҳибхона иҷозат пурсед. Бинед, ки оби гарм, ҳоҷатхонаи тоза ва "
               "наҳорӣ ҳаст ё не; дар қайдҳо нависед, ки чӣ бояд беҳтар шавад.",
               lambda _rng, first, _n: content.homestays(first), 11),
        Design("french", "Carthage Language Services", "Film subtitles: French to Arabic", "translation",
               "translation-fr-ar", ("fr", "ar"), "2.500", 180,
               "Traduisez la réplique en arabe standard, courte et naturelle : un sous-titre se lit en deux secondes. "
               "Gardez les prénoms. Répondez « oui » à « incertain » si le sens n'est pas clair.",
               lambda _rng, first, _n: content.french_subtitles(first), 701),
        Design("contacts", "Terre d'Asile Data Lab", "Contact list cleaning", "data_cleaning", "spreadsheets",
               ("fr",), "0.300", 45,
               "Corrigez chaque fiche : prénom et nom avec une majuscule, téléphone au format +216 suivi de huit "
               "chiffres, ville comme sur la liste officielle. Signalez les fiches en double.",
               lambda _rng, first, _n: content.contacts(first), 1),
    )}


@dataclass
class Microwork:
    """What the steps share: who acts, the projects made, and each task's right answer."""

    root: Principal
    staff: dict[str, Principal]
    organisations: dict[str, Organisation]
    programmes: dict[str, Programme]
    registered: list[Participant]
    registrations: list[dict[str, Any]]
    plan: MoneyPlan
    today: date
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    designs: dict[str, Design] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    truth: dict[int, dict[str, Any]] = field(default_factory=dict)   # task id -> the right answer
    qualified: set[tuple[int, str]] = field(default_factory=set)
    keys: int = 0

    def principal(self, local: str) -> Principal:
        return self.staff[local] if local else self.root

    def reviewer(self, key: str) -> Principal:
        return self.principal(REVIEWS[self.designs[key].partner])

    def person(self, index: int) -> Participant:
        return self.registered[index]


# --- posting projects --------------------------------------------------------------------------------

def start(*, root: Principal, staff: dict[str, Principal], organisations: dict[str, Organisation],
          programmes: dict[str, Programme], registered: list[Participant], registrations: list[dict[str, Any]],
          plan: MoneyPlan, today: date) -> Microwork:
    """Post and publish the plan's projects, each with the tasks its workers will do and a few to spare."""
    mw = Microwork(root, staff, organisations, programmes, registered, registrations, plan, today)
    mw.designs = _designs(today)
    earned: dict[int, int] = {}
    for earning in plan.earnings:
        earned[earning.project] = earned.get(earning.project, 0) + 1
    # The demo login's own work after the payout run: a rejected receipt and one waiting for review.
    earned[1] += 2
    for spec in PROJECTS:
        count = earned.get(spec.number, 0) + (0 if spec.finished else SPARE * (4 if spec.number == 1 else 1))
        post(mw, str(spec.number), count)
    _onboard(mw)
    return mw


def post(mw: Microwork, key: str, count: int, *, publish: bool = True) -> Project:
    """Create the project, upload its tasks as one JSON file (and its recordings), and publish it unless a draft."""
    design = mw.designs[key]
    poster = mw.principal(design.poster or POSTS[design.partner])
    project = projects.create_project(
        actor=poster, client=mw.organisations[design.client], programme=mw.programmes[design.partner],
        name=design.name, task_type=design.task_type, instructions=design.instructions, pay_per_task=design.pay,
        estimated_seconds=design.seconds, examples=design.examples or None, answer_fields=design.answer_fields,
        input_fields=design.input_fields, required_skill_codes=[design.skill], languages=design.languages,
        overlap=design.overlap, gold_percent=design.gold_percent, content_warning=design.content_warning,
        distressing=design.distressing)
    items = design.items(mw.rng, design.first, count - design.gold)
    gold = design.items(mw.rng, design.first + 9000, design.gold) if design.gold else []
    rows = [{"external_id": i.external_id, **i.data, **({"media": i.media} if i.media else {})} for i in items]
    rows += [{"external_id": f"{i.external_id}-CHECK", **i.data, **({"media": i.media} if i.media else {}),
              "is_gold": True, "gold_answer": i.answer} for i in gold]
    media = [(name, content.silent_wav()) for name in sorted({i.media for i in items if i.media})]
    upload = uploads.start_upload(actor=poster, project=project, name=f"{key}-tasks.json",
                                  content=json.dumps(rows, ensure_ascii=False).encode(), media=media)
    # Checked now rather than by the background worker, so the tasks exist for the rest of the demo.
    upload = uploads.process_upload(upload=upload)
    if upload.status != TaskUpload.Status.DONE:
        raise RuntimeError(f"The demo's tasks for {design.name} did not upload: {upload.errors[:3]}")
    answers = {i.external_id: i.answer for i in items} | {f"{i.external_id}-CHECK": i.answer for i in gold}
    for pk, external_id in Task.objects.filter(project=project).values_list("pk", "external_id"):
        mw.truth[pk] = answers[external_id]
    if publish:
        project = fairpay.publish_project(actor=poster, project=project)
    mw.projects[key] = project
    return project


def qualify(mw: Microwork, index: int, skill_code: str) -> None:
    """The person passed the partner's qualification test for the skill (a verified skill, as training records)."""
    if (index, skill_code) in mw.qualified:
        return
    mw.qualified.add((index, skill_code))
    skill = Skill.objects.get(code=skill_code)
    verify_skill(actor=mw.root.user, participant=mw.person(index), skill=skill, level=Level.BASIC,
                 evidence=Evidence.TEST, evidence_type="microwork.qualification", evidence_id=skill_code)


def _onboard(mw: Microwork) -> None:
    """Every planned worker: a work profile and the skills of the projects they work on."""
    needs = {(e.person, e.project) for e in mw.plan.earnings}
    for person, number in sorted(needs):
        qualify(mw, person, mw.designs[str(number)].skill)
    # Two workers who never transcribe the hotline's calls opted out of distressing content.
    transcribers = {e.person for e in mw.plan.earnings if e.project == 2}
    quiet = [p for p in mw.plan.workers[BOT] if p not in transcribers][:2]
    for person in sorted({e.person for e in mw.plan.earnings}):
        set_work_preferences(worker=mw.person(person), avoid_distressing=person in quiet)
    for skill in ("labelling", "translation-ar-en"):  # the demo login can try Petra's projects too
        qualify(mw, 0, skill)


# --- doing the work ----------------------------------------------------------------------------------

def wrong(design: Design, right: dict[str, Any]) -> dict[str, Any]:
    """An answer QA should reject: a wrong label, half a translation, a mistyped total."""
    if design.task_type == "classification":
        name = next(iter(right))
        choices = (design.answer_fields or [{"choices": ["positive", "neutral", "negative"]}])[0]["choices"]
        return {name: next(c for c in choices if c != right[name])}
    if design.task_type == "translation":
        return {"translation": right["translation"].split(",")[0].split(" ")[0], "unsure": "yes"}
    if "total" in right:
        return {**right, "total": str(Decimal(right["total"]) * 10 + 1)}
    return {**right, "readable": "yes", "total": "1.000"}


def do(mw: Microwork, key: str, person: int, count: int, *, seconds: tuple[int, int] | None = None,
       answers: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> list[Submission]:
    """The person claims and submits `count` tasks of the project (the right answer unless `answers` changes it)."""
    design, project = mw.designs[key], mw.projects[key]
    worker = mw.person(person)
    low, high = seconds or (design.seconds * 2 // 3, design.seconds * 4 // 3)
    done = []
    for _ in range(count):
        lease: Assignment = work.claim_next_task(worker=worker, project=project)
        right = mw.truth[lease.task_id]
        mw.keys += 1
        done.append(work.submit_work(worker=worker, assignment_id=lease.pk, client_key=f"demo-{mw.keys}",
                                     answers=answers(right) if answers else right,
                                     seconds_spent=mw.rng.randint(low, high)))
    return done


def approve(mw: Microwork, key: str, submissions: list[Submission], feedback: str = "") -> None:
    reviewer = mw.reviewer(key)
    for submission in submissions:
        review.approve(actor=reviewer, submission=submission, feedback=feedback)


def earn(mw: Microwork, earnings: list[Earning], *, after_payout: bool) -> None:
    """The plan's approved tasks: each person does their share of each project, QA approves and pays it."""
    batches: dict[tuple[int, int], int] = {}
    for e in earnings:
        if e.after_payout == after_payout:
            batches[(e.project, e.person)] = batches.get((e.project, e.person), 0) + 1
    for (number, person), count in batches.items():
        approve(mw, str(number), do(mw, str(number), person, count))


# --- after the payout run: QA at work ------------------------------------------------------------------

def finish(mw: Microwork) -> None:
    """Petra's other projects, the QA queue, rejections and appeals, and a project paused for repricing."""
    _rahaf(mw)
    _feedback(mw)
    _letters(mw)
    _topics(mw)
    _tunis(mw)
    _pilot(mw)
    _just_posted(mw)
    # What the periodic sweep would do: the finished loan-forms project completes (nothing left to release).
    closing.complete_finished_projects()


def _pilot(mw: Microwork) -> None:
    """A pilot Souq Al-Balad stopped after two tasks: cancelled, the rest of its reservation back in escrow."""
    post(mw, "pilot", len(content.PRODUCTS))
    worker = next(e.person for e in mw.plan.earnings if e.project == 1 and e.person != 0)
    approve(mw, "pilot", do(mw, "pilot", worker, 2))
    fairpay.cancel_project(actor=mw.staff["manager"], project=mw.projects["pilot"],
                           reason="The shop now reads prices from the barcode scanner; the pilot has ended.")


def _just_posted(mw: Microwork) -> None:
    """Every client has more than one project: some published this week with nobody on them yet, some drafts."""
    for key in ("shop", "voice", "french"):
        post(mw, key, 0)
    for key in ("survey", "homestays", "contacts"):
        post(mw, key, 0, publish=False)
    # A few workers passed the new qualifications, so the new projects are open to them.
    for person in mw.plan.workers[PIH][:3]:
        qualify(mw, person, "transcription")
    for person in mw.plan.workers[GMC]:
        if {"fr", "ar"} <= set(mw.registrations[person]["languages"]):
            qualify(mw, person, "translation-fr-ar")


def _rahaf(mw: Microwork) -> None:
    """The demo login: one receipt rejected (she may appeal), one waiting for review."""
    design, qa = mw.designs["1"], mw.reviewer("1")
    (mistyped,) = do(mw, "1", 0, 1, answers=lambda right: wrong(design, right))
    review.reject(actor=qa, submission=mistyped, reason_code="wrong",
                  feedback="المجموع المكتوب لا يطابق الفاتورة: انقلي الرقم بعد كلمة «المجموع» كما هو، بثلاث خانات "
                           "عشرية.")
    do(mw, "1", 0, 1)
    # Another receipt worker mistyped a total: it waits in QA's queue.
    worker = next(e.person for e in mw.plan.earnings if e.project == 1 and e.person != 0)
    qualify(mw, worker, design.skill)
    do(mw, "1", worker, 1, answers=lambda right: wrong(design, right))


def _speakers(mw: Microwork, languages: set[str], count: int, skip: frozenset[int] = frozenset()) -> list[int]:
    """The first `count` Jordanian workers of the plan who speak `languages` (never the demo login)."""
    return [p for p in mw.plan.workers[BOT]
            if p and p not in skip and languages <= set(mw.registrations[p]["languages"])][:count]


def _feedback(mw: Microwork) -> None:
    """Three answers per comment; check questions first; most approved, the latest waiting for QA."""
    post(mw, "feedback", 30)
    design = mw.designs["feedback"]
    people = [0, *_speakers(mw, {"ar"}, 5)]
    for n, person in enumerate(people):
        qualify(mw, person, design.skill)
        careless = n == 1  # early enough to be given check questions, and to get them wrong
        subs = do(mw, "feedback", person, 5,
                  answers=(lambda right: wrong(design, right)) if careless else None)
        if careless:
            continue  # every answer wrong, check questions included: all of it waits for QA
        approve(mw, "feedback", subs[:3])


def _letters(mw: Microwork) -> None:
    """Arabic to English: approved, rejected with feedback, an appeal upheld and one waiting, some in the queue."""
    post(mw, "letters", len(content.LETTERS))
    design, qa, manager = mw.designs["letters"], mw.reviewer("letters"), mw.staff["manager"]
    people = _speakers(mw, {"ar", "en"}, 3)
    if len(people) < 3:
        raise RuntimeError("The demo needs three Jordanian workers who speak Arabic and English.")
    for person in people:
        qualify(mw, person, design.skill)
    # Tasks go out in the order they were uploaded: letters 1-3, 4-6, then 7 (a street number) to 9.
    first, second = do(mw, "letters", people[0], 3), do(mw, "letters", people[1], 3)
    third = do(mw, "letters", people[2], 1, answers=lambda right: {
        **right, "translation": "".join(ch for ch in right["translation"] if not ch.isdigit())})
    third += do(mw, "letters", people[2], 2)
    approve(mw, "letters", first[:2], feedback="Clear and faithful. Well done.")
    approve(mw, "letters", [second[0]])
    half = do(mw, "letters", people[1], 1, answers=lambda right: wrong(design, right))[0]
    review.reject(actor=qa, submission=half, reason_code="incomplete",
                  feedback="Only the first word is translated. Translate the whole letter, then submit.")
    rejected = review.reject(actor=qa, submission=second[1], reason_code="instructions",
                             feedback="Amounts, dates and numbers must be kept exactly as written in the letter.")
    upheld = review.appeal(worker=mw.person(people[1]), submission=rejected,
                           reason="There are no amounts, dates or numbers in this letter; I translated all of it.")
    review.decide_appeal(actor=manager, appeal=upheld, upheld=True,
                         note="Right: this letter has no numbers and the translation is complete. Paid in full.")
    refused = review.reject(actor=manager, submission=third[0], reason_code="instructions",
                            feedback="The street number is missing: keep every number exactly as written.")
    review.appeal(worker=mw.person(people[2]), submission=refused,
                  reason="The number was hard to read on my phone; everything else is translated correctly.")
    # first[2], second[2], third[1] and third[2] wait in the QA queue.


def _topics(mw: Microwork) -> None:
    """Priced for 20 seconds a call, the work took nearly 30: paused for repricing, workers topped up."""
    post(mw, "topics", 30)
    people = _speakers(mw, {"ar"}, 5, skip=frozenset({0}))
    done = []
    for person in people:
        qualify(mw, person, "labelling")
        done += do(mw, "topics", person, 4, seconds=(26, 34))
    approve(mw, "topics", done)
    fairpay.remeasure(mw.projects["topics"], min_submissions=20)


def _tunis(mw: Microwork) -> None:
    """The Tunisian manager's queue: subtitles waiting for review, one sent back with feedback."""
    person = next(e.person for e in mw.plan.earnings if e.project == 6)
    subs = do(mw, "6", person, 3, answers=lambda right: {**right, "translation": right["translation"] + " " +
                                                        right["translation"]})
    review.reject(actor=mw.reviewer("6"), submission=subs[0], reason_code="instructions",
                  feedback="الجملة مكتوبة مرتين: الترجمة المصاحبة تُقرأ في ثانيتين، اكتبها مرة واحدة.")
