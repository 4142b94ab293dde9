"""The demo's data: organisations modelled on the seed programmes, staff, a reproducible crowd, its money.

Nothing here touches the database. `people(year)` returns the same registrations every time it is
called with the same year (a fixed random seed), so tests can know which protected values the demo
wrote without reading them back. `money_plan(year, today)` does the same for the money: who earns
what, who is paid how, and the wallet numbers and IBANs (which depend on the year alone).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import phonenumbers

from kasb.core.permissions import Role

SEED = 2026
DEMO_DOMAIN = "demo.kasb.org"


# ---------------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    name: str
    area: str | None = None  # ISO 3166-2
    locality: str = ""
    in_camp: bool = False
    country: str | None = None  # defaults to the partner's country


@dataclass(frozen=True)
class PartnerSpec:
    name: str
    country: str
    area: str
    locality: str
    centres: tuple[Place, ...]
    clients: tuple[Place, ...] = ()
    employers: tuple[Place, ...] = ()
    donors: tuple[Place, ...] = ()
    providers: tuple[Place, ...] = ()  # services participants are referred to (micro-finance, legal aid...)


BOT = "Bridge Outsource Transform (B.O.T.)"
ZAATARI = "Zaatari Camp Makani Centre"
PIH = "Pamir Innovation Hub"
GMC = "GoMyCode Digital Pathways (with UNHCR)"

PARTNERS: tuple[PartnerSpec, ...] = (
    # Seed 003: Makani centres (four in camps), Knowledge Stations and CBOs in nine governorates.
    PartnerSpec(BOT, "JO", "JO-AM", "Amman", centres=(
        Place("Amman Knowledge Station (Marka)", "JO-AM", "Marka"),
        Place("Irbid Knowledge Station", "JO-IR", "Irbid"),
        Place("Zarqa Makani Centre", "JO-AZ", "Zarqa"),
        Place("Azraq Camp Makani Centre", "JO-AZ", "Azraq camp", in_camp=True),
        Place("Zaatari Camp Makani Centre", "JO-MA", "Zaatari camp", in_camp=True),
        Place("Mafraq Community Centre", "JO-MA", "Mafraq"),
        Place("Karak Knowledge Station", "JO-KA", "Karak"),
        Place("Ma'an Knowledge Station", "JO-MN", "Ma'an"),
    ), clients=(
        Place("Petra Commercial Bank", "JO-AM", "Amman"),
        Place("Souq Al-Balad Retail", "JO-AM", "Amman"),
        Place("Jordan Relief Data Network", "JO-IR", "Irbid"),
    ), employers=(
        Place("Levant Digital Services", "JO-AM", "Amman"),
        Place("Irbid Translation House", "JO-IR", "Irbid"),
        Place("Jordan Horizon Bank", "JO-AM", "Amman"),
        Place("Nashmi Supermarkets", "JO-MA", "Mafraq"),
        Place("Hand in Hand Relief Society", "JO-IR", "Irbid"),
    ), donors=(Place("UNICEF Jordan", "JO-AM", "Amman"),), providers=(
        Place("Badia Microfinance Company", "JO-MA", "Mafraq"),
        Place("Mafraq Enterprise Development Centre", "JO-MA", "Mafraq"),
        Place("Justice for All Legal Aid Clinic", "JO-AM", "Amman"),
    )),
    # Seeds 000, 001, 004: Khorog and Dushanbe; the Rasht valley's Jamoat resource centre.
    PartnerSpec(PIH, "TJ", "TJ-GB", "Khorog", centres=(
        Place("Impact Hub Khorog", "TJ-GB", "Khorog"),
        Place("Impact Hub Dushanbe", "TJ-DU", "Dushanbe"),
        Place("Gharm Jamoat Resource Centre (Rasht valley)", "TJ-RA", "Gharm"),
    ), clients=(
        Place("Badakhshan Tourism Cooperative", "TJ-GB", "Khorog"),
        Place("Modi Soft", country="US"),
    ), employers=(
        Place("Dushanbe Accounting Bureau", "TJ-DU", "Dushanbe"),
        Place("Rasht Valley Dried Fruit Cooperative", "TJ-RA", "Gharm"),
    ), donors=(Place("UNICEF Tajikistan", "TJ-DU", "Dushanbe"),), providers=(
        Place("Rasht Microcredit Fund", "TJ-RA", "Gharm"),
        Place("Migrant Workers' Legal Aid Centre", "TJ-DU", "Dushanbe"),
    )),
    # Seed 002: refugees scattered around Tunis, Médenine and Sfax.
    PartnerSpec(GMC, "TN", "TN-11", "Tunis", centres=(
        Place("GoMyCode Tunis (Lac)", "TN-11", "Les Berges du Lac"),
        Place("Médenine Community Space", "TN-82", "Médenine"),
        Place("Sfax Learning Hub", "TN-61", "Sfax"),
    ), clients=(
        Place("Carthage Language Services", "TN-11", "Tunis"),
        Place("Terre d'Asile Data Lab", "TN-11", "Tunis"),
    ), employers=(
        Place("Medina Web Studio", "TN-11", "Tunis"),
        Place("Sfax Contact Centre", "TN-61", "Sfax"),
    ), donors=(Place("UNHCR Tunisia", "TN-11", "Tunis"),), providers=(
        Place("Microcrédit Sud", "TN-82", "Médenine"),
        Place("Clinique juridique pour les réfugiés", "TN-11", "Tunis"),
    )),
)


# ---------------------------------------------------------------------------------------------
# Staff: one login per role, plus a few in other languages
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StaffSpec:
    role: str
    local_part: str
    full_name: str
    organisation: str
    language: str = "en"

    @property
    def email(self) -> str:
        return f"{self.local_part}@{DEMO_DOMAIN}"


STAFF: tuple[StaffSpec, ...] = (
    StaffSpec(Role.COORDINATOR, "coordinator", "Hanan Al-Khatib", "Zaatari Camp Makani Centre"),
    StaffSpec(Role.TRAINER, "trainer", "Yazan Obeidat", "Irbid Knowledge Station"),
    StaffSpec(Role.QA_REVIEWER, "qa", "Lina Haddadin", BOT),
    StaffSpec(Role.PROGRAMME_MANAGER, "manager", "Dima Al-Tarawneh", BOT),
    StaffSpec(Role.FINANCE_OFFICER, "finance", "Khaled Al-Momani", BOT),
    StaffSpec(Role.ME_OFFICER, "me", "Reem Al-Azzam", BOT),
    StaffSpec(Role.CLIENT_MEMBER, "client", "Sami Nasser", "Petra Commercial Bank"),
    StaffSpec(Role.EMPLOYER_MEMBER, "employer", "Ruba Qasem", "Levant Digital Services"),
    StaffSpec(Role.COORDINATOR, "coordinator.azraq", "Mohammad Al-Zoubi", "Azraq Camp Makani Centre", "ar"),
    StaffSpec(Role.COORDINATOR, "coordinator.khorog", "Zarina Mamadnazarova", "Impact Hub Khorog", "tg"),
    StaffSpec(Role.PROGRAMME_MANAGER, "manager.tunis", "Ines Trabelsi", GMC, "fr"),
)

ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
ADMIN_NAME = "Demo Administrator"
PARTICIPANT_EMAIL = f"participant@{DEMO_DOMAIN}"


# ---------------------------------------------------------------------------------------------
# Names, by nationality
# ---------------------------------------------------------------------------------------------

def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


@dataclass(frozen=True)
class Nation:
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]
    languages: tuple[str, ...]
    gendered_family: bool = False  # Tajik -ov/-ev surnames take -a for women


NATIONS: dict[str, Nation] = {
    "SY": Nation(_names("Amal, Rasha, Hiba, Noor, Lama, Rahaf, Bayan, Aya, Ghadeer, Walaa, Doaa, Asmaa, Rama, "
                        "Sidra, Yasmin, Hala, Reem, Shahd, Batoul, Raghad, Fatima, Zainab, Maryam, Israa"),
                 _names("Ahmad, Mohammad, Omar, Khaled, Yazan, Hamza, Bilal, Abdulrahman, Mahmoud, Anas, Obada, "
                        "Qusai, Mohannad, Tareq, Hasan, Ali"),
                 _names("Al-Hariri, Al-Masri, Al-Zoubi, Al-Halabi, Haddad, Darwish, Al-Hamwi, Kanaan, Al-Khatib, "
                        "Al-Ahmad, Shaheen, Al-Rifai, Al-Homsi, Qassem, Al-Hussein, Al-Najjar, Sabbagh, Khalil, "
                        "Al-Ali, Al-Mohammad, Al-Saleh, Al-Diri"),
                 ("ar",)),
    "JO": Nation(_names("Dana, Leen, Tala, Sara, Rawan, Ruba, Haya, Bushra, Razan, Areej, Shereen, Noor, Deema, "
                        "Aseel, Jana, Raneem, Hadeel, Nadeen"),
                 _names("Zaid, Laith, Yousef, Mohammad, Ahmad, Odai, Saif, Hashem, Rakan, Qais, Fadi, Mutasem, "
                        "Amer, Bashar"),
                 _names("Al-Majali, Al-Tarawneh, Obeidat, Al-Khasawneh, Bani Hani, Al-Momani, Al-Rawashdeh, "
                        "Al-Saraireh, Haddadin, Al-Hiyari, Al-Shboul, Al-Qudah, Abu Zeid, Al-Adwan, Al-Azzam, "
                        "Al-Khawaldeh, Al-Btoush, Al-Smadi"),
                 ("ar",)),
    "IQ": Nation(_names("Zahraa, Maryam, Ruqaya, Shahad, Noor, Sura, Tabarak, Hawraa"),
                 _names("Mustafa, Hussein, Ali, Haider, Abbas, Muntadhar, Ammar"),
                 _names("Al-Jubouri, Al-Obaidi, Al-Dulaimi, Al-Tamimi, Al-Saadi, Al-Rubaie, Al-Shammari, Al-Ani"),
                 ("ar",)),
    "YE": Nation(_names("Afrah, Amat Al-Rahman, Bushra, Ola, Sabreen, Nada, Arwa"),
                 _names("Abdullah, Fahd, Mohammed, Saleh, Nabil, Waleed, Hamoud"),
                 _names("Al-Hakimi, Al-Ahdal, Al-Eryani, Al-Saqqaf, Ba-Alawi, Al-Maqtari, Al-Hamdani"),
                 ("ar",)),
    "SD": Nation(_names("Fatima, Amna, Hawa, Mariam, Nafisa, Sawsan, Ikhlas, Tasneem, Rayan, Safaa"),
                 _names("Osman, Mohamed, Abdelrahman, Elfatih, Musa, Ibrahim, Adam, Mustafa, Hamid"),
                 _names("Osman, Abdelrahman, Elsheikh, Babiker, Ahmed, Hamid, Adam, Ibrahim, Elamin, Musa, "
                        "Eltayeb, Abdalla"),
                 ("ar", "en")),
    "PS": Nation(_names("Lina, Nisreen, Maysa, Rawan, Alaa, Reem, Samah"),
                 _names("Khalil, Mahmoud, Ibrahim, Salem, Yahya, Rami"),
                 _names("Abu Shanab, Al-Agha, Shaath, Abu Ghali, Al-Farra, Hamdan, Abu Eisheh"),
                 ("ar",)),
    "TJ": Nation(_names("Madina, Nilufar, Zarina, Gulnora, Parvina, Farzona, Manizha, Sitora, Mehrangez, Dilnoza, "
                        "Firuza, Tahmina, Nigina, Malika, Zebo, Rukhshona, Muborak, Gulbahor, Shahlo, Nozanin"),
                 _names("Firdavs, Behruz, Daler, Farrukh, Jamshed, Rustam, Shohrukh, Umed, Karim, Suhrob, Anvar, "
                        "Bakhtiyor, Mahmadali, Parviz"),
                 _names("Rahimov, Nazarov, Saidov, Davlatov, Sharipov, Karimov, Mirzoev, Qurbonov, Shodmonov, "
                        "Gulomov, Rajabov, Safarov, Kholov, Boboev, Nurmatov, Odinaev, Mamadnazarov, Alidodov, "
                        "Mirzoshoev, Khudoyorov, Dodkhudoev, Rahimzoda, Nazarzoda, Saidzoda"),
                 ("tg", "ru"), gendered_family=True),
    "AF": Nation(_names("Farishta, Zahra, Maryam, Mursal, Mahbooba, Nazanin, Shabnam, Sodaba"),
                 _names("Ahmad, Mujtaba, Sayed, Farid, Naveed, Jawad"),
                 _names("Ahmadi, Rahimi, Hakimi, Noori, Sultani, Karimi, Mohammadi, Hussaini"),
                 ("prs", "tg")),
    "TN": Nation(_names("Amira, Ines, Yosra, Meriem, Khouloud, Sirine, Rim, Oumaima, Chaima, Emna, Wiem, "
                        "Hajer, Asma, Molka, Eya, Nesrine"),
                 _names("Mohamed Amine, Aymen, Oussama, Wassim, Skander, Hamza, Bilel, Achraf, Yassine, "
                        "Seifeddine, Firas, Mehdi"),
                 _names("Ben Salah, Trabelsi, Jebali, Gharbi, Hammami, Mejri, Ayari, Chebbi, Sassi, Jlassi, "
                        "Khemiri, Dridi, Ferchichi, Baccouche, Ben Amor, Zouari, Masmoudi, Ben Youssef"),
                 ("ar", "fr")),
    "CI": Nation(_names("Aya, Adjoua, Affoué, Mariam, Fatoumata, Awa, Akissi, Nadège"),
                 _names("Kouassi, Yao, Koffi, Konan, Ibrahim, Sékou, Arsène, Serge"),
                 _names("Kouamé, Koné, Traoré, Ouattara, N'Guessan, Bamba, Coulibaly, Diabaté, Kouadio"),
                 ("fr", "dyu")),
    "CM": Nation(_names("Brenda, Blessing, Aïcha, Larissa, Sandrine, Vanessa, Mireille"),
                 _names("Franck, Boris, Hervé, Cédric, Emmanuel, Rodrigue"),
                 _names("Mbarga, Nkoulou, Tchoumi, Fotso, Ngono, Kamga, Essomba, Abanda"),
                 ("fr", "en")),
    "ER": Nation(_names("Helen, Selam, Senait, Yordanos, Luwam, Saba, Rahel, Winta"),
                 _names("Yonas, Dawit, Filmon, Samuel, Tesfay, Robel, Biniam"),
                 _names("Tesfamariam, Gebremedhin, Haile, Berhane, Kidane, Tekle, Woldu, Habte, Asmerom"),
                 ("ti", "ar")),
    "SO": Nation(_names("Hodan, Faadumo, Sahra, Ifrah, Nimco, Hibaaq"),
                 _names("Abdirahman, Abdullahi, Liban, Hassan, Ahmed"),
                 _names("Abdi, Warsame, Farah, Jama, Yusuf, Hussein"),
                 ("so", "ar")),
    "GN": Nation(_names("Fatoumata, Mariama, Kadiatou, Aissatou, Hawa"),
                 _names("Mamadou, Alpha, Ousmane, Ibrahima, Sekou"),
                 _names("Diallo, Barry, Bah, Sow, Camara, Condé, Keita, Soumah"),
                 ("fr", "ff")),
}


# ---------------------------------------------------------------------------------------------
# Who registers where
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CentreProfile:
    """How many people a centre registers and what they are like (weights, not exact shares)."""

    centre: str
    country: str
    count: int
    women: float
    nationalities: Mapping[str, float]
    admin2: tuple[str, ...]
    nationals: Mapping[str, float] = field(default_factory=lambda: {"host_community": 1.0})
    foreigners: Mapping[str, float] = field(default_factory=lambda: {"refugee": 0.8, "asylum_seeker": 0.2})
    in_camp: bool = False
    neet: float = 0.6
    migrant_households: float = 0.05
    local_language: str = ""  # spoken by about half of those registered here


CAMP = {"refugee": 1.0}
JO_URBAN = {"JO": 40, "SY": 25, "IQ": 12, "YE": 10, "SD": 8, "PS": 5}
TN_FOREIGN = {"refugee": 0.55, "asylum_seeker": 0.35, "migrant_worker": 0.10}

PROFILES: tuple[CentreProfile, ...] = (
    CentreProfile("Zaatari Camp Makani Centre", "JO", 35, 0.72, {"SY": 1}, ("Zaatari camp",), foreigners=CAMP,
                  in_camp=True, neet=0.7),
    CentreProfile("Azraq Camp Makani Centre", "JO", 25, 0.70, {"SY": 1}, ("Azraq camp",), foreigners=CAMP,
                  in_camp=True, neet=0.7),
    CentreProfile("Irbid Knowledge Station", "JO", 30, 0.70, {"SY": 50, "JO": 45, "IQ": 5},
                  ("Irbid Qasabah", "Ramtha", "Bani Kinanah")),
    CentreProfile("Amman Knowledge Station (Marka)", "JO", 30, 0.68, JO_URBAN,
                  ("Marka", "Al-Quwaismeh", "Sahab", "Jabal al-Nasr")),
    CentreProfile("Zarqa Makani Centre", "JO", 20, 0.70, {"JO": 50, "SY": 30, "PS": 15, "IQ": 5},
                  ("Zarqa Qasabah", "Russeifa")),
    CentreProfile("Mafraq Community Centre", "JO", 15, 0.73, {"SY": 55, "JO": 45}, ("Mafraq Qasabah",)),
    CentreProfile("Karak Knowledge Station", "JO", 15, 0.67, {"JO": 85, "SY": 15}, ("Karak Qasabah", "Mazar")),
    CentreProfile("Ma'an Knowledge Station", "JO", 10, 0.70, {"JO": 85, "SY": 15}, ("Ma'an Qasabah",)),
    CentreProfile("Impact Hub Khorog", "TJ", 50, 0.80, {"TJ": 1}, ("Khorog", "Shughnan", "Roshtqal'a"),
                  nationals={"host_community": 0.7, "returnee": 0.15, "potential_migrant": 0.15}, neet=0.8,
                  migrant_households=0.2, local_language="sgh"),
    CentreProfile("Impact Hub Dushanbe", "TJ", 30, 0.70, {"TJ": 80, "AF": 20},
                  ("Shohmansur", "Sino", "Firdavsi", "Ismoili Somoni"),
                  nationals={"host_community": 0.6, "returnee": 0.2, "potential_migrant": 0.2},
                  foreigners={"refugee": 0.7, "asylum_seeker": 0.3}, neet=0.7, migrant_households=0.2),
    CentreProfile("Gharm Jamoat Resource Centre (Rasht valley)", "TJ", 20, 0.40, {"TJ": 1},
                  ("Rasht", "Nurobod", "Tojikobod"),
                  nationals={"host_community": 0.25, "potential_migrant": 0.5, "returnee": 0.25}, neet=0.7,
                  migrant_households=0.45),
    CentreProfile("GoMyCode Tunis (Lac)", "TN", 45, 0.58,
                  {"TN": 35, "SD": 15, "CI": 15, "CM": 10, "SY": 10, "ER": 5, "GN": 5, "SO": 5},
                  ("La Marsa", "El Menzah", "Bab El Bhar", "Ariana Ville"),
                  nationals={"host_community": 0.85, "potential_migrant": 0.15}, foreigners=TN_FOREIGN, neet=0.55),
    CentreProfile("Médenine Community Space", "TN", 20, 0.55, {"SD": 30, "ER": 20, "TN": 20, "SO": 10, "SY": 10,
                                                                 "CI": 10},
                  ("Médenine Nord", "Zarzis", "Ben Guerdane"),
                  nationals={"host_community": 0.7, "potential_migrant": 0.3},
                  foreigners={"refugee": 0.5, "asylum_seeker": 0.5}, neet=0.6),
    CentreProfile("Sfax Learning Hub", "TN", 15, 0.55, {"CI": 35, "CM": 20, "TN": 20, "GN": 15, "SD": 10},
                  ("Sfax Ville", "Sakiet Ezzit"),
                  nationals={"host_community": 0.6, "potential_migrant": 0.4},
                  foreigners={"refugee": 0.3, "asylum_seeker": 0.3, "migrant_worker": 0.4}, neet=0.55),
)

PHONE_PREFIXES = {"JO": ("+96277", "+96278", "+96279"),
                  "TJ": ("+99290", "+99291", "+99292", "+99293", "+99298", "+99299"),
                  "TN": ("+2162", "+2164", "+2165", "+2169")}
PHONE_LENGTH = {"JO": 13, "TJ": 13, "TN": 12}  # characters of E.164, "+" included
EDUCATION = {
    "JO": {"none": 3, "primary": 7, "lower_secondary": 20, "upper_secondary": 35, "vocational": 10,
           "university": 25},
    "TJ": {"lower_secondary": 10, "upper_secondary": 40, "vocational": 20, "university": 30},
    "TN": {"primary": 5, "lower_secondary": 15, "upper_secondary": 35, "vocational": 15, "university": 30},
}
CHANNELS = {"JO": ("whatsapp", "sms", "call"), "TJ": ("telegram", "whatsapp", "sms"),
            "TN": ("whatsapp", "call", "sms")}
WG = ("seeing", "hearing", "walking", "cognition", "self_care", "communication")

# The participant with a login, so the "my record" page can be tried.
FEATURED: dict[str, Any] = {
    "given_name": "Rahaf", "family_name": "Al-Zoubi", "sex": "female", "age": 21, "birthday": (3, 14),
    "nationality": "SY", "displacement_status": "refugee", "phone": "+962791000214",
    "id_kind": "unhcr", "id_number": "945-14C02117", "centre": "Zaatari Camp Makani Centre",
    "admin2": "Zaatari camp", "neet": True, "education": "upper_secondary", "female_headed_household": True,
    "languages": ["ar", "en"], "device_access": "shared_phone", "connectivity": "centre",
    "contact_channels": ["whatsapp", "sms"], "disability_seeing": 1, "disability_hearing": 1,
    "disability_walking": 3, "disability_cognition": 1, "disability_self_care": 1,
    "disability_communication": 1, "consent_registration": True, "consent_contact": True,
    "consent_monitoring": True, "consent_share_employers": True,
}
DEVICES = {"camp": {"none": 10, "shared_phone": 30, "basic_phone": 10, "smartphone": 50},
           "JO": {"shared_phone": 10, "basic_phone": 5, "smartphone": 65, "computer": 20},
           "TJ": {"shared_phone": 10, "basic_phone": 15, "smartphone": 55, "computer": 20},
           "TN": {"shared_phone": 8, "basic_phone": 2, "smartphone": 65, "computer": 25}}
CONNECTIVITY = {"camp": {"mobile_data": 60, "centre": 30, "none": 10},
                "town": {"mobile_data": 55, "home": 30, "centre": 12, "none": 3}}
DIGITS = "0123456789"
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def centre_partners() -> dict[str, str]:
    """Centre name -> the name of the implementing partner it belongs to."""
    return {c.name: p.name for p in PARTNERS for c in p.centres}


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


class Crowd:
    """Generates registrations with a fixed seed; no two share a phone, an ID or a name and birth date."""

    def __init__(self, year: int) -> None:
        self.rng = random.Random(SEED)
        self.year = year
        self.phones: set[str] = set()
        self.ids: set[str] = set()
        self.names: set[tuple[str, str, date]] = set()

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(DIGITS) for _ in range(n))

    def phone(self, country: str) -> str:
        while True:
            prefix = self.rng.choice(PHONE_PREFIXES[country])
            number = prefix + self.digits(PHONE_LENGTH[country] - len(prefix))
            if number not in self.phones and phonenumbers.is_valid_number(phonenumbers.parse(number)):
                self.phones.add(number)
                return number

    def identity(self, nation: Nation, sex: str) -> tuple[str, str, date, int]:
        rng = self.rng
        while True:
            given = rng.choice(nation.female if sex == "female" else nation.male)
            family = rng.choice(nation.family)
            if nation.gendered_family and sex == "female" and family.endswith(("ov", "ev")):
                family += "a"
            roll = rng.random()
            age = rng.randint(16, 17) if roll < 0.06 else rng.randint(18, 24) if roll < 0.62 else rng.randint(25, 35)
            dob = date(self.year - age, rng.randint(1, 12), rng.randint(1, 28))
            key = (given.casefold(), family.casefold(), dob)
            if key not in self.names:
                self.names.add(key)
                return given, family, dob, age

    def document(self, country: str, national: bool, status: str, sex: str, dob: date) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < 0.08:
            return "", ""
        while True:
            yy = rng.randint(13, 25)
            if national:
                kind, number = "national_id", {
                    "JO": f"{'2' if sex == 'female' else '9'}{dob.year % 1000:03d}{self.digits(6)}",
                    "TJ": f"A{self.digits(8)}", "TN": f"{rng.choice('01')}{self.digits(7)}"}[country]
            elif status == "migrant_worker":
                kind, number = "passport", f"{yy}{rng.choice(LETTERS)}{rng.choice(LETTERS)}{self.digits(5)}"
            else:
                kind, number = "unhcr", {"JO": f"945-{yy:02d}C{self.digits(5)}", "TJ": f"TJK-{yy:02d}-{self.digits(5)}",
                                         "TN": f"TUN-{yy:02d}-{self.digits(5)}"}[country]
            if number not in self.ids:
                self.ids.add(number)
                return kind, number

    def disability(self) -> dict[str, int]:
        rng = self.rng
        if rng.random() < 0.12:  # not asked
            return {}
        answers = {d: 1 if rng.random() < 0.9 else 2 for d in WG}
        if rng.random() < 0.07:
            answers[rng.choice(WG)] = 4 if rng.random() < 0.25 else 3
        return {f"disability_{d}": v for d, v in answers.items()}

    def contact(self, country: str, phone: str, email: str) -> list[str]:
        rng = self.rng
        channels = [c for c, p in zip(CHANNELS[country], (0.85, 0.5, 0.3), strict=True) if phone and rng.random() < p]
        if phone and not channels:
            channels = [CHANNELS[country][0]]
        if email and (not phone or rng.random() < 0.6):
            channels.append("email")
        return channels

    def person(self, profile: CentreProfile) -> dict[str, Any]:
        rng = self.rng
        nationality = _pick(rng, profile.nationalities)
        nation = NATIONS[nationality]
        sex = "female" if rng.random() < profile.women else "male"
        given, family, dob, age = self.identity(nation, sex)
        national = nationality == profile.country
        status = _pick(rng, profile.nationals if national else profile.foreigners)
        id_kind, id_number = self.document(profile.country, national, status, sex, dob)
        education = _pick(rng, EDUCATION[profile.country])
        if age < 19 and education in ("university", "vocational"):
            education = "upper_secondary"
        phone = self.phone(profile.country) if rng.random() < (0.85 if profile.in_camp else 0.93) else ""
        email = ""
        if rng.random() < (0.35 if education == "university" else 0.15):
            email = f"{_ascii(given)}.{_ascii(family)}{rng.randint(1, 99)}@example.org"
        languages = list(nation.languages)
        if profile.local_language and national and rng.random() < 0.5:
            languages.append(profile.local_language)
        if "en" not in languages and rng.random() < (0.5 if education == "university" else 0.2):
            languages.append("en")
        migrant_household = rng.random() < profile.migrant_households
        place = "camp" if profile.in_camp else "town"
        return {
            "given_name": given, "family_name": family, "sex": sex, "date_of_birth": dob,
            "nationality": nationality, "displacement_status": status, "phone": phone, "email": email,
            "id_kind": id_kind, "id_number": id_number, "centre": profile.centre,
            "admin2": rng.choice(profile.admin2), "neet": rng.random() < (0.4 if age < 18 else profile.neet),
            "education": education, "migrant_household": migrant_household,
            "female_headed_household": rng.random() < (0.35 if migrant_household else 0.12),
            "languages": languages,
            "device_access": _pick(rng, DEVICES["camp" if profile.in_camp else profile.country]),
            "connectivity": _pick(rng, CONNECTIVITY[place]),
            "contact_channels": self.contact(profile.country, phone, email),
            **self.disability(),
            "consent_registration": True, "consent_contact": rng.random() < 0.9,
            "consent_monitoring": rng.random() < 0.85,
            "consent_share_employers": rng.random() < (0.6 if age >= 18 else 0.15),
            "consent_photo": age >= 18 and rng.random() < 0.2,
        }


def featured(year: int) -> dict[str, Any]:
    data = {k: v for k, v in FEATURED.items() if k not in ("age", "birthday")}
    data["date_of_birth"] = date(year - FEATURED["age"], *FEATURED["birthday"])
    return data


def people(year: int) -> list[dict[str, Any]]:
    """Every demo registration, the featured participant first. The same list for the same year."""
    crowd = Crowd(year)
    first = featured(year)
    crowd.phones.add(first["phone"])
    crowd.ids.add(first["id_number"])
    crowd.names.add((first["given_name"].casefold(), first["family_name"].casefold(), first["date_of_birth"]))
    return [first, *(crowd.person(profile) for profile in PROFILES for _ in range(profile.count))]


# ---------------------------------------------------------------------------------------------
# Money: one programme per partner, client funding, paid work, stipends, payout methods
# ---------------------------------------------------------------------------------------------
# Amounts are decimal text in the currency's own units, parsed with Money.parse where they are
# posted. JOD and TND have three decimals, TJS and USD two. Pay per task follows what B.O.T.
# reports (111 pieces of microwork earned 91 young people about 13,000 USD).

@dataclass(frozen=True)
class ProgrammeSpec:
    partner: str
    name: str
    country: str
    currency: str
    fee_bps: int        # the partner's platform fee on each client payment for work
    minimum: str        # the smallest balance that goes into a payout batch
    grant: str          # the donor's grant for stipends and reimbursements
    grant_reference: str  # names the donor, as its agreement number does
    transport: str      # one transport day (or one month, when `monthly`)
    monthly: bool       # UNHCR Tunisia covered transport by the month (seed 002)
    workers: Mapping[str, int]  # how many adults do paid work, by centre
    manager: str        # who starts the programme (local part of a STAFF e-mail; "" is the administrator)
    reviewer: str       # who approves work
    finance: str        # who records deposits and grants
    stipend_payer: str  # who pays transport


PROGRAMMES: tuple[ProgrammeSpec, ...] = (
    ProgrammeSpec(BOT, "Digital Skills for a Better Future: B.O.T. microwork", "JO", "JOD", 1000, "5.000",
                  "4000.000", "UNICEF-JOR-PCA-2026-07", "2.500", False,
                  {"Zaatari Camp Makani Centre": 8, "Azraq Camp Makani Centre": 5, "Irbid Knowledge Station": 6,
                   "Amman Knowledge Station (Marka)": 6, "Zarqa Makani Centre": 3, "Mafraq Community Centre": 2,
                   "Karak Knowledge Station": 1, "Ma'an Knowledge Station": 1},
                  manager="manager", reviewer="qa", finance="finance", stipend_payer="manager"),
    ProgrammeSpec(PIH, "Impact Sourcing Khorog", "TJ", "TJS", 500, "50.00",
                  "25000.00", "UNICEF-TJK-SSFA-2026-03", "20.00", False,
                  {"Impact Hub Khorog": 14}, manager="", reviewer="coordinator.khorog", finance="",
                  stipend_payer="coordinator.khorog"),
    ProgrammeSpec(GMC, "Digital Pathways for Refugees", "TN", "TND", 0, "10.000",
                  "6000.000", "UNHCR-TUN-PA-2026-11", "40.000", True,
                  {"GoMyCode Tunis (Lac)": 7, "Médenine Community Space": 3, "Sfax Learning Hub": 2},
                  manager="manager.tunis", reviewer="manager.tunis", finance="", stipend_payer="manager.tunis"),
)

# Who verifies payout methods: the coordinator of the centre, else the partner's programme manager.
VERIFIERS: dict[str, str] = {
    "Zaatari Camp Makani Centre": "coordinator", "Azraq Camp Makani Centre": "coordinator.azraq",
    "Impact Hub Khorog": "coordinator.khorog", BOT: "manager", GMC: "manager.tunis",
}


@dataclass(frozen=True)
class DepositSpec:
    client: str
    amount: str
    currency: str
    reference: str
    days_ago: int


DEPOSITS: tuple[DepositSpec, ...] = (
    DepositSpec("Petra Commercial Bank", "1500.000", "JOD", "PCB-TRF-2026-0412", 40),
    DepositSpec("Souq Al-Balad Retail", "800.000", "JOD", "SAB-CHQ-118377", 38),
    DepositSpec("Jordan Relief Data Network", "2500.00", "USD", "JRDN-SWIFT-5521", 36),
    DepositSpec("Badakhshan Tourism Cooperative", "6000.00", "TJS", "BTC-0093", 33),
    DepositSpec("Modi Soft", "12000.00", "TJS", "MODI-INV-2026-17", 35),
    DepositSpec("Carthage Language Services", "1800.000", "TND", "CLS-VIR-7710", 37),
    DepositSpec("Terre d'Asile Data Lab", "900.000", "TND", "TADL-VIR-0221", 32),
)


@dataclass(frozen=True)
class ExchangeSpec:
    client: str
    amount: str
    source: str
    target: str
    rate: str
    rate_source: str
    days_ago: int


# The dinar is pegged at 0.709 per US dollar.
EXCHANGE = ExchangeSpec("Jordan Relief Data Network", "2500.00", "USD", "JOD", "0.709", "Central Bank of Jordan", 35)


@dataclass(frozen=True)
class ProjectSpec:
    """A microwork project whose approved tasks make the workers' earnings (kasb.web.demo_microwork posts it)."""

    number: int         # the plan's name for the project (not its database id)
    client: str
    label: str
    task_type: str
    pay: str            # per approved task
    first_task: int     # the client's ids for its tasks count up from here
    tasks: tuple[int, int]  # how many tasks a worker on this project has had approved
    share: float        # how many of the partner's workers took part
    languages: tuple[str, ...]  # a worker must speak all of them
    finished: bool = False  # every task done and paid: nothing is left reserved


PROJECTS: tuple[ProjectSpec, ...] = (
    ProjectSpec(1, "Souq Al-Balad Retail", "Pharmacy receipts data entry", "data_entry", "0.900", 1201, (2, 7), 0.7,
                ("ar",)),
    ProjectSpec(2, "Jordan Relief Data Network", "Arabic hotline call transcription", "transcription", "3.500", 4101,
                (1, 3), 0.45, ("ar",)),
    ProjectSpec(3, "Petra Commercial Bank", "Loan application forms data entry", "data_entry", "1.200", 7001, (2, 5),
                0.35, ("ar",), finished=True),
    ProjectSpec(4, "Badakhshan Tourism Cooperative", "Guesthouse listings: Russian to Tajik", "translation", "12.00",
                301, (1, 3), 0.55, ("ru", "tg")),
    ProjectSpec(5, "Modi Soft", "App store reviews labelling", "classification", "0.40", 20001, (2, 5), 0.7,
                ("tg", "ru")),
    ProjectSpec(6, "Carthage Language Services", "Film subtitles: Tunisian dialect to standard Arabic", "translation",
                "2.500", 501, (1, 4), 0.6, ("ar",)),
    ProjectSpec(7, "Terre d'Asile Data Lab", "Services for refugees in Greater Tunis: site survey", "survey", "0.800",
                901, (2, 5), 0.6, ("fr",)),
)
CLIENT_PARTNER = {c.name: p.name for p in PARTNERS for c in p.clients}

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
# Training days in the last six weeks (weekday(): Monday is 0): Jordan works Sunday to Thursday.
TRAINING_DAYS = {"JO": (6, 1, 3), "TJ": (0, 2, 4)}
# Bank codes for the IBANs: Arab Bank, Housing Bank, Jordan Islamic Bank; BIAT, STB, La Poste.
BANKS = {"JO": ("ARAB", "HBHO", "JIBA"), "TN": ("08", "10", "17")}


def iban(country: str, bban: str) -> str:
    """The IBAN for a national account number, with its ISO 13616 mod-97 check digits."""
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def tunisian_rib(bank: str, branch: str, account: str) -> str:
    """A Tunisian RIB: bank, branch, account and its own two-digit key (so every TN IBAN checks as 59)."""
    body = bank + branch + account
    return f"{body}{97 - int(body) * 100 % 97:02d}"


@dataclass(frozen=True)
class MethodPlan:
    person: int         # index into people(year)
    kind: str           # wallet, bank or cash
    provider: str
    phone: str = ""
    iban: str = ""
    account_name: str = ""
    centre: str = ""
    verified: bool = True   # False: waiting in a coordinator's queue
    by_worker: bool = False  # registered by the worker themself (the demo login)


@dataclass(frozen=True)
class Earning:
    """One task the person did and QA approved: paid from the project's reservation."""

    person: int
    project: int
    after_payout: bool = False


@dataclass(frozen=True)
class Support:
    person: int
    partner: str
    kind: str           # stipend or reimbursement
    amount: str
    memo: str
    purpose: tuple[str, str]


@dataclass
class MoneyPlan:
    workers: dict[str, list[int]]       # partner -> people indices, the demo login first
    methods: list[MethodPlan]
    earnings: list[Earning]
    support: list[Support]
    corrected: Support                  # posted, then reversed by finance
    hold: tuple[int, str]
    failures: dict[int, str]            # person -> the provider's reason
    replacements: list[MethodPlan]      # wallets registered again after a failed payout

    def secrets(self) -> set[str]:
        """Every wallet number and IBAN the demo registers: none may reach the database in plain text."""
        values = set()
        for method in [*self.methods, *self.replacements]:
            if method.phone:
                values |= {method.phone, method.phone.lstrip("+")}
            if method.iban:
                values |= {method.iban, method.iban[4:]}
        return values


def _worker_indices(rng: random.Random, registrations: list[dict[str, Any]], year: int) -> dict[str, list[int]]:
    chosen: dict[str, list[int]] = {}
    for spec in PROGRAMMES:
        picked = [0] if spec.partner == BOT else []
        for centre, count in spec.workers.items():
            adults = [i for i, p in enumerate(registrations)
                      if i and p["centre"] == centre and year - p["date_of_birth"].year >= 19]
            picked += sorted(rng.sample(adults, count - (centre == registrations[0]["centre"])))
        chosen[spec.partner] = picked
    return chosen


def _spare_phone(rng: random.Random, country: str, taken: set[str]) -> str:
    while True:
        prefix = rng.choice(PHONE_PREFIXES[country])
        number = prefix + "".join(rng.choice(DIGITS) for _ in range(PHONE_LENGTH[country] - len(prefix)))
        if number not in taken and phonenumbers.is_valid_number(phonenumbers.parse(number)):
            taken.add(number)
            return number


def _bank_method(rng: random.Random, person: int, reg: dict[str, Any], country: str) -> MethodPlan:
    bank = rng.choice(BANKS[country])
    if country == "JO":
        bban = f"{bank}{rng.randint(1, 400):04d}" + "0" * 6 + "".join(rng.choice(DIGITS) for _ in range(12))
    else:
        bban = tunisian_rib(bank, f"{rng.randint(1, 300):03d}", "".join(rng.choice(DIGITS) for _ in range(13)))
    return MethodPlan(person, "bank", "bank_transfer", iban=iban(country, bban),
                      account_name=f"{reg['given_name']} {reg['family_name']}")


def _methods(rng: random.Random, workers: dict[str, list[int]],
             registrations: list[dict[str, Any]]) -> list[MethodPlan]:
    """Mostly wallets on the worker's own number; some bank accounts; cash at the centre for the rest."""
    methods = [MethodPlan(0, "wallet", "mobile_money", phone=registrations[0]["phone"], by_worker=True)]
    # The last one or two registered at each centre did so this week: not verified yet.
    last: dict[str, list[int]] = {}
    for spec in PROGRAMMES:
        for person in workers[spec.partner]:
            last.setdefault(registrations[person]["centre"], []).append(person)
    pending = {person for centre, listed in last.items()
               for person in listed[-(2 if centre == ZAATARI else 1):] if len(listed) > 2}
    for spec in PROGRAMMES:
        for person in workers[spec.partner]:
            if person == 0:
                continue
            reg = registrations[person]
            roll = rng.random()
            # Refugees can rarely open a bank account; about half the nationals have one.
            if spec.country in BANKS and reg["nationality"] == spec.country and roll < 0.5:
                method = _bank_method(rng, person, reg, spec.country)
            elif reg["phone"] and roll < 0.85:
                method = MethodPlan(person, "wallet", "mobile_money", phone=reg["phone"])
            elif roll < 0.95 or not reg["phone"]:
                method = MethodPlan(person, "cash", "cash_pickup", centre=reg["centre"])
            else:
                continue  # has not registered a way to be paid yet
            # Bank letters are checked when the account is registered; wallets and pickups wait for a call.
            methods.append(replace(method, verified=person not in pending or method.kind == "bank"))
    return methods


def _earnings(rng: random.Random, workers: dict[str, list[int]], registrations: list[dict[str, Any]]) -> list[Earning]:
    earnings: list[Earning] = []

    def add(person: int, project: ProjectSpec, count: int, after: bool = False) -> None:
        earnings.extend(Earning(person, project.number, after) for _ in range(count))

    by_number = {p.number: p for p in PROJECTS}
    # The demo login: receipts and transcription before the last payout, more receipts since.
    add(0, by_number[1], 7)
    add(0, by_number[2], 2)
    for spec in PROGRAMMES:
        projects = [p for p in PROJECTS if CLIENT_PARTNER[p.client] == spec.partner]
        for person in workers[spec.partner]:
            if person == 0:
                continue
            # Only projects in languages the worker speaks (the microwork app would not hand them out otherwise).
            spoken = [p for p in projects if set(p.languages) <= set(registrations[person]["languages"])]
            if not spoken:
                continue
            joined = [p for p in spoken if rng.random() < p.share] or [rng.choice(spoken)]
            for project in joined:
                add(person, project, rng.randint(*project.tasks))
    receipts = by_number[1]
    add(0, receipts, 3, after=True)
    for person in rng.sample(workers[BOT][1:], 6):
        add(person, receipts, rng.randint(1, 3), after=True)
    return earnings


def _day(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]}"


def _support(rng: random.Random, workers: dict[str, list[int]], registrations: list[dict[str, Any]],
             today: date) -> list[Support]:
    """Transport: by the training day in Jordan and Tajikistan, by the month in Tunisia."""
    support: list[Support] = []
    sessions: dict[tuple[str, date], int] = {}
    # Far above the ids of the sessions the learning demo schedules, so a purpose never names a real one.
    session_ids = iter(range(90_311, 10**6))
    for spec in PROGRAMMES:
        if spec.monthly:
            months = [(today.replace(day=1) - timedelta(days=1)).replace(day=1)]
            months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
            for person in workers[spec.partner]:
                for month in months:
                    grant = next(session_ids)
                    support.append(Support(person, spec.partner, "stipend", spec.transport,
                                           f"Transport, {MONTH_NAMES[month.month - 1]} {month.year}",
                                           ("training.support_grant", str(grant))))
            continue
        days = [today - timedelta(days=n) for n in range(3, 43)]
        days = [d for d in days if d.weekday() in TRAINING_DAYS[spec.country]]
        kind = "reimbursement" if spec.country == "JO" else "stipend"
        for person in workers[spec.partner]:
            reg = registrations[person]
            if person == 0:  # from Zaatari camp to the advanced course in Mafraq
                centre, count = "Mafraq Community Centre", 2
            elif reg["centre"] in ("Zaatari Camp Makani Centre", "Azraq Camp Makani Centre") or rng.random() < 0.4:
                continue  # lives where the training is
            else:
                centre, count = reg["centre"], rng.randint(1, 3)
            for day in sorted(rng.sample(days, count)):
                session = sessions.setdefault((centre, day), next(session_ids))
                support.append(Support(person, spec.partner, kind, spec.transport, f"Transport, {_day(day)}",
                                       ("training.session", str(session))))
    return support


def _balances(plan: MoneyPlan) -> dict[int, Decimal]:
    """What each Jordanian worker holds when the payout batch is built (before later work)."""
    pay = {p.number: Decimal(p.pay) for p in PROJECTS}
    owed: dict[int, Decimal] = {}
    for e in plan.earnings:
        if not e.after_payout and e.project <= 3:
            owed[e.person] = owed.get(e.person, Decimal(0)) + pay[e.project]
    for s in plan.support:
        if s.partner == BOT:
            owed[s.person] = owed.get(s.person, Decimal(0)) + Decimal(s.amount)
    return owed


def money_plan(year: int, today: date) -> MoneyPlan:
    """Who earns what, who is paid how: the same plan for the same year and day.

    Payout methods come from their own random stream, so the wallet numbers and IBANs depend on
    the year alone (a test scans the database for them).
    """
    registrations = people(year)
    who = random.Random(SEED + 1)
    workers = _worker_indices(who, registrations, year)
    methods = _methods(who, workers, registrations)
    work = random.Random(SEED + 2)
    earnings = _earnings(work, workers, registrations)
    support = _support(work, workers, registrations, today)
    plan = MoneyPlan(workers, methods, earnings, support, corrected=support[0], hold=(0, ""), failures={},
                     replacements=[])
    # Finance spots a transport day claimed for a session the person did not attend, and reverses it.
    plan.corrected = next(s for s in support if s.partner == BOT and s.person != 0)
    minimum = Decimal(PROGRAMMES[0].minimum)
    balances = _balances(plan)
    balances[plan.corrected.person] -= Decimal(plan.corrected.amount)
    wallets = [m for m in methods if m.kind == "wallet" and m.verified and m.person in workers[BOT]
               and m.person != 0 and balances.get(m.person, Decimal(0)) >= minimum]

    def pick(centre: str) -> MethodPlan:
        """A worker from `centre` if one qualifies, else the first who does."""
        chosen = next((m for m in wallets if registrations[m.person]["centre"] == centre), wallets[0])
        wallets.remove(chosen)
        return chosen

    # The failed wallet is at Zaatari, so its replacement waits in the demo coordinator's queue.
    unregistered, mismatch = pick(ZAATARI), pick("Amman Knowledge Station (Marka)")
    hold = pick("Irbid Knowledge Station")
    plan.hold = (hold.person, "Two registrations share this ID number: checking with the centre before paying")
    plan.failures = {unregistered.person: "Wallet not registered",
                     mismatch.person: "Name does not match the wallet holder"}
    spare = {m.phone for m in methods if m.phone} | {p["phone"] for p in registrations if p["phone"]}
    plan.replacements = [MethodPlan(unregistered.person, "wallet", "mobile_money",
                                    phone=_spare_phone(who, "JO", spare), verified=False)]
    return plan
