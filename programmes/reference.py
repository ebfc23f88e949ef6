"""Reference data from maintained packages, never typed by hand: ISO 4217 currencies and ISO 3166
countries (pycountry). The catalogue's codes are checked against them (a currency `XXZ` is
refused by the loader and by `load_dump`)."""

import pycountry


def is_currency(code):
    return isinstance(code, str) and pycountry.currencies.get(alpha_3=code) is not None


def is_country(code):
    return isinstance(code, str) and pycountry.countries.get(alpha_2=code) is not None
