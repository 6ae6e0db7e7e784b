"""Unit tests of programs.validators: good values, each failure, warnings."""

from datetime import date

import pytest
from django.utils import translation
from stdnum import luhn
from stdnum.cn import ric

from programs.students.rules import check_bank_card, check_id_number, check_phone


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def make_id(body17: str) -> str:
    # python-stdnum, an implementation we did not write, computes the check
    # character over number[:-1]: it takes the whole 18 characters.
    return body17 + ric.calc_check_digit(body17 + "?")


TODAY = date(2020, 11, 11)


class TestIdNumber:
    def test_worked_example(self):
        # 430102 (Changsha Furong), born 2001-01-01, sequence 123: MOD 11-2 gives 0.
        assert ric.is_valid("430102200101011230")
        result = check_id_number("430102200101011230", today=TODAY)
        assert result.ok and result.value == "430102200101011230" and result.warnings == []

    def test_check_character_x_in_lower_case_is_accepted(self):
        body = next(f"43010220010101{n:03d}" for n in range(1000)
                    if ric.calc_check_digit(f"43010220010101{n:03d}?") == "X")
        result = check_id_number(body + "x", today=TODAY)
        assert result.ok and result.value.endswith("X")

    def test_spaces_and_full_width_spaces_are_dropped(self):
        assert check_id_number(" 430102 20010101 1239\u3000", today=TODAY).value == "430102200101011239"

    @pytest.mark.parametrize("raw", ["", None, "   "])
    def test_empty(self, raw):
        assert check_id_number(raw, today=TODAY).errors == ["The ID number is empty"]

    @pytest.mark.parametrize("raw", ["43010220010101123", "4301022001010112399", "43010220010101123A", "4301022001O1011239"])
    def test_wrong_shape(self, raw):
        assert check_id_number(raw, today=TODAY).errors == ["An ID number has 18 characters: 17 digits, then a digit or X"]

    def test_wrong_check_character(self):
        result = check_id_number("430102200101011239", today=TODAY)
        assert result.errors == ["The ID number's check character is wrong (it should be 0)"]

    def test_birth_date_that_does_not_exist(self):
        value = make_id("43010220010230123")  # 30 February
        assert check_id_number(value, today=TODAY).errors == [
            "The birth date 20010230 in the ID number does not exist"]

    def test_birth_date_in_the_future(self):
        value = make_id("43010220211201123")
        assert check_id_number(value, today=TODAY).errors == [
            "The birth date 2021-12-01 in the ID number is not plausible"]

    def test_birth_date_before_1900(self):
        value = make_id("43010218991231123")
        assert "not plausible" in check_id_number(value, today=TODAY).errors[0]

    def test_unknown_region_is_only_a_warning(self):
        value = make_id("99990020010101123")
        result = check_id_number(value, today=TODAY)
        assert result.ok
        assert result.warnings == ["The ID number's region code 999900 is unknown: please check it"]


class TestPhone:
    @pytest.mark.parametrize("raw, value", [
        ("13800001234", "13800001234"),
        (13800001234, "13800001234"),  # a number cell
        (13800001234.0, "13800001234"),
        ("+86 138 0000 1234", "13800001234"),
        ("8613800001234", "13800001234"),
        ("138-0000-1234", "13800001234"),
    ])
    def test_good(self, raw, value):
        result = check_phone(raw)
        assert result.ok and result.value == value

    def test_empty(self):
        assert check_phone("").errors == ["The phone number is empty"]

    @pytest.mark.parametrize("raw", ["1380000123", "138000012345", "23800001234", "12800001234", "1380000123a", "0731-8888888"])
    def test_bad(self, raw):
        assert check_phone(raw).errors == ["A phone number has 11 digits and starts with 1"]


class TestBankCard:
    def test_worked_example_passes_luhn(self):
        body = "621700123456789012"
        card = body + luhn.calc_check_digit(body)
        result = check_bank_card(card)
        assert result.ok and result.warnings == [] and result.value == card

    def test_luhn_failure_is_a_warning_not_an_error(self):
        body = "621700123456789012"
        wrong = body + str((int(luhn.calc_check_digit(body)) + 1) % 10)
        result = check_bank_card(wrong)
        assert result.ok
        assert result.warnings == ["The bank card number fails the Luhn check: please check it"]

    def test_spaces_are_dropped(self):
        assert check_bank_card("6217 0012 3456 7890 12" + "3").value == "6217001234567890123"

    @pytest.mark.parametrize("n", [15, 16, 19])
    def test_lengths_accepted(self, n):
        body = "6" * (n - 1)
        assert check_bank_card(body + luhn.calc_check_digit(body)).ok

    @pytest.mark.parametrize("n", [14, 20])
    def test_lengths_refused(self, n):
        assert check_bank_card("6" * n).errors == [
            f"A bank card number has 15 to 19 digits (this one has {n})"]

    def test_letters_refused(self):
        assert check_bank_card("62170012345678901A").errors == ["A bank card number has digits only"]

    def test_empty(self):
        assert check_bank_card(None).errors == ["The bank card number is empty"]
