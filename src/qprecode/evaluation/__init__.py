"""The evaluation runner: any precoder on channels (and, with imperfect CSI, the channel
estimates it sees) -> per-user and sum rates, log-SE, NMSE, BER; symbols and radiation patterns;
and the closed-form rates of a matrix precoder without DACs (``closed_form``).
Metrics themselves are pure functions in ``qprecode.metrics``."""

from .closed_form import OBJECTIVES, closed_form_rates, closed_form_utility
from .csi import noisy_channel_estimate, pilot_channel_estimate, pilot_estimate_nmse_db
from .evaluate import EvaluationResult, evaluate, merge_results
from .radiation import los_radiation_db
from .symbols import draw_symbols, gaussian_symbols

__all__ = [
    "OBJECTIVES",
    "EvaluationResult",
    "closed_form_rates",
    "closed_form_utility",
    "draw_symbols",
    "evaluate",
    "gaussian_symbols",
    "los_radiation_db",
    "merge_results",
    "noisy_channel_estimate",
    "pilot_channel_estimate",
    "pilot_estimate_nmse_db",
]
