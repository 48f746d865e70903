"""Sweeps over many trainings: the trials of a config's sweep section, run locally or on Ray
Tune, collected into one table, with seed aggregation and Pareto fronts."""

from .engines import ENGINES, ray_available, run_local, run_ray
from .pareto import aggregate_seeds, pareto_mask
from .plan import Trial, execute_trial, plan_sweep, trial_dir

__all__ = [
    "ENGINES",
    "Trial",
    "aggregate_seeds",
    "execute_trial",
    "pareto_mask",
    "plan_sweep",
    "ray_available",
    "run_local",
    "run_ray",
    "trial_dir",
]
