"""``HeldOutResult``'s repr: six significant digits, the row count as an integer when it is whole."""

from __future__ import annotations

from glmgen.results import HeldOutResult


def test_repr_rounds_to_six_significant_digits_and_shows_whole_counts_as_integers() -> None:
    result = HeldOutResult(mean_deviance=0.8483295293116905, deviance=262.98215408662, null_deviance=400.1234567,
                           d2=0.342731, n=310.0)
    assert repr(result) == ("HeldOutResult(mean_deviance=0.84833, deviance=262.982, null_deviance=400.123, "
                            "d2=0.342731, n=310)")
    assert repr(HeldOutResult(1.0, 2.0, 3.0, 0.5, n=1234567.0)).endswith("n=1234567)")
    assert repr(HeldOutResult(1.0, 2.0, 3.0, 0.5, n=310.25)).endswith("n=310.25)")  # frequency weights
