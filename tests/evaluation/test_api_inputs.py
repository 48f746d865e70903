"""The public entry points refuse what the command line refuses: an all-zero channel, NaN in
``H``, too few symbol vectors, no channels; every precoder's ``__call__`` and ``matrix`` too."""

from __future__ import annotations

import pytest
import torch

from qprecode.evaluation import evaluate
from qprecode.registry import build_precoder
from tests.conftest import generator

PRECODERS = [("mrt", 1), ("zf", None), ("rzf", 2), ("wmmse", None), ("squid", 1), ("c2po", 1)]


def _channels() -> tuple[torch.Tensor, torch.Tensor]:
    g = generator(0)
    H = torch.randn(3, 6, 2, dtype=torch.complex64, generator=g)  # [N, M, K]
    s = torch.randn(3, 40, 2, dtype=torch.complex64, generator=g)  # [N, N_s, K]
    return H, s


def _zero(H: torch.Tensor) -> torch.Tensor:
    out = H.clone()
    out[1] = 0
    return out


def _nan(H: torch.Tensor) -> torch.Tensor:
    out = H.clone()
    out[2, 0, 1] = complex("nan")
    return out


@pytest.mark.parametrize(("name", "bits"), PRECODERS)
@pytest.mark.parametrize(("spoil", "message"), [(_zero, r"H is all zero in 1 realisation\(s\) "
                                                         r"\(e.g. flat index \[1\]\)"),
                                                (_nan, "H must be finite")])  # fmt: skip
def test_precoders_refuse_an_all_zero_or_nan_channel(name, bits, spoil, message):
    precoder = build_precoder(name, bits)
    H, s = _channels()
    with pytest.raises(ValueError, match=message):
        precoder(spoil(H), s)
    if hasattr(precoder, "matrix"):
        with pytest.raises(ValueError, match=message):
            precoder.matrix(spoil(H))
    with pytest.raises(ValueError, match=message):
        evaluate(precoder, spoil(H), [10.0], num_symbols=32)


def test_evaluate_refuses_fewer_symbol_vectors_than_users_and_no_channels():
    precoder = build_precoder("mrt", 1)
    H, _ = _channels()
    with pytest.raises(ValueError, match="at least K=2 symbol vectors"):
        evaluate(precoder, H, [10.0], num_symbols=1)
    with pytest.raises(ValueError, match="num_symbols must be a positive integer"):
        evaluate(precoder, H, [10.0], num_symbols=0)
    with pytest.raises(ValueError, match=r"no realisation \(N = 0\)"):
        evaluate(precoder, H[:0], [10.0], num_symbols=32)


def test_a_user_with_an_all_zero_channel_is_refused_by_evaluate():
    H, _ = _channels()
    H[:, :, 1] = 0
    with pytest.raises(ValueError, match="give a user an all-zero channel"):
        evaluate(build_precoder("zf", None), H, [10.0], num_symbols=32)


def test_a_conjugated_view_is_checked_like_any_tensor():
    # torch keeps H.conj() as a lazy view; the finiteness check reads it without copying
    from qprecode._validation import check_finite

    H = torch.randn(4, 3, dtype=torch.complex64)
    check_finite(H.conj(), "H")
    H[2, 1] = complex(0.0, float("nan"))
    with pytest.raises(ValueError, match="must be finite"):
        check_finite(H.conj(), "H")
