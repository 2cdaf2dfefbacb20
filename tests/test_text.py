"""Character vocabulary and the BPTT stream loader."""
from __future__ import annotations

import numpy as np
import pytest

from scratchgrad.data import BPTTLoader, CharVocab, batchify


def test_char_vocab_round_trip_and_order():
    v = CharVocab.from_text(["hello", "world"])
    assert v.itos[0] == v.unk and v.itos[1:] == sorted(set("helloworld"))
    ids = v.encode("hello world")
    assert ids.dtype == np.int64
    assert v.decode(ids) == "hello" + v.unk + "world"  # ' ' was never seen
    assert v.decode(v.encode("lower")) == "lower"
    assert "h" in v and "z" not in v


def test_char_vocab_unknown_handling():
    v = CharVocab("ab", unk="?", specials=["<pad>", "<s>"])
    assert v.itos == ["?", "<pad>", "<s>", "a", "b"]
    assert v.encode("abz").tolist() == [3, 4, 0]
    assert v.decode([2, 3, 0]) == "<s>a?"
    strict = CharVocab("ab", unk=None)
    with pytest.raises(KeyError, match="'z' is not in the vocabulary"):
        strict.encode("az")
    with pytest.raises(IndexError, match="index 5 is out of range"):
        strict.decode([5])
    with pytest.raises(ValueError, match="single characters"):
        CharVocab(["ab"])
    assert CharVocab.from_text("aab", min_count=2, unk=None).itos == ["a"]


def test_batchify_columns_are_contiguous_streams():
    data = batchify(np.arange(23), 4)  # 3 tokens dropped
    assert data.shape == (5, 4) and data.flags.c_contiguous
    np.testing.assert_array_equal(data[:, 2], np.arange(10, 15))
    with pytest.raises(ValueError, match="1-D"):
        batchify(np.zeros((2, 2)), 2)
    with pytest.raises(ValueError, match="batch_size=5"):
        batchify(np.arange(3), 5)


def test_bptt_loader_windows_in_order_with_shifted_targets():
    stream = np.arange(41)
    loader = BPTTLoader(stream, batch_size=4, bptt=3)  # streams of 10 tokens: 9 predictions
    windows = list(loader)
    assert len(loader) == len(windows) == 3
    assert [x.shape for x, _ in windows] == [(3, 4), (3, 4), (3, 4)]
    xs = np.concatenate([x._data for x, _ in windows])
    ys = np.concatenate([y._data for _, y in windows])
    np.testing.assert_array_equal(xs[:, 1], np.arange(10, 19))  # stream 1 continues in order
    np.testing.assert_array_equal(ys, xs + 1)
    assert windows[0][0].dtype == np.int64
    last = list(BPTTLoader(np.arange(21), batch_size=2, bptt=4))[-1]
    assert last[0].shape == (1, 2)  # 9 predictions per stream: 4 + 4 + 1
    x, y = next(iter(BPTTLoader(stream, batch_size=4, bptt=3, batch_first=True)))
    assert x.shape == (4, 3) and x.tolist()[1] == [10, 11, 12]
    with pytest.raises(ValueError, match="at least 2 tokens"):
        BPTTLoader(np.arange(5), batch_size=5, bptt=2)


def test_char_lm_example_runs(tmp_path, capsys):
    import importlib.util
    import json
    import math
    import os
    from pathlib import Path

    words = "/usr/share/dict/american-english"
    if not os.path.isfile(words):
        pytest.skip("word list missing (apt-get install wamerican)")
    path = Path(__file__).resolve().parent.parent / "examples" / "char_lm.py"
    spec = importlib.util.spec_from_file_location("example_char_lm", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main(["--max-words", "2000", "--epochs", "2", "--hidden", "32", "--cell",
                       "gru", "--samples", "3", "--out", str(tmp_path)])
    # the baselines are ordered as they should be and the model learns something
    assert out["trigram_nats_per_char"] < out["unigram_nats_per_char"]
    assert out["history"][-1]["val"] < out["history"][0]["val"] < math.log(58)  # < uniform
    assert len(out["samples"]) == 3
    with open(out["json"]) as f:
        assert json.load(f)["cell"] == "gru"
    assert "validation nats/char" in capsys.readouterr().out
