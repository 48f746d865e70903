"""A run says what it trains before the work begins, and what its first step cost, in plain
status lines (they reach a log file as well as a terminal)."""

import re

from qprecode.training import FeysTask, config_from_raw, train

RAW = dict(
    antennas=8, users=1, bits=1, hidden_dim=8, hidden_layers=1, train_channels=64,
    val_channels=16, test_channels=16, symbols=8, eval_symbols=16, batch_size=16, epochs=4,
    eval_every=3,
)  # fmt: skip


def test_the_plan_comes_before_the_first_batch_and_the_memory_after_the_first_step(
    tmp_path, monkeypatch
):
    said: list[str] = []
    original = FeysTask.training_batch

    def first_batch(self, indices, generator, step, total_steps):
        if step == 0:
            said.append("<first batch>")
        return original(self, indices, generator, step, total_steps)

    monkeypatch.setattr(FeysTask, "training_batch", first_batch)
    train(config_from_raw(RAW), tmp_path, progress=False, max_steps=2, echo=said.append)
    assert said.index("<first batch>") == 1
    assert said[0] == (
        f"training feys-gnn (antennas 8, users 1, channel rayleigh, snr_db 20.0) on cpu into "
        f"{tmp_path}: steps 1..2 of 16, batch 16, validation every 3 steps"
    )
    assert re.fullmatch(r"step 1 done in \d+\.\d s; peak process memory \d+\.\d\d GiB", said[2])
