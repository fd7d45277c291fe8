"""Keyword spotting end to end: microphone samples → log-mel features → a tiny spotter → accuracy on
speakers it never heard (per group: `course.lessons.fairness.group_accuracy`). Weeks 0x02 (train), 0x03 (deploy)
and 0x04 (fairness, robustness) share it.

The reference spotter is a *temporal* CNN: its first layer looks at 3 frames × all 40 mel bins at
once (a 1-D convolution over time, written as Conv2D so that it converts to TFLite Micro's CONV_2D),
then three 3-frame convolutions, global average pooling and a softmax. 13,448 parameters, about
0.33 M multiply-accumulates per second of audio (kws_cnn: 8,456 parameters, 3.9 M). On the course's synthetic keywords it trains about
ten times faster on a laptop CPU than the depthwise-separable `course.models.kws_cnn` and reaches a
higher accuracy on unseen speakers in the same time (both measured on 2 cores: 93-94 % after
20 epochs on 2,400 clips in ~15 CPU-seconds, against ~90 % after 25 epochs in ~180 CPU-seconds).

Features are `course.features.log_mel_spectrogram` standardized with two fixed constants
(`FEATURE_MEAN`, `FEATURE_STD`): an affine map that a device folds into the int8 input quantization.
"""

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from course.data import Dataset
from course.data.keywords import SAMPLE_RATE
from course.features import LogMel, log_mel_spectrogram
from course.notebook.explorer import explorer
from course.notebook.figures import PALETTE, new_figure
from course.notebook.language import _
from course.units import audio_as_float, audio_as_int16

FEATURE_MEAN = -4.0  # log-mel mean and standard deviation of the synthetic keywords (rounded)
FEATURE_STD = 3.3
INPUT_SHAPE = (*LogMel().shape(SAMPLE_RATE), 1)  # frames × mel bins × 1 for one second: (49, 40, 1)
PARAMETER_BUDGET = 20_000  # what week 0x03 deploys: int8 weights within a 20 KB flash budget
EPOCHS, BATCH_SIZE, LEARNING_RATE = 20, 32, 6e-3
_CHUNK = 512  # clips per feature batch: bounds memory


# ---------------------------------------------------------------- sampling and bit depth


def alias_frequency(freq_hz: float, sample_rate: float) -> float:
    """The frequency (0 … sample_rate / 2) a tone of `freq_hz` appears at after sampling at `sample_rate`."""
    folded = freq_hz % sample_rate
    return float(min(folded, sample_rate - folded))


def quantize_audio(audio: np.ndarray, bits: int) -> np.ndarray:
    """Float audio in [-1, 1] rounded to a signed `bits`-bit grid (steps of 2 / 2**bits), as float64."""
    if not 1 <= bits <= 24:
        raise ValueError(_("bits must be between 1 and 24, got {bits}").format(bits=bits))
    levels = 2 ** (bits - 1)
    return np.clip(np.round(np.asarray(audio, dtype=np.float64) * levels), -levels, levels - 1) / levels


def snr_db(clean: np.ndarray, noisy: np.ndarray) -> float:
    """Signal-to-noise ratio in dB of `noisy` against `clean`: 10·log10(power(clean) / power(noisy − clean))."""
    clean, noisy = np.asarray(clean, dtype=np.float64), np.asarray(noisy, dtype=np.float64)
    noise = np.mean((noisy - clean) ** 2)
    return float("inf") if noise == 0 else float(10 * np.log10(np.mean(clean**2) / noise))


def plot_sampling(freq_hz: float, sample_rate: float, duration_s: float = 0.005) -> Figure:
    """A tone of `freq_hz` (grey), its samples at `sample_rate` (dots) and the tone those samples
    describe (dashed): the alias whenever `freq_hz` is above the Nyquist frequency sample_rate / 2."""
    fine = np.linspace(0, duration_s, 2000)
    times = np.arange(0, duration_s, 1 / sample_rate)
    alias = alias_frequency(freq_hz, sample_rate)
    # the sampled values equal ±cos of the alias (sign flips when the tone is folded from above)
    sign = 1.0 if (freq_hz % sample_rate) <= sample_rate / 2 else -1.0
    fig = new_figure((9, 3.6))
    ax = fig.subplots()
    ax.plot(fine * 1000, np.sin(2 * np.pi * freq_hz * fine), color="grey", lw=1,
            label=_("the tone: {frequency:,.0f} Hz").format(frequency=freq_hz))
    ax.plot(times * 1000, np.sin(2 * np.pi * freq_hz * times), "o", color=PALETTE[0],
            label=_("samples at {rate:,.0f} Hz").format(rate=sample_rate))
    ax.plot(fine * 1000, sign * np.sin(2 * np.pi * alias * fine), "--", color=PALETTE[3], lw=1.2,
            label=_("what the samples say: {frequency:,.0f} Hz").format(frequency=alias))
    ax.set_xlabel(_("time (ms)"))
    ax.set_ylabel(_("amplitude"))
    nyquist = sample_rate / 2
    if freq_hz <= nyquist:
        ax.set_title(_("Nyquist frequency = {nyquist:,.0f} Hz: the tone is captured").format(nyquist=nyquist))
        verdict = _("The tone is below the Nyquist frequency of {nyquist:,.0f} Hz: the samples describe the tone "
                    "itself.").format(nyquist=nyquist)
    else:
        ax.set_title(_("Nyquist frequency = {nyquist:,.0f} Hz: the tone is ALIASED").format(nyquist=nyquist))
        verdict = _("The tone is above the Nyquist frequency of {nyquist:,.0f} Hz: the samples describe a slower "
                    "tone, an alias, and the true frequency is lost.").format(nyquist=nyquist)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, fontsize="small")
    fig.alt = " ".join([
        _("A {frequency:,.0f} Hz tone (grey) over {ms:g} ms, its {n} samples at {rate:,.0f} Hz (dots) and the "
          "{alias:,.0f} Hz tone those samples describe (dashed).").format(
            frequency=freq_hz, ms=duration_s * 1000, n=len(times), rate=sample_rate, alias=alias),
        verdict,
    ])
    return fig


def sampling_explorer(freq_hz: float = 1000.0, sample_rate: float = 8000.0) -> widgets.VBox:
    """Sliders for a tone's frequency and the sample rate → the samples, the alias and the numbers.

    Controls: frequency slider, sample-rate slider.
    """
    freq = widgets.FloatSlider(value=freq_hz, min=100, max=8000, step=100, description=_("tone (Hz)"),
                               continuous_update=False)
    rate = widgets.FloatSlider(value=sample_rate, min=1000, max=16000, step=500, description=_("rate (Hz)"),
                               continuous_update=False)

    def draw(freq: float, rate: float) -> tuple[Figure, str]:
        alias = alias_frequency(freq, rate)
        if alias == freq:
            summary = _("Nyquist frequency: <b>{nyquist:,.0f} Hz</b> · the samples describe a tone of "
                        "<b>{alias:,.0f} Hz</b>").format(nyquist=rate / 2, alias=alias)
        else:
            summary = _("Nyquist frequency: <b>{nyquist:,.0f} Hz</b> · the samples describe a tone of "
                        "<b>{alias:,.0f} Hz</b> — an alias: information lost").format(nyquist=rate / 2, alias=alias)
        return plot_sampling(freq, rate), summary

    return explorer({"freq": freq, "rate": rate}, draw)


# ---------------------------------------------------------------- augmentation


def _like(audio: np.ndarray, values: np.ndarray) -> np.ndarray:
    """`values` (float, full scale 1 for int16 input) back in the dtype of `audio`."""
    return audio_as_int16(values) if audio.dtype == np.int16 else values.astype(audio.dtype)


def time_shift(audio: np.ndarray, shift: int) -> np.ndarray:
    """Move a clip `shift` samples later (earlier if negative); zeros fill the gap, the end is cut.

    A shift of the clip's length or more leaves only zeros."""
    audio = np.asarray(audio)
    out = np.zeros_like(audio)
    n = len(audio)
    if 0 <= shift < n:
        out[shift:] = audio[:n - shift]
    elif -n < shift < 0:
        out[:shift] = audio[-shift:]
    return out


def add_noise(audio: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """Add white Gaussian noise at `snr_db` below the clip's power (int16 in → int16 out, clipped)."""
    audio = np.asarray(audio)
    signal = audio_as_float(audio, np.float64)
    power = np.mean(signal**2)
    noise = rng.standard_normal(signal.shape) * np.sqrt(power * 10 ** (-snr_db / 10))
    return _like(audio, signal + noise)


def change_speed(audio: np.ndarray, factor: float) -> np.ndarray:
    """Play a clip `factor` times faster (higher and shorter; < 1: slower and lower), same length."""
    audio = np.asarray(audio)
    n = audio.shape[-1]
    positions = np.arange(n) * factor
    return _like(audio, np.interp(positions, np.arange(n), audio_as_float(audio, np.float64), right=0.0))


def augment(data: Dataset, copies: int = 1, seed: int = 0, max_shift_s: float = 0.2,
            snr_range_db: tuple[float, float] = (5.0, 30.0), speed_range: tuple[float, float] = (0.85, 1.15)) -> Dataset:
    """`data` followed by `copies` augmented copies of every clip: a random speed change, time shift
    (up to ±`max_shift_s`) and white noise (SNR drawn from `snr_range_db`). Metadata is copied from
    the original clip; meta["augmented"] tells the copies apart."""
    rng = np.random.default_rng(seed)
    rate = data.sample_rate or SAMPLE_RATE
    clips = [data.x]
    for _copy in range(copies):
        new = np.empty_like(data.x)
        for i, clip in enumerate(data.x):
            clip = change_speed(clip, rng.uniform(*speed_range))
            clip = time_shift(clip, int(rng.integers(-max_shift_s * rate, max_shift_s * rate + 1)))
            new[i] = add_noise(clip, rng.uniform(*snr_range_db), rng)
        clips.append(new)
    meta = {k: np.tile(v, copies + 1) for k, v in data.meta.items()}
    meta["augmented"] = np.repeat(np.arange(copies + 1) > 0, len(data))
    return Dataset(data.name, np.concatenate(clips), np.tile(data.y, copies + 1), list(data.classes), meta, data.sample_rate)


# ---------------------------------------------------------------- features, model, training


def features(audio: np.ndarray | Dataset) -> np.ndarray:
    """Model input for clips (N, 16000) int16 (or a Dataset): standardized log-mels (N, 49, 40, 1) float32.

    ``(log_mel_spectrogram(clip) - FEATURE_MEAN) / FEATURE_STD``, computed in chunks to bound memory.
    """
    audio = audio.x if isinstance(audio, Dataset) else np.asarray(audio)
    if audio.ndim == 1:
        audio = audio[None]
    out = np.empty((len(audio), *INPUT_SHAPE), dtype=np.float32)
    for start in range(0, len(audio), _CHUNK):
        mels = log_mel_spectrogram(audio[start:start + _CHUNK])
        out[start:start + _CHUNK, ..., 0] = (mels - FEATURE_MEAN) / FEATURE_STD
    return out


def spotter_model(n_classes: int = 8, channels: int = 32, strides: tuple[int, ...] = (2, 2, 1),
                  learning_rate: float = LEARNING_RATE, input_shape: tuple[int, int, int] = INPUT_SHAPE):
    """The reference keyword spotter (a temporal CNN, batch size 1 for deployment), compiled.

    Conv (3 frames × all mel bins, ``channels``) → one Conv (3 frames × 1) per entry of ``strides``
    (stride in frames) → global average pooling → Dense softmax. ReLU everywhere, He initialisation,
    no BatchNormalization. 13,448 parameters with the defaults.
    """
    import keras

    he = "he_uniform"
    inputs = keras.Input(input_shape, batch_size=1, name="log_mels")
    x = keras.layers.Conv2D(channels, (3, input_shape[1]), activation="relu", kernel_initializer=he)(inputs)
    for stride in strides:
        x = keras.layers.Conv2D(channels, (3, 1), strides=(stride, 1), padding="same", activation="relu", kernel_initializer=he)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs, name="kws_spotter")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def cosine_schedule(epochs: int, learning_rate: float = LEARNING_RATE):
    """A Keras callback lowering the learning rate from `learning_rate` towards 0 along half a cosine."""
    import keras

    return keras.callbacks.LearningRateScheduler(lambda epoch: learning_rate * 0.5 * (1 + np.cos(np.pi * epoch / epochs)))


def train_spotter(x: np.ndarray, y: np.ndarray, model=None, epochs: int = EPOCHS, batch_size: int = BATCH_SIZE,
                  learning_rate: float = LEARNING_RATE, seed: int = 0):
    """Train `model` (default: a new `spotter_model`) on features `x` and labels `y`; return (model, history).

    Seeds everything with `seed` first; the learning rate follows `cosine_schedule`. CPU training is
    not bit-for-bit repeatable: expect accuracies to vary by about a point from run to run.
    """
    from course.notebook.seeding import seed_everything

    seed_everything(seed)
    if model is None:
        model = spotter_model(n_classes=int(np.max(y)) + 1, learning_rate=learning_rate)
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, shuffle=True,
                        callbacks=[cosine_schedule(epochs, learning_rate)])
    return model, history


def predict(model, audio: np.ndarray | Dataset) -> np.ndarray:
    """Class indices the model predicts for clips (N, 16000) or a Dataset."""
    return np.argmax(model.predict(features(audio), batch_size=256, verbose=0), axis=1)


def count_macs(model) -> int:
    """Multiply-accumulates of one inference of a Keras model, by `course.deploy.op_macs` (the rule
    `course.deploy.inspect` applies to the converted model): Conv2D, DepthwiseConv2D and Dense layers."""
    import keras

    from course.deploy import op_macs

    ops = [(keras.layers.DepthwiseConv2D, "DEPTHWISE_CONV_2D"), (keras.layers.Conv2D, "CONV_2D"),
           (keras.layers.Dense, "FULLY_CONNECTED")]
    total = 0
    for layer in model.layers:
        op = next((name for kind, name in ops if isinstance(layer, kind)), None)
        if op is not None:
            kernel = layer.kernel.shape  # (kh, kw, in, out) for convolutions, (inputs, units) for Dense
            kernel_hw = 1 if op == "FULLY_CONNECTED" else kernel[0] * kernel[1]
            total += op_macs(op, int(np.prod(layer.output.shape[1:])), kernel_hw, kernel[-2])
    return total


# ---------------------------------------------------------------- speakers and evaluation


def unseen_speakers(data: Dataset, seen: Dataset | np.ndarray) -> Dataset:
    """Only the clips of `data` whose speaker is not among `seen` (a Dataset or an array of speaker names)."""
    names = seen.meta["speaker"] if isinstance(seen, Dataset) else np.asarray(seen)
    return data.take(~np.isin(data.meta["speaker"], names))


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of predictions equal to the labels."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
