"""Loader for Google Speech Commands (a folder you already have), in the same shape as `keywords`.

Expected layout (as in the released archives): one folder per word holding 16 kHz mono 16-bit WAVs
named `<speaker>_nohash_<n>.wav`, `validation_list.txt` and `testing_list.txt` (paths relative to
the root, e.g. `yes/0a7c2a8d_nohash_0.wav`), and `_background_noise_/` with long noise recordings.
"""
from pathlib import Path

import numpy as np
from scipy.io import wavfile

from course.data.dataset import Dataset
from course.units import audio_as_float, audio_as_int16
from course.data.keywords import (
    META_FIELDS,
    SAMPLE_RATE,
    UNKNOWN,
    WORDS,
    keyword_classes,
)

SPLITS = ("train", "validation", "testing")
# Each background recording is cut in time, so that no stretch of noise is in two splits.
_NOISE_PARTS = {"train": (0.0, 0.8), "validation": (0.8, 0.9), "testing": (0.9, 1.0)}


def read_wav(path: Path) -> np.ndarray:
    """A 16 kHz mono WAV as int16 samples (float or 32-bit files are converted)."""
    rate, audio = wavfile.read(path)
    if rate != SAMPLE_RATE:
        raise ValueError(f"{path}: {rate} Hz, expected {SAMPLE_RATE}")
    if audio.ndim != 1:
        raise ValueError(f"{path}: expected mono audio")
    if audio.dtype == np.int16:
        return audio
    if audio.dtype.kind == "f":
        return audio_as_int16(audio)
    if audio.dtype == np.int32:
        return (audio >> 16).astype(np.int16)
    raise ValueError(f"{path}: unsupported sample type {audio.dtype}")


def _split_of(root: Path) -> dict[str, str]:
    """Relative path → "validation" or "testing", from the two list files."""
    split = {}
    for name in ("validation", "testing"):
        for line in (root / f"{name}_list.txt").read_text().split():
            split[line.strip()] = name
    return split


def speaker_of(file_name: str) -> str:
    """The speaker id in a Speech Commands file name: `<speaker>_nohash_<n>.wav` → `<speaker>`."""
    return Path(file_name).name.split("_nohash_")[0]


def load_speech_commands(root: str | Path, words: list[str] | None = None, split: str = "train",
                         n_unknown: int | None = None, n_silence: int | None = None,
                         max_per_class: int | None = None, seed: int = 0) -> Dataset:
    """Load one split of Speech Commands as a `Dataset` like `keywords()` (int16, (N, 16000)).

    Words not in `words` become `unknown`: `n_unknown` of them (default: as many as the average
    keyword class) drawn with `seed`. `n_silence` one-second `silence` clips (same default) are cut
    at random from `_background_noise_/` and scaled by a random gain; each recording's first 80 % serves
    train, the next 10 % validation, the last 10 % testing. Clips are zero-padded or cut to 1 s.
    `max_per_class` caps every class (to save memory: each clip takes 32 KB).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    root = Path(root)
    words = list(WORDS if words is None else words)
    classes = keyword_classes(words)
    rng = np.random.default_rng(seed)
    assigned = _split_of(root)
    files: dict[str, list[str]] = {c: [] for c in classes}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("_")):
        label = folder.name if folder.name in words else UNKNOWN
        for wav in sorted(folder.glob("*.wav")):
            relative = f"{folder.name}/{wav.name}"
            if assigned.get(relative, "train") == split:
                files[label].append(relative)
    average = int(round(np.mean([len(files[w]) for w in words])))
    n_unknown = min(average if n_unknown is None else n_unknown, len(files[UNKNOWN]))
    files[UNKNOWN] = sorted(rng.choice(files[UNKNOWN], n_unknown, replace=False).tolist())
    n_silence = average if n_silence is None else n_silence
    if max_per_class is not None:
        n_silence = min(n_silence, max_per_class)
        for c in classes[1:]:
            if len(files[c]) > max_per_class:
                files[c] = sorted(rng.choice(files[c], max_per_class, replace=False).tolist())
    clips, labels, rows = [], [], []
    for label, c in enumerate(classes[1:], start=1):
        for relative in files[c]:
            audio = read_wav(root / relative)[:SAMPLE_RATE]
            clips.append(np.pad(audio, (0, SAMPLE_RATE - len(audio))))
            labels.append(label)
            rows.append({"speaker": speaker_of(relative), "word": relative.split("/")[0], "file": relative})
    for clip, row in _silence(root, split, n_silence, rng):
        clips.append(clip)
        labels.append(0)
        rows.append(row)
    x = np.stack(clips) if clips else np.zeros((0, SAMPLE_RATE), np.int16)
    meta = {}
    for k in META_FIELDS:
        if k in ("speaker", "accent", "variant", "word", "file"):
            meta[k] = np.array([r.get(k, "") for r in rows], dtype=str)
        elif k == "gender":
            meta[k] = np.full(len(rows), "unspecified")
        else:
            meta[k] = np.array([r.get(k, np.nan) for r in rows], dtype=np.float32)
    return Dataset("speech_commands", x, np.array(labels, dtype=np.int64), classes, meta, SAMPLE_RATE)


def _silence(root: Path, split: str, n: int, rng: np.random.Generator):
    """Yield `n` (clip, metadata) pairs cut from this split's part of the background recordings."""
    noise_files = sorted((root / "_background_noise_").glob("*.wav"))
    if n == 0:
        return
    if not noise_files:
        raise FileNotFoundError(f"{root / '_background_noise_'} has no WAV files for the silence class")
    recordings = [read_wav(p) for p in noise_files]
    start, stop = _NOISE_PARTS[split]
    for _ in range(n):
        k = int(rng.integers(len(recordings)))
        audio = recordings[k]
        lo, hi = int(start * len(audio)), int(stop * len(audio)) - SAMPLE_RATE
        if hi < lo:
            raise ValueError(f"{noise_files[k].name} is too short to cut {split} silence from")
        offset = int(rng.integers(lo, hi + 1))
        clip = audio[offset:offset + SAMPLE_RATE].astype(np.float64) * rng.uniform(0.1, 1.0)
        clip = np.round(clip).astype(np.int16)
        rms = np.sqrt(np.mean(audio_as_float(clip, np.float64) ** 2))
        yield clip, {"speaker": f"_background_noise_/{noise_files[k].stem}", "word": "",
                     "file": f"_background_noise_/{noise_files[k].name}@{offset / SAMPLE_RATE:.3f}s",
                     "noise_db": 20 * np.log10(max(rms, 1e-10))}
