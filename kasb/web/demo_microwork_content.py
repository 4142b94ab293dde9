"""What the demo's microwork projects are about: instructions, task data and the right answers, in the
languages of each country. Nothing here touches the database; kasb.web.demo_microwork posts it.

Each generator returns `Item`s: one task (the client's id, its data) and its right answer, which the
demo's workers give (or get wrong on purpose, for QA to reject). The content is made up but plausible:
Jordanian pharmacy receipts and hotline calls in Arabic, loan forms and customer comments of a bank,
guesthouse listings in Russian and Tajik, app reviews, French film subtitles, a survey in Tunis.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .demo_data import NATIONS


@dataclass(frozen=True)
class Item:
    external_id: str
    data: dict[str, Any]
    answer: dict[str, Any]      # the right answer, as a worker types it
    media: str = ""             # the name of the media file uploaded with the task


# --- a silent recording (the demo ships no one's voice) --------------------------------------------

def silent_wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A valid mono 8-bit WAV file of silence."""
    frames = int(seconds * rate)
    header = (b"RIFF" + (36 + frames).to_bytes(4, "little") + b"WAVEfmt " + (16).to_bytes(4, "little")
              + (1).to_bytes(2, "little") + (1).to_bytes(2, "little") + rate.to_bytes(4, "little")
              + rate.to_bytes(4, "little") + (1).to_bytes(2, "little") + (8).to_bytes(2, "little")
              + b"data" + frames.to_bytes(4, "little"))
    return header + b"\x80" * frames


# --- Jordan: pharmacy receipts (Souq Al-Balad Retail) ------------------------------------------------

PHARMACIES = ("صيدلية الشفاء", "صيدلية النهضة", "صيدلية الحياة", "صيدلية ابن سينا", "صيدلية الرازي",
              "صيدلية دار الدواء", "صيدلية الأمل", "صيدلية البلد")
TOWNS = ("عمّان - وسط البلد", "عمّان - ماركا", "الزرقاء", "إربد", "المفرق", "الرصيفة")
MEDICINES = (("بنادول 500 ملغ", "1.850"), ("فيتامين د 1000 وحدة", "4.200"), ("شراب سعال للأطفال", "2.750"),
             ("مرهم فيوسيدين", "3.100"), ("كمامات طبية (10 قطع)", "1.000"), ("أوميبرازول 20 ملغ", "5.400"),
             ("ضمادات لاصقة", "0.900"), ("محلول إرواء فموي", "0.650"), ("حليب أطفال (400 غ)", "6.300"))


def receipts(rng: random.Random, first: int, count: int, today: date) -> list[Item]:
    items = []
    for n in range(first, first + count):
        pharmacy, town = rng.choice(PHARMACIES), rng.choice(TOWNS)
        day = today - timedelta(days=rng.randint(20, 120))
        lines = rng.sample(MEDICINES, rng.randint(1, 3))
        quantities = [rng.randint(1, 3) for _ in lines]
        total = sum((Decimal(price) * q for (_name, price), q in zip(lines, quantities, strict=True)), Decimal(0))
        body = "\n".join(f"{name} × {q}    {Decimal(price) * q}" for (name, price), q
                         in zip(lines, quantities, strict=True))
        faded = n % 23 == 0
        total_line = "المجموع: (الحبر باهت، لا يُقرأ)" if faded else f"المجموع: {total} د.أ"
        text = (f"{pharmacy} - {town}\nفاتورة نقدية رقم {n}\nالتاريخ: {day:%d/%m/%Y}\n{body}\n{total_line}")
        answer = ({"supplier": pharmacy, "document_date": day.isoformat(), "readable": "no"} if faded else
                  {"supplier": pharmacy, "document_date": day.isoformat(), "total": str(total), "readable": "yes"})
        items.append(Item(f"RX-{n}", {"receipt": text}, answer))
    return items


# --- Jordan: hotline calls (Jordan Relief Data Network) ----------------------------------------------

CALLS = (
    ("السلام عليكم، أنا من مخيم الزعتري، بدي أسأل إيمتى بيوزعوا القسائم الغذائية هالشهر.", "food"),
    ("مرحبا، بطاقة المساعدة النقدية تبعتي ما اشتغلت على الصراف، شو لازم أعمل؟", "cash"),
    ("ابني عنده حرارة من يومين، وين أقرب عيادة بتستقبل بدون موعد بالمفرق؟", "health"),
    ("صاحب البيت طالب منا نطلع آخر الشهر، هل في مساعدة بالإيجار؟", "shelter"),
    ("بدي أجدد شهادة التسجيل، انتهت الشهر الماضي، وين بروح؟", "registration"),
    ("سمعت إنه في تدريب على الكمبيوتر بمركز مكاني، كيف بسجل بنتي؟", "other"),
    ("وصلتني رسالة إنه المساعدة انقطعت، بس وضعنا ما تغير، كيف بقدم اعتراض؟", "cash"),
    ("الميّ مقطوعة عنا بالقطاع الثامن من ثلاث أيام.", "shelter"),
    ("بدي موعد لأمي عند طبيب السكري، الدوا خلص.", "health"),
    ("كيف بضيف المولود الجديد على ملف العائلة؟", "registration"),
    ("الطرد الغذائي ناقص زيت ورز هالمرة.", "food"),
    ("بشتغل مياومة وما معي ورقة عمل، هل في طريقة أطلع تصريح؟", "other"),
)
QUALITY = ("clear", "clear", "clear", "noisy")


def hotline_calls(rng: random.Random, first: int, count: int) -> list[Item]:
    items = []
    for n in range(first, first + count):
        text, _topic = CALLS[n % len(CALLS)]
        seconds = rng.randint(25, 70)
        items.append(Item(f"CALL-{n}", {"call": f"مكالمة رقم {n} على الخط الساخن، {seconds} ثانية"},
                          {"transcript": text, "audio_quality": rng.choice(QUALITY)}, media="hotline-call.wav"))
    return items


def call_topics(rng: random.Random, first: int, count: int) -> list[Item]:
    """Short notes of hotline calls, to be sorted by topic (the project paused for repricing)."""
    items = []
    for n in range(first, first + count):
        text, topic = CALLS[n % len(CALLS)]
        items.append(Item(f"TOPIC-{n}", {"text": text, "call": str(n)}, {"topic": topic}))
    return items


TOPIC_FORM = [{"name": "topic", "label": "Topic of the call", "type": "single_choice",
               "choices": ["food", "cash", "health", "shelter", "registration", "other"]}]


# --- Jordan: Petra Commercial Bank -------------------------------------------------------------------

PURPOSES = (("شراء سيارة", "car"), ("ترميم المنزل", "home"), ("رسوم جامعية", "education"),
            ("توسيع مشروع صغير", "business"), ("علاج طبي", "medical"))
LOAN_FORM = [
    {"name": "applicant_name", "label": "Applicant's name", "type": "text", "max_length": 200},
    {"name": "amount", "label": "Amount asked for (JOD)", "type": "number", "min": 0},
    {"name": "purpose", "label": "Purpose of the loan", "type": "single_choice",
     "choices": ["car", "home", "education", "business", "medical", "other"]},
    {"name": "signed", "label": "The form is signed", "type": "yes_no"},
]


def loan_forms(rng: random.Random, first: int, count: int) -> list[Item]:
    jordan = NATIONS["JO"]
    items = []
    for n in range(first, first + count):
        name = f"{rng.choice(jordan.female + jordan.male)} {rng.choice(jordan.family)}"
        amount = rng.choice((1500, 2000, 3500, 5000, 7500, 12000))
        purpose_ar, purpose = rng.choice(PURPOSES)
        signed = n % 11 != 0
        text = (f"بنك البتراء التجاري - طلب قرض شخصي رقم {n}\nاسم مقدم الطلب: {name}\nالمبلغ المطلوب: {amount} دينار\n"
                f"الغرض من القرض: {purpose_ar}\nتوقيع مقدم الطلب: {'موجود' if signed else 'غير موجود'}")
        items.append(Item(f"LOAN-{n}", {"form": text},
                          {"applicant_name": name, "amount": str(amount), "purpose": purpose,
                           "signed": "yes" if signed else "no"}))
    return items


FEEDBACK = (
    ("الموظفة في فرع الشميساني كانت لطيفة جداً وخلصت معاملتي بعشر دقائق.", "positive"),
    ("التطبيق بيعلق كل ما أحاول أحول مصاري، صار لي أسبوع.", "negative"),
    ("فتحت حساب توفير، الإجراءات عادية.", "neutral"),
    ("الصراف الآلي بفرع الزرقاء معطل من يومين وما حدا رد على الشكوى.", "negative"),
    ("شكراً على خدمة الرسائل القصيرة، بتوصلني فوراً بعد كل عملية.", "positive"),
    ("سألت عن القرض السكني وقالولي أرجع الأسبوع الجاي.", "neutral"),
    ("الانتظار بالفرع ساعة كاملة، لازم تزيدوا الموظفين.", "negative"),
    ("الخدمة الجديدة لدفع الفواتير من التطبيق ممتازة وسهلة.", "positive"),
    ("غيرت رقم هاتفي بالفرع.", "neutral"),
    ("الموظف ما شرح لي العمولات، تفاجأت فيها بكشف الحساب.", "negative"),
    ("مكان الفرع مناسب وفي موقف سيارات.", "positive"),
    ("استلمت البطاقة الجديدة بعد أسبوعين كما قالوا.", "neutral"),
)
BRANCHES = ("الشميساني", "وسط البلد", "الزرقاء", "إربد", "المفرق", "العقبة", "جبل الحسين", "ماركا")


def customer_feedback(rng: random.Random, first: int, count: int) -> list[Item]:
    items = []
    for n in range(first, first + count):
        text, label = FEEDBACK[n % len(FEEDBACK)]
        items.append(Item(f"FB-{n}", {"text": text, "branch": rng.choice(BRANCHES), "form_id": str(n)},
                          {"label": label}))
    return items


LETTERS = (
    ("أرجو إلغاء البطاقة الائتمانية المنتهية بالرقم 4417 لأنها فُقدت يوم الخميس الماضي.",
     "Please cancel the credit card ending in 4417, as it was lost last Thursday."),
    ("أود الاستفسار عن سبب خصم مبلغ 15 ديناراً من حسابي بتاريخ 3 تشرين الأول.",
     "I would like to ask why 15 dinars were deducted from my account on 3 October."),
    ("أطلب تأجيل قسط القرض لشهر واحد بسبب دخولي المستشفى.",
     "I request that my loan instalment be postponed by one month because I was admitted to hospital."),
    ("نرجو تزويدنا بكشف حساب للشركة عن الأشهر الستة الماضية باللغة الإنجليزية.",
     "Please send us the company's account statement for the last six months in English."),
    ("لم تصلني الحوالة المرسلة من أخي في ألمانيا رغم مرور أسبوع.",
     "The transfer my brother sent from Germany has not reached me, although a week has passed."),
    ("أشكر موظفي فرع إربد على مساعدتي في فتح حساب لابنتي.",
     "I thank the staff of the Irbid branch for helping me open an account for my daughter."),
    ("أرغب في تغيير عنوان المراسلة إلى عمّان، جبل اللويبدة، شارع 12.",
     "I would like to change my mailing address to Amman, Jabal Al-Weibdeh, Street 12."),
    ("هل يمكن فتح حساب جارٍ بوثيقة المفوضية بدلاً من جواز السفر؟",
     "Can a current account be opened with a UNHCR document instead of a passport?"),
    ("تم سحب مبلغ 200 دينار من الصراف دون أن أستلم النقود.",
     "200 dinars were withdrawn at the cash machine but I did not receive the money."),
    ("أطلب شهادة براءة ذمة لتقديمها إلى السفارة.",
     "I request a clearance certificate to present to the embassy."),
    ("نود معرفة شروط التمويل للمشاريع الصغيرة التي تديرها النساء.",
     "We would like to know the conditions for financing small businesses run by women."),
    ("أرجو إيقاف الرسائل الترويجية على رقم هاتفي.",
     "Please stop the promotional messages to my phone number."),
    ("فقدت دفتر الشيكات وأطلب إيقاف الشيكات من 1040 إلى 1065.",
     "I lost my cheque book and ask you to stop cheques 1040 to 1065."),
    ("أريد رفع سقف التحويل اليومي في التطبيق إلى 1000 دينار.",
     "I want to raise the daily transfer limit in the app to 1,000 dinars."),
)


def letters(rng: random.Random, first: int, count: int) -> list[Item]:
    items = []
    for offset, n in enumerate(range(first, first + count)):
        arabic, english = LETTERS[offset % len(LETTERS)]
        items.append(Item(f"LTR-{n}", {"text": arabic, "letter": str(n)},
                          {"translation": english, "unsure": "no"}))
    return items


BRANCH_SITES = ("فرع الشميساني", "فرع وسط البلد", "فرع الزرقاء الجديدة", "فرع إربد - شارع الجامعة", "فرع المفرق",
                "فرع العقبة", "فرع جبل الحسين", "فرع ماركا الشمالية")


def branch_survey(first: int) -> list[Item]:
    return [Item(f"SITE-{first + n}", {"site": site}, {}) for n, site in enumerate(BRANCH_SITES)]


# --- Tajikistan ---------------------------------------------------------------------------------------

GUESTHOUSES = ("Памир", "Бахор", "Ситора", "Шоҳдара", "Ваҳон", "Рушан", "Мушкин", "Лаъл")
VILLAGES = (("в Хороге", "дар Хоруғ"), ("в Ишкашиме", "дар Ишкошим"), ("в Лянгаре", "дар Лангар"),
            ("в Мургабе", "дар Мурғоб"), ("в Рошткале", "дар Роштқалъа"), ("в Вранге", "дар Вранг"))
FEATURES = (("горячая вода и завтрак включены", "оби гарм ва наҳорӣ дохил аст"),
            ("вид на реку Пяндж", "манзара ба дарёи Панҷ"),
            ("хозяйка готовит ужин по заказу", "соҳибхона бо фармоиш хӯроки шом мепазад"),
            ("есть горячий источник рядом", "дар наздикӣ чашмаи гарм ҳаст"),
            ("гид по горам по договорённости", "роҳбалад ба кӯҳҳо бо созиш"))


def listings(rng: random.Random, first: int, count: int) -> list[Item]:
    items = []
    for n in range(first, first + count):
        name = GUESTHOUSES[n % len(GUESTHOUSES)]
        (village_ru, village_tg), (feature_ru, feature_tg) = VILLAGES[n % len(VILLAGES)], rng.choice(FEATURES)
        rooms = rng.randint(2, 6)
        items.append(Item(f"GH-{n}", {"text": f"Гостевой дом «{name}» {village_ru}: комнат — {rooms}, {feature_ru}.",
                                            "listing": str(n)},
                          {"translation": f"Меҳмонхонаи «{name}» {village_tg}: {rooms} ҳуҷра, {feature_tg}.",
                           "unsure": "no"}))
    return items


REVIEWS = (
    ("Клавиатура удобная, наконец-то есть все таджикские буквы.", "positive"),
    ("Барнома хеле хуб, ҳарфҳои тоҷикӣ ҳама ҳастанд.", "positive"),
    ("После обновления приложение вылетает при запуске.", "negative"),
    ("Пешгӯии калимаҳо баъзан хато мекунад.", "negative"),
    ("Нормально, ничего особенного.", "neutral"),
    ("Барои кор бо WhatsApp истифода мебарам.", "neutral"),
    ("Очень медленно работает на старом телефоне.", "negative"),
    ("Раҳмат ба тартибдиҳандагон, ройгон ва бе реклама!", "positive"),
    ("Поставил вчера, пока пробую.", "neutral"),
    ("Словарь не знает названий наших кишлаков.", "negative"),
)
DEVICES = ("Redmi 9A", "Samsung A12", "Tecno Spark 8", "Redmi Note 11", "Samsung A03", "Honor X6")


def app_reviews(rng: random.Random, first: int, count: int) -> list[Item]:
    return [Item(f"REV-{n}", {"text": REVIEWS[n % len(REVIEWS)][0], "device": rng.choice(DEVICES),
                              "review_id": str(n)}, {"label": REVIEWS[n % len(REVIEWS)][1]})
            for n in range(first, first + count)]


# --- Tunisia --------------------------------------------------------------------------------------------

SUBTITLES = (  # Tunisian Arabic as the actors speak it, and the subtitle in standard Arabic
    ("شنوّة باش تعمل غدوة؟", "ماذا ستفعل غداً؟"),
    ("نستنّاك قدّام المحطة.", "سأنتظرك أمام المحطة."),
    ("ما عادش عندنا خبز، تنجم تشري؟", "لم يعد لدينا خبز، هل يمكنك أن تشتري؟"),
    ("موش مشكل، نعاودو غدوة.", "لا بأس، سنعيد المحاولة غداً."),
    ("أمّي كلّمتني ثلاثة مرات اليوم.", "اتصلت بي أمي ثلاث مرات اليوم."),
    ("المطر تصبّ من الصباح على تونس.", "إنها تمطر على تونس منذ الصباح."),
    ("سكّر الشبّاك، الدنيا باردة.", "أغلق النافذة، الجو بارد."),
    ("شفت الماتش البارح؟", "هل شاهدت المباراة البارحة؟"),
    ("ما نعرفش آش نقلّو.", "لا أعرف ماذا أقول له."),
    ("الكار مازال متأخّر.", "الحافلة متأخرة مرة أخرى."),
    ("نتلاقاو السبت عند أميرة.", "نلتقي يوم السبت عند أميرة."),
    ("يعيشك على كل شي عملتو.", "شكراً على كل ما فعلته."),
)


def subtitles(rng: random.Random, first: int, count: int) -> list[Item]:
    items = []
    for n in range(first, first + count):
        french, arabic = SUBTITLES[n % len(SUBTITLES)]
        minute, second = rng.randint(0, 88), rng.randint(0, 59)
        items.append(Item(f"SUB-{n}", {"text": french, "clip": f"Episode {1 + n % 6}, {minute:02d}:{second:02d}",
                                                  "line": str(n)},
                          {"translation": arabic, "unsure": "no"}))
    return items


SITES = ("Centre de santé de base", "Épicerie solidaire", "École primaire", "Maison des jeunes",
         "Bureau d'aide juridique", "Point d'eau municipal", "Centre d'écoute pour femmes")
QUARTERS = ("Cité Ettadhamen", "La Marsa", "Ariana Ville", "Bab El Bhar", "El Menzah", "Le Kram", "Den Den")
SERVICES = {"Centre de santé de base": ["health"], "Épicerie solidaire": ["food"], "École primaire": ["education"],
            "Maison des jeunes": ["education", "other"], "Bureau d'aide juridique": ["other"],
            "Point d'eau municipal": ["water"], "Centre d'écoute pour femmes": ["health", "other"]}
NOTES = ("Accueil en arabe et en français ; pas de rampe d'accès.", "Ouvert le matin seulement, file d'attente longue.",
         "Le personnel connaît les cartes du HCR.", "Fermé pour travaux jusqu'à la fin du mois.")


def sites(rng: random.Random, first: int, count: int, today: date) -> list[Item]:
    items = []
    for offset, n in enumerate(range(first, first + count)):
        site = SITES[offset % len(SITES)]
        quarter = QUARTERS[(offset // len(SITES)) % len(QUARTERS)]
        is_open = rng.random() > 0.12
        items.append(Item(f"SITE-{n}", {"site": f"{site}, {quarter}", "site_id": str(n)},
                          {"visited_on": (today - timedelta(days=rng.randint(1, 20))).isoformat(),
                           "open": "yes" if is_open else "no", "services": SERVICES[site] if is_open else [],
                           "notes": rng.choice(NOTES)}))
    return items


# --- projects just posted: published and waiting for workers, or drafts -------------------------------

SHOP_REVIEWS = (
    ("وصل الطلب بسرعة والتغليف ممتاز.", "positive"),
    ("المقاس أصغر من المكتوب، ورجّعته.", "negative"),
    ("المنتج مثل الصورة.", "neutral"),
    ("خدمة العملاء ردّوا عليّ بنفس اليوم، شكراً.", "positive"),
    ("التوصيل تأخر أسبوع عن الموعد.", "negative"),
    ("السعر مناسب مقارنة بالسوق.", "positive"),
    ("طلبت لونين ووصلني لون واحد.", "negative"),
    ("استلمت الطلب اليوم.", "neutral"),
)


def shop_reviews(first: int) -> list[Item]:
    return [Item(f"SHOP-{first + n}", {"text": text, "order": str(first + n)}, {"label": label})
            for n, (text, label) in enumerate(SHOP_REVIEWS)]


VOICE_NOTES = ("Салом, ман фардо соати даҳ ба Хоруғ меоям.", "Лутфан нархи роҳкиро то Ишкошим гӯед.",
               "Барномаи клавиатура ҳарфи «ҷ»-ро нишон намедиҳад.", "Ман мехоҳам ба курси компютер сабти ном шавам.",
               "Меҳмонхона барои се нафар ҷой дорад?", "Раҳмат, ҳама чиз хуб аст.")


def voice_notes(first: int) -> list[Item]:
    return [Item(f"VOICE-{first + n}", {"note": f"Овоз № {first + n}"}, {"transcript": text, "audio_quality": "clear"},
                 media="voice-note.wav") for n, text in enumerate(VOICE_NOTES)]


HOMESTAYS = ("Меҳмонхонаи «Помир», Хоруғ", "Меҳмонхонаи «Бахор», Ишкошим", "Меҳмонхонаи «Ситора», Лангар",
             "Меҳмонхонаи «Лаъл», Вранг", "Меҳмонхонаи «Рушан», Рушон")


def homestays(first: int) -> list[Item]:
    return [Item(f"HS-{first + n}", {"site": site}, {}) for n, site in enumerate(HOMESTAYS)]


FRENCH_SUBTITLES = (
    ("Tu rentres à quelle heure ce soir ?", "في أي ساعة سترجع الليلة؟"),
    ("Je t'attendrai devant la gare.", "سأنتظرك أمام المحطة."),
    ("Ce n'est pas grave, on recommencera demain.", "لا بأس، سنبدأ من جديد غداً."),
    ("Ferme la fenêtre, il fait froid.", "أغلق النافذة، الجو بارد."),
    ("Le bus est encore en retard.", "الحافلة متأخرة مرة أخرى."),
    ("Merci pour tout ce que tu as fait.", "شكراً على كل ما فعلته."),
)


def french_subtitles(first: int) -> list[Item]:
    return [Item(f"FR-{first + n}", {"text": french, "line": str(first + n)}, {"translation": arabic, "unsure": "no"})
            for n, (french, arabic) in enumerate(FRENCH_SUBTITLES)]


CONTACTS = (("fatoumata DIALLO", "+216 20 123 456", "ariana"), ("Kouassi yao", "0021655987654", "la marsa"),
            ("ben salah amira", "98 765 432", "tunis"), ("Hawa Adam", "+21629111222", "Médenine"),
            ("KONE Ibrahim", "0021650333444", "sfax ville"), ("fatoumata diallo", "20123456", "Ariana"))


def contacts(first: int) -> list[Item]:
    return [Item(f"CT-{first + n}", {"name": name, "phone": phone, "town": town}, {})
            for n, (name, phone, town) in enumerate(CONTACTS)]


PRODUCTS = (("أرز بسمتي 5 كغ", "6.250"), ("زيت زيتون 1 لتر", "5.900"), ("سكر 2 كغ", "1.300"),
            ("عدس أحمر 1 كغ", "1.150"), ("شاي 400 غ", "2.750"), ("حليب بودرة 900 غ", "4.600"),
            ("معكرونة 500 غ", "0.450"), ("تونة 160 غ", "1.050"))
PRICE_TAG_FORM = [{"name": "product", "label": "Product as on the tag", "type": "text", "max_length": 200},
                  {"name": "price", "label": "Price (JOD)", "type": "number", "min": 0}]


def price_tags(first: int) -> list[Item]:
    return [Item(f"TAG-{first + n}", {"tag": f"رف {1 + n} - {product} - السعر {price} د.أ"},
                 {"product": product, "price": price}) for n, (product, price) in enumerate(PRODUCTS)]
