"""Machine vibration: 3-axis accelerometer windows from rotating machines, normal and faulty.

A machine has its own shaft speed, harmonic levels, mounting (axis gains), structural resonance,
bearing geometry and noise floor; each window has its own load and speed wobble. Faults change the
physics the way condition-monitoring textbooks describe:
imbalance → 1× shaft harmonic grows (radial, 90° between x and y); misalignment → 2× grows, axial
vibration rises; bearing → impulses at the outer-race fault frequency ringing the resonance;
looseness → many harmonics and half-harmonics, clipped (the part knocks against its bolts).
"""
import numpy as np

from course.data.dataset import Dataset

FAULTS = ["imbalance", "misalignment", "bearing", "looseness"]
CLASSES = ["normal", *FAULTS]


def _machine(seed: int, machine: int) -> dict:
    """The fixed properties of machine number `machine` (the same in every function for one seed)."""
    rng = np.random.default_rng([seed, machine])
    return {"speed": rng.uniform(20, 45), "h1": rng.uniform(0.02, 0.06), "h2": rng.uniform(0.008, 0.025),
            "h3": rng.uniform(0.003, 0.01), "gain": rng.uniform(0.6, 1.2, 3) * [1, 1, 0.5],
            "resonance": rng.uniform(700, 1300), "bpfo": rng.uniform(3.0, 3.6),
            "noise": rng.uniform(0.005, 0.015), "line": rng.uniform(0.002, 0.01)}


def _ringing(rng: np.random.Generator, n: int, rate: float, freq: float, period: float) -> np.ndarray:
    """Unit impulses every `period` s (with 1 % timing jitter) exciting a resonance at `freq` Hz."""
    out = np.zeros(n)
    t0 = rng.uniform(0, period)
    times = np.arange(t0, n / rate, period) + rng.normal(0, 0.01 * period, len(np.arange(t0, n / rate, period)))
    kernel_t = np.arange(int(0.01 * rate)) / rate
    kernel = np.sin(2 * np.pi * freq * kernel_t) * np.exp(-kernel_t / 0.0015)
    for t in times:
        i = int(t * rate)
        if 0 <= i < n:
            part = kernel[:n - i]
            out[i:i + len(part)] += part
    return out


def _window(rng: np.random.Generator, m: dict, fault: str, severity: float, drift: float,
            rate: float, length: int) -> tuple[np.ndarray, float, float]:
    """One (length, 3) window in g; returns it with the speed (Hz) and load used."""
    load = rng.uniform(0.2, 1.0)
    speed = m["speed"] * (1 - 0.03 * load) * (1 + rng.normal(0, 0.01))
    t = np.arange(length) / rate
    level = 0.8 + 0.4 * load
    h = {1: m["h1"] * level * (1 + 0.5 * drift), 2: m["h2"] * level, 3: m["h3"] * level}
    axial = np.array([1.0, 1.0, 1.0])
    if fault == "imbalance":
        h[1] *= 1 + 2.5 * severity
    if fault == "misalignment":
        h[2] *= 1 + 4 * severity
        axial[2] = 1 + 3 * severity
    x = np.zeros((length, 3))
    for k, amp in h.items():
        phase = rng.uniform(0, 2 * np.pi)
        x[:, 0] += amp * np.sin(2 * np.pi * k * speed * t + phase)
        x[:, 1] += amp * np.cos(2 * np.pi * k * speed * t + phase)  # radial axes 90° apart
        x[:, 2] += amp * 0.4 * np.sin(2 * np.pi * k * speed * t + rng.uniform(0, 2 * np.pi))
    x[:, 2] *= axial[2]
    x += m["line"] * np.sin(2 * np.pi * 100 * t + rng.uniform(0, 2 * np.pi))[:, None]
    if fault == "looseness":
        for k in np.arange(0.5, 10.5, 0.5):
            amp = m["h1"] * severity * 0.6 / np.sqrt(k)
            x[:, :2] += amp * np.sin(2 * np.pi * k * speed * t[:, None] + rng.uniform(0, 2 * np.pi, 2))
        limit = np.quantile(x[:, 1], 1 - 0.3 * severity)
        x[:, 1] = np.minimum(x[:, 1], limit)
    resonance = m["resonance"] * (1 - 0.05 * drift)
    noise = m["noise"] * (1 + drift) * rng.standard_normal((length, 3))
    structural = _ringing(rng, length, rate, resonance, 1 / rng.uniform(150, 400))  # random knocks
    x += noise + 0.2 * m["noise"] * structural[:, None] * rng.normal(1, 0.2, 3)
    if fault == "bearing":
        impulses = _ringing(rng, length, rate, resonance, 1 / (m["bpfo"] * speed))
        x += 0.25 * severity * impulses[:, None] * np.array([1.0, 0.7, 0.4])
    return (x * m["gain"]).astype(np.float32), speed, load


def vibration(n_normal: int = 400, n_per_fault: int = 100, faults: list[str] | None = None,
              n_machines: int = 6, sample_rate: float = 3200.0, length: int = 1024,
              drift: float = 0.0, seed: int = 0) -> Dataset:
    """Vibration windows x float32 (N, length, 3) in g; classes normal, imbalance, misalignment,
    bearing, looseness (y indexes `CLASSES` even when `faults` selects fewer).

    `n_normal` normal windows and `n_per_fault` per fault, spread over `n_machines` machines; fault
    severity is uniform in [0.1, 1] (mild faults are hard to tell from normal). Every window gets a
    time in [0, 1]; with `drift` > 0 a machine's normal behaviour changes with it (1× level +50 %·drift,
    noise floor +100 %·drift, resonance −5 %·drift).
    """
    faults = list(FAULTS if faults is None else faults)
    if set(faults) - set(FAULTS):
        raise ValueError(f"faults must be among {FAULTS}")
    rng = np.random.default_rng(seed)
    machines = [_machine(seed, k) for k in range(n_machines)]
    labels = np.concatenate([np.zeros(n_normal, int)] + [np.full(n_per_fault, CLASSES.index(f)) for f in faults])
    n = len(labels)
    who = rng.integers(0, n_machines, n)
    severity = np.where(labels > 0, rng.uniform(0.1, 1.0, n), 0.0)
    time = rng.uniform(0, 1, n)
    x = np.zeros((n, length, 3), dtype=np.float32)
    speed, load = np.zeros(n), np.zeros(n)
    for i in range(n):
        x[i], speed[i], load[i] = _window(rng, machines[who[i]], CLASSES[labels[i]], severity[i],
                                          drift * time[i], sample_rate, length)
    meta = {"machine": np.array([f"m{k}" for k in who]), "fault": np.array(CLASSES)[labels],
            "severity": severity.astype(np.float32), "speed_hz": speed.astype(np.float32),
            "load": load.astype(np.float32), "time": time.astype(np.float32)}
    return Dataset("vibration", x, labels.astype(np.int64), list(CLASSES), meta, float(sample_rate))


def vibration_timeline(n_windows: int = 200, machine: int = 0, fault: str = "bearing",
                       fault_start: float = 0.6, drift: float = 0.3, sample_rate: float = 3200.0,
                       length: int = 1024, seed: int = 0) -> Dataset:
    """One machine's life in time order: normal, slowly drifting by `drift`, until `fault` appears
    at `fault_start` (fraction of the timeline) and grows linearly to full severity at the end.

    Machine `machine` is the same machine as `m{machine}` in `vibration(seed=seed)`.
    """
    if fault not in FAULTS:
        raise ValueError(f"fault must be one of {FAULTS}")
    rng = np.random.default_rng([seed, machine, n_windows])
    m = _machine(seed, machine)
    time = np.linspace(0, 1, n_windows)
    severity = np.clip((time - fault_start) / max(1 - fault_start, 1e-9), 0, 1) * (time >= fault_start)
    severity = np.where(time >= fault_start, np.maximum(severity, 0.05), 0.0)
    labels = np.where(severity > 0, CLASSES.index(fault), 0)
    x = np.zeros((n_windows, length, 3), dtype=np.float32)
    speed, load = np.zeros(n_windows), np.zeros(n_windows)
    for i in range(n_windows):
        x[i], speed[i], load[i] = _window(rng, m, CLASSES[labels[i]], severity[i], drift * time[i],
                                          sample_rate, length)
    meta = {"machine": np.full(n_windows, f"m{machine}"), "fault": np.array(CLASSES)[labels],
            "severity": severity.astype(np.float32), "speed_hz": speed.astype(np.float32),
            "load": load.astype(np.float32), "time": time.astype(np.float32)}
    return Dataset("vibration", x, labels.astype(np.int64), list(CLASSES), meta, float(sample_rate))
