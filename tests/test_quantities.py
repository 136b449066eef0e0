"""Figures: found whole (hedges, ranges), normalised, compared."""

import pytest

from qa.quantities import compatible, find_quantities, parse_number


@pytest.mark.parametrize("text, want", [
    ("Bali said 400 to 600 jihadists remain", [("400 to 600", 400, 600)]),
    ("At least 48 suspected IS members", [("At least 48", 48, None)]),
    ("more than 1,270 IS militants", [("more than 1,270", 1270, None)]),
    ("killing dozens of people", [("dozens", 24, 99)]),
    ("three civilians died", [("three", 3, 3)]),
    ("between 1,300 and 1,400 people", [("between 1,300 and 1,400", 1300, 1400)]),
    ("up to 200 people", [("up to 200", None, 200)]),
    ("Twenty-five people were killed", [("Twenty-five", 25, 25)]),
    ("1.5 million refugees", [("1.5 million", 1.5e6, 1.5e6)]),
])
def test_figures_kept_whole_with_bounds(text, want):
    got = [(q.text, q.low, q.high) for q in find_quantities(text)]
    assert got == want


def test_years_times_and_ordinals_are_not_figures():
    assert find_quantities("In 2016 at 4 am the 3rd battalion moved") == []
    assert [q.text for q in find_quantities("in 2016", years=True)] == ["2016"]


def test_parse_number_words_and_digits():
    assert parse_number("one hundred and twenty") == 120
    assert parse_number("1,270") == 1270
    assert parse_number("soon") is None


def test_compatibility_of_figures():
    a, b, c, d = (find_quantities(s)[0] for s in ("at least 50", "dozens", "43", "31"))
    assert compatible(a, b) and not compatible(c, d) and compatible(b, c)


def test_numbers_inside_codes_are_not_figures():
    # "UTC+3" is a time zone, "24/7" a phrase: only the toll is a figure
    text = "1849 UTC+3 A total of 130 people have fallen victims, open 24/7."
    assert [q.text for q in find_quantities(text)] == ["130"]
