"""Property test over the numeric options of ``qprecode evaluate``: whatever the numbers, the
command either succeeds with finite results or stops with a one-line error (exit status 2),
never a traceback."""

import json
import math
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qprecode.cli import main

_NUMBERS = st.one_of(
    st.integers(-3, 6).map(str),
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "1e400", "", "x", "0:10:5", "10:0:5", "0:10:0"]),
)


def _finite(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


@settings(
    max_examples=int(os.environ.get("QPRECODE_CLI_EXAMPLES", "30")),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(antennas=st.integers(-2, 6), users=st.integers(-1, 4), channels=st.integers(-1, 4),
       symbols=st.sampled_from([-1, 0, 8, 31, 32, 40]), snr=_NUMBERS,
       csi=st.one_of(st.none(), _NUMBERS),
       batch=st.integers(-1, 3), precoder=st.sampled_from(["mrt", "zf", "wmmse", "squid"]),
       bits=st.sampled_from(["1", "inf", "0", "9", "2,inf"]))  # fmt: skip
def test_evaluate_never_tracebacks_and_never_prints_non_finite_numbers(
    antennas, users, channels, symbols, snr, csi, batch, precoder, bits, capsys
):
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "r.json"
        args = ["evaluate", "--precoder", precoder, "--bits", bits, "-M", str(antennas), "-K",
                str(users), "--channels", str(channels), "--symbols", str(symbols), "--snr-db",
                snr, "--batch-size", str(batch), "--json", str(out), "--quiet"]  # fmt: skip
        if csi is not None:
            args += ["--csi-error-db", csi]
        try:
            main(args)
            code = 0
        except SystemExit as stop:
            code = stop.code
        err = capsys.readouterr().err  # read (and reset) after every example
        assert code in (0, 2), err
        if code == 2:
            assert err.strip() and "Traceback" not in err
        else:
            rows = json.loads(out.read_text())["results"]
            for row in rows:
                for key in ("sum_rate", "user_rate", "log_se", "snidr_db"):
                    assert _finite(row[key]), (key, row)
