"""The default hooks of ``training.Task`` (fast: no training run)."""

from types import SimpleNamespace

import pytest

from qprecode.training import TASKS, Task


class _Minimal(Task):
    """The least a task defines; every optional hook is the base's."""

    name = "minimal"
    config_class = SimpleNamespace
    selection_metric = "val"
    noise_on_device = False
    splits_batches = True

    def build_model(self):
        raise NotImplementedError

    def training_batch(self, indices, generator, step, total_steps):
        raise NotImplementedError

    def objective(self, model):
        raise NotImplementedError

    def validate(self, model):
        return {"val": 0.0}

    def test(self, model):
        raise NotImplementedError

    def trained_on(self):
        return {}

    def card_summary(self):
        return []

    def card_data(self):
        return []


TEST = {
    "snr_db": [0.0, 10.0],
    "results": [
        {"precoder": "gnn", "bits": 1, "sum_rate": [1.0, 2.0], "nmse_db": [-3.0, -5.0],
         "num_channels": 7, "num_symbols": 4},
        {"precoder": "zf", "bits": 1, "sum_rate": [0.5, 1.5], "nmse_db": [-1.0, -2.0],
         "num_channels": 7, "num_symbols": 4},
    ],
}  # fmt: skip


def task(snr_db=10.0, train_channels=12):
    data = SimpleNamespace(snr_db=snr_db, train_channels=train_channels)
    return _Minimal(SimpleNamespace(data=data))


def test_defaults_read_the_training_snr_and_size():
    assert task().test_record(TEST) == {"test_sum_rate": 2.0, "test_sum_rate[zf-1]": 1.5}
    assert task(snr_db=20.0).test_record(TEST) == {}  # the training SNR was not tested
    assert task().num_train == 12 and task().costs() == {} and task().last_test is None


def test_default_card_table_has_a_row_per_precoder_and_a_column_per_snr():
    lines = task().card_test(TEST)
    assert lines[0] == "## Test metrics (7 channels x 4 symbols, LS Bussgang gain)"
    assert "| precoder | bits | 0 dB | 10 dB | NMSE [dB] |" in lines
    assert "| zf | 1 | 0.500 | 1.500 | -1.00 |" in lines


def test_every_task_is_a_task_and_a_task_must_define_its_core():
    assert all(issubclass(cls, Task) for cls in TASKS.values())
    with pytest.raises(TypeError, match="abstract"):
        Task(SimpleNamespace())  # type: ignore[abstract]
