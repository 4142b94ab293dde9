"""Results frameworks shipped with Kasb, from the programmes' own documents (../shared/seeds), with the
targets those documents state. Installed with services.install_framework or
`kasb install_framework --programme <id> --template <code>`; everything can be edited afterwards.

- `bot_digital_skills`: B.O.T. / UNICEF "Digital Skills for Better Future", Jordan, three years: 3,190 youth
  completed the training (70% women, 35% refugees); 200 internships and apprenticeships (76% women); 243
  onboarded onto the platform (69% women); 91 found 111 microwork opportunities; more than 13,000 USD
  earned; 54 trainers and coordinators trained (20 MoDEE, 34 Makani); survey: 35% improved career
  outcomes, 89% more employable, 86% believe the skills can improve their lives.
- `rasht_valley_livelihoods`: ILO/UNDP Rasht valley, Tajikistan: about 1,000 beneficiaries received business
  counselling and access to micro-finance (40% women, 23% from migrant households) over two years (May 2007
  to December 2008).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Line:
    code: str
    target: Decimal
    dimension: str = ""
    value: str = ""
    as_share: bool = False
    currency: str = ""


@dataclass(frozen=True)
class ResultSpec:
    title: Any
    lines: tuple[Line, ...] = ()
    outputs: tuple[ResultSpec, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class FrameworkSpec:
    name: Any
    years: int
    outcomes: tuple[ResultSpec, ...]


def share(code: str, dimension: str, value: str, percent: int) -> Line:
    return Line(code, Decimal(percent), dimension, value, as_share=True)


TEMPLATES: dict[str, FrameworkSpec] = {
    "bot_digital_skills": FrameworkSpec(
        name=_("Digital Skills for Better Future: results"), years=3,
        outcomes=(
            ResultSpec(_("Vulnerable young people gain market-relevant digital skills"),
                       lines=(Line("survey_more_employable", Decimal(89)),
                              Line("survey_skills_improve_life", Decimal(86))),
                       outputs=(
                           ResultSpec(_("Young people complete the basic and advanced digital skills training"),
                                      lines=(Line("completed", Decimal(3190)),
                                             share("completed", "sex", "female", 70),
                                             share("completed", "displacement", "refugee", 35))),
                           ResultSpec(_("Trainers and coordinators of partner centres trained"),
                                      lines=(Line("staff_trained", Decimal(54)),)),
                       )),
            ResultSpec(_("Graduates earn an income from digital work"),
                       lines=(Line("income_earned", Decimal(13000), currency="USD"),
                              Line("survey_career_improved", Decimal(35))),
                       outputs=(
                           ResultSpec(_("Graduates onboarded onto the microwork platform find work"),
                                      lines=(Line("onboarded", Decimal(243)),
                                             share("onboarded", "sex", "female", 69),
                                             Line("found_microwork", Decimal(91)),
                                             Line("microwork_projects", Decimal(111)))),
                           ResultSpec(_("Graduates placed in internships and apprenticeships"),
                                      lines=(Line("internships", Decimal(200)),
                                             share("internships", "sex", "female", 76))),
                       )),
        )),
    "rasht_valley_livelihoods": FrameworkSpec(
        name=_("Rasht valley livelihoods: results"), years=2,
        outcomes=(
            ResultSpec(_("Returning migrants and their households start or grow a livelihood"),
                       outputs=(
                           ResultSpec(_("Beneficiaries receive business counselling"),
                                      lines=(Line("business_counselling_referrals", Decimal(1000)),
                                             share("business_counselling_referrals", "sex", "female", 40),
                                             share("business_counselling_referrals", "household", "yes", 23))),
                       )),
        )),
}
