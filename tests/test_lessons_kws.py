"""The keyword-spotting pipeline: sampling helpers, augmentation, features, the spotter, evaluation."""
import re

import numpy as np
import polib
import pytest

import course  # noqa: F401  (quiet TensorFlow before it loads)
from course.data import keywords
from course.features import log_mel_spectrogram
from course.lessons import kws
from course.models import kws_cnn
from course.notebook.language import catalog_file

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def small():
    return keywords(n_per_class=6, n_speakers=8, seed=11)


def test_alias_frequency_folds_around_the_nyquist_frequency():
    assert kws.alias_frequency(1000, 8000) == 1000
    assert kws.alias_frequency(5000, 8000) == 3000
    assert kws.alias_frequency(8000, 8000) == 0
    assert kws.alias_frequency(9000, 8000) == 1000
    assert kws.alias_frequency(4000, 8000) == 4000


def test_quantize_audio_gains_about_6_db_per_bit():
    t = np.arange(16000) / 16000
    sine = 0.99 * np.sin(2 * np.pi * 440.3 * t)
    for bits in (8, 12, 16):
        measured = kws.snr_db(sine, kws.quantize_audio(sine, bits))
        assert abs(measured - (6.02 * bits + 1.76)) < 1.0, (bits, measured)
    assert len(np.unique(kws.quantize_audio(sine, 3))) <= 8
    with pytest.raises(ValueError):
        kws.quantize_audio(sine, 0)


def test_time_shift_moves_and_fills_with_zeros():
    clip = np.arange(1, 11, dtype=np.int16)
    assert kws.time_shift(clip, 3).tolist() == [0, 0, 0, 1, 2, 3, 4, 5, 6, 7]
    assert kws.time_shift(clip, -2).tolist() == [3, 4, 5, 6, 7, 8, 9, 10, 0, 0]
    assert kws.time_shift(clip, 0).tolist() == clip.tolist()
    assert kws.time_shift(clip, 4).dtype == np.int16
    assert not kws.time_shift(clip, 10).any() and not kws.time_shift(clip, -25).any()
    assert kws.time_shift(clip, 9).tolist() == [0] * 9 + [1]


def test_add_noise_reaches_the_snr_keeps_the_dtype_and_repeats_with_the_seed():
    clip = (0.1 * np.sin(np.arange(16000) / 5) * 32767).astype(np.int16)
    for snr in (0.0, 10.0, 25.0):
        noisy = kws.add_noise(clip, snr, np.random.default_rng(1))
        assert noisy.dtype == np.int16 and noisy.shape == clip.shape
        assert abs(kws.snr_db(clip / 32768, noisy / 32768) - snr) < 0.3
    again = kws.add_noise(clip, 10.0, np.random.default_rng(1))
    assert np.array_equal(again, kws.add_noise(clip, 10.0, np.random.default_rng(1)))
    assert not np.array_equal(again, kws.add_noise(clip, 10.0, np.random.default_rng(2)))
    assert kws.add_noise(clip.astype(np.float32) / 32768, 10.0, np.random.default_rng(1)).dtype == np.float32


def test_change_speed_raises_the_pitch():
    t = np.arange(16000) / 16000
    tone = np.sin(2 * np.pi * 500 * t).astype(np.float32)
    faster = kws.change_speed(tone, 1.2)
    peak = np.argmax(np.abs(np.fft.rfft(faster[:8000]))) * 16000 / 8000
    assert abs(peak - 600) <= 2 and faster.shape == tone.shape
    assert np.all(faster[-2000:] == 0)  # the clip ended: silence after it
    assert np.allclose(kws.change_speed(tone, 1.0), tone)


def test_augment_appends_marked_copies(small):
    both = kws.augment(small, copies=2, seed=0)
    assert len(both) == 3 * len(small) and both.x.dtype == np.int16
    assert np.array_equal(both.x[:len(small)], small.x)
    assert both.meta["augmented"].sum() == 2 * len(small)
    assert np.array_equal(both.y, np.tile(small.y, 3))
    assert not np.array_equal(both.x[len(small):2 * len(small)], small.x)
    assert np.array_equal(kws.augment(small, seed=0).x, kws.augment(small, seed=0).x)


def test_features_are_standardized_log_mels(small):
    x = kws.features(small)
    assert x.shape == (len(small), 49, 40, 1) and x.dtype == np.float32
    assert np.allclose(x[..., 0], (log_mel_spectrogram(small.x) - kws.FEATURE_MEAN) / kws.FEATURE_STD, atol=1e-5)
    assert np.allclose(kws.features(small.x[0]), x[:1])
    assert abs(float(x[small.y > 0].mean())) < 1.0  # roughly centred on speech


def test_spotter_size_matches_its_docstring_and_budget():
    model = kws.spotter_model()
    documented = int(re.search(r"([\d,]+) parameters with the defaults", kws.spotter_model.__doc__).group(1).replace(",", ""))
    assert model.count_params() == documented == 13_448 <= kws.PARAMETER_BUDGET
    assert model.input_shape == (1, *kws.INPUT_SHAPE) and model.output_shape == (1, 8)
    assert kws.count_macs(model) == 40 * 32 * 3 * 47 + 3 * 32 * 32 * (24 + 12 + 12) + 32 * 8
    assert kws.count_macs(kws_cnn()) == pytest.approx(3.9e6, rel=0.01)  # "about 3.9 M" in course.models


def test_training_learns_a_separable_problem(small):
    keep = np.isin(small.y, [0, 2])  # silence vs "yes"
    data = small.take(keep)
    labels = (data.y == 2).astype(int)
    model, history = kws.train_spotter(kws.features(data), labels, epochs=15, batch_size=4)
    assert len(history.history["loss"]) == 15
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert kws.accuracy(labels, np.argmax(model.predict(kws.features(data), verbose=0), axis=1)) == 1.0


def test_unseen_speakers(small):
    other = keywords(n_per_class=4, n_speakers=30, seed=12)
    speakers = sorted(set(other.meta["speaker"]))
    heard = speakers[::2]
    kept = [i for i, speaker in enumerate(other.meta["speaker"]) if speaker not in heard]
    new = kws.unseen_speakers(other, np.array(heard))
    assert set(new.meta["speaker"]) == set(speakers[1::2])
    assert np.array_equal(new.x, other.x[kept]) and np.array_equal(new.y, other.y[kept])
    seen = other.take(np.array([speaker in heard for speaker in other.meta["speaker"]]))
    assert np.array_equal(kws.unseen_speakers(other, seen).x, new.x)  # a Dataset works as well
    assert len(kws.unseen_speakers(small, small)) == 0
    assert kws.accuracy([0, 1, 2, 2], [0, 0, 2, 1]) == 0.5


def test_sampling_explorer_redraws():
    controls, html, image = kws.sampling_explorer(1000, 8000).children
    freq, rate = controls.children
    assert "1,000 Hz" in html.value and "alias" not in html.value
    before = bytes(image.value)
    freq.value = 5000
    assert "3,000 Hz" in html.value and "alias" in html.value and bytes(image.value) != before
    rate.value = 16000
    assert "Nyquist frequency: <b>8,000 Hz</b>" in html.value and "alias" not in html.value


def test_count_macs_is_the_rule_inspect_applies_to_the_converted_model():
    import deploy_models as dm

    assert kws.count_macs(dm.digits_cnn()) == dm.digits_report().macs == 6 * 6 * 8 * 9 + 4 * 4 * 8 * 9 + 10 * 32


def _spanish(message: str) -> str:
    """`message`'s translation in the library's Spanish catalog."""
    return polib.pofile(str(catalog_file("es"))).find(message).msgstr


def test_the_sampling_figure_and_explorer_speak_the_learners_language(monkeypatch):
    english = kws.plot_sampling(5000, 8000)
    assert "5,000 Hz tone" in english.alt and "3,000 Hz" in english.alt and "alias" in english.alt
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    spanish = kws.plot_sampling(5000, 8000)
    ax = spanish.axes[0]
    assert ax.get_xlabel() == _spanish("time (ms)") and ax.get_ylabel() == _spanish("amplitude")
    assert ax.get_title() != english.axes[0].get_title() and ax.get_title().startswith("Frecuencia de Nyquist")
    assert spanish.alt != english.alt and "3,000 Hz" in spanish.alt
    controls, html, image = kws.sampling_explorer(5000, 8000).children
    assert controls.children[0].description == _spanish("tone (Hz)") and "Frecuencia de Nyquist" in html.value
    with pytest.raises(ValueError, match="bits debe"):
        kws.quantize_audio(np.zeros(4), 0)
