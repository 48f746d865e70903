"""The evaluation runner: any precoder on channels (and, with imperfect CSI, the channel
estimates it sees) -> per-user and sum rates, log-SE, NMSE, BER; symbols and radiation patterns;
the closed-form rates of a matrix precoder without DACs (``closed_form``); several precoders on
the same channels, drawn at once or chunk by chunk, as flat records (``side_by_side``).
Metrics themselves are pure functions in ``qprecode.metrics``."""

from .closed_form import OBJECTIVES, closed_form_rates, closed_form_utility
from .csi import noisy_channel_estimate, pilot_channel_estimate, pilot_estimate_nmse_db
from .evaluate import EvaluationResult, evaluate, merge_results
from .radiation import los_radiation_db
from .side_by_side import MIN_SYMBOLS, STREAM_BYTES, evaluate_side_by_side, records
from .symbols import draw_symbols, gaussian_symbols

__all__ = [
    "MIN_SYMBOLS",
    "OBJECTIVES",
    "STREAM_BYTES",
    "EvaluationResult",
    "closed_form_rates",
    "closed_form_utility",
    "draw_symbols",
    "evaluate",
    "evaluate_side_by_side",
    "gaussian_symbols",
    "los_radiation_db",
    "merge_results",
    "noisy_channel_estimate",
    "pilot_channel_estimate",
    "pilot_estimate_nmse_db",
    "records",
]
