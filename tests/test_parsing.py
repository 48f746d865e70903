import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qprecode._parsing import parse_bits_list, parse_int_range, parse_name_list, parse_snr_range


def test_range_syntax():
    assert parse_snr_range("-30:30:5") == [float(x) for x in range(-30, 31, 5)]
    assert parse_snr_range("0:1:0.25") == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert parse_snr_range("0:1:0.3") == [0.0, 0.3, 0.6, 0.9]
    assert parse_snr_range("20") == [20.0]
    assert parse_snr_range("0, 10,20") == [0.0, 10.0, 20.0]


@pytest.mark.parametrize(
    "text",
    [
        "",
        ":",
        "0:10",
        "0:10:0",
        "0:10:-1",
        "10:0:1",
        "a:b:c",
        "1,,2",
        "inf",
        "0:nan:1",
        "0:1e9:1e-3",
    ],
)
def test_range_errors(text):
    with pytest.raises(ValueError):
        parse_snr_range(text)


@given(start=st.integers(-50, 50), count=st.integers(1, 30), step=st.sampled_from([0.5, 1, 2.5, 5]))
def test_range_points(start, count, step):
    stop = start + (count - 1) * step
    points = parse_snr_range(f"{start}:{stop}:{step}")
    assert len(points) == count
    assert points[0] == start and math.isclose(points[-1], stop)


@given(st.text(max_size=12))
def test_arbitrary_text_parses_or_raises_value_error(text):
    try:
        points = parse_snr_range(text)
    except ValueError:
        return
    assert points and all(math.isfinite(p) for p in points)


def test_lists():
    assert parse_name_list("mrt, zf") == ["mrt", "zf"]
    assert parse_bits_list("1,4,inf") == [1, 4, None]
    with pytest.raises(ValueError, match="empty"):
        parse_name_list("mrt,")
    with pytest.raises(ValueError, match="bits"):
        parse_bits_list("1,9")


def test_int_ranges():
    assert parse_int_range("1:12", "K") == list(range(1, 13))
    assert parse_int_range("6:40:2", "M") == list(range(6, 41, 2))
    assert parse_int_range("1,2,8", "K") == [1, 2, 8] and parse_int_range("4", "K") == [4]
    for bad in ("0:3", "3:1", "1:2:0", "a", "1.5", "1:2:3:4", ""):
        with pytest.raises(ValueError, match="K"):
            parse_int_range(bad, "K")
