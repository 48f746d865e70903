"""The table of learned kinds: every architecture has one row that serialization, the registry
and training read, and a new architecture is its own module plus one row."""

from typing import Any

import pytest
import torch
from torch import nn

from qprecode import registry
from qprecode.channels import RayleighChannel
from qprecode.evaluation import evaluate
from qprecode.models import shipped_models
from qprecode.nn import (
    ARCHITECTURES,
    LEARNED_KINDS,
    GraphPrecoder,
    KindDescription,
    LearnedKind,
    kind_of,
    load_model,
    read_files,
    save_model,
)
from qprecode.nn import kinds as kinds_module
from qprecode.precoders import mrt_matrix
from qprecode.registry import LEARNED_PREFIXES, build_precoder, find_entry
from qprecode.training import TASKS
from tests.conftest import generator


def test_every_row_is_consistent_with_serialization_registry_and_training():
    assert list(ARCHITECTURES) == [k.architecture for k in LEARNED_KINDS]
    for kind in LEARNED_KINDS:
        assert ARCHITECTURES[kind.architecture] is kind.model_class
        assert LEARNED_PREFIXES[kind.architecture] == kind.prefix
        assert kind.task in TASKS
        assert kind_of(kind.architecture) is kind


@pytest.mark.parametrize("name", shipped_models())
def test_every_shipped_model_has_a_row_and_its_model_maps_back_to_it(name):
    from qprecode.models import SHIPPED_DIR

    model, info = load_model(SHIPPED_DIR / name)
    assert kind_of(model) is kind_of(info["architecture"])


def test_unknown_architectures_are_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="known: feys-gnn"):
        kind_of("no-such-net")
    with pytest.raises(ValueError, match="not a registered architecture"):
        kind_of(nn.Linear(2, 2))


class ScaledMRT(nn.Module):
    """A minimal learned architecture: MRT with one learned complex gain per user (not
    normalised here; ``GraphPrecoder`` scales the matrix to ``P_T``)."""

    def __init__(self, users: int) -> None:
        super().__init__()
        self.users = users
        self.gain = nn.Parameter(torch.linspace(1.0, 2.0, users))

    def forward(self, H: torch.Tensor) -> torch.Tensor:
        return mrt_matrix(H, float(H.shape[-2])) * self.gain.to(H.real.dtype)

    def hyperparameters(self) -> dict[str, Any]:
        return {"users": self.users}


def _describe(hyper, trained_on):
    return KindDescription("learned", "MRT with learned gains", (None,), ("K fixed",), False)


def test_a_new_architecture_is_one_row(monkeypatch, tmp_path):
    """Adding the row makes a model of a new class savable, loadable, listed, buildable by name
    and evaluable (at runtime the maps derived from the table at import, ``ARCHITECTURES`` and
    ``LEARNED_PREFIXES``, are patched too; in the source they follow the row)."""
    row = LearnedKind("toy-mrt", ScaledMRT, "toy:", "feys-gnn", GraphPrecoder, _describe)
    monkeypatch.setattr(kinds_module, "LEARNED_KINDS", (*LEARNED_KINDS, row))
    monkeypatch.setitem(ARCHITECTURES, "toy-mrt", ScaledMRT)
    monkeypatch.setitem(LEARNED_PREFIXES, "toy-mrt", "toy:")
    model = ScaledMRT(2)
    save_model(tmp_path / "toy", model)
    assert read_files(tmp_path / "toy")[1]["architecture"] == "toy-mrt"
    entry = find_entry(f"toy:{tmp_path / 'toy'}")
    assert entry.description == "MRT with learned gains" and entry.needs == ("K fixed",)
    precoder = build_precoder(f"toy:{tmp_path / 'toy'}")
    H = RayleighChannel(8, 2).sample(50, generator(0))
    W = precoder.matrix(H)
    torch.testing.assert_close((W.abs() ** 2).sum(dim=(-2, -1)), torch.full((50,), 8.0))
    result = evaluate(precoder, H, [10.0], num_symbols=4)
    assert result.sum_rate[0] > 0
    # the prefix must match the row: a gnn: name for it is refused with the right one
    with pytest.raises(ValueError, match="name it toy:"):
        find_entry(f"gnn:{tmp_path / 'toy'}")
    assert registry.LEARNED_PREFIXES["toy-mrt"] == "toy:"
