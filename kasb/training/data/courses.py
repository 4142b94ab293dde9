"""The course catalogue from the seed programmes, in the five languages.

B.O.T. (Jordan): basic digital skills with e-wallet and microwork modules, then the advanced track
(microwork with work ethics and fintech, web development, graphic design and social media, call centre
and telemarketing, mobile apps). GoMyCode (Tunisia): web and full-stack development. Pamir hub
(Tajikistan): digital accounting. ILO/UNDP Rasht valley (Tajikistan): beekeeping, construction,
welding, and Start and Improve Your Business for women.

Each entry has the shape `services.courses.create_course` takes: skills are taxonomy codes
(kasb/skills/taxonomy.py) with the level the course brings a learner to (1 basic, 2 intermediate,
3 advanced); a module's hours add up to the course's duration.
"""

from __future__ import annotations

from typing import Any


def _t(en: str, ar: str, ru: str, tg: str, fr: str) -> dict[str, str]:
    return {"en": en, "ar": ar, "ru": ru, "tg": tg, "fr": fr}


def _m(title: dict[str, str], hours: int, assessed: bool = True, pass_mark: int = 60) -> dict[str, Any]:
    return {"title": title, "hours": hours, "has_assessment": assessed, "pass_mark_percent": pass_mark}


COURSES: list[dict[str, Any]] = [
    {
        "code": "basic-digital-skills",
        "title": _t("Basic digital skills", "المهارات الرقمية الأساسية", "Базовые цифровые навыки",
                    "Малакаҳои асосии рақамӣ", "Compétences numériques de base"),
        "description": _t(
            "Using a computer, office tools, the internet and an e-wallet, with a first taste of microwork.",
            "استخدام الحاسوب وأدوات المكتب والإنترنت والمحفظة الإلكترونية، مع مدخل إلى العمل الرقمي المصغّر.",
            "Работа с компьютером, офисные программы, интернет и электронный кошелёк, первое знакомство "
            "с микроработой.",
            "Истифодаи компютер, барномаҳои офисӣ, интернет ва ҳамёни электронӣ, бо шиносоии аввалин бо "
            "микрокор.",
            "Utiliser un ordinateur, les outils bureautiques, internet et un porte-monnaie électronique, "
            "avec une première approche du microtravail."),
        "modality": "blended",
        "min_attendance_percent": 80,
        "requires_assessments": True,
        "modules": [
            _m(_t("Using a computer: files and folders", "استخدام الحاسوب: الملفات والمجلدات",
                  "Работа с компьютером: файлы и папки", "Истифодаи компютер: файлҳо ва ҷузвдонҳо",
                  "Utiliser un ordinateur : fichiers et dossiers"), 16),
            _m(_t("Office tools: documents and spreadsheets", "أدوات المكتب: المستندات وجداول البيانات",
                  "Офисные программы: документы и таблицы", "Барномаҳои офисӣ: ҳуҷҷатҳо ва ҷадвалҳо",
                  "Outils bureautiques : documents et tableurs"), 20),
            _m(_t("The internet, e-mail and staying safe online", "الإنترنت والبريد الإلكتروني والأمان على الشبكة",
                  "Интернет, электронная почта и безопасность в сети",
                  "Интернет, почтаи электронӣ ва бехатарӣ дар шабака",
                  "Internet, courrier électronique et sécurité en ligne"), 12),
            _m(_t("E-wallets and digital payments", "المحافظ الإلكترونية والدفع الرقمي",
                  "Электронные кошельки и цифровые платежи", "Ҳамёнҳои электронӣ ва пардохтҳои рақамӣ",
                  "Porte-monnaie électroniques et paiements numériques"), 6),
            _m(_t("Introduction to microwork", "مدخل إلى العمل الرقمي المصغّر", "Введение в микроработу",
                  "Муқаддима ба микрокор", "Introduction au microtravail"), 10),
        ],
        "skills": [("computer-basics", 1), ("files-folders", 1), ("office-documents", 1), ("spreadsheets", 1),
                   ("email", 1), ("internet-safety", 1), ("e-wallet", 1), ("typing", 1), ("data-entry", 1)],
    },
    {
        "code": "microwork",
        "title": _t("Microwork", "العمل الرقمي المصغّر", "Микроработа", "Микрокор", "Microtravail"),
        "description": _t(
            "The tasks companies and NGOs post: data entry, transcription, data collection and labelling, "
            "with work ethics and getting paid.",
            "المهام التي تنشرها الشركات والمنظمات: إدخال البيانات وتفريغ التسجيلات وجمع البيانات وتصنيفها، "
            "مع أخلاقيات العمل وكيفية تلقي الأجر.",
            "Задания компаний и НКО: ввод данных, транскрибирование, сбор и разметка данных, этика работы "
            "и получение оплаты.",
            "Супоришҳои ширкатҳо ва ТҒД: воридкунии маълумот, транскрипсия, ҷамъоварӣ ва тамғагузории "
            "маълумот, одоби кор ва гирифтани музд.",
            "Les tâches publiées par les entreprises et les ONG : saisie, transcription, collecte et "
            "étiquetage de données, avec l'éthique du travail et la façon d'être payé."),
        "modality": "blended",
        "min_attendance_percent": 80,
        "requires_assessments": True,
        "modules": [
            _m(_t("How microwork and the platform work", "كيف يعمل العمل المصغّر والمنصة",
                  "Как устроены микроработа и платформа", "Микрокор ва платформа чӣ тавр кор мекунанд",
                  "Le microtravail et la plateforme"), 4, assessed=False),
            _m(_t("Data entry and transcription", "إدخال البيانات وتفريغ التسجيلات", "Ввод данных и транскрибирование",
                  "Воридкунии маълумот ва транскрипсия", "Saisie de données et transcription"), 12, pass_mark=70),
            _m(_t("Data collection, classification and labelling", "جمع البيانات وتصنيفها ووضع التسميات",
                  "Сбор, классификация и разметка данных", "Ҷамъоварӣ, таснифот ва тамғагузории маълумот",
                  "Collecte, classification et étiquetage de données"), 10, pass_mark=70),
            _m(_t("Work ethics for online work", "أخلاقيات العمل عبر الإنترنت", "Этика онлайн-работы",
                  "Одоби кори онлайн", "Éthique du travail en ligne"), 4),
            _m(_t("Fintech: wallets, payouts and your earnings", "التكنولوجيا المالية: المحافظ والدفعات وأرباحك",
                  "Финтех: кошельки, выплаты и ваш заработок", "Финтех: ҳамёнҳо, пардохтҳо ва даромади шумо",
                  "Fintech : porte-monnaie, versements et revenus"), 4),
        ],
        "skills": [("data-entry", 2), ("transcription", 1), ("data-collection", 1), ("labelling", 1),
                   ("work-ethics", 2), ("e-wallet", 2)],
    },
    {
        "code": "web-development",
        "title": _t("Web development", "تطوير المواقع", "Веб-разработка", "Таҳияи веб", "Développement web"),
        "description": _t(
            "Your first website with HTML and CSS, GitHub, and the basics of JavaScript.",
            "موقعك الأول باستخدام HTML وCSS وGitHub وأساسيات JavaScript.",
            "Ваш первый сайт на HTML и CSS, GitHub и основы JavaScript.",
            "Сомонаи аввалини шумо бо HTML ва CSS, GitHub ва асосҳои JavaScript.",
            "Votre premier site en HTML et CSS, GitHub et les bases de JavaScript."),
        "modality": "blended",
        "min_attendance_percent": 80,
        "requires_assessments": True,
        "modules": [
            _m(_t("HTML and CSS", "HTML وCSS", "HTML и CSS", "HTML ва CSS", "HTML et CSS"), 40),
            _m(_t("Git and GitHub", "Git وGitHub", "Git и GitHub", "Git ва GitHub", "Git et GitHub"), 12),
            _m(_t("JavaScript basics", "أساسيات JavaScript", "Основы JavaScript", "Асосҳои JavaScript",
                  "Les bases de JavaScript"), 40),
            _m(_t("Project: your first website", "مشروع: موقعك الأول", "Проект: ваш первый сайт",
                  "Лоиҳа: сомонаи аввалини шумо", "Projet : votre premier site"), 28),
        ],
        "skills": [("web-development", 2)],
    },
    {
        "code": "full-stack-development",
        "title": _t("Full-stack development", "التطوير الشامل (Full-stack)", "Full-stack разработка",
                    "Таҳияи full-stack", "Développement full-stack"),
        "description": _t(
            "Front end and back end: React, Node.js and Express, databases and algorithms (the MERN stack).",
            "الواجهة الأمامية والخلفية: React وNode.js وExpress وقواعد البيانات والخوارزميات (MERN).",
            "Фронтенд и бэкенд: React, Node.js и Express, базы данных и алгоритмы (стек MERN).",
            "Фронтенд ва бэкенд: React, Node.js ва Express, пойгоҳҳои маълумот ва алгоритмҳо (MERN).",
            "Front-end et back-end : React, Node.js et Express, bases de données et algorithmes (MERN)."),
        "modality": "blended",
        "min_attendance_percent": 80,
        "requires_assessments": True,
        "modules": [
            _m(_t("Front end with React", "الواجهة الأمامية باستخدام React", "Фронтенд на React",
                  "Фронтенд бо React", "Front-end avec React"), 60),
            _m(_t("Back end with Node.js and Express", "الواجهة الخلفية باستخدام Node.js وExpress",
                  "Бэкенд на Node.js и Express", "Бэкенд бо Node.js ва Express", "Back-end avec Node.js et Express"),
               60),
            _m(_t("Databases", "قواعد البيانات", "Базы данных", "Пойгоҳҳои маълумот", "Bases de données"), 30),
            _m(_t("Algorithms", "الخوارزميات", "Алгоритмы", "Алгоритмҳо", "Algorithmes"), 30),
            _m(_t("Final project", "المشروع النهائي", "Итоговый проект", "Лоиҳаи ниҳоӣ", "Projet final"), 60),
        ],
        "skills": [("full-stack", 3), ("web-development", 3)],
    },
    {
        "code": "graphic-design-social-media",
        "title": _t("Graphic design and social media", "التصميم الجرافيكي ووسائل التواصل الاجتماعي",
                    "Графический дизайн и социальные сети", "Тарроҳии графикӣ ва шабакаҳои иҷтимоӣ",
                    "Design graphique et réseaux sociaux"),
        "description": _t(
            "Design principles, image and video tools, and content that works on social media.",
            "مبادئ التصميم وأدوات الصور والفيديو والمحتوى الناجح على وسائل التواصل الاجتماعي.",
            "Принципы дизайна, работа с изображениями и видео, контент для социальных сетей.",
            "Принсипҳои тарроҳӣ, абзорҳои тасвир ва видео, мундариҷа барои шабакаҳои иҷтимоӣ.",
            "Principes de design, outils d'image et de vidéo, contenus efficaces sur les réseaux sociaux."),
        "modality": "in_person",
        "min_attendance_percent": 80,
        "requires_assessments": True,
        "modules": [
            _m(_t("Design principles", "مبادئ التصميم", "Принципы дизайна", "Принсипҳои тарроҳӣ",
                  "Principes de design"), 12),
            _m(_t("Image editing tools", "أدوات تحرير الصور", "Редакторы изображений", "Абзорҳои таҳрири тасвир",
                  "Outils de retouche d'image"), 20),
            _m(_t("Content for social media", "المحتوى لوسائل التواصل الاجتماعي", "Контент для социальных сетей",
                  "Мундариҷа барои шабакаҳои иҷтимоӣ", "Contenus pour les réseaux sociaux"), 16),
            _m(_t("Video and motion basics", "أساسيات الفيديو والرسوم المتحركة", "Основы видео и анимации",
                  "Асосҳои видео ва аниматсия", "Bases de la vidéo et du motion design"), 12),
            _m(_t("Portfolio", "ملف الأعمال", "Портфолио", "Портфолио", "Portfolio"), 8),
        ],
        "skills": [("graphic-design", 2), ("social-media", 2)],
    },
    {
        "code": "digital-accounting",
        "title": _t("Digital accounting", "المحاسبة الرقمية", "Цифровой бухгалтерский учёт", "Баҳисобгирии рақамӣ",
                    "Comptabilité numérique"),
        "description": _t(
            "Bookkeeping with spreadsheets and accounting software: invoices, accounts, payroll.",
            "مسك الدفاتر بجداول البيانات وبرامج المحاسبة: الفواتير والحسابات والرواتب.",
            "Бухгалтерия в таблицах и учётных программах: счета, проводки, зарплата.",
            "Баҳисобгирӣ бо ҷадвалҳо ва барномаҳои муҳосибӣ: ҳисобномаҳо, суратҳисобҳо, музди меҳнат.",
            "Tenue des comptes avec tableurs et logiciels : factures, comptes, paie."),
        "modality": "in_person",
        "min_attendance_percent": 80,
        "requires_assessments": True,
        "modules": [
            _m(_t("Bookkeeping basics", "أساسيات مسك الدفاتر", "Основы бухгалтерии", "Асосҳои баҳисобгирӣ",
                  "Bases de la tenue des comptes"), 16),
            _m(_t("Spreadsheets for accounts", "جداول البيانات للحسابات", "Таблицы для учёта",
                  "Ҷадвалҳо барои баҳисобгирӣ", "Tableurs pour la comptabilité"), 16),
            _m(_t("Accounting software", "برامج المحاسبة", "Бухгалтерские программы", "Барномаҳои муҳосибӣ",
                  "Logiciels de comptabilité"), 20),
            _m(_t("Invoices, tax and payroll", "الفواتير والضرائب والرواتب", "Счета, налоги и зарплата",
                  "Ҳисобномаҳо, андоз ва музди меҳнат", "Factures, impôts et paie"), 12),
        ],
        "skills": [("digital-accounting", 2), ("spreadsheets", 2)],
    },
    {
        "code": "call-centre-telemarketing",
        "title": _t("Call centre and telemarketing", "مراكز الاتصال والتسويق الهاتفي", "Колл-центр и телемаркетинг",
                    "Маркази занг ва телемаркетинг", "Centre d'appels et télémarketing"),
        "description": _t(
            "Speaking with customers on the phone: scripts, customer records, complaints and sales calls.",
            "التحدث مع العملاء عبر الهاتف: النصوص وسجلات العملاء والشكاوى ومكالمات البيع.",
            "Общение с клиентами по телефону: скрипты, база клиентов, жалобы и продажи.",
            "Суҳбат бо мизоҷон тавассути телефон: скриптҳо, сабти мизоҷон, шикоятҳо ва фурӯш.",
            "Parler aux clients au téléphone : scripts, fichiers clients, réclamations et appels de vente."),
        "modality": "in_person",
        "min_attendance_percent": 80,
        "requires_assessments": True,
        "modules": [
            _m(_t("Customer communication", "التواصل مع العملاء", "Общение с клиентами", "Муошират бо мизоҷон",
                  "Communication avec les clients"), 12),
            _m(_t("Call scripts and telemarketing", "نصوص المكالمات والتسويق الهاتفي",
                  "Скрипты звонков и телемаркетинг", "Скриптҳои занг ва телемаркетинг",
                  "Scripts d'appel et télémarketing"), 12),
            _m(_t("Customer records (CRM)", "سجلات العملاء (CRM)", "Работа с CRM", "Сабти мизоҷон (CRM)",
                  "Fichiers clients (CRM)"), 8),
            _m(_t("Handling complaints", "التعامل مع الشكاوى", "Работа с жалобами", "Кор бо шикоятҳо",
                  "Traiter les réclamations"), 8),
        ],
        "skills": [("call-centre", 2)],
    },
    {
        "code": "mobile-apps",
        "title": _t("Mobile apps", "تطبيقات الهاتف المحمول", "Мобильные приложения", "Барномаҳои мобилӣ",
                    "Applications mobiles"),
        "description": _t(
            "Programming basics and building a first app for Android phones.",
            "أساسيات البرمجة وبناء أول تطبيق لهواتف أندرويد.",
            "Основы программирования и первое приложение для Android.",
            "Асосҳои барномасозӣ ва сохтани аввалин барнома барои Android.",
            "Bases de la programmation et première application Android."),
        "modality": "blended",
        "min_attendance_percent": 80,
        "requires_assessments": True,
        "modules": [
            _m(_t("Programming basics", "أساسيات البرمجة", "Основы программирования", "Асосҳои барномасозӣ",
                  "Bases de la programmation"), 30),
            _m(_t("Building app screens", "بناء شاشات التطبيق", "Экраны приложения", "Сохтани экранҳои барнома",
                  "Construire les écrans d'une application"), 30),
            _m(_t("Data and web services", "البيانات وخدمات الويب", "Данные и веб-сервисы", "Маълумот ва веб-хидматҳо",
                  "Données et services web"), 20),
            _m(_t("Publishing an app", "نشر التطبيق", "Публикация приложения", "Нашри барнома",
                  "Publier une application"), 10),
        ],
        "skills": [("mobile-apps", 2)],
    },
    {
        "code": "beekeeping",
        "title": _t("Beekeeping", "تربية النحل", "Пчеловодство", "Занбӯриасалпарварӣ", "Apiculture"),
        "description": _t(
            "Keeping bees through the seasons in the mountains, harvesting honey and selling it.",
            "تربية النحل عبر الفصول في المناطق الجبلية وجني العسل وبيعه.",
            "Пчеловодство в горах по сезонам, сбор и продажа мёда.",
            "Нигоҳубини занбӯр дар кӯҳистон дар фаслҳои сол, ҷамъоварӣ ва фурӯши асал.",
            "Tenir des ruches au fil des saisons en montagne, récolter et vendre le miel."),
        "modality": "in_person",
        "min_attendance_percent": 75,
        "requires_assessments": True,
        "modules": [
            _m(_t("Bees and the apiary", "النحل والمنحل", "Пчёлы и пасека", "Занбӯр ва занбӯрхона",
                  "Les abeilles et le rucher"), 16, pass_mark=50),
            _m(_t("Hive care through the seasons", "العناية بالخلايا عبر الفصول", "Уход за ульями по сезонам",
                  "Нигоҳубини кандуҳо дар фаслҳои сол", "Soins des ruches au fil des saisons"), 24, pass_mark=50),
            _m(_t("Harvesting and processing honey", "جني العسل وتجهيزه", "Сбор и переработка мёда",
                  "Ҷамъоварӣ ва коркарди асал", "Récolte et traitement du miel"), 12, pass_mark=50),
            _m(_t("Selling honey", "بيع العسل", "Продажа мёда", "Фурӯши асал", "Vendre son miel"), 8,
               assessed=False),
        ],
        "skills": [("beekeeping", 2), ("business-start", 1)],
    },
    {
        "code": "construction",
        "title": _t("Construction skills", "مهارات البناء", "Строительные навыки", "Малакаҳои сохтмон",
                    "Métiers de la construction"),
        "description": _t(
            "Safe work on site, masonry and concrete, plastering and finishing.",
            "العمل الآمن في الموقع والبناء بالطوب والخرسانة واللياسة والتشطيب.",
            "Безопасная работа на объекте, кладка и бетон, штукатурка и отделка.",
            "Кори бехатар дар объект, девору бетон, андова ва ороиш.",
            "Travailler en sécurité sur le chantier, maçonnerie et béton, enduits et finitions."),
        "modality": "in_person",
        "min_attendance_percent": 75,
        "requires_assessments": True,
        "modules": [
            _m(_t("Safety on site", "السلامة في موقع العمل", "Безопасность на объекте", "Бехатарӣ дар объект",
                  "Sécurité sur le chantier"), 8, pass_mark=80),
            _m(_t("Masonry and concrete", "البناء بالطوب والخرسانة", "Кладка и бетон", "Девор ва бетон",
                  "Maçonnerie et béton"), 40, pass_mark=50),
            _m(_t("Plastering and finishing", "اللياسة والتشطيب", "Штукатурка и отделка", "Андова ва ороиш",
                  "Enduits et finitions"), 32, pass_mark=50),
            _m(_t("Reading simple drawings", "قراءة المخططات البسيطة", "Чтение простых чертежей",
                  "Хондани нақшаҳои оддӣ", "Lire des plans simples"), 8, assessed=False),
        ],
        "skills": [("construction", 2)],
    },
    {
        "code": "welding",
        "title": _t("Welding", "اللحام", "Сварка", "Кафшергарӣ", "Soudure"),
        "description": _t(
            "Safe welding with arc and gas, cutting, and a practical piece of work.",
            "اللحام الآمن بالقوس الكهربائي والغاز والقطع وقطعة عمل تطبيقية.",
            "Безопасная дуговая и газовая сварка, резка и практическая работа.",
            "Кафшергарии бехатари камонӣ ва газӣ, буриш ва кори амалӣ.",
            "Souder en sécurité à l'arc et au gaz, découper, et réaliser une pièce."),
        "modality": "in_person",
        "min_attendance_percent": 75,
        "requires_assessments": True,
        "modules": [
            _m(_t("Safety and equipment", "السلامة والمعدات", "Безопасность и оборудование", "Бехатарӣ ва таҷҳизот",
                  "Sécurité et équipement"), 8, pass_mark=80),
            _m(_t("Arc welding", "اللحام بالقوس الكهربائي", "Дуговая сварка", "Кафшергарии камонӣ",
                  "Soudure à l'arc"), 40, pass_mark=50),
            _m(_t("Gas welding and cutting", "اللحام بالغاز والقطع", "Газовая сварка и резка",
                  "Кафшергарии газӣ ва буриш", "Soudure au gaz et découpe"), 24, pass_mark=50),
            _m(_t("Practical project", "مشروع تطبيقي", "Практическая работа", "Лоиҳаи амалӣ", "Projet pratique"), 16,
               pass_mark=50),
        ],
        "skills": [("welding", 2)],
    },
    {
        "code": "siyb-women",
        "title": _t("Start and Improve Your Business (for women)", "ابدئي مشروعك وطوّريه (للنساء)",
                    "Начни и улучши свой бизнес (для женщин)", "Тиҷорати худро оғоз ва беҳтар кунед (барои занон)",
                    "Créez et améliorez votre entreprise (pour les femmes)"),
        "description": _t(
            "The ILO's Start and Improve Your Business programme: from an idea to a business plan, running "
            "the business, and access to micro-finance.",
            "برنامج منظمة العمل الدولية «ابدأ وحسّن مشروعك»: من الفكرة إلى خطة العمل، وإدارة المشروع، "
            "والوصول إلى التمويل الأصغر.",
            "Программа МОТ «Начни и улучши свой бизнес»: от идеи к бизнес-плану, ведение дела и доступ "
            "к микрофинансированию.",
            "Барномаи СБМ «Тиҷорати худро оғоз ва беҳтар кунед»: аз ғоя то нақшаи тиҷорат, пешбурди кор ва "
            "дастрасӣ ба маблағгузории хурд.",
            "Le programme GERME de l'OIT : de l'idée au plan d'affaires, la gestion de l'entreprise et "
            "l'accès à la microfinance."),
        "modality": "in_person",
        "min_attendance_percent": 75,
        "requires_assessments": False,
        "modules": [
            _m(_t("Generate your business idea", "ولّدي فكرة مشروعك", "Найдите бизнес-идею",
                  "Ғояи тиҷоратро пайдо кунед", "Trouvez votre idée d'entreprise"), 8, assessed=False),
            _m(_t("Start your business: the business plan", "ابدئي مشروعك: خطة العمل", "Начните бизнес: бизнес-план",
                  "Тиҷоратро оғоз кунед: нақшаи тиҷорат", "Créez votre entreprise : le plan d'affaires"), 16,
               assessed=False),
            _m(_t("Improve your business: marketing, costing and records",
                  "طوّري مشروعك: التسويق والتكاليف والسجلات",
                  "Улучшите бизнес: маркетинг, расчёт затрат и учёт",
                  "Тиҷоратро беҳтар кунед: маркетинг, хароҷот ва сабт",
                  "Améliorez votre entreprise : marketing, coûts et registres"), 16, assessed=False),
            _m(_t("Micro-finance and where to get help", "التمويل الأصغر وأين تجدين المساعدة",
                  "Микрофинансирование и куда обратиться", "Маблағгузории хурд ва аз куҷо кӯмак гирифтан",
                  "La microfinance et où trouver de l'aide"), 4, assessed=False),
        ],
        "skills": [("business-start", 1), ("digital-accounting", 1)],
    },
]
