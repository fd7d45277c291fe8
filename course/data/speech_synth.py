"""Offline speech synthesis: libespeak-ng (shipped by the `espeakng-loader` wheel) through ctypes.

espeak-ng keeps global state that outlives `espeak_Terminate` (for example the index into its pitch
"flutter" table and its noise generators), so one loaded engine does not repeat itself call after
call. To make every call deterministic, `synthesize` loads a fresh copy of the library, speaks,
terminates and unloads it again (about 5 ms per word), with its random generators and libc's `rand()`
reseeded. Only one engine exists at a time (a lock serialises calls: espeak-ng is not thread-safe),
and nothing else in the process should load libespeak-ng (it would keep the library loaded).
"""
import _ctypes
import ctypes
import ctypes.util
import threading
from functools import cache
from pathlib import Path

import numpy as np

SAMPLE_RATE = 22050

# espeak-ng constants (speak_lib.h)
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_RATE, _PITCH, _RANGE = 1, 3, 4
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
_unload = getattr(_ctypes, "dlclose", None) or getattr(_ctypes, "FreeLibrary")

_lock = threading.Lock()


def data_path() -> Path:
    """The espeak-ng data folder shipped by `espeakng-loader`."""
    import espeakng_loader

    return Path(espeakng_loader.get_data_path())


@cache
def variants() -> list[str]:
    """Names of the voice variants (the `+name` suffixes) in the data's `voices/!v` folder, sorted."""
    folder = data_path() / "voices" / "!v"
    return sorted(p.name for p in folder.iterdir() if p.is_file() and " " not in p.name)


@cache
def variant_gender(variant: str) -> str:
    """The gender a variant file declares ("female", "male") or "unspecified" if it declares none.

    This is a synthesizer preset (formants, pitch), not a property of a person.
    """
    for line in (data_path() / "voices" / "!v" / variant).read_text(errors="replace").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].lower() == "gender" and parts[1].lower() in ("male", "female"):
            return parts[1].lower()
    return "unspecified"


@cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "msvcrt")


def _speak(lib: ctypes.CDLL, name: str, text: str, rate: int, pitch: int, pitch_range: int) -> np.ndarray:
    """Run one utterance on a freshly loaded library `lib`."""
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
        ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
    ]
    rate_hz = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, str(data_path()).encode(), 0)
    if rate_hz != SAMPLE_RATE:
        raise RuntimeError(f"espeak-ng failed to initialise (returned {rate_hz})")
    chunks: list[np.ndarray] = []

    def collect(wav, n, _events):
        if n > 0:
            chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        return 0

    callback = _CALLBACK(collect)  # must stay referenced while C may call it (until Terminate)
    lib.espeak_SetSynthCallback(callback)
    try:
        if lib.espeak_SetVoiceByName(name.encode()) != 0:
            raise ValueError(f"espeak-ng does not know the voice {name!r}")
        for parameter, value in ((_RATE, rate), (_PITCH, pitch), (_RANGE, pitch_range)):
            lib.espeak_SetParameter(parameter, int(value), 0)
        lib.espeak_ng_SetRandSeed(1)
        _libc().srand(1)
        data = text.encode() + b"\0"
        if lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None) != 0:
            raise RuntimeError(f"espeak-ng failed to synthesize {text!r}")
        lib.espeak_Synchronize()
    finally:
        lib.espeak_Terminate()
    return np.concatenate(chunks).astype(np.int16) if chunks else np.zeros(0, np.int16)


def synthesize(text: str, voice: str = "en-us", variant: str | None = None,
               rate: int = 175, pitch: int = 50, pitch_range: int = 50) -> np.ndarray:
    """Speak `text` and return int16 samples at 22,050 Hz.

    `voice` is an espeak-ng language voice (e.g. "en-us", "en-gb-scotland"); `variant` a name from
    `variants()`; `rate` in words per minute (80-450); `pitch` and `pitch_range` in 0-100.
    Deterministic: the same arguments give the same samples, whatever was spoken before.
    """
    import espeakng_loader

    if variant is not None and variant not in variants():
        raise ValueError(f"unknown espeak-ng variant {variant!r} (espeak-ng would silently ignore it)")
    name = voice if variant is None else f"{voice}+{variant}"
    with _lock:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        try:
            return _speak(lib, name, text, rate, pitch, pitch_range)
        finally:
            _unload(lib._handle)
