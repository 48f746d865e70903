"""Power of current-steering DACs (eq. 39 of Feys et al., after Cui, Goldsmith and Bahai 2005).

    P_DAC = 1/2 V_dd I_0 (2^b - 1) + b C_p (f_s / 2) V_dd^2

The first term is static (current sources), the second dynamic (switching). Baseband DACs sample
at ``f_s = 4 B`` (oversampling 4); RF-DACs synthesise the carrier directly and sample at
``f_s = 4 f_c / (2n - 1)``, which places the signal in the ``n``-th Nyquist zone.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DACPowerModel"]


@dataclass(frozen=True)
class DACPowerModel:
    """Parameters of eq. 39 and of the two DAC types (defaults: Sect. VII-A).

    Attributes:
        vdd: supply voltage ``V_dd`` [V].
        i0: current of the least significant bit's source ``I_0`` [A].
        cp: parasitic capacitance per transistor ``C_p`` [F].
        oversampling: baseband ``f_s / B``.
        carrier_hz: carrier ``f_c`` of the RF-DAC [Hz].
        nyquist_zone: ``n`` of the RF-DAC.
    """

    vdd: float = 3.0
    i0: float = 10e-6
    cp: float = 1e-12
    oversampling: float = 4.0
    carrier_hz: float = 3.5e9
    nyquist_zone: int = 2

    def __post_init__(self) -> None:
        for name in ("vdd", "i0", "cp", "oversampling", "carrier_hz"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.nyquist_zone < 1:
            raise ValueError(f"nyquist_zone must be >= 1, got {self.nyquist_zone}")

    def power(self, bits: int, sample_rate_hz: float) -> float:
        """Eq. 39: power of one DAC [W] at ``bits`` resolution and sampling rate ``f_s``."""
        if bits < 1 or sample_rate_hz < 0:
            raise ValueError(f"need bits >= 1 and f_s >= 0, got {bits}, {sample_rate_hz}")
        static = 0.5 * self.vdd * self.i0 * (2**bits - 1)
        dynamic = bits * self.cp * sample_rate_hz / 2 * self.vdd**2
        return static + dynamic

    def sample_rate(self, dac: str, bandwidth_hz: float) -> float:
        """``f_s`` of a ``baseband`` DAC (``oversampling * B``) or an ``rf`` DAC
        (``4 f_c / (2n - 1)``, independent of ``B``)."""
        if dac == "baseband":
            return self.oversampling * bandwidth_hz
        if dac == "rf":
            return 4 * self.carrier_hz / (2 * self.nyquist_zone - 1)
        raise ValueError(f"dac must be 'baseband' or 'rf', got {dac!r}")

    def total(self, bits: int, antennas: int, dac: str, bandwidth_hz: float) -> float:
        """All ``2M`` DACs (real and imaginary part of every antenna) [W]."""
        return 2 * antennas * self.power(bits, self.sample_rate(dac, bandwidth_hz))
