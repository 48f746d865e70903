import json
import math

import pytest

from qprecode.results import bits_json, write_json


def test_bits_are_integers_or_inf_wherever_they_are(tmp_path):
    payload = {"config": {"bits": [1.0, 2, None, math.inf]},
               "data": [{"precoder": "mrt", "bits": None, "sum_rate": math.nan},
                        {"precoder": "gnn", "bits": 3.0, "nmse_db": -math.inf},
                        {"bits": "inf"}]}  # fmt: skip
    write_json(tmp_path / "r.json", payload)
    back = json.loads((tmp_path / "r.json").read_text())
    assert back["config"]["bits"] == [1, 2, "inf", "inf"]
    assert [r["bits"] for r in back["data"]] == ["inf", 3, "inf"]
    assert isinstance(back["data"][1]["bits"], int)
    assert back["data"][0]["sum_rate"] is None and back["data"][1]["nmse_db"] is None


def test_a_fractional_resolution_is_refused():
    assert bits_json(4) == 4 and bits_json(None) == "inf"
    with pytest.raises(ValueError, match="whole number"):
        bits_json(1.5)
