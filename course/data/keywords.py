"""Spoken keywords, synthesized offline: 1-second 16 kHz clips in the shape of Google Speech Commands.

Every "speaker" is an espeak-ng English accent with a voice variant and its own speaking rate, pitch
and pitch range; each clip adds jitter, a random onset, a random level and coloured background noise
at a random SNR. Audio is stored as int16 (divide by 32768 for floats in [-1, 1)).
"""
from functools import cache

import numpy as np
from scipy.signal import firwin, resample_poly

from course.data import speech_synth
from course.data.dataset import Dataset
from course.units import audio_as_float, audio_as_int16

SAMPLE_RATE = 16000
WORDS = ["yes", "no", "up", "down", "go", "stop"]
SILENCE, UNKNOWN = "silence", "unknown"
ACCENTS = {
    "en": "British English",
    "en-us": "American English",
    "en-us-nyc": "American English (New York City)",
    "en-gb-scotland": "Scottish English",
    "en-gb-x-rp": "British English (Received Pronunciation)",
    "en-gb-x-gbclan": "British English (Lancaster)",
    "en-gb-x-gbcwmd": "British English (West Midlands)",
    "en-029": "Caribbean English",
}
# The 35 words of Speech Commands v2: those not chosen as keywords become "unknown".
SPEECH_COMMANDS_WORDS = [
    "backward", "bed", "bird", "cat", "dog", "down", "eight", "five", "follow", "forward", "four",
    "go", "happy", "house", "learn", "left", "marvin", "nine", "no", "off", "on", "one", "right",
    "seven", "sheila", "six", "stop", "three", "tree", "two", "up", "visual", "wow", "yes", "zero",
]
META_FIELDS = ["speaker", "accent", "variant", "gender", "word", "rate", "pitch", "pitch_range",
               "level_db", "snr_db", "noise_db", "noise_color", "onset", "file"]


def keyword_classes(words: list[str]) -> list[str]:
    """Class names in Speech Commands order: silence, unknown, then the keywords."""
    return [SILENCE, UNKNOWN, *words]


def fit_to_length(audio: np.ndarray, length: int, onset: int) -> np.ndarray:
    """Place `audio` at sample `onset` in `length` zeros, cutting whatever does not fit."""
    out = np.zeros(length, dtype=np.float64)
    part = audio[:max(0, length - onset)]
    out[onset:onset + len(part)] = part
    return out


def coloured_noise(rng: np.random.Generator, n: int, color: float) -> np.ndarray:
    """Unit-RMS noise with power spectrum ∝ 1/f^color (0 white, 1 pink, 2 brown)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n)
    f[0] = f[1]
    noise = np.fft.irfft(spectrum / f ** (color / 2), n)
    noise -= noise.mean()
    return noise / np.sqrt(np.mean(noise ** 2))


@cache
def _resampling_filter() -> np.ndarray:
    """The anti-aliasing filter for 22,050 → 16,000 Hz (scipy's default for resample_poly, cached)."""
    return firwin(2 * 10 * 441 + 1, 1 / 441, window=("kaiser", 5.0))


def _speech(word: str, accent: str, variant: str, rate: float, pitch: float, pitch_range: float) -> np.ndarray:
    """One word from espeak-ng at 16 kHz as floats, leading and trailing silence removed."""
    raw = speech_synth.synthesize(word, accent, variant, round(rate), round(pitch), round(pitch_range))
    audio = resample_poly(audio_as_float(raw, np.float64), 320, 441, window=_resampling_filter())
    active = np.flatnonzero(np.abs(audio) > 0.02 * np.abs(audio).max())
    return audio[active[0]:active[-1] + 1]


def _speakers(rng: np.random.Generator, n_speakers: int, accents: list[str]) -> list[dict]:
    """Draw `n_speakers` distinct (accent, variant) pairs, each with its own rate, pitch and range."""
    pool = [(a, v) for a in accents for v in speech_synth.variants()]
    if n_speakers > len(pool):
        raise ValueError(f"only {len(pool)} accent/variant pairs for {n_speakers} speakers")
    chosen = rng.choice(len(pool), size=n_speakers, replace=False)
    return [{"accent": pool[i][0], "variant": pool[i][1],
             "rate": rng.uniform(130, 210), "pitch": rng.uniform(30, 70), "pitch_range": rng.uniform(25, 75)}
            for i in chosen]


def keywords(n_per_class: int = 50, words: list[str] | None = None, seed: int = 0,
             accents: list[str] | None = None, n_speakers: int = 60,
             unknown_words: list[str] | None = None) -> Dataset:
    """Synthetic keyword-spotting clips: x int16 (N, 16000), classes silence, unknown, *words.

    `n_per_class` clips for each class; `n_speakers` speakers drawn from `accents` (keys of
    `ACCENTS`, default all) × espeak-ng variants, each saying every class about equally often.
    `unknown_words` defaults to the Speech Commands words that are not keywords. Silence clips are
    background noise only; they too are assigned to a speaker (their "recording session") so that
    speaker and accent splits keep every class. Same arguments → identical bytes.
    """
    words = list(WORDS if words is None else words)
    accents = list(ACCENTS if accents is None else accents)
    unknown_words = [w for w in (SPEECH_COMMANDS_WORDS if unknown_words is None else unknown_words)
                     if w not in words]
    classes = keyword_classes(words)
    rng = np.random.default_rng(seed)
    speakers = _speakers(rng, n_speakers, accents)
    n = n_per_class * len(classes)
    x = np.zeros((n, SAMPLE_RATE), dtype=np.int16)
    y = np.repeat(np.arange(len(classes)), n_per_class)
    meta = {k: np.full(n, np.nan) for k in META_FIELDS}
    for k in ("speaker", "accent", "variant", "gender", "word", "file"):
        meta[k] = np.full(n, "", dtype=object)
    for label in range(len(classes)):
        who = np.resize(rng.permutation(n_speakers), n_per_class)
        for j, s in enumerate(who):
            i = label * n_per_class + j
            sp = speakers[s]
            level_db = rng.uniform(-35, -15)  # speech RMS, dB re full scale
            snr_db = rng.uniform(5, 30)
            color = rng.uniform(0, 2)
            noise = coloured_noise(rng, SAMPLE_RATE, color) * 10 ** ((level_db - snr_db) / 20)
            meta["speaker"][i] = f"{sp['accent']}+{sp['variant']}"
            meta["accent"][i], meta["variant"][i] = sp["accent"], sp["variant"]
            meta["gender"][i] = speech_synth.variant_gender(sp["variant"])
            meta["noise_db"][i], meta["noise_color"][i] = level_db - snr_db, color
            if classes[label] == SILENCE:
                x[i] = audio_as_int16(noise)
                continue
            word = classes[label] if classes[label] != UNKNOWN else unknown_words[rng.integers(len(unknown_words))]
            rate = np.clip(sp["rate"] * rng.uniform(0.9, 1.1), 100, 260)
            pitch = np.clip(sp["pitch"] + rng.uniform(-6, 6), 0, 100)
            pitch_range = np.clip(sp["pitch_range"] + rng.uniform(-10, 10), 0, 100)
            speech = _speech(word, sp["accent"], sp["variant"], rate, pitch, pitch_range)
            speech = speech[:SAMPLE_RATE]
            speech *= 10 ** (level_db / 20) / np.sqrt(np.mean(speech ** 2))
            speech /= max(1.0, np.abs(speech).max() / 0.9)  # keep peaks below full scale
            onset = int(rng.integers(0, SAMPLE_RATE - len(speech) + 1))
            x[i] = audio_as_int16(fit_to_length(speech, SAMPLE_RATE, onset) + noise)
            meta["word"][i] = word
            meta["rate"][i], meta["pitch"][i], meta["pitch_range"][i] = rate, pitch, pitch_range
            meta["level_db"][i], meta["snr_db"][i], meta["onset"][i] = level_db, snr_db, onset / SAMPLE_RATE
    meta = {k: (v.astype(str) if v.dtype == object else v.astype(np.float32)) for k, v in meta.items()}
    return Dataset("keywords", x, y, classes, meta, SAMPLE_RATE)
