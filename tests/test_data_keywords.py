"""Synthetic spoken keywords: determinism, shapes, metadata, speaker splits, audio sanity."""
import hashlib

import numpy as np
import pytest

from course.data import group_split, holdout_split, keywords, speech_synth
from course.data.keywords import ACCENTS, WORDS

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def small():
    return keywords(n_per_class=12, n_speakers=16, seed=3)


def test_speech_synth_is_deterministic_whatever_came_before():
    first = speech_synth.synthesize("yes", "en-us", "whisper")
    speech_synth.synthesize("down", "en-gb-scotland", "m3", rate=300, pitch=80)
    again = speech_synth.synthesize("yes", "en-us", "whisper")
    assert len(first) > 2000 and np.array_equal(first, again)
    assert not np.array_equal(first[:2000], speech_synth.synthesize("no", "en-us", "whisper")[:2000])


def test_speech_synth_rejects_unknown_voices_and_variants():
    with pytest.raises(ValueError):
        speech_synth.synthesize("yes", "en-us", "no-such-variant")
    with pytest.raises(ValueError):
        speech_synth.synthesize("yes", "xx-nowhere")
    assert "m3" in speech_synth.variants() and speech_synth.variant_gender("f2") == "female"


def test_same_seed_same_bytes_and_different_seed_differs(small):
    again = keywords(n_per_class=12, n_speakers=16, seed=3)
    assert hashlib.sha256(small.x.tobytes()).hexdigest() == hashlib.sha256(again.x.tobytes()).hexdigest()
    assert np.array_equal(small.y, again.y)
    assert all(np.array_equal(small.meta[k], again.meta[k], equal_nan=small.meta[k].dtype.kind == "f")
               for k in small.meta)
    other = keywords(n_per_class=12, n_speakers=16, seed=4)
    assert not np.array_equal(small.x, other.x)


def test_shapes_classes_and_balance(small):
    assert small.classes == ["silence", "unknown", *WORDS]
    assert small.x.shape == (12 * 8, 16000) and small.x.dtype == np.int16
    assert small.sample_rate == 16000
    assert set(small.counts().values()) == {12}


def test_metadata_is_present_and_consistent(small):
    meta = small.meta
    assert set(meta) >= {"speaker", "accent", "variant", "gender", "word", "rate", "pitch", "snr_db"}
    assert all(len(v) == len(small) for v in meta.values())
    assert len(set(meta["speaker"])) == 16
    for s, a, v in zip(meta["speaker"], meta["accent"], meta["variant"]):
        assert s == f"{a}+{v}" and a in ACCENTS and v in speech_synth.variants()
    assert set(meta["gender"]) <= {"female", "male", "unspecified"}
    words = small.y >= 2
    assert np.array_equal(meta["word"][words], np.array(small.classes)[small.y[words]])
    unknown = meta["word"][small.y == 1]
    assert all(w and w not in WORDS for w in unknown)
    silence = small.y == 0
    assert np.all(meta["word"][silence] == "") and np.all(np.isnan(meta["rate"][silence]))
    speech = ~silence
    assert np.all((meta["rate"][speech] >= 100) & (meta["rate"][speech] <= 260))
    assert np.all((meta["snr_db"][speech] >= 5) & (meta["snr_db"][speech] <= 30))
    assert np.all((meta["onset"][speech] >= 0) & (meta["onset"][speech] < 1))


def test_audio_is_speech_and_silence_is_quieter(small):
    audio = small.x.astype(np.float64) / 32768
    rms = np.sqrt(np.mean(audio ** 2, axis=1))
    speech = small.y > 0
    assert np.all(rms[speech] > 0.005) and np.all(rms[speech] < 0.3)
    assert np.median(rms[~speech]) < 0.5 * np.median(rms[speech])
    assert np.all(np.abs(audio).max(axis=1) < 1.0)
    # Different words have different average spectra (a coarse check that words differ).
    spectra = np.abs(np.fft.rfft(audio, axis=1))[:, :4000]
    bands = np.log(spectra.reshape(len(audio), 40, 100).mean(axis=2) + 1e-9)
    mean = {c: bands[small.y == i].mean(axis=0) for i, c in enumerate(small.classes)}
    assert np.linalg.norm(mean["yes"] - mean["no"]) > 1.0
    assert np.linalg.norm(mean["stop"] - mean["go"]) > 1.0


def test_speaker_split_has_no_overlap_and_covers_everything(small):
    train, test = group_split(small.meta["speaker"], test_fraction=0.25, seed=0)
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(len(small)))
    assert not set(small.meta["speaker"][train]) & set(small.meta["speaker"][test])
    assert 0.2 <= len(test) / len(small) <= 0.45
    assert len(set(small.y[test])) == len(small.classes)
    other, _ = group_split(small.meta["speaker"], test_fraction=0.25, seed=1)
    assert not np.array_equal(train, other)


def test_accent_holdout():
    data = keywords(n_per_class=4, n_speakers=8, seed=0, accents=["en-us", "en-gb-scotland"])
    assert set(data.meta["accent"]) == {"en-us", "en-gb-scotland"}
    train, test = holdout_split(data.meta["accent"], ["en-gb-scotland"])
    assert set(data.meta["accent"][test]) == {"en-gb-scotland"}
    assert set(data.meta["accent"][train]) == {"en-us"}
    with pytest.raises(ValueError):
        holdout_split(data.meta["accent"], ["en-029"])


def test_custom_words():
    data = keywords(n_per_class=2, n_speakers=2, words=["left", "right"], seed=0)
    assert data.classes == ["silence", "unknown", "left", "right"]
    assert not set(data.meta["word"][data.y == 1]) & {"left", "right"}


def test_default_set_fits_the_memory_budget_and_is_balanced():
    data = keywords()
    assert data.x.shape == (8 * 50, 16000)
    assert data.nbytes < 20_000_000
    assert set(data.counts().values()) == {50}
    assert len(set(data.meta["speaker"])) == 60
    assert "synthetic" in data.card().lower()
