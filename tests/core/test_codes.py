"""Verification codes are long, random, and forgiving to type."""

from hypothesis import given
from hypothesis import strategies as st

from app.core.codes import ALPHABET, CODE_LENGTH, format_code, new_code, normalise_code


def test_codes_are_unique_and_carry_100_bits():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert CODE_LENGTH * 5 >= 80


@given(st.text(alphabet=ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH))
def test_printed_form_round_trips_in_any_case(code):
    printed = format_code(code)
    assert normalise_code(printed) == code
    assert normalise_code(printed.lower()) == code
    assert normalise_code(printed.replace("-", " ")) == code


def test_confusable_letters_are_read_as_digits():
    code = "0" * 19 + "1"
    assert normalise_code("OOOO-OOOO-OOOO-OOOO-OOOI") == code
    assert normalise_code("oooo oooo oooo oooo oool") == code


def test_garbage_is_rejected():
    assert normalise_code("") is None
    assert normalise_code("ABC") is None
    assert normalise_code("<script>alert(1)</script>") is None
