"""Minimum hourly wages for the programmes' countries: Jordan (JOD), Tajikistan (TJS), Tunisia (TND).

Each country sets a monthly minimum. The hourly floor is that amount divided by the standard hours
of a month under the country's labour law (weekly hours × 52 ÷ 12), rounded UP to the currency's
smallest unit so that the floor is never below the legal minimum:

- Jordan: 48 h a week (Labour Law No. 8 of 1996, art. 56) → 208 h a month.
- Tunisia: the SMIG "48-hour regime" (the general regime) → 208 h a month; the decree's own hourly
  SMIG equals the monthly ÷ 208 (2.540 × 208 = 528.320).
- Tajikistan: 40 h a week (Labour Code 2016) → 173⅓ h a month (2,080 h a year ÷ 12).

Only amounts and dates confirmed in published decisions are loaded. A new decision is a new row
(country, effective_from); the floor in force is the latest row on or before the day of the check.
Known gap: Tunisia's 2026 increase (finance law 2026) had no published SMIG figure when this was
written; add its row once the decree is out.
"""

from django.db import migrations

# (country, hourly in minor units, currency, effective from, source and arithmetic)
WAGES = [
    ("JO", 1250, "JOD", "2021-01-01",
     "Tripartite Committee for Labour Affairs: JOD 260/month from 1 Jan 2021; 260 / 208 h "
     "(48 h/week x 52 / 12, Labour Law art. 56) = 1.250 JOD/h"),
    ("JO", 1395, "JOD", "2025-01-01",
     "Tripartite Committee for Labour Affairs, 16 Dec 2024: JOD 290/month from 1 Jan 2025; 290 / 208 h "
     "(48 h/week x 52 / 12) = 1.39423 -> 1.395 JOD/h (rounded up)"),
    ("TJ", 577, "TJS", "2025-09-01",
     "Presidential decree of 8 Feb 2025: TJS 1,000/month from 1 Sep 2025; 1000 / 173.33 h "
     "(40 h/week x 52 / 12) = 5.769 -> 5.77 TJS/h (rounded up)"),
    ("TJ", 750, "TJS", "2026-09-01",
     "Presidential decree of Jan 2026: TJS 1,300/month from 1 Sep 2026; 1300 / 173.33 h "
     "(40 h/week x 52 / 12) = 7.50 TJS/h"),
    ("TN", 2540, "TND", "2025-01-01",
     "SMIG, decree 2024-419 of 9 Jul 2024 (48-hour regime): TND 528.320/month from 1 Jan 2025; "
     "528.320 / 208 h (48 h/week x 52 / 12) = 2.540 TND/h"),
]


def load(apps, schema_editor):
    MinimumWage = apps.get_model("microwork", "MinimumWage")
    for country, hourly, currency, effective_from, source in WAGES:
        assert len(source) <= 200, source
        MinimumWage.objects.update_or_create(
            country=country, effective_from=effective_from,
            defaults={"hourly": hourly, "currency": currency, "source": source})


def unload(apps, schema_editor):
    MinimumWage = apps.get_model("microwork", "MinimumWage")
    for country, _hourly, _currency, effective_from, _source in WAGES:
        MinimumWage.objects.filter(country=country, effective_from=effective_from).delete()


class Migration(migrations.Migration):
    dependencies = [("microwork", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
