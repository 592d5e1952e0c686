import numpy as np
import pytest
import torch
from transformers import AutoTokenizer, BertConfig, BertModel

import course_utils as cu
from course_utils.widgets import InferenceDemo, inference_demo, probability_bars_html


def test_probability_bars_show_the_winner_first_and_escape_text():
    out = probability_bars_html(["negative", "positive"], [0.2, 0.8], text="<b>x</b>")
    assert "<b>positive</b> (p = 0.800)" in out
    assert out.index("0.800</span>") < out.index("0.200</span>")
    assert "&lt;b&gt;x&lt;/b&gt;" in out
    with pytest.raises(ValueError, match="3 probabilities for 2 labels"):
        probability_bars_html(["a", "b"], [0.2, 0.3, 0.5])


def test_demo_runs_from_code_button_and_enter():
    calls = []

    def fake_predict(texts):
        calls.append(list(texts))
        return np.array([[0.1, 0.9] if "good" in t else [0.7, 0.3] for t in texts])

    demo = InferenceDemo(fake_predict, ["negative", "positive"])
    assert demo.run() is None and "Type some text" in demo.result.value and not calls
    assert demo.run("a good film") == pytest.approx({"negative": 0.1, "positive": 0.9})
    assert calls == [["a good film"]] and "<b>positive</b>" in demo.result.value
    demo.text.value = "a bad film"  # what pressing Enter does
    assert demo.last == pytest.approx({"negative": 0.7, "positive": 0.3})
    demo.button.click()             # the button classifies what is in the box
    assert len(calls) == 3 and calls[-1] == ["a bad film"]


def test_inference_demo_wraps_predict():
    tokenizer = AutoTokenizer.from_pretrained(str(cu.offline_model_path()))
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64)
    model = cu.BertClassifier(BertModel(config, add_pooling_layer=False), 3, pooling="mean")
    names = ["a", "b", "c"]
    demo = inference_demo(model, tokenizer, names)
    got = demo.run("a film about nothing")
    want = cu.predict(model, tokenizer, ["a film about nothing"], names).probs[0]
    assert list(got) == names and np.allclose(list(got.values()), want, atol=1e-6)
