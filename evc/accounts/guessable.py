"""How easy a password is to guess: zxcvbn's estimate, with Dutch words it does not know.

zxcvbn (Dropbox's estimator) knows English words, names and the most common passwords. The
words below are what Dutch people pick first (greetings, seasons, months, days, clubs, cities,
the words of this service); zxcvbn treats them as a dictionary of its own, so "Welkom2026!!"
is estimated as a known word with a year and two signs, not as twelve random characters.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

# At least 10^10 guesses: zxcvbn's highest score, safe against an offline attack on a leaked
# hash list at a slow hash, and far beyond what the login throttle lets anyone try online.
MIN_GUESSES_LOG10 = 10

DUTCH_WORDS = """
wachtwoord paswoord welkom hallo hoi doei geheim liefde schat schatje lieverd liefje
vrijwilliger vrijwilligers vrijwilligerswerk evc zorg buurthuis gemeente participatie
zomer winter lente herfst januari februari maart april mei juni juli augustus september
oktober november december maandag dinsdag woensdag donderdag vrijdag zaterdag zondag
voetbal ajax feyenoord psv oranje holland nederland amsterdam rotterdam utrecht denhaag
eindhoven groningen tilburg almere breda nijmegen haarlem arnhem zwolle leiden
koning koningin prinses prins beer konijn hond kat poes paard vogel tijger leeuw
bloem roos tulp zon maan ster hemel engel duivel vrijheid vrede geluk gezondheid
familie moeder vader mama papa oma opa zus broer kind kinderen baby jongen meisje
school werk kantoor computer internet welkom01 abcdef qwerty azerty asdfgh
"""


def guessable_problem(password: str, *, personal: list[str]) -> str | None:
    """A plain-Dutch reason why ``password`` is too easy to guess, or None. ``personal`` are the
    person's own words (e-mail, name), which zxcvbn also counts as known."""
    # zxcvbn reads at most 72 characters; a longer passphrase is judged by its start.
    estimate = zxcvbn(password[:72], user_inputs=[*personal, *DUTCH_WORDS.split()])
    if estimate["guesses_log10"] >= MIN_GUESSES_LOG10:
        return None
    return " ".join([_("Dit wachtwoord is te makkelijk te raden."), *_hints(estimate)])


def _hints(estimate) -> list[str]:
    patterns = {match["pattern"] for match in estimate["sequence"]}
    hints = [str(text) for pattern, text in _HINTS if pattern in patterns]
    return [*hints[:2], _("Kies liever een zin van vier of meer gewone woorden.")]


_HINTS = (
    ("dictionary", _l("Het bevat een bekend woord of een bekend wachtwoord.")),
    ("date", _l("Een jaartal of een datum raadt iemand snel.")),
    ("sequence", _l("Een rijtje zoals abc of 1234 raadt iemand snel.")),
    ("repeat", _l("Herhalingen zoals aaa of abcabc raadt iemand snel.")),
    ("spatial", _l("Toetsen naast elkaar, zoals qwerty, raadt iemand snel.")),
)
