"""What the demo's employers post and what its career staff write: opportunities in each country's words, and the
information pages in Kasb's five languages. No database here; kasb.web.demo_careers makes them through the services.
"""

from __future__ import annotations

from dataclasses import dataclass

from .demo_data import BOT, GMC, PIH

LEVANT, IRBID_TRANSLATION = "Levant Digital Services", "Irbid Translation House"
HORIZON, NASHMI, HAND_IN_HAND = "Jordan Horizon Bank", "Nashmi Supermarkets", "Hand in Hand Relief Society"
BUREAU, RASHT_FRUIT = "Dushanbe Accounting Bureau", "Rasht Valley Dried Fruit Cooperative"
MEDINA, SFAX_CONTACT = "Medina Web Studio", "Sfax Contact Centre"


@dataclass(frozen=True)
class Offer:
    """One opportunity; `statuses` are where its applications end up (one applicant each, in order)."""

    key: str
    employer: str
    kind: str
    title: str
    description: str
    skills: tuple[str, ...]
    area: str | None = None
    remote: bool = False
    pay: str = ""
    currency: str = ""
    period: str = "month"
    starts_in: int | None = None      # days from today
    weeks: int | None = None          # how long, for internships and gigs
    apply_within: int | None = 30     # days from today
    how_to_apply: str = "Apply on Kasb with your CV. We call shortlisted applicants within two weeks."
    statuses: tuple[str, ...] = ()


OFFERS: dict[str, tuple[Offer, ...]] = {
    BOT: (
        Offer("rahaf", HORIZON, "internship", "Data entry intern, Mafraq branch (part time)",
              "Three months in the Mafraq branch's back office, afternoons only: entering account-opening forms and "
              "customer updates into the core banking system, checking scanned documents, filing. A supervisor "
              "trains you in the first week. Transport allowance on top of the stipend.",
              ("data-entry", "typing"), area="JO-MA", pay="150.000", currency="JOD", starts_in=14, weeks=13,
              how_to_apply="Apply on Kasb with your CV. Bring your ID document to the interview at the branch.",
              statuses=("interviewed", "declined")),
        Offer("translation", IRBID_TRANSLATION, "job", "Arabic–English translator for humanitarian reports",
              "Translate field reports and letters between Arabic and English for NGOs in the north. Full time, "
              "Sunday to Thursday, in Irbid; a translation test is part of the interview.",
              ("translation-ar-en", "english"), area="JO-IR", pay="380.000", currency="JOD", starts_in=30,
              statuses=("placed", "shortlisted")),
        Offer("labelling", LEVANT, "freelance", "Arabic customer messages: labelling (remote)",
              "Read short customer messages in Arabic dialects and tag their topic and tone for a telecom client. "
              "About 600 messages a week; paid per batch of 100 once quality is checked.",
              ("labelling",), remote=True, pay="4.000", currency="JOD", period="total", starts_in=7, weeks=8,
              statuses=("shortlisted", "applied", "declined")),
        Offer("levant-intern", LEVANT, "internship", "Junior data annotator (internship)",
              "Six months in our Amman office: image and text annotation, quality checks on other annotators' work, "
              "weekly reports in Excel. Most interns are offered a contract at the end.",
              ("labelling", "data-entry", "spreadsheets"), area="JO-AM", pay="220.000", currency="JOD",
              starts_in=21, weeks=26, statuses=("offered", "interviewed", "applied")),
        Offer("cashier", NASHMI, "apprenticeship", "Cashier and stock-keeping apprentice",
              "Learn the till, stock counts and the shelf-price system in our Mafraq and Zarqa stores. Four months "
              "with a mentor on the shop floor, then a job for those who do well.",
              ("data-entry", "computer-basics"), area="JO-MA", pay="200.000", currency="JOD", starts_in=10,
              weeks=16, statuses=("placed", "applied")),
        Offer("caseworker", HAND_IN_HAND, "job", "Community data assistant (women-only team)",
              "Collect household survey data on a tablet in Irbid and Mafraq, enter it the same day and follow up "
              "missing answers by phone. Women-only team; transport covered.",
              ("data-collection", "data-entry"), area="JO-IR", pay="320.000", currency="JOD", starts_in=20,
              statuses=()),
    ),
    PIH: (
        Offer("fruit", RASHT_FRUIT, "job", "Бухгалтер-оператор (неполный день), Гарм",
              "Учёт закупок сушёных абрикосов и яблок у фермеров долины Рашт, накладные в 1С и Excel, отчёты для "
              "кооператива. Три дня в неделю в Гарме.",
              ("digital-accounting", "spreadsheets"), area="TJ-RA", pay="1800.00", currency="TJS", starts_in=14,
              how_to_apply="Подайте заявку через Kasb. Собеседование в офисе кооператива в Гарме.",
              statuses=("placed", "interviewed")),
        Offer("bureau", BUREAU, "internship", "Таҷрибаомӯз: муҳосибии рақамӣ (Душанбе)",
              "Се моҳ дар дафтари мо дар Душанбе: ворид кардани ҳуҷҷатҳо, ҳисоботи моҳона дар Excel, кор бо "
              "муштариён. Барои ҳар таҷрибаомӯз мураббӣ ҳаст.",
              ("digital-accounting", "data-entry"), area="TJ-DU", pay="1200.00", currency="TJS", starts_in=21,
              weeks=13, statuses=("shortlisted", "applied")),
        Offer("guesthouse", RASHT_FRUIT, "freelance", "Перевод описаний гостевых домов (удалённо)",
              "Перевести 20 описаний гостевых домов Рашта с русского на таджикский для сайта кооператива.",
              ("translation-ru-tg",), remote=True, pay="600.00", currency="TJS", period="total", starts_in=5,
              weeks=3, statuses=("offered", "declined")),
    ),
    GMC: (
        Offer("web", MEDINA, "internship", "Stage développeur·se web junior (HTML/CSS, JavaScript)",
              "Six mois dans notre studio à Tunis : intégration de maquettes, petites évolutions de sites "
              "WordPress et React, tests sur mobile. Encadrement par un développeur senior.",
              ("web-development",), area="TN-11", pay="600.000", currency="TND", starts_in=21, weeks=26,
              how_to_apply="Postulez sur Kasb avec votre CV et un lien vers un projet (GitHub ou autre).",
              statuses=("interviewed", "shortlisted", "applied")),
        Offer("contact", SFAX_CONTACT, "job", "Téléconseiller·ère francophone (saisie et appels)",
              "Répondre aux clients francophones par téléphone et par chat, saisir les demandes dans le CRM. "
              "Formation payée de deux semaines, horaires de jour.",
              ("data-entry", "typing"), area="TN-61", pay="950.000", currency="TND", starts_in=15,
              statuses=("placed", "declined")),
        Offer("subtitles", MEDINA, "freelance", "Sous-titrage français–arabe (mission à distance)",
              "Traduire et caler les sous-titres de trois courtes vidéos pour une association culturelle.",
              ("translation-fr-ar",), remote=True, pay="350.000", currency="TND", period="total", starts_in=7,
              weeks=4, statuses=("applied",)),
    ),
}

# --- information pages: title and text in each of the five languages ------------------------------------

RIGHTS_TITLE = {
    "en": "Know your rights as a migrant worker",
    "ar": "اعرف حقوقك كعامل مهاجر",
    "ru": "Знайте свои права трудового мигранта",
    "tg": "Ҳуқуқҳои худро ҳамчун муҳоҷири меҳнатӣ донед",
    "fr": "Connaître vos droits de travailleur migrant",
}
RIGHTS_BODY = {
    "en": "Keep your passport and ID with you. An employer has no right to hold them.\n"
          "Ask for a written contract in a language you understand, before you start: pay, hours, rest day.\n"
          "Register your stay and your work as the law of the country requires, and keep copies of every "
          "document, on paper and on your phone.\n"
          "Write down the hours you work and what you are paid.\n"
          "Save the numbers of your embassy and of a legal-aid organisation. Your coordinator can refer you to one "
          "for free.",
    "ar": "احتفظ بجواز سفرك وبطاقتك الشخصية معك دائماً. لا يحق لصاحب العمل أن يحتجزهما.\n"
          "اطلب عقداً مكتوباً بلغة تفهمها قبل أن تبدأ العمل: الأجر، وساعات العمل، ويوم الراحة.\n"
          "سجّل إقامتك وعملك كما يطلب قانون البلد، واحتفظ بنسخة من كل وثيقة على الورق وعلى هاتفك.\n"
          "دوّن ساعات عملك والمبالغ التي تقبضها.\n"
          "احفظ رقم سفارتك ورقم جهة تقدّم المساعدة القانونية. يمكن لمنسّقك أن يحيلك إلى إحداها مجاناً.",
    "ru": "Держите паспорт и документы при себе. Работодатель не имеет права их забирать.\n"
          "До начала работы попросите письменный договор на понятном вам языке: зарплата, часы, выходной день.\n"
          "Оформите регистрацию и разрешение на работу, как требует закон страны, и храните копии всех "
          "документов на бумаге и в телефоне.\n"
          "Записывайте, сколько часов вы работаете и сколько вам платят.\n"
          "Сохраните телефоны посольства и организации, которая даёт юридическую помощь. Координатор может "
          "бесплатно направить вас туда.",
    "tg": "Шиноснома ва ҳуҷҷатҳоятонро ҳамеша бо худ нигоҳ доред. Корфармо ҳақ надорад онҳоро гирад.\n"
          "Пеш аз оғози кор шартномаи хаттӣ ба забоне, ки мефаҳмед, талаб кунед: музд, соатҳои корӣ, рӯзи "
          "истироҳат.\n"
          "Бақайдгирӣ ва иҷозати корро тибқи қонуни кишвар ба расмият дароред ва нусхаи ҳамаи ҳуҷҷатҳоро дар "
          "коғаз ва дар телефон нигоҳ доред.\n"
          "Соатҳои кор ва маблағи гирифтаатонро нависед.\n"
          "Рақами сафорат ва ташкилоте, ки кӯмаки ҳуқуқӣ медиҳад, нигоҳ доред. Ҳамоҳангсоз метавонад шуморо "
          "ройгон ба он ҷо равон кунад.",
    "fr": "Gardez votre passeport et vos papiers sur vous. Un employeur n'a pas le droit de les garder.\n"
          "Avant de commencer, demandez un contrat écrit dans une langue que vous comprenez : salaire, horaires, "
          "jour de repos.\n"
          "Faites les démarches de séjour et de travail que la loi du pays exige, et gardez une copie de chaque "
          "document, sur papier et sur votre téléphone.\n"
          "Notez vos heures de travail et ce que vous êtes payé.\n"
          "Enregistrez le numéro de votre ambassade et d'une association d'aide juridique. Votre coordinateur peut "
          "vous orienter gratuitement vers l'une d'elles.",
}

WALLET_TITLE = {
    "en": "How to open a mobile wallet",
    "ar": "كيف تفتح محفظة إلكترونية",
    "ru": "Как открыть мобильный кошелёк",
    "tg": "Чӣ тавр ҳамёни мобилӣ кушодан мумкин аст",
    "fr": "Ouvrir un porte-monnaie mobile",
}
WALLET_BODY = {
    "en": "1. Go to an agent or a branch of a licensed wallet provider with your ID document (a refugee "
          "certificate is accepted by many providers; ask first).\n"
          "2. Use a phone number in your own name: your pay goes to the wallet of that number.\n"
          "3. Choose a PIN that nobody else knows. Never tell it to anyone, not even to staff or an agent.\n"
          "4. Send a small amount first to check that the wallet works.\n"
          "5. Add the wallet to Kasb as your payout method; your coordinator checks that the name matches yours.",
    "ar": "١. اذهب إلى وكيل أو فرع لمزوّد محافظ مرخّص ومعك وثيقة إثبات الشخصية (كثير من المزوّدين يقبلون "
          "شهادة اللجوء، اسأل أولاً).\n"
          "٢. استخدم رقم هاتف مسجّلاً باسمك: يصل أجرك إلى محفظة هذا الرقم.\n"
          "٣. اختر رقماً سرياً لا يعرفه أحد غيرك، ولا تخبر به أحداً، حتى الموظفين أو الوكيل.\n"
          "٤. جرّب تحويل مبلغ صغير أولاً لتتأكد أن المحفظة تعمل.\n"
          "٥. أضف المحفظة في كسب كطريقة لاستلام أجرك، ويتأكد منسّقك أن الاسم يطابق اسمك.",
    "ru": "1. Придите к агенту или в отделение лицензированного оператора с удостоверением личности.\n"
          "2. Используйте номер телефона, оформленный на вас: деньги придут на кошелёк этого номера.\n"
          "3. Придумайте PIN-код, который никто не знает. Никому его не сообщайте, даже сотрудникам и агентам.\n"
          "4. Сначала переведите небольшую сумму, чтобы проверить кошелёк.\n"
          "5. Добавьте кошелёк в Kasb как способ получения выплат; координатор проверит, что имя совпадает с вашим.",
    "tg": "1. Бо ҳуҷҷати шахсият ба агент ё филиали ширкати иҷозатномадор равед.\n"
          "2. Рақами телефонеро истифода баред, ки ба номи худатон аст: музд ба ҳамёни ҳамин рақам меояд.\n"
          "3. Рамзи PIN-ро интихоб кунед, ки ҳеҷ кас намедонад. Онро ба ҳеҷ кас, ҳатто ба кормандон, нагӯед.\n"
          "4. Аввал маблағи хурд фиристед, то бубинед, ки ҳамён кор мекунад.\n"
          "5. Ҳамёнро дар Kasb ҳамчун усули гирифтани музд илова кунед; ҳамоҳангсоз месанҷад, ки ном ба номи "
          "шумо мувофиқ аст.",
    "fr": "1. Allez chez un agent ou dans une agence d'un opérateur agréé avec une pièce d'identité.\n"
          "2. Utilisez un numéro de téléphone à votre nom : votre paiement arrive sur le porte-monnaie de ce "
          "numéro.\n"
          "3. Choisissez un code PIN que personne ne connaît. Ne le donnez jamais, même au personnel ou à un agent.\n"
          "4. Envoyez d'abord une petite somme pour vérifier que tout fonctionne.\n"
          "5. Ajoutez le porte-monnaie dans Kasb comme moyen de paiement ; votre coordinateur vérifie que le nom "
          "correspond au vôtre.",
}

SCAMS_TITLE = {
    "en": "Avoiding online job scams",
    "ar": "كيف تتجنب الاحتيال في عروض العمل عبر الإنترنت",
    "ru": "Как не попасться на мошенничество с работой в интернете",
    "tg": "Чӣ тавр аз қаллобӣ дар пешниҳодҳои кори интернетӣ эмин бошем",
    "fr": "Éviter les arnaques à l'emploi en ligne",
}
SCAMS_BODY = {
    "en": "A real employer never asks you to pay to get a job, a training or a visa.\n"
          "Nobody needs your wallet PIN, your password or a code sent to your phone. Never share them.\n"
          "Be careful with pay that is much higher than usual for easy work, or an offer you did not apply for.\n"
          "Check the employer: a real address, a phone number that answers, a name you can find.\n"
          "Opportunities on Kasb come from employers your programme knows. If in doubt, ask your coordinator "
          "before you answer.",
    "ar": "صاحب العمل الحقيقي لا يطلب منك أبداً أن تدفع مالاً مقابل وظيفة أو تدريب أو تأشيرة.\n"
          "لا أحد يحتاج إلى الرقم السري لمحفظتك أو كلمة مرورك أو الرمز الذي يصل إلى هاتفك. لا تشاركها أبداً.\n"
          "احذر من أجر أعلى بكثير من المعتاد مقابل عمل سهل، أو من عرض لم تتقدّم إليه.\n"
          "تحقّق من صاحب العمل: عنوان حقيقي، ورقم هاتف يجيب، واسم تستطيع أن تجده.\n"
          "الفرص على كسب تأتي من أصحاب عمل يعرفهم برنامجك. إذا شككت في عرض، اسأل منسّقك قبل أن تردّ.",
    "ru": "Настоящий работодатель никогда не просит заплатить за работу, обучение или визу.\n"
          "Никому не нужен PIN-код вашего кошелька, пароль или код из SMS. Никогда их не сообщайте.\n"
          "Будьте осторожны, если за простую работу обещают намного больше обычного или предлагают работу, "
          "на которую вы не откликались.\n"
          "Проверьте работодателя: настоящий адрес, телефон, который отвечает, название, которое можно найти.\n"
          "Вакансии в Kasb публикуют работодатели, которых знает ваша программа. Если сомневаетесь, спросите "
          "координатора, прежде чем отвечать.",
    "tg": "Корфармои ҳақиқӣ ҳеҷ гоҳ барои кор, омӯзиш ё раводид аз шумо пул намепурсад.\n"
          "Ба ҳеҷ кас рамзи PIN-и ҳамён, парол ё рамзе, ки ба телефонатон меояд, лозим нест. Онҳоро ба касе "
          "нагӯед.\n"
          "Агар барои кори осон музди хеле баланд ваъда диҳанд ё коре пешниҳод кунанд, ки шумо барояш ариза "
          "надодаед, эҳтиёт шавед.\n"
          "Корфарморо санҷед: суроғаи ҳақиқӣ, телефоне, ки ҷавоб медиҳад, номе, ки пайдо кардан мумкин аст.\n"
          "Имкониятҳо дар Kasb аз корфармоёне меоянд, ки барномаи шумо мешиносад. Агар шубҳа дошта бошед, пеш аз "
          "ҷавоб додан аз ҳамоҳангсоз пурсед.",
    "fr": "Un vrai employeur ne vous demande jamais de payer pour un emploi, une formation ou un visa.\n"
          "Personne n'a besoin du code PIN de votre porte-monnaie, de votre mot de passe ou d'un code reçu par "
          "SMS. Ne les donnez jamais.\n"
          "Méfiez-vous d'un salaire bien plus élevé que d'habitude pour un travail facile, ou d'une offre à "
          "laquelle vous n'avez pas postulé.\n"
          "Vérifiez l'employeur : une vraie adresse, un numéro qui répond, un nom que l'on peut retrouver.\n"
          "Les offres sur Kasb viennent d'employeurs que votre programme connaît. En cas de doute, demandez à "
          "votre coordinateur avant de répondre.",
}

PAGES = (("know-your-rights", RIGHTS_TITLE, RIGHTS_BODY), ("mobile-wallet", WALLET_TITLE, WALLET_BODY),
         ("job-scams", SCAMS_TITLE, SCAMS_BODY))

# --- what graduates write in the employability survey ---------------------------------------------------

SUGGESTIONS = (
    "أتمنى لو كانت هناك جلسات عملية أكثر على الحاسوب، وأقل من الشرح النظري.",
    "المواصلات إلى المركز صعبة في الشتاء. ساعدوا بالمواصلات أو بجلسات عبر الإنترنت.",
    "دورة قصيرة في اللغة الإنجليزية للعمل ستفيدنا كثيراً.",
    "More practice with real tasks from clients before the course ends.",
    "الإنترنت في المخيم ضعيف، نحتاج إلى وقت أطول في مختبر الحاسوب.",
)
