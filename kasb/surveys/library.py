"""The surveys Kasb ships as templates, in its five languages (installed with services.building.install_template).

- "employability": the post-training survey behind the seeds' shares (B.O.T., Jordan: "89% believed their
  employability improved", "86% believed the acquired skills can help them improve their lives and
  communities", "35% improved their career outcomes: better job performance, a promotion or a salary
  increase"); queries.employability_shares counts them.
- "tracer": the 3/6/12-month follow-up (employed? in what kind of work? earning how much a month, in which
  currency? using the skills learned?); queries.tracer_results counts it.

Question codes and choice keys are what the queries read: keep them when translating or editing.
"""

from __future__ import annotations

from typing import Any

LANGS = ("en", "ar", "ru", "tg", "fr")


def t(*texts: str) -> dict[str, str]:
    """Texts in the order en, ar, ru, tg, fr."""
    assert len(texts) == len(LANGS)
    return dict(zip(LANGS, texts, strict=True))


def choice(key: str, *texts: str) -> dict[str, Any]:
    return {"key": key, "text": t(*texts)}


YES_NO = [choice("yes", "Yes", "نعم", "Да", "Ҳа", "Oui"), choice("no", "No", "لا", "Нет", "Не", "Non")]

AGREEMENT = [
    choice("strongly_agree", "Strongly agree", "أوافق بشدة", "Полностью согласен(на)", "Комилан розӣ ҳастам",
           "Tout à fait d'accord"),
    choice("agree", "Agree", "أوافق", "Согласен(на)", "Розӣ ҳастам", "D'accord"),
    choice("neutral", "Neither agree nor disagree", "محايد", "Ни да, ни нет", "На розӣ, на норозӣ",
           "Ni d'accord ni pas d'accord"),
    choice("disagree", "Disagree", "لا أوافق", "Не согласен(на)", "Розӣ нестам", "Pas d'accord"),
    choice("strongly_disagree", "Strongly disagree", "لا أوافق بشدة", "Совсем не согласен(на)",
           "Тамоман розӣ нестам", "Pas du tout d'accord"),
]

EMPLOYABILITY: dict[str, Any] = {
    "anonymous": True,
    "title": t("After the training: your employability",
               "استبيان ما بعد التدريب: قابلية التوظيف",
               "Опрос после обучения: ваши шансы на работу",
               "Пурсиш пас аз омӯзиш: имконияти ёфтани кор",
               "Après la formation : votre employabilité"),
    "intro": t("Thank you for taking part in the training. Your answers help us improve the programme for the "
               "next participants. It takes a few minutes.",
               "شكراً لمشاركتك في التدريب. تساعدنا إجاباتك على تحسين البرنامج للمشاركين القادمين. "
               "يستغرق الاستبيان بضع دقائق.",
               "Спасибо, что прошли обучение. Ваши ответы помогут нам улучшить программу для следующих "
               "участников. Опрос займёт несколько минут.",
               "Ташаккур барои иштирок дар омӯзиш. Ҷавобҳои шумо ба мо кӯмак мекунанд, ки барномаро барои "
               "иштирокчиёни оянда беҳтар созем. Пурсиш чанд дақиқа вақт мегирад.",
               "Merci d'avoir suivi la formation. Vos réponses nous aident à améliorer le programme pour les "
               "prochains participants. L'enquête prend quelques minutes."),
    "questions": [
        {"code": "usefulness", "kind": "scale", "min_value": 1, "max_value": 5,
         "text": t("How useful was the training for you?", "ما مدى فائدة التدريب بالنسبة لك؟",
                   "Насколько полезным для вас было обучение?", "Омӯзиш барои шумо то чӣ андоза муфид буд?",
                   "La formation vous a-t-elle été utile ?"),
         "min_label": t("Not useful at all", "غير مفيد إطلاقاً", "Совсем не полезным", "Тамоман муфид набуд",
                        "Pas du tout utile"),
         "max_label": t("Very useful", "مفيد جداً", "Очень полезным", "Хеле муфид буд", "Très utile")},
        {"code": "more_employable", "kind": "single", "choices": AGREEMENT,
         "text": t("“The training has made me more employable: I am more likely to find work or to do well in it.” "
                   "Do you agree?",
                   "«جعلني التدريب أكثر قابلية للتوظيف: أصبحت فرصتي في إيجاد عمل أو النجاح فيه أكبر.» "
                   "هل توافق على ذلك؟",
                   "«После обучения мне легче найти работу или успешно работать». Вы согласны?",
                   "«Пас аз омӯзиш имконияти ман барои ёфтани кор ё бомуваффақият кор кардан зиёд шуд». "
                   "Шумо розӣ ҳастед?",
                   "« Grâce à la formation, j'ai plus de chances de trouver du travail ou de réussir dans mon "
                   "travail. » Êtes-vous d'accord ?")},
        {"code": "skills_improve_life", "kind": "single", "choices": AGREEMENT,
         "text": t("“The skills I learned can help me improve my life and my community.” Do you agree?",
                   "«المهارات التي تعلّمتها يمكن أن تساعدني على تحسين حياتي ومجتمعي.» هل توافق على ذلك؟",
                   "«Навыки, которые я получил(а), помогут мне улучшить мою жизнь и жизнь моего сообщества». "
                   "Вы согласны?",
                   "«Малакаҳое, ки ман омӯхтам, метавонанд ба беҳтар шудани ҳаёти ман ва ҷамъиятам кӯмак "
                   "кунанд». Шумо розӣ ҳастед?",
                   "« Les compétences que j'ai acquises peuvent m'aider à améliorer ma vie et celle de ma "
                   "communauté. » Êtes-vous d'accord ?")},
        {"code": "career_improved", "kind": "single", "choices": YES_NO,
         "text": t("Since the training, has your working life improved: better performance at work, a promotion, "
                   "a pay rise or new work?",
                   "منذ التدريب، هل تحسّنت حياتك المهنية: أداء أفضل في العمل، أو ترقية، أو زيادة في الراتب، "
                   "أو عمل جديد؟",
                   "Улучшилась ли ваша работа после обучения: лучшие результаты, повышение в должности, "
                   "прибавка к зарплате или новая работа?",
                   "Пас аз омӯзиш оё ҳаёти кории шумо беҳтар шуд: кори беҳтар, вазифаи баландтар, музди "
                   "зиёдтар ё кори нав?",
                   "Depuis la formation, votre vie professionnelle s'est-elle améliorée : meilleures "
                   "performances, promotion, augmentation de salaire ou nouveau travail ?")},
        {"code": "career_changes", "kind": "multiple", "required": False,
         "text": t("What has changed since the training? Choose all that apply.",
                   "ما الذي تغيّر منذ التدريب؟ اختر كل ما ينطبق عليك.",
                   "Что изменилось после обучения? Отметьте всё, что подходит.",
                   "Пас аз омӯзиш чӣ тағйир ёфт? Ҳамаи ҷавобҳои мувофиқро интихоб кунед.",
                   "Qu'est-ce qui a changé depuis la formation ? Cochez tout ce qui s'applique."),
         "choices": [
             choice("new_job", "I found a job", "وجدت وظيفة", "Я нашёл(ла) работу", "Ман кор ёфтам",
                    "J'ai trouvé un emploi"),
             choice("paid_online", "I found paid microwork or freelance work",
                    "وجدت عملاً رقمياً مصغّراً أو عملاً حراً مدفوع الأجر",
                    "Я нашёл(ла) оплачиваемую микроработу или фриланс", "Ман микрокор ё кори озоди пулакӣ ёфтам",
                    "J'ai trouvé du microtravail ou du travail indépendant rémunéré"),
             choice("performance", "I do my work better", "أصبحت أؤدي عملي بشكل أفضل",
                    "Я стал(а) лучше выполнять свою работу", "Ман кори худро беҳтар иҷро мекунам",
                    "Je fais mieux mon travail"),
             choice("promotion", "I was promoted", "حصلت على ترقية", "Меня повысили в должности",
                    "Вазифаи маро баланд карданд", "J'ai été promu(e)"),
             choice("pay_rise", "My pay went up", "زاد راتبي", "Мне повысили зарплату", "Музди ман зиёд шуд",
                    "Mon salaire a augmenté"),
             choice("business", "I started a business", "بدأت مشروعاً خاصاً", "Я открыл(а) своё дело",
                    "Ман кори худро оғоз кардам", "J'ai créé mon activité"),
             choice("nothing", "Nothing yet", "لا شيء حتى الآن", "Пока ничего", "Ҳоло ҳеҷ чиз",
                    "Rien pour l'instant"),
         ]},
        {"code": "suggestion", "kind": "text", "required": False,
         "text": t("What would make the training better?", "ما الذي يمكن أن يجعل التدريب أفضل؟",
                   "Что сделало бы обучение лучше?", "Чӣ омӯзишро беҳтар мегардонад?",
                   "Qu'est-ce qui rendrait la formation meilleure ?")},
    ],
}

TRACER: dict[str, Any] = {
    "anonymous": False,
    "title": t("Follow-up: your work after the training",
               "استبيان المتابعة: عملك بعد التدريب",
               "Повторный опрос: ваша работа после обучения",
               "Пурсиши пайгирӣ: кори шумо пас аз омӯзиш",
               "Suivi : votre travail après la formation"),
    "intro": t("We are getting back in touch after your training to learn how work is going for you. Your "
               "answers help us improve the programme. It takes a few minutes.",
               "نتواصل معك بعد انتهاء تدريبك لنعرف كيف تسير أمورك في العمل. تساعدنا إجاباتك على تحسين "
               "البرنامج. يستغرق الاستبيان بضع دقائق.",
               "Мы связываемся с вами после обучения, чтобы узнать, как у вас дела с работой. Ваши ответы "
               "помогут улучшить программу. Опрос займёт несколько минут.",
               "Мо пас аз анҷоми омӯзиш бо шумо тамос мегирем, то бидонем, ки корҳоятон чӣ гуна аст. "
               "Ҷавобҳои шумо ба беҳтар шудани барнома кӯмак мекунанд. Пурсиш чанд дақиқа вақт мегирад.",
               "Nous reprenons contact après votre formation pour savoir où vous en êtes dans votre travail. "
               "Vos réponses nous aident à améliorer le programme. L'enquête prend quelques minutes."),
    "questions": [
        {"code": "employed", "kind": "single", "choices": YES_NO,
         "text": t("Do you have paid work now (a job, your own business, freelance work or microwork)?",
                   "هل لديك عمل مدفوع الأجر الآن (وظيفة، أو مشروعك الخاص، أو عمل حر، أو عمل رقمي مصغّر)؟",
                   "Есть ли у вас сейчас оплачиваемая работа (по найму, своё дело, фриланс или микроработа)?",
                   "Оё ҳоло шумо кори пулакӣ доред (кор дар ташкилот, кори худ, кори озод ё микрокор)?",
                   "Avez-vous un travail rémunéré en ce moment (un emploi, votre propre activité, du travail "
                   "indépendant ou du microtravail) ?")},
        {"code": "work_kind", "kind": "single", "required": False,
         "text": t("If you work, what kind of work is it?", "إذا كنت تعمل، ما نوع عملك؟",
                   "Если вы работаете, то какая это работа?", "Агар кор кунед, ин чӣ гуна кор аст?",
                   "Si vous travaillez, de quel type de travail s'agit-il ?"),
         "help": t("Skip this question if you have no paid work.",
                   "تجاوز هذا السؤال إذا لم يكن لديك عمل مدفوع الأجر.",
                   "Пропустите этот вопрос, если у вас нет оплачиваемой работы.",
                   "Агар кори пулакӣ надошта бошед, ин саволро гузаред.",
                   "Passez cette question si vous n'avez pas de travail rémunéré."),
         "choices": [
             choice("employee_full", "Employee, full time", "موظف بدوام كامل", "Работа по найму, полный день",
                    "Корманд, рӯзи пурра", "Salarié(e) à temps plein"),
             choice("employee_part", "Employee, part time", "موظف بدوام جزئي", "Работа по найму, неполный день",
                    "Корманд, нимрӯза", "Salarié(e) à temps partiel"),
             choice("own_business", "My own business", "مشروعي الخاص", "Своё дело", "Кори худам",
                    "Ma propre activité"),
             choice("freelance", "Freelance or online work", "عمل حر أو عبر الإنترنت",
                    "Фриланс или работа через интернет", "Кори озод ё кор тавассути интернет",
                    "Travail indépendant ou en ligne"),
             choice("microwork", "Microwork on Kasb", "عمل رقمي مصغّر على منصة كسب", "Микроработа на Kasb",
                    "Микрокор дар Kasb", "Microtravail sur Kasb"),
             choice("internship", "Paid internship or apprenticeship", "تدريب عملي أو مهني مدفوع الأجر",
                    "Оплачиваемая стажировка или ученичество", "Таҷрибаомӯзӣ ё шогирдии пулакӣ",
                    "Stage ou apprentissage rémunéré"),
             choice("other", "Other", "غير ذلك", "Другое", "Дигар", "Autre"),
         ]},
        {"code": "monthly_earnings", "kind": "number", "required": False, "min_value": 0, "max_value": 100_000_000,
         "text": t("About how much did you earn from your work last month?",
                   "كم كسبت تقريباً من عملك في الشهر الماضي؟",
                   "Сколько примерно вы заработали за прошлый месяц?",
                   "Моҳи гузашта аз кори худ тахминан чӣ қадар маблағ ба даст овардед?",
                   "Combien avez-vous gagné environ grâce à votre travail le mois dernier ?"),
         "help": t("A whole number, in the currency you choose in the next question. Write 0 if you earned nothing.",
                   "اكتب رقماً صحيحاً بالعملة التي تختارها في السؤال التالي. اكتب 0 إذا لم تكسب شيئاً.",
                   "Целое число в валюте, которую вы выберете в следующем вопросе. Напишите 0, если ничего не "
                   "заработали.",
                   "Рақами бутун бо асъоре, ки дар саволи навбатӣ интихоб мекунед. Агар ҳеҷ чиз ба даст "
                   "наовардед, 0 нависед.",
                   "Un nombre entier, dans la monnaie choisie à la question suivante. Écrivez 0 si vous n'avez "
                   "rien gagné.")},
        {"code": "earnings_currency", "kind": "single", "required": False,
         "text": t("In which currency?", "بأي عملة؟", "В какой валюте?", "Бо кадом асъор?",
                   "Dans quelle monnaie ?"),
         "choices": [
             choice("JOD", "Jordanian dinar (JOD)", "دينار أردني (JOD)", "Иорданский динар (JOD)",
                    "Динори Урдун (JOD)", "Dinar jordanien (JOD)"),
             choice("TND", "Tunisian dinar (TND)", "دينار تونسي (TND)", "Тунисский динар (TND)",
                    "Динори Тунис (TND)", "Dinar tunisien (TND)"),
             choice("TJS", "Tajik somoni (TJS)", "سوموني طاجيكي (TJS)", "Таджикский сомони (TJS)",
                    "Сомонии тоҷикӣ (TJS)", "Somoni tadjik (TJS)"),
             choice("USD", "US dollar (USD)", "دولار أمريكي (USD)", "Доллар США (USD)", "Доллари ИМА (USD)",
                    "Dollar américain (USD)"),
             choice("EUR", "Euro (EUR)", "يورو (EUR)", "Евро (EUR)", "Евро (EUR)", "Euro (EUR)"),
             choice("other", "Another currency", "عملة أخرى", "Другая валюта", "Асъори дигар", "Autre monnaie"),
         ]},
        {"code": "using_skills", "kind": "single",
         "text": t("Do you use the skills you learned in the training?",
                   "هل تستخدم المهارات التي تعلّمتها في التدريب؟",
                   "Пользуетесь ли вы навыками, полученными на обучении?",
                   "Оё шумо малакаҳоеро, ки дар омӯзиш ёд гирифтед, истифода мебаред?",
                   "Utilisez-vous les compétences acquises pendant la formation ?"),
         "choices": [
             choice("often", "Yes, often", "نعم، كثيراً", "Да, часто", "Ҳа, зуд-зуд", "Oui, souvent"),
             choice("sometimes", "Yes, sometimes", "نعم، أحياناً", "Да, иногда", "Ҳа, баъзан", "Oui, parfois"),
             choice("no", "No", "لا", "Нет", "Не", "Non"),
         ]},
        {"code": "help_needed", "kind": "text", "required": False,
         "text": t("Is there anything that would help you find work or earn more?",
                   "هل هناك ما يمكن أن يساعدك على إيجاد عمل أو زيادة دخلك؟",
                   "Что помогло бы вам найти работу или зарабатывать больше?",
                   "Чӣ ба шумо барои ёфтани кор ё зиёд кардани даромад кӯмак мекард?",
                   "Qu'est-ce qui vous aiderait à trouver du travail ou à gagner plus ?")},
    ],
}

TEMPLATES: dict[str, dict[str, Any]] = {"employability": EMPLOYABILITY, "tracer": TRACER}
