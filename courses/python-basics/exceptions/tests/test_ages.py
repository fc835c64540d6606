import pytest

from ages import InvalidAgeError, parse_age, parse_ages, safe_divide


def test_invalid_age_error_is_a_value_error():
    assert issubclass(InvalidAgeError, ValueError)


@pytest.mark.parametrize(("text", "age"), [("42", 42), (" 7 ", 7), ("0", 0), ("150", 150)])
def test_parse_valid_ages(text, age):
    assert parse_age(text) == age


@pytest.mark.parametrize("text", ["forty", "", "4.5", "12abc"])
def test_parse_age_rejects_non_numbers(text):
    with pytest.raises(InvalidAgeError) as caught:
        parse_age(text)
    assert str(caught.value) == f"not a number: {text!r}"
    assert isinstance(caught.value.__cause__, ValueError), "keep the original error: raise ... from error"


@pytest.mark.parametrize(("text", "age"), [("-1", -1), ("151", 151), ("200", 200)])
def test_parse_age_rejects_out_of_range(text, age):
    with pytest.raises(InvalidAgeError, match=f"^out of range: {age}$"):
        parse_age(text)


def test_safe_divide():
    assert safe_divide(10, 4) == 2.5
    assert safe_divide(1, 0) is None
    assert safe_divide(1, 0, default=0) == 0
    assert safe_divide(0, 5, default=-1) == 0


def test_safe_divide_does_not_hide_other_errors():
    with pytest.raises(TypeError):
        safe_divide("ten", 2)


def test_parse_ages_collects_everything():
    assert parse_ages(["30", "abc", "200", "7"]) == (
        [30, 7],
        ["line 2: not a number: 'abc'", "line 3: out of range: 200"],
    )
    assert parse_ages([]) == ([], [])
