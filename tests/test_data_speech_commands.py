"""The Speech Commands loader, on a tiny fixture written in the real layout into tmp_path."""
import numpy as np
import pytest
from scipy.io import wavfile

from course.data import group_split, keywords, load_speech_commands
from course.data.speech_commands import speaker_of

pytestmark = pytest.mark.unit

WORDS = ["yes", "no"]
OTHERS = ["bed", "cat", "marvin"]
SPEAKERS = ["0a7c2a8d", "1b4c9b89", "2c9d1e5f", "3f7e8a01", "4d2b6c3e"]


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """5 speakers × 5 words; speaker 3 in validation, speaker 4 in testing; 2 noise recordings."""
    root = tmp_path_factory.mktemp("speech_commands")
    rng = np.random.default_rng(0)
    validation, testing = [], []
    for w, word in enumerate(WORDS + OTHERS):
        (root / word).mkdir()
        for s, speaker in enumerate(SPEAKERS):
            for n in range(2):
                length = 16000 if n == 0 else 12000 + 3000 * s  # short and overlong clips too
                tone = np.sin(2 * np.pi * (200 + 100 * w) * np.arange(length) / 16000)
                audio = np.round(8000 * tone + 100 * rng.standard_normal(length)).astype(np.int16)
                name = f"{word}/{speaker}_nohash_{n}.wav"
                wavfile.write(root / name, 16000, audio)
                (validation if s == 3 else testing if s == 4 else []).append(name)
    (root / "validation_list.txt").write_text("\n".join(validation) + "\n")
    (root / "testing_list.txt").write_text("\n".join(testing) + "\n")
    (root / "_background_noise_").mkdir()
    for name, scale in (("white_noise", 3000), ("hum", 1000)):
        noise = np.round(scale * rng.standard_normal(16000 * 12)).astype(np.int16)
        wavfile.write(root / "_background_noise_" / f"{name}.wav", 16000, noise)
    (root / "_background_noise_" / "README.md").write_text("not a wav")
    return root


def test_train_split_classes_shapes_and_speakers(root):
    data = load_speech_commands(root, words=WORDS, split="train", seed=0)
    assert data.classes == ["silence", "unknown", "yes", "no"]
    assert data.x.dtype == np.int16 and data.x.shape[1] == 16000 and data.sample_rate == 16000
    # 3 train speakers × 2 clips per keyword; unknown and silence default to that average (6).
    assert data.counts() == {"silence": 6, "unknown": 6, "yes": 6, "no": 6}
    assert set(data.meta["speaker"][data.y > 0]) == set(SPEAKERS[:3])
    for file, speaker in zip(data.meta["file"][data.y > 0], data.meta["speaker"][data.y > 0]):
        assert file.split("/")[1].startswith(speaker + "_nohash_")
    assert set(data.meta["word"][data.y == 1]) <= set(OTHERS)
    assert np.all(data.meta["word"][data.y == 2] == "yes")


def test_splits_follow_the_list_files_and_do_not_overlap(root):
    parts = {s: load_speech_commands(root, words=WORDS, split=s, n_unknown=100) for s in
             ("train", "validation", "testing")}
    assert set(parts["validation"].meta["speaker"][parts["validation"].y > 0]) == {SPEAKERS[3]}
    assert set(parts["testing"].meta["speaker"][parts["testing"].y > 0]) == {SPEAKERS[4]}
    files = [set(p.meta["file"]) for p in parts.values()]
    assert not (files[0] & files[1] or files[0] & files[2] or files[1] & files[2])
    assert sum(int(np.sum(p.y > 0)) for p in parts.values()) == 5 * 5 * 2
    with pytest.raises(ValueError):
        load_speech_commands(root, split="dev")


def test_clips_are_padded_or_cut_to_one_second(root):
    data = load_speech_commands(root, words=WORDS, split="train")
    short = data.x[data.meta["file"] == "yes/0a7c2a8d_nohash_1.wav"][0]  # 12,000 samples
    assert np.all(short[12000:] == 0) and np.any(short[:12000] != 0)
    original = wavfile.read(root / "no/2c9d1e5f_nohash_1.wav")[1]  # 18,000 samples
    assert np.array_equal(data.x[data.meta["file"] == "no/2c9d1e5f_nohash_1.wav"][0], original[:16000])


def test_silence_comes_from_the_background_noise_and_is_deterministic(root):
    a = load_speech_commands(root, words=WORDS, split="train", n_silence=5, seed=1)
    b = load_speech_commands(root, words=WORDS, split="train", n_silence=5, seed=1)
    c = load_speech_commands(root, words=WORDS, split="train", n_silence=5, seed=2)
    silence = a.y == 0
    assert int(silence.sum()) == 5 and np.array_equal(a.x, b.x) and not np.array_equal(a.x, c.x)
    assert all(f.startswith("_background_noise_/") for f in a.meta["file"][silence])
    offsets = [float(f.split("@")[1][:-1]) for f in a.meta["file"][silence]]
    assert all(0 <= o <= 0.8 * 12 - 1 for o in offsets)  # train uses the first 80 % of each recording
    testing = load_speech_commands(root, words=WORDS, split="testing", n_silence=5)
    offsets = [float(f.split("@")[1][:-1]) for f in testing.meta["file"][testing.y == 0]]
    assert all(o >= 0.9 * 12 for o in offsets)
    assert np.all(np.isfinite(a.meta["noise_db"][silence])) and np.all(a.x[silence].std(axis=1) > 10)


def test_same_metadata_fields_as_synthetic_keywords(root):
    real = load_speech_commands(root, words=WORDS, max_per_class=2)
    synthetic = keywords(n_per_class=1, n_speakers=1, words=WORDS)
    assert real.classes == synthetic.classes and set(real.meta) == set(synthetic.meta)
    assert all(real.meta[k].dtype.kind == synthetic.meta[k].dtype.kind for k in real.meta)
    assert max(real.counts().values()) == 2
    train, test = group_split(real.meta["speaker"], 0.3, seed=0)
    assert not set(real.meta["speaker"][train]) & set(real.meta["speaker"][test])


def test_speaker_of_and_bad_sample_rate(root, tmp_path):
    assert speaker_of("yes/0a7c2a8d_nohash_3.wav") == "0a7c2a8d"
    (tmp_path / "yes").mkdir()
    wavfile.write(tmp_path / "yes" / "ab_nohash_0.wav", 8000, np.zeros(8000, np.int16))
    (tmp_path / "validation_list.txt").write_text("")
    (tmp_path / "testing_list.txt").write_text("")
    with pytest.raises(ValueError, match="8000 Hz"):
        load_speech_commands(tmp_path, words=["yes"], n_silence=0)
