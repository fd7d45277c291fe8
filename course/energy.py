"""Power and battery arithmetic for always-on devices (duty cycles, battery life)."""


def average_current_ma(active_ma: float, sleep_ma: float, duty_cycle: float) -> float:
    """Average current (mA) of a device active a fraction `duty_cycle` (0..1) of the time."""
    if not 0.0 <= duty_cycle <= 1.0:
        raise ValueError(f"duty_cycle must be between 0 and 1, got {duty_cycle}")
    if active_ma < 0 or sleep_ma < 0:
        raise ValueError("currents must be non-negative")
    return duty_cycle * active_ma + (1.0 - duty_cycle) * sleep_ma


def battery_life_hours(capacity_mah: float, average_ma: float) -> float:
    """Hours a battery of `capacity_mah` lasts at a constant `average_ma` draw (ideal battery)."""
    if capacity_mah <= 0:
        raise ValueError(f"capacity_mah must be positive, got {capacity_mah}")
    if average_ma <= 0:
        raise ValueError(f"average_ma must be positive, got {average_ma}")
    return capacity_mah / average_ma


def energy_mj(power_mw: float, seconds: float) -> float:
    """Energy in millijoules used by `power_mw` milliwatts for `seconds` seconds."""
    return power_mw * seconds
